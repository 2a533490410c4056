"""Place names as observers write them -> a city -> its region in the period's division.

data/raw/reference/gazetteer.csv lists every known spelling (Russian, Kazakh Cyrillic and Latin,
English, old names) of each city of cities.csv; divisions/<division>_cities.csv says which region
of that division each city lies in. So a region is never typed by hand, and a later division
(Shymkent, Turkistan, Abai, Jetisu, Ulytau) is a new crosswalk file, not new code.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

PREFIXES = re.compile(r"^(г\.|г |город |гор\.|пос\.|п\.|с\.|city of |town of )\s*")


def normalise(name: str) -> str:
    """Case, spacing, ё/е, dash variants and a leading 'г.'/'город' do not distinguish places."""
    text = " ".join(str(name).strip().lower().replace("ё", "е").split())
    text = re.sub(r"[\u2010-\u2015]", "-", text)
    return PREFIXES.sub("", text).strip()


@dataclass(frozen=True)
class Gazetteer:
    names: dict[str, str]  # normalised spelling -> city id
    spellings: tuple[str, ...]  # spellings as listed, for suggestions
    cities: pd.DataFrame  # cities.csv
    oblast_of_city: dict[str, str]  # city id -> region code of the division

    @classmethod
    def load(cls, reference_dir: Path, division: str) -> "Gazetteer":
        table = pd.read_csv(reference_dir / "gazetteer.csv", dtype=str, keep_default_na=False)
        cities = pd.read_csv(reference_dir / "cities.csv", dtype={"city": str})
        crosswalk = pd.read_csv(reference_dir / "divisions" / f"{division}_cities.csv", dtype=str)
        names: dict[str, str] = {}
        for spelling, city in zip(table["name"], table["city"]):
            key = normalise(spelling)
            if names.get(key, city) != city:
                raise ValueError(f"{reference_dir / 'gazetteer.csv'}: '{spelling}' names two cities, {names[key]} and {city}")
            names[key] = city
        return cls(names=names, spellings=tuple(table["name"]), cities=cities,
                   oblast_of_city=dict(zip(crosswalk["city"], crosswalk["oblast"])))

    def city(self, name: str) -> str | None:
        return self.names.get(normalise(name))

    def oblast(self, city: str) -> str | None:
        return self.oblast_of_city.get(city)

    def closest(self, name: str, n: int = 3) -> list[str]:
        by_key = {normalise(s): s for s in self.spellings}
        keys = difflib.get_close_matches(normalise(name), list(by_key), n=n, cutoff=0.6)
        return [by_key[k] for k in keys]

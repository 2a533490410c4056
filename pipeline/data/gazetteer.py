"""Place names as observers write them -> a city -> its region in the period's division.

data/raw/reference/gazetteer.csv lists every known spelling (Russian, Kazakh Cyrillic and Latin,
English, old names) of each city of cities.csv; divisions/<division>_cities.csv says which region
of that division each city lies in. A region's own name ('Алматинская область', 'Ақмола облысы',
'Akmola region') or an ISO 3166-2 code (letter or numeric, divisions/<division>_codes.csv) places
an event in a region only. ambiguous_places.csv lists spellings that name two places (Аксай): the
oblast column decides, or the name is refused naming both. So a region is never typed by hand, and a later division
(Shymkent, Turkistan, Abai, Jetisu, Ulytau) is a new crosswalk file, not new code.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

PREFIXES = re.compile(r"^(г\.|г |город |гор\.|пос\.|п\.|с\.|city of |town of )\s*")
# words that make a name a region's ('Алматы облысы' is the region, 'Алматы' the city) or a city's
REGION_WORDS = ("облысы", "область", "обл.", "обл", "region", "oblast", "oblysy", "province")
CITY_WORDS = ("қаласы", "қ.", "г.", "city", "qalasy")
QUOTES = re.compile("[«»\"“”„‟'`’‘]")
KAZAKH_LETTERS = str.maketrans("әғқңөұүһі", "агкноуухи")  # Kazakh letters to the Russian letters they are typed as
CYRILLIC = re.compile("[а-яәғқңөұүһі]")


def parse(name: str) -> tuple[str, bool]:
    """(the key a name is looked up by, whether it names a region). Case, spacing, ё/е, quotes,
    dashes (hyphen, minus, spaced), a space for a hyphen ('Нур Султан'), Kazakh letters typed as
    Russian ones ('Нұр-Сұлтан'), a Latin i for the Kazakh і, a leading 'г.' and a trailing 'қ.',
    'қаласы', 'обл.', 'облысы', 'region' do not distinguish names."""
    text = str(name).strip().lower().replace("ё", "е")
    if CYRILLIC.search(text):
        text = text.replace("i", "і")
    text = QUOTES.sub("", re.sub(r"[\u2010-\u2015\u2212]", "-", text))
    text = PREFIXES.sub("", " ".join(text.split())).strip()
    words, region = re.sub(r"\s*-\s*", "-", text).split(" "), False
    while len(words) > 1 and words[-1] in REGION_WORDS + CITY_WORDS:
        region = region or words[-1] in REGION_WORDS
        words.pop()
    return "".join(words).replace("-", "").translate(KAZAKH_LETTERS), region


def normalise(name: str) -> str:
    """The key a place name is looked up by (see parse)."""
    return parse(name)[0]


@dataclass(frozen=True)
class Place:
    """Where a place name puts an event: a city and its region, or a region only (city None)."""

    city: str | None
    oblast: str | None


@dataclass(frozen=True)
class Gazetteer:
    names: dict[str, tuple[str, ...]]  # key -> city ids ('' for "a settlement elsewhere"); more than one: ambiguous
    spellings: tuple[str, ...]  # spellings as listed, for suggestions
    cities: pd.DataFrame  # cities.csv
    oblast_of_city: dict[str, str]  # city id -> region code of the division
    regions: dict[str, str] = field(default_factory=dict)  # key of a region's name -> its code
    region_names: tuple[str, ...] = ()  # regions' names as listed, for suggestions
    units: dict[str, str] = field(default_factory=dict)  # code (and other ISO codes naming it) -> unit code
    unit_city: dict[str, str] = field(default_factory=dict)  # unit code of a city unit -> its city id

    @classmethod
    def load(cls, reference_dir: Path, division: str) -> "Gazetteer":
        table = pd.read_csv(reference_dir / "gazetteer.csv", dtype=str, keep_default_na=False)
        ambiguous = reference_dir / "ambiguous_places.csv"  # spellings that also name another place
        if ambiguous.exists():
            table = pd.concat([table, pd.read_csv(ambiguous, dtype=str, keep_default_na=False)], ignore_index=True)
        cities = pd.read_csv(reference_dir / "cities.csv", dtype={"city": str})
        crosswalk = pd.read_csv(reference_dir / "divisions" / f"{division}_cities.csv", dtype=str)
        names: dict[str, tuple[str, ...]] = {}
        for spelling, city in zip(table["name"], table["city"]):
            key = normalise(spelling)
            if city not in names.get(key, ()):
                names[key] = names.get(key, ()) + (city,)
        units, unit_city, regions, region_names = {}, {}, {}, []
        division_path = reference_dir / "divisions" / f"{division}.csv"
        if division_path.exists():
            division_table = pd.read_csv(division_path, dtype=str, keep_default_na=False)
            for row in division_table.itertuples(index=False):
                units[row.code.upper()] = row.code
                if row.kind == "city":
                    unit_city[row.code] = row.centre_city
                    continue
                for written in (row.name_ru, row.name_kk, row.name_en):
                    regions[normalise(written)] = row.code
                    region_names.append(written)
            aliases = reference_dir / "divisions" / f"{division}_codes.csv"  # e.g. the numeric ISO codes since 2020
            if aliases.exists():
                for code, unit in pd.read_csv(aliases, dtype=str, keep_default_na=False)[["code", "oblast"]].itertuples(index=False):
                    units[code.upper()] = unit
        return cls(names=names, spellings=tuple(table["name"]), cities=cities,
                   oblast_of_city=dict(zip(crosswalk["city"], crosswalk["oblast"])), regions=regions,
                   region_names=tuple(region_names), units=units, unit_city=unit_city)

    def city(self, name: str) -> str | None:
        """The city a name stands for, when it stands for one city only."""
        found = self.names.get(normalise(name), ())
        return found[0] if len(found) == 1 and found[0] else None

    def oblast(self, city: str) -> str | None:
        return self.oblast_of_city.get(city)

    def places(self, name: str) -> tuple[list[Place], str]:
        """Every place a name may stand for, and how it was read: 'code' (an ISO 3166-2 code of a
        unit), 'region' (a region's name), 'city' (a name of the gazetteer). A Place(None, None)
        stands for a settlement elsewhere, whose region the oblast column must give."""
        code = str(name).strip().upper()
        if code in self.units:
            unit = self.units[code]
            city = self.unit_city.get(unit)
            return [Place(city, unit)], "code"
        key, region = parse(name)
        if region:
            return ([Place(None, self.regions[key])] if key in self.regions else []), "region"
        return [Place(c or None, self.oblast_of_city.get(c) if c else None) for c in self.names.get(key, ())], "city"

    def closest(self, name: str, n: int = 3) -> list[str]:
        key, region = parse(name)
        spellings = self.region_names if region else self.spellings
        by_key: dict[str, str] = {}
        for s in spellings:  # the first spelling of a key (the Russian one: 'Актобе', not 'Ақтөбе')
            by_key.setdefault(normalise(s), s)
        keys = difflib.get_close_matches(key, list(by_key), n=n, cutoff=0.6)
        return [by_key[k] for k in keys]

    def describe(self, place: Place) -> str:
        """A candidate as messages name it: 'Aksay (KZ-ZAP)', 'a settlement elsewhere'."""
        if place.city is None:
            return f"the region {place.oblast}" if place.oblast else "a settlement of that name elsewhere (its region decides)"
        row = self.cities.loc[self.cities["city"] == place.city]
        label = row["name_en"].iloc[0] if len(row) else place.city
        return f"{label} ({place.oblast or 'no region in this division'})"

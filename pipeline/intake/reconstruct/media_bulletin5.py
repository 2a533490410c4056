"""Reconstruct the media log of bulletin No. 5: 175 materials in 114 outlets of 14 cities.

A RECONSTRUCTION from the published figures, built on the reconstructed incident log (a material
covers cases of that log). Kept exactly: 175 materials, 114 outlets, 14 cities; the four most
covered cities with 10 to 20 materials in each quarter and the seven least covered; 30 to 33
cases covered per quarter; 2 negative materials. Assumptions in ASSUMPTIONS.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from pipeline.data.periods import wave_of
from pipeline.intake.reconstruct.common import (
    largest_remainder,
    spelling,
    spread,
    write_csv,
)

SEED = 20160501

ASSUMPTIONS = {
    "most_covered_per_quarter": (10, 20),  # the bulletin: "one to two dozen materials a quarter"
    "least_covered_materials": 2,  # each of the seven least covered cities over the period
    "middle_materials": (3, 5),  # the other cities that had coverage
    "outlet_kind": {"news_site": 35, "social_network": 20, "newspaper": 18, "hr_organization_site": 10,
                    "tv": 8, "blog": 5, "radio": 4},
    "genre": {"news": 85, "analysis": 8, "interview": 6, "multimedia": 1},
    # supportive tone: most on HR organizations' sites and social networks, some elsewhere
    "supportive_share": {"hr_organization_site": 0.9, "social_network": 0.6, "blog": 0.5, "default": 0.25},
    "materials_per_outlet_zipf": 1.6,  # a few outlets carry many materials
    "two_cases_share": 0.15,  # materials that cover two cases
    "series_share": 0.2,  # cases of a quarter already covered in an earlier one (serial coverage)
}


class MediaReconstruction:
    def __init__(self, published: dict, incidents: dict[str, pd.DataFrame], reference: dict[str, pd.DataFrame],
                 period, seed: int = SEED):
        self.fig = published["media"]
        self.incidents = incidents
        self.ref = reference
        self.period = period
        self.rng = np.random.default_rng(seed)
        self.by_name = dict(zip(reference["cities"]["name_en"], reference["cities"]["city"]))
        self.by_name.update({"Uralsk": "oral", "Petropavlovsk": "petropavl"})  # English names of the bulletin

    def city_wave_counts(self) -> dict[tuple[str, int], int]:
        waves = [w["wave"] for w in self.period.waves]
        most = [self.by_name[c] for c in self.fig["most_covered"]]
        least = [self.by_name[c] for c in self.fig["least_covered"]]
        # the other covered cities: those of the rest with most violations in the incident log
        violations_per_city = self.incidents["violations"]["city"].value_counts()
        rest = [c for c in self.ref["cities"].query("kind == 'city'")["city"] if c not in most + least]
        middle_count = self.fig["cities"] - len(most) - len(least)
        middle = sorted(rest, key=lambda c: -violations_per_city.get(c, 0))[:middle_count]
        low, high = ASSUMPTIONS["middle_materials"]
        middle_totals = {c: int(self.rng.integers(low, high + 1)) for c in middle}
        least_totals = {c: ASSUMPTIONS["least_covered_materials"] for c in least}
        top_total = self.fig["materials"] - sum(middle_totals.values()) - sum(least_totals.values())
        q_low, q_high = ASSUMPTIONS["most_covered_per_quarter"]
        cells = spread(self.rng, len(most) * len(waves), top_total, q_low, q_high)
        counts = {(c, w): cells[i * len(waves) + j] for i, c in enumerate(most) for j, w in enumerate(waves)}
        for c, total in {**middle_totals, **least_totals}.items():
            per_wave = np.bincount(self.rng.integers(0, len(waves), total), minlength=len(waves))
            counts.update({(c, w): int(n) for w, n in zip(waves, per_wave)})
        assert sum(counts.values()) == self.fig["materials"]
        return counts

    def build(self) -> dict[str, pd.DataFrame]:
        counts = self.city_wave_counts()
        cities = sorted({c for c, _ in counts})
        per_city = {c: sum(n for (cc, _), n in counts.items() if cc == c) for c in cities}
        outlets_per_city = largest_remainder(per_city, self.fig["outlets"])
        for c in cities:  # at least one outlet per city, never more outlets than materials
            outlets_per_city[c] = min(max(outlets_per_city[c], 1), per_city[c])
        surplus = sum(outlets_per_city.values()) - self.fig["outlets"]
        for c in sorted(cities, key=lambda c: -outlets_per_city[c]):
            while surplus > 0 and outlets_per_city[c] > 1:
                outlets_per_city[c] -= 1
                surplus -= 1
        for c in sorted(cities, key=lambda c: -(per_city[c] - outlets_per_city[c])):
            while surplus < 0 and outlets_per_city[c] < per_city[c]:
                outlets_per_city[c] += 1
                surplus += 1
        assert sum(outlets_per_city.values()) == self.fig["outlets"]

        kinds = ASSUMPTIONS["outlet_kind"]
        kind_names, kind_p = list(kinds), np.array(list(kinds.values()), float) / sum(kinds.values())
        outlets, number = [], 0
        for c in cities:
            for _ in range(outlets_per_city[c]):
                number += 1
                outlets.append({"outlet_id": f"OUT-{number:03d}", "kind": str(self.rng.choice(kind_names, p=kind_p)),
                                "city": c})
        outlets = pd.DataFrame(outlets)

        materials = []
        for c in cities:
            own = outlets[outlets["city"] == c]["outlet_id"].tolist()
            n_city = per_city[c]
            # every outlet carries at least one material; the rest go to a few outlets (Zipf weights)
            weights = 1 / np.arange(1, len(own) + 1) ** ASSUMPTIONS["materials_per_outlet_zipf"]
            extra = self.rng.choice(len(own), size=n_city - len(own), p=weights / weights.sum())
            carried = list(range(len(own))) + list(extra)
            carried = list(self.rng.permutation(carried))
            for w in [w["wave"] for w in self.period.waves]:
                for _ in range(counts[(c, w)]):
                    materials.append({"outlet_id": own[carried.pop()], "wave": w, "city": c})
        materials = pd.DataFrame(materials)
        materials["date"] = [self._day_in(w) for w in materials["wave"]]
        kind_of = dict(zip(outlets["outlet_id"], outlets["kind"]))
        genres = ASSUMPTIONS["genre"]
        g_names, g_p = list(genres), np.array(list(genres.values()), float) / sum(genres.values())
        materials["genre"] = [str(self.rng.choice(g_names, p=g_p)) for _ in range(len(materials))]
        share = ASSUMPTIONS["supportive_share"]
        materials["tone"] = ["supportive" if self.rng.random() < share.get(kind_of[o], share["default"]) else "neutral"
                             for o in materials["outlet_id"]]
        negative = self.rng.choice(np.flatnonzero(materials["genre"] == "news"), size=self.fig["negative_materials"], replace=False)
        materials.loc[negative, "tone"] = "negative"
        materials["material_id"] = [f"tmp-{n}" for n in range(len(materials))]
        links = self.cover_cases(materials)
        # a material appears after the events it covers (within its quarter)
        case_day = self.incidents["violations"].groupby("case_id")["date"].min().map(dt.date.fromisoformat)
        latest = links.assign(day=links["case_id"].map(case_day)).groupby("material_id")["day"].max()
        for i, row in materials.iterrows():
            end = self.period.waves[row["wave"] - 1]["last_day"]
            if latest[row["material_id"]] > row["date"]:
                lag = dt.timedelta(days=int(self.rng.integers(0, 8)))
                materials.at[i, "date"] = min(end, latest[row["material_id"]] + lag)
        materials = materials.sort_values(["date", "city", "outlet_id"], kind="stable").reset_index(drop=True)
        final_ids = {old: f"MAT-{n:03d}" for n, old in enumerate(materials["material_id"], start=1)}
        materials["material_id"] = materials["material_id"].map(final_ids)
        links["material_id"] = links["material_id"].map(final_ids)
        links = links.sort_values(["material_id", "case_id"]).reset_index(drop=True)

        outlets["place"] = [spelling(self.rng, c, self.ref["cities"], self.ref["gazetteer"]) for c in outlets["city"]]
        materials["date"] = [d.isoformat() for d in materials["date"]]
        return {"outlets": outlets[["outlet_id", "kind", "place"]],
                "materials": materials[["material_id", "date", "outlet_id", "genre", "tone"]],
                "material_cases": links}

    def _day_in(self, wave: int) -> dt.date:
        w = self.period.waves[wave - 1]
        return w["first_day"] + dt.timedelta(days=int(self.rng.integers(0, (w["last_day"] - w["first_day"]).days + 1)))

    def cover_cases(self, materials: pd.DataFrame) -> pd.DataFrame:
        """Each quarter's materials cover between the published min and max of distinct cases."""
        violations = self.incidents["violations"]
        first_day = violations.groupby("case_id")["date"].min().map(dt.date.fromisoformat)
        case_wave = first_day.map(lambda d: wave_of(self.period, d))
        waves = [w["wave"] for w in self.period.waves]
        low, high = self.fig["cases_per_quarter"]["min"], self.fig["cases_per_quarter"]["max"]
        targets = [low, high] + [int(self.rng.integers(low, high + 1)) for _ in waves[2:]]
        targets = list(self.rng.permutation(targets))[: len(waves)]
        links, covered_before = [], []
        for w, target in zip(waves, targets):
            in_wave = list(case_wave[case_wave == w].index)
            series = [c for c in covered_before if c not in in_wave]
            n_series = min(len(series), round(ASSUMPTIONS["series_share"] * target))
            chosen = list(self.rng.choice(series, size=n_series, replace=False)) if n_series else []
            chosen += list(self.rng.choice(in_wave, size=target - n_series, replace=False))
            rows = list(materials.index[materials["wave"] == w])
            assert len(rows) >= target, "fewer materials than cases to cover in a quarter"
            order = list(self.rng.permutation(rows))
            for i, case in zip(order, chosen):  # every chosen case covered at least once
                links.append((materials.at[i, "material_id"], case))
            for i in order[len(chosen):]:
                links.append((materials.at[i, "material_id"], str(self.rng.choice(chosen))))
            for i in order:
                if self.rng.random() < ASSUMPTIONS["two_cases_share"]:
                    links.append((materials.at[i, "material_id"], str(self.rng.choice(chosen))))
            covered_before += chosen
        frame = pd.DataFrame(links, columns=["material_id", "case_id"]).drop_duplicates()
        return frame.sort_values(["material_id", "case_id"]).reset_index(drop=True)


def write(period, incidents: dict[str, pd.DataFrame], reference: dict[str, pd.DataFrame], seed: int = SEED):
    """incidents: the reconstructed cases and violations, the violations with their `city`."""
    from pipeline.data.figures import load_published

    published = load_published(period.published_figures_path)
    tables = MediaReconstruction(published, incidents, reference, period, seed).build()
    write_csv(tables["outlets"], period.raw_dir / "media_outlets.csv")
    write_csv(tables["materials"], period.raw_dir / "media_materials.csv")
    write_csv(tables["material_cases"], period.raw_dir / "media_material_cases.csv")
    return tables

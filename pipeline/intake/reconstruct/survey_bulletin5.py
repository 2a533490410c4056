"""Reconstruct the questionnaire microdata of bulletin No. 5 (Aug 2015 - Apr 2016).

The bulletin publishes only aggregates. This script builds one plausible set of 79 individual and
52 organization questionnaires that reproduces every survey figure the bulletin prints
(published_figures.yml: counts exactly, percentages to the printed decimal, means/min/max).
It is a RECONSTRUCTION, not the original data: the period is marked `data_origin: reconstructed`
and every output that shows it says so.

Where the bulletin is silent (how answers split between individuals and NGOs on items printed for
both together, regions of respondents, the spread of numbers between their printed min, mean and
max, ...) the choices are listed in ASSUMPTIONS below and drawn with a seeded generator: re-running
gives the same files byte for byte (`hrd-bulletin reconstruct 2015-08_2016-04`).
No personal data is invented: respondents are codes.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.data.figures import (
    base_and_count,
    counts_fitting,
    load_published,
    sum_for_mean,
)
from pipeline.intake.reconstruct.common import largest_remainder

SEED = 20160430  # last day of the period

ASSUMPTIONS = {
    # relative number of respondents per region (the bulletin: "all regions"; weights are ours)
    "region_weights": {"KZ-ALA": 12, "KZ-AST": 9, "KZ-AKT": 7, "KZ-PAV": 7, "KZ-KAR": 7, "KZ-VOS": 6,
                       "KZ-ZAP": 6, "KZ-KUS": 6, "KZ-YUZ": 6, "KZ-SEV": 5, "KZ-ALM": 5, "KZ-ZHA": 5,
                       "KZ-AKM": 5, "KZ-ATY": 5, "KZ-MAN": 4, "KZ-KZY": 4},
    # the bulletin: "low ratings of access are more often given by individuals than by NGOs";
    # weight of an individual relative to an NGO when the 'lacking' answers are split
    "individuals_lack_more": 1.25,
    # NGOs threatened (not printed; "threats are more widespread among those working alone")
    "organizations_threatened": 15,
    # threats per threatened NGO: "no difference in the mean" -> same printed mean, min and max
    # how those who see an attack as possible split between unlikely / likely / very likely
    "possible_attack_split": (0.30, 0.45, 0.25),
    # self-rated security on 1-5: starting weights, then nudged to the printed mean
    "self_rated_security_weights": (0.05, 0.15, 0.30, 0.35, 0.15),
    # victims of attacks are drawn three times as often from those who reported threats
    "threatened_weight": 3.0,
    # funding is reported in round sums of this many dollars (one value carries the remainder)
    "funding_unit": 500,
}

PROTECTION_ITEMS = {  # survey_all figure -> (column, answer it counts, is it a 'lacking' answer)
    "no_security_training": ("security_training_received", "no", True),
    "needs_security_training": ("needs_security_training", "yes", True),
    "needs_security_information": ("needs_security_information", "yes", True),
    "no_office_alarm": ("has_office_alarm", "no", True),
    "no_special_locks": ("has_special_locks", "no", True),
    "no_secure_communication": ("has_secure_communication", "no", True),
    "needs_financial_security_advice": ("needs_financial_security_advice", "yes", True),
}
OTHER = {"yes": "no", "no": "yes"}
ATTACKS = ("information", "reputational", "physical", "technical")


class Reconstruction:
    def __init__(self, published: dict, seed: int = SEED):
        self.fig = published
        self.rng = np.random.default_rng(seed)
        self.n_ind = published["sample"]["individuals"]
        self.n_org = published["sample"]["organizations"]
        assert self.n_ind + self.n_org == published["sample"]["respondents"]
        self.ind: dict[str, np.ndarray] = {}
        self.org: dict[str, np.ndarray] = {}

    # --- small tools ---------------------------------------------------------------------------
    def exact(self, n: int, counts: dict[str, int], filler: str | None = None) -> np.ndarray:
        """n answers with exactly `counts` of each code, the rest `filler` ('' = no answer), shuffled."""
        values = [code for code, k in counts.items() for _ in range(k)]
        assert len(values) <= n, (counts, n)
        values += [filler if filler is not None else ""] * (n - len(values))
        return self.rng.permutation(np.array(values, dtype=object))

    def split(self, k: int, weight_ind: float = 1.0, cap_ind: int | None = None, cap_org: int | None = None) -> tuple[int, int]:
        """Split k answers between individuals and NGOs in proportion to size (and weight)."""
        cap_ind = self.n_ind if cap_ind is None else cap_ind
        cap_org = self.n_org if cap_org is None else cap_org
        share = weight_ind * cap_ind / (weight_ind * cap_ind + cap_org)
        k_ind = int(round(k * share))
        k_ind = min(max(k_ind, k - cap_org), cap_ind, k)
        return k_ind, k - k_ind

    def numbers(self, n: int, mean: float, vmin: int, vmax: int, shape: float = 2.0, unit: int = 1) -> np.ndarray:
        """n whole numbers with the printed mean, min and max; gamma-shaped between them."""
        total = sum_for_mean(mean, n)
        x = self.rng.gamma(shape, mean / shape, size=n)
        x = np.clip(np.round(x / unit) * unit, vmin, vmax).astype(np.int64)
        x[0], x[1] = vmin, vmax
        free = np.arange(2, n)
        for _ in range(100_000):
            diff = total - int(x.sum())
            if abs(diff) < unit:
                break
            i = self.rng.choice(free)
            room = (vmax - unit - x[i]) if diff > 0 else (x[i] - vmin - unit)
            step = min(abs(diff) // unit, room // unit, max(1, abs(diff) // unit // len(free) + 1))
            if step > 0:
                x[i] += int(np.sign(diff)) * step * unit
        diff = total - int(x.sum())
        if diff:  # the remainder below one unit goes to one value strictly inside the range
            i = next(j for j in free if vmin < x[j] + diff < vmax)
            x[i] += diff
        assert x.sum() == total and x.min() == vmin and x.max() == vmax
        return self.rng.permutation(x)

    def events(self, victims: np.ndarray, counts: np.ndarray) -> np.ndarray:
        out = np.zeros(len(victims), dtype=np.int64)
        out[victims] = counts
        return out

    def pick(self, n: int, k: int, weights: np.ndarray | None = None) -> np.ndarray:
        """Boolean mask of k of n respondents, drawn with optional weights."""
        p = None if weights is None else weights / weights.sum()
        chosen = self.rng.choice(n, size=k, replace=False, p=p)
        mask = np.zeros(n, dtype=bool)
        mask[chosen] = True
        return mask

    # --- the questionnaire ---------------------------------------------------------------------
    def build(self, division_codes: list[str]) -> dict[str, pd.DataFrame]:
        self.regions(division_codes)
        self.portrait_individuals()
        self.portrait_organizations()
        self.protection()
        self.threats_and_attacks()
        self.likelihood_and_self_rating()
        self.coalition()
        return {"individuals": self.frame(self.ind, "IND"), "organizations": self.frame(self.org, "ORG")}

    def regions(self, division_codes):
        weights = ASSUMPTIONS["region_weights"]
        assert set(weights) == set(division_codes), "region weights must cover the period's division"
        for store, n in ((self.ind, self.n_ind), (self.org, self.n_org)):
            store["oblast"] = self.exact(n, largest_remainder(weights, n))

    def portrait_individuals(self):
        f, n = self.fig["survey_individuals"], self.n_ind
        for item in ("gender", "nationality", "education", "age_group", "employment"):
            self.ind[item] = self.exact(n, {code: v["count"] for code, v in f[item].items()})
        self.activity_types(f["activity_type"])
        # experience grows with age: sort drawn values by age group, with some noise
        e = f["experience_years"]
        years = np.sort(self.numbers(n, e["mean"], e["min"], e["max"], shape=2.5))
        age_rank = pd.Series(self.ind["age_group"]).map({"18-25": 0, "26-35": 1, "36-45": 2, "46-55": 3, "56+": 4})
        order = np.argsort(age_rank.to_numpy() + self.rng.normal(0, 0.8, n), kind="stable")
        experience = np.empty(n, dtype=np.int64)
        experience[order] = years
        self.ind["experience_years"] = experience
        self.ind["media_access"] = self.exact(n, {"yes": f["media_access"]["count"]}, "no")
        self.ind["law_enforcement_appeal_count"] = f["law_enforcement_appeal"]["count"]
        base, k = base_and_count(f["no_security_protocol"]["pct"], n)
        self.ind["has_security_protocol"] = self.exact(n, {"no": k, "yes": base - k})

    def activity_types(self, figures):
        """Multiple answers: everyone has at least one kind of activity."""
        n = self.n_ind
        columns = {"activist_public_figure": "activity_activist", "lawyer": "activity_lawyer",
                   "journalist": "activity_journalist", "trade_union": "activity_trade_union",
                   "advocate": "activity_advocate"}
        has = {code: np.zeros(n, dtype=bool) for code in columns}
        activists = self.pick(n, figures["activist_public_figure"]["count"])
        has["activist_public_figure"] = activists
        slots = [code for code in columns if code != "activist_public_figure" for _ in range(figures[code]["count"])]
        slots = list(self.rng.permutation(slots))
        others = list(self.rng.permutation(np.flatnonzero(~activists)))
        assert len(slots) >= len(others), "every non-activist needs another kind of activity"
        for person in others:  # one slot each for those who are not activists
            code = slots.pop()
            has[code][person] = True
        for code in slots:  # the rest to anyone who does not have that kind yet
            candidates = np.flatnonzero(~has[code])
            has[code][self.rng.choice(candidates)] = True
        for code, column in columns.items():
            self.ind[column] = np.where(has[code], "yes", "no").astype(object)

    def portrait_organizations(self):
        f, n = self.fig["survey_organizations"], self.n_org
        e, p, m = f["experience_years"], f["projects_per_year"], f["annual_funding_usd"]
        self.org["experience_years"] = self.numbers(n, e["mean"], e["min"], e["max"], shape=1.5)
        self.org["projects_per_year"] = self.numbers(n, p["mean"], p["min"], p["max"], shape=4.0)
        self.org["annual_funding_usd"] = self.numbers(n, m["mean"], m["min"], m["max"], shape=0.9,
                                                      unit=ASSUMPTIONS["funding_unit"])
        self.org["cooperates_with_state"] = self.exact(n, {"yes": f["cooperates_with_state"]["count"]}, "no")
        base, k = base_and_count(f["no_security_protocol"]["pct"], n)
        self.org["has_security_protocol"] = self.exact(n, {"no": k, "yes": base - k})

    def protection(self):
        """Items printed for all respondents together: split between individuals and NGOs."""
        total = self.n_ind + self.n_org
        for figure, (column, answer, lacking) in PROTECTION_ITEMS.items():
            base, k = base_and_count(self.fig["survey_all"][figure]["pct"], total)
            base_ind, base_org = self.split(base)
            weight = ASSUMPTIONS["individuals_lack_more"] if lacking else 1.0
            k_ind, k_org = self.split(k, weight, base_ind, base_org)
            self.ind[column] = self.exact(self.n_ind, {answer: k_ind, OTHER[answer]: base_ind - k_ind})
            self.org[column] = self.exact(self.n_org, {answer: k_org, OTHER[answer]: base_org - k_org})
        sie = self.fig["survey_all"]["secure_information_exchange"]
        for store, group, n in ((self.ind, "individuals", self.n_ind), (self.org, "organizations", self.n_org)):
            store["secure_information_exchange"] = self.exact(n, {a: sie[a][group]["count"] for a in sie})

    def threats_and_attacks(self):
        fi, fo = self.fig["survey_individuals"], self.fig["survey_organizations"]
        t = fi["threatened"]
        threatened = {"ind": self.pick(self.n_ind, t["count"]),
                      "org": self.pick(self.n_org, ASSUMPTIONS["organizations_threatened"])}
        self.ind["threats"] = self.events(threatened["ind"], self.numbers(
            t["count"], t["threats_mean"], t["threats_min"], t["threats_max"]))
        self.org["threats"] = self.events(threatened["org"], self.numbers(
            ASSUMPTIONS["organizations_threatened"], t["threats_mean"], t["threats_min"], t["threats_max"]))
        weight = ASSUMPTIONS["threatened_weight"]
        for kind in ATTACKS:
            a = self.fig["survey_all"]["attacks_experienced"][kind]
            k_ind, k_org = a["individuals"]["count"], a["organizations"]["count"]
            assert k_ind + k_org == a["all"]["count"]
            per_victim = self.numbers(k_ind + k_org, a["mean"], a["min"], a["max"], shape=1.5)
            for store, key, n, k, counts in ((self.ind, "ind", self.n_ind, k_ind, per_victim[:k_ind]),
                                             (self.org, "org", self.n_org, k_org, per_victim[k_ind:])):
                victims = self.pick(n, k, np.where(threatened[key], weight, 1.0))
                store[f"attacks_{kind}"] = self.events(victims, counts)
        # appeals come from those who met threats or attacks; the bulletin: none of them helped
        for store, n, k in ((self.ind, self.n_ind, self.ind.pop("law_enforcement_appeal_count")),
                            (self.org, self.n_org, fo["law_enforcement_appeal"]["count"])):
            harmed = (store["threats"] > 0) | np.any([store[f"attacks_{a}"] > 0 for a in ATTACKS], axis=0)
            appealed = self.pick(n, k, np.where(harmed, 10.0, 1.0))
            store["law_enforcement_appeal"] = np.where(appealed, "yes", "no").astype(object)
            store["law_enforcement_result"] = np.where(appealed, "no_measures", "").astype(object)

    def likelihood_and_self_rating(self):
        total = self.n_ind + self.n_org
        for kind, figure in self.fig["survey_all"]["attack_considered_likely"].items():
            base, possible = base_and_count(figure["pct"], total)
            base_ind, base_org = self.split(base)
            p_ind, p_org = self.split(possible, 1.0, base_ind, base_org)
            for store, n, b, p in ((self.ind, self.n_ind, base_ind, p_ind), (self.org, self.n_org, base_org, p_org)):
                levels = largest_remainder(dict(zip(("unlikely", "likely", "very_likely"),
                                                    ASSUMPTIONS["possible_attack_split"])), p)
                store[f"likelihood_{kind}"] = self.exact(n, {"impossible": b - p, **levels})
        mean = self.fig["survey_all"]["self_rated_security"]["mean"]
        target = sum_for_mean(mean, total)
        scores = self.rng.choice([1, 2, 3, 4, 5], size=total, p=ASSUMPTIONS["self_rated_security_weights"])
        while (diff := target - int(scores.sum())) != 0:
            movable = np.flatnonzero(scores < 5) if diff > 0 else np.flatnonzero(scores > 1)
            scores[self.rng.choice(movable)] += int(np.sign(diff))
        self.ind["self_rated_security"], self.org["self_rated_security"] = scores[:self.n_ind], scores[self.n_ind:]

    def coalition(self):
        c = self.fig["survey_all"]["coalition"]
        total = self.n_ind + self.n_org
        members = {"ind": self.fig["survey_individuals"]["coalition_member"]["count"],
                   "org": self.fig["survey_organizations"]["coalition_member"]["count"]}
        assert sum(members.values()) == c["member"]["count"]
        rest = total - c["member"]["count"]
        pairs = [(a, rest - a) for a in counts_fitting(c["not_member"]["pct"], total)
                 if rest - a in counts_fitting(c["not_aware"]["pct"], total)]
        not_member, not_aware = pairs[0]
        aware_ind, aware_org = self.split(not_aware, 1.0, self.n_ind - members["ind"], self.n_org - members["org"])
        for store, n, m, na in ((self.ind, self.n_ind, members["ind"], aware_ind),
                                (self.org, self.n_org, members["org"], aware_org)):
            store["coalition"] = self.exact(n, {"member": m, "not_aware": na, "not_member": n - m - na})

    @staticmethod
    def frame(columns: dict[str, np.ndarray], prefix: str) -> pd.DataFrame:
        n = len(next(iter(columns.values())))
        frame = pd.DataFrame({"respondent_id": [f"{prefix}-{i:03d}" for i in range(1, n + 1)], **columns})
        return frame.astype(str)


def write(period_dir: Path, division_codes: list[str], seed: int = SEED) -> list[Path]:
    """Rebuild survey_individuals.csv and survey_organizations.csv in period_dir."""
    from pipeline.data.codebook import load_codebook

    published = load_published(period_dir / "published_figures.yml")
    tables = Reconstruction(published, seed).build(division_codes)
    book = load_codebook("survey")
    written = []
    for key, frame in tables.items():
        raw = book.files[key]
        frame = frame[[c.name for c in raw.columns]]  # codebook order
        path = period_dir / raw.file
        frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
        written.append(path)
    return written

"""Reconstruct the incident log of bulletin No. 5: 391 cases, 407 violations.

A RECONSTRUCTION from the bulletin's published figures, not the observers' log. What it keeps
exactly: the threat-type x city matrix, cell by cell (published_matrix.csv, 352 violations of the
18 types shown); the number of cases and violations; 36 threat types in 5 categories; the shares of
victims by HRD category; the split of court proceedings by category; 96 proceedings against HRDs
and 13 lawsuits by them; convictions to acquittals 10:1; the state's response (91% ignored, half of
the reactions useful); the ranking of sources of threats and of plaintiffs.
Where the bulletin contradicts itself the matrix wins (60 refusals of information in the text, 59
in the matrix; 48 court proceedings against 47; Almaty 70 threats against a matrix column of 90),
and the reconciliation says so. Everything else is an assumption listed in ASSUMPTIONS.
"""
from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pandas as pd

from pipeline.data.figures import agrees, counts_fitting
from pipeline.data.gazetteer import Gazetteer
from pipeline.intake.reconstruct.common import largest_remainder, spelling, write_csv

SEED = 20160431 % 2**32

ASSUMPTIONS = {
    # violations of the 18 types the bulletin counts but does not show (407 - 352 = 55)
    "reconstructed_type_counts": {
        "administrative_arrest": 4, "administrative_fine": 4, "defamation_lawsuit": 5, "search_seizure": 3,
        "summons_interrogation": 6, "travel_ban": 1, "online_harassment": 5, "smear_publication": 2,
        "property_damage_theft": 3, "hacking": 3, "journalist_obstructed": 4, "print_run_seized": 1,
        "accreditation_refused": 2, "inspections": 4, "dismissal_employer_pressure": 3, "office_eviction": 2,
        "registration_refused": 2, "licence_disciplinary": 1},
    # where those 55 happened besides the cities whose prose totals they complete (Astana 50,
    # Pavlodar 50): settlements and cities outside the matrix
    "other_places": {"kyzylorda": 3, "zhanaozen": 3, "semey": 3, "temirtau": 2, "ekibastuz": 2, "rudny": 1,
                     "turkestan": 1, "konaev": 1, "stepnogorsk": 1, "aksay": 1, "kulsary": 1, "satpayev": 1,
                     "talgar": 1, "taraz": 1},
    # proceedings against HRDs (accused, defendant, witness), taken type by type in this order
    "proceedings_types": ["court_proceedings", "criminal_case_opened", "criminal_charge", "witness_status",
                          "defamation_lawsuit", "administrative_arrest"],
    # lawsuits HRDs brought against the state arose from these violations (weights)
    "lawsuit_types": {"information_refused": 5, "assembly_refused": 2, "registration_refused": 2,
                      "media_closure_blocking": 2, "participation_refused_public_bodies": 1, "office_eviction": 1},
    "acquittals": 3,  # convictions follow from the published ratio
    "terminated_share": 0.15,  # of proceedings neither convicted nor acquitted; the rest pending
    # who acted (weights per threat type); for court cases the plaintiff or initiator
    "source_weights": {
        "court_proceedings": {"police": 16, "akimat": 13, "private_person": 9, "prosecutor": 4, "business": 3, "other_state_body": 2},
        "police_detention": {"police": 1},
        "criminal_case_opened": {"police": 14, "national_security": 4, "prosecutor": 4},
        "removal_from_court_or_event": {"court": 9, "akimat": 4, "police": 2},
        "criminal_charge": {"police": 6, "prosecutor": 3, "national_security": 1},
        "witness_status": {"police": 7, "national_security": 3},
        "court_refused_motions": {"court": 1},
        "representative_barred_from_court": {"court": 1},
        "verbal_threats_pressure": {"unknown": 12, "police": 8, "private_person": 7, "akimat": 4, "business": 2, "national_security": 2},
        "assault_threat_of_violence": {"unknown": 9, "private_person": 5, "police": 3},
        "pressure_in_detention": {"penitentiary": 1},
        "assembly_refused": {"akimat": 1},
        "participation_refused_public_bodies": {"akimat": 1},
        "participation_refused_commissions": {"akimat": 5, "court": 3, "other_state_body": 1},
        "barred_from_event_premises": {"akimat": 3, "police": 2},
        "information_refused": {"akimat": 30, "other_state_body": 12, "court": 9, "police": 8},
        "demand_remove_publication": {"akimat": 9, "private_person": 7, "business": 5, "police": 3, "court": 2},
        "media_closure_blocking": {"court": 10, "other_state_body": 7, "prosecutor": 4},
        "administrative_arrest": {"police": 1}, "administrative_fine": {"police": 2, "akimat": 2},
        "defamation_lawsuit": {"private_person": 3, "business": 1, "akimat": 1},
        "search_seizure": {"police": 2, "national_security": 1}, "summons_interrogation": {"police": 4, "national_security": 2},
        "travel_ban": {"prosecutor": 1}, "online_harassment": {"unknown": 1}, "smear_publication": {"unknown": 1},
        "property_damage_theft": {"unknown": 1}, "hacking": {"unknown": 1},
        "journalist_obstructed": {"police": 2, "akimat": 2}, "print_run_seized": {"police": 1},
        "accreditation_refused": {"akimat": 1, "other_state_body": 1}, "inspections": {"other_state_body": 1},
        "dismissal_employer_pressure": {"business": 2, "akimat": 1}, "office_eviction": {"akimat": 1, "business": 1},
        "registration_refused": {"other_state_body": 1}, "licence_disciplinary": {"other_state_body": 1},
    },
    # how likely each category of HRD is the victim of a threat type (weights; default for others)
    "category_affinity": {
        "default": {"journalists_media": 5, "activists_public_figures": 3, "hr_organization_members": 1,
                    "ngos_groups": 1, "convicted_activists": 0.3, "lawyers_public_defenders": 0.5},
        "information_refused": {"journalists_media": 12, "activists_public_figures": 1, "ngos_groups": 1},
        "demand_remove_publication": {"journalists_media": 1}, "media_closure_blocking": {"journalists_media": 1},
        "journalist_obstructed": {"journalists_media": 1}, "print_run_seized": {"journalists_media": 1},
        "accreditation_refused": {"journalists_media": 1},
        "pressure_in_detention": {"convicted_activists": 1},
        "representative_barred_from_court": {"lawyers_public_defenders": 6, "hr_organization_members": 2},
        "licence_disciplinary": {"lawyers_public_defenders": 1},
        "court_refused_motions": {"lawyers_public_defenders": 5, "hr_organization_members": 2, "convicted_activists": 2},
        "inspections": {"ngos_groups": 6, "hr_organization_members": 3},
        "registration_refused": {"ngos_groups": 1}, "office_eviction": {"ngos_groups": 6, "hr_organization_members": 3},
        "assembly_refused": {"activists_public_figures": 5, "ngos_groups": 3, "hr_organization_members": 2},
        "participation_refused_public_bodies": {"activists_public_figures": 5, "ngos_groups": 3, "hr_organization_members": 2},
        "participation_refused_commissions": {"activists_public_figures": 5, "ngos_groups": 3, "hr_organization_members": 2, "lawyers_public_defenders": 2},
        "police_detention": {"activists_public_figures": 5, "journalists_media": 3, "hr_organization_members": 1},
    },
    # how cases join two violations (407 violations in 391 cases): preferred pairs of types
    "paired_types": [("criminal_case_opened", "criminal_charge"), ("police_detention", "administrative_arrest"),
                     ("police_detention", "criminal_case_opened"), ("search_seizure", "summons_interrogation"),
                     ("verbal_threats_pressure", "assault_threat_of_violence"), ("criminal_charge", "court_proceedings")],
    "information_source": {"observer": 45, "victim": 25, "media": 20, "hr_organization": 10},
    "court_monitoring_share": 0.3,  # of court cases first logged through trial monitoring
}


def category_quotas(pcts: dict[str, int], keys: dict[str, str], total: int) -> dict[str, int]:
    """Whole numbers of violations per HRD category that print as the published shares and sum to total."""
    names = list(pcts)
    options = [counts_fitting(pcts[n], total) for n in names]
    best = None
    for combo in itertools.product(*options):
        if sum(combo) != total:
            continue
        error = sum(abs(100 * k / total - pcts[n]) for n, k in zip(names, combo))
        if best is None or error < best[0]:
            best = (error, combo)
    if best is None:
        raise ValueError("no counts of violations fit the published shares of HRD categories")
    return {keys[n]: k for n, k in zip(names, best[1])}


class IncidentReconstruction:
    def __init__(self, published: dict, matrix: pd.DataFrame, reference: dict[str, pd.DataFrame], period, seed: int = SEED):
        self.fig = published["incidents"]
        self.matrix = matrix
        self.ref = reference
        self.period = period
        self.rng = np.random.default_rng(seed)

    def build(self) -> dict[str, pd.DataFrame]:
        v = self.violations_by_type_and_city()
        v["hrd_category"] = self.categories(v)
        v["source"] = self.sources(v)
        v["court_role"], v["court_outcome"] = self.court(v)
        v["state_response"] = self.state_response(len(v))
        cases = self.cases(v)
        return self.finish(v, cases)

    # --- what happened where ------------------------------------------------------------------
    def violations_by_type_and_city(self) -> pd.DataFrame:
        long = self.matrix.melt(id_vars="threat_type", var_name="city", value_name="n")
        rows = [(t, c) for t, c, n in long.itertuples(index=False) for _ in range(int(n))]
        assert len(rows) == self.fig["matrix_total"]
        extra = self.fig["violations"] - len(rows)
        types = ASSUMPTIONS["reconstructed_type_counts"]
        origin = self.ref["threat_types"].set_index("id")["origin"]
        assert set(types) == set(origin[origin == "reconstructed"].index) and sum(types.values()) == extra
        extra_types = [t for t, n in types.items() for _ in range(n)]
        # prose totals of the riskiest cities: completed by the unshown types where the matrix is below them
        cities = self.ref["cities"]
        by_name = dict(zip(cities["name_en"], cities["city"]))
        column_totals = self.matrix.drop(columns="threat_type").sum()
        places: list[str] = []
        for name, total in self.fig["riskiest_cities"].items():
            if name in by_name:
                places += [by_name[name]] * max(0, int(total) - int(column_totals[by_name[name]]))
        rest = largest_remainder(ASSUMPTIONS["other_places"], extra - len(places))
        places += [c for c, n in rest.items() for _ in range(n)]
        extra_rows = list(zip(self.rng.permutation(extra_types), places))
        return pd.DataFrame(rows + extra_rows, columns=["threat_type", "city"])

    def categories(self, v: pd.DataFrame) -> np.ndarray:
        categories = self.ref["hrd_categories"]
        keys = {k: i for i, k in zip(categories["id"], categories["published_key"]) if k}
        quota = category_quotas(self.fig["victims_by_hrd_category_pct"], keys, len(v))
        out = np.empty(len(v), dtype=object)
        # court proceedings: the bulletin's split by category
        court = self.fig["top_types"]["court_proceedings"]
        split = {"journalists_media": court["journalists"], "activists_public_figures": court["activists"],
                 "hr_organization_members": court["hr_organization_members"]}
        rows = np.flatnonzero(v["threat_type"].to_numpy() == "court_proceedings")
        assert len(rows) == sum(split.values()), "the matrix's court proceedings and their split by category differ"
        labels = self.rng.permutation([c for c, n in split.items() for _ in range(n)])
        out[rows] = labels
        for c, n in split.items():
            quota[c] -= n
        affinity = ASSUMPTIONS["category_affinity"]
        for i in self.rng.permutation(np.flatnonzero(out == None)):  # noqa: E711 - numpy object array
            weights_of_type = affinity.get(v.at[i, "threat_type"], affinity["default"])
            names = [c for c in quota if quota[c] > 0]
            w = np.array([(weights_of_type.get(c, 0) + 1e-3) * quota[c] for c in names], dtype=float)
            choice = names[self.rng.choice(len(names), p=w / w.sum())]
            out[i] = choice
            quota[choice] -= 1
        assert all(q == 0 for q in quota.values())
        return out

    def sources(self, v: pd.DataFrame) -> np.ndarray:
        out = np.empty(len(v), dtype=object)
        for threat_type, rows in v.groupby("threat_type").groups.items():
            counts = largest_remainder(ASSUMPTIONS["source_weights"][threat_type], len(rows))
            out[list(rows)] = self.rng.permutation([s for s, n in counts.items() for _ in range(n)])
        return out

    def court(self, v: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        role = np.full(len(v), "", dtype=object)
        target = self.fig["proceedings_against_hrds"]
        for threat_type in ASSUMPTIONS["proceedings_types"]:
            rows = list(self.rng.permutation(np.flatnonzero(v["threat_type"].to_numpy() == threat_type)))
            rows = rows[: max(0, target - int((role != "").sum()))]
            for i in rows:
                if threat_type == "witness_status":
                    role[i] = "witness"
                elif threat_type == "defamation_lawsuit" or v.at[i, "source"] in ("akimat", "private_person", "business", "other_state_body"):
                    role[i] = "defendant"
                else:
                    role[i] = "accused"
        assert (role != "").sum() == target
        lawsuits = largest_remainder(ASSUMPTIONS["lawsuit_types"], self.fig["lawsuits_by_hrds_against_state"])
        state_sources = set(self.ref["threat_sources"].query("state == 'yes'")["id"])
        for threat_type, n in lawsuits.items():
            candidates = [i for i in np.flatnonzero(v["threat_type"].to_numpy() == threat_type)
                          if role[i] == "" and v.at[i, "source"] in state_sources]
            for i in self.rng.choice(candidates, size=n, replace=False):
                role[i] = "plaintiff_against_state"
        # outcomes of proceedings against HRDs: convictions to acquittals as published (e.g. "10:1")
        judged = np.flatnonzero(np.isin(role, ["accused", "defendant"]))
        ratio = [int(x) for x in str(self.fig["conviction_to_acquittal"]).split(":")]
        acquittals = ASSUMPTIONS["acquittals"]
        convictions = acquittals * ratio[0] // ratio[1]
        terminated = round(ASSUMPTIONS["terminated_share"] * len(judged))
        pending = len(judged) - convictions - acquittals - terminated
        outcome = np.full(len(v), "", dtype=object)
        outcome[self.rng.permutation(judged)] = (["conviction"] * convictions + ["acquittal"] * acquittals
                                                 + ["terminated"] * terminated + ["pending"] * pending)
        return role, outcome

    def state_response(self, n: int) -> np.ndarray:
        pct = self.fig["state_ignored_pct"]
        ignored = min(counts_fitting(pct, n), key=lambda k: abs(100 * k / n - pct))
        reacted = n - ignored
        useful = round(reacted * self.fig["state_reaction_useful_share"])
        assert agrees(self.fig["state_reaction_useful_share"], useful / reacted)
        values = ["ignored"] * ignored + ["useful"] * useful + ["formal"] * (reacted - useful)
        return self.rng.permutation(np.array(values, dtype=object))

    # --- cases, dates, ids --------------------------------------------------------------------
    def cases(self, v: pd.DataFrame) -> np.ndarray:
        """Case number of each violation: most cases hold one violation, some two of one person."""
        pairs_needed = self.fig["violations"] - self.fig["cases"]
        case = np.full(len(v), -1)
        used: set[int] = set()
        pairs = []
        groups = v.groupby(["city", "hrd_category"]).groups
        for first, second in itertools.cycle(ASSUMPTIONS["paired_types"] + [(None, None)]):
            if len(pairs) == pairs_needed:
                break
            found = self._pair(v, groups, used, first, second)
            if found:
                pairs.append(found)
                used.update(found)
        for number, (a, b) in enumerate(pairs):
            case[[a, b]] = number
        singles = [i for i in range(len(v)) if case[i] < 0]
        case[singles] = np.arange(len(pairs), len(pairs) + len(singles))
        assert case.max() + 1 == self.fig["cases"]
        return case

    def _pair(self, v, groups, used, first, second=None):
        keys = list(groups)
        for k in self.rng.permutation(len(keys)):
            free = [i for i in groups[keys[k]] if i not in used]
            if first is None:
                if len(free) >= 2:
                    return tuple(self.rng.choice(free, size=2, replace=False))
                continue
            a = [i for i in free if v.at[i, "threat_type"] == first]
            b = [i for i in free if v.at[i, "threat_type"] == second]
            if a and b:
                return a[0], b[0]
        return None

    def finish(self, v: pd.DataFrame, case: np.ndarray) -> dict[str, pd.DataFrame]:
        first, last = self.period.first_day, self.period.last_day
        days = (last - first).days
        n_cases = case.max() + 1
        case_day = np.array([first + dt.timedelta(days=int(d)) for d in self.rng.integers(0, days + 1, n_cases)])
        v["case"] = case
        v["date"] = [case_day[c] for c in case]
        for c in np.flatnonzero(np.bincount(case) == 2):  # the second violation of a case follows the first
            second = np.flatnonzero(case == c)[1]
            v.at[second, "date"] = min(last, v.at[second, "date"] + dt.timedelta(days=int(self.rng.integers(1, 31))))
        v = v.sort_values(["date", "case"], kind="stable").reset_index(drop=True)
        order = {c: n for n, c in enumerate(dict.fromkeys(v["case"]), start=1)}
        v["case_id"] = [f"CASE-{order[c]:04d}" for c in v["case"]]
        v["violation_id"] = [f"VIOL-{n:04d}" for n in range(1, len(v) + 1)]
        cities, gazetteer = self.ref["cities"], self.ref["gazetteer"]
        v["place"] = [spelling(self.rng, c, cities, gazetteer) for c in v["city"]]

        crosswalk = dict(zip(self.ref["crosswalk"]["city"], self.ref["crosswalk"]["oblast"]))
        observers = {code: f"OBS-{n:02d}" for n, code in enumerate(sorted(self.ref["division"]["code"]), start=1)}
        sources = ASSUMPTIONS["information_source"]
        names, weights = list(sources), np.array(list(sources.values()), dtype=float)
        rows = []
        for case_id, part in v.groupby("case_id", sort=True):
            court_case = (part["court_role"] != "").any()
            if court_case and self.rng.random() < ASSUMPTIONS["court_monitoring_share"]:
                origin = "court_monitoring"
            else:
                origin = names[self.rng.choice(len(names), p=weights / weights.sum())]
            reported = min(last, part["date"].max() + dt.timedelta(days=int(self.rng.integers(0, 11))))
            rows.append({"case_id": case_id, "observer_id": observers[crosswalk[part["city"].iloc[0]]],
                         "reported_on": reported.isoformat(), "information_source": origin})
        v["date"] = [d.isoformat() for d in v["date"]]
        violations = v[["violation_id", "case_id", "date", "place", "hrd_category", "threat_type", "source",
                        "court_role", "court_outcome", "state_response", "city"]]  # city: not written
        return {"cases": pd.DataFrame(rows), "violations": violations}


def write(period, reference: dict[str, pd.DataFrame], seed: int = SEED) -> dict[str, pd.DataFrame]:
    from pipeline.data.figures import load_published

    published = load_published(period.published_figures_path)
    matrix = pd.read_csv(period.published_matrix_path)
    tables = IncidentReconstruction(published, matrix, reference, period, seed).build()
    write_csv(tables["cases"], period.raw_dir / "incidents_cases.csv")
    # a name two places bear (Аксай, Шевченко) gets its region, as an observer would write it
    gazetteer = Gazetteer.load(period.reference_dir, period.division)
    violations = tables["violations"].copy()
    violations["oblast"] = [gazetteer.oblast(c) if len(gazetteer.places(p)[0]) > 1 else ""
                            for p, c in zip(violations["place"], violations["city"])]
    write_csv(violations.drop(columns="city"), period.raw_dir / "incidents_violations.csv")
    return tables

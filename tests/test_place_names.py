"""Place names as observers write them (issue 15, item 5): regions, ambiguous names, spellings, codes."""
from __future__ import annotations

import pytest

from pipeline.data.errors import InputError
from pipeline.data.io import load_raw
from pipeline.data.periods import load_period
from tests.conftest import PERIOD

ROW = 9  # a row of incidents_violations.csv whose place is edited (spreadsheet row)


def set_place(root, place, oblast="", row=ROW):
    path = root / "raw" / PERIOD / "incidents_violations.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[row - 1].split(",")
    cells[header.index("place")] = place
    cells[header.index("oblast")] = oblast
    lines[row - 1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def placed(root, place, oblast=""):
    set_place(root, place, oblast)
    row = load_raw(PERIOD, root, only=("cases", "violations"))["violations"].iloc[ROW - 2]
    return (None if row["city"] is None or str(row["city"]) == "<NA>" else row["city"]), row["oblast"]


def refused(root, place, oblast="", file="incidents_violations.csv"):
    set_place(root, place, oblast)
    with pytest.raises(InputError) as error:
        load_raw(PERIOD, root, only=("cases", "violations"))
    found = [p for p in error.value.problems if p.row == ROW and p.column == "place"]
    assert found, error.value.report()
    return str(found[0])


@pytest.mark.parametrize("name, oblast", [("Алматинская область", "KZ-ALM"), ("Ақмола облысы", "KZ-AKM"),
                                          ("Akmola region", "KZ-AKM"), ("Алматы облысы", "KZ-ALM"),
                                          ("Алматинская обл.", "KZ-ALM"), ("KZ-11", "KZ-AKM"), ("KZ-AKM", "KZ-AKM")])
def test_an_event_known_only_by_its_region_is_region_level(data_root, name, oblast):
    city, region = placed(data_root, name)
    assert city is None and region == oblast


@pytest.mark.parametrize("name, city", [("Нур Султан", "astana"), ("Nur Sultan", "astana"), ("Нұр-Сұлтан", "astana"),
                                        ("Алма Ата", "almaty"), ("Темiртау", "temirtau"), ("Усть−Каменогорск", "oskemen"),
                                        ("Усть - Каменогорск", "oskemen"), ("«Алматы»", "almaty"), ('"Алматы"', "almaty"),
                                        ("Алматы қ.", "almaty"), ("Алматы қаласы", "almaty"), ("KZ-75", "almaty"),
                                        ("kz-ala", "almaty")])
def test_plainly_the_same_name_is_found(data_root, name, city):
    assert placed(data_root, name)[0] == city


@pytest.mark.parametrize("name, oblast, city", [("Аксай", "KZ-ZAP", "aksay"), ("Аксай", "KZ-ALA", "almaty"),
                                                ("Аксай", "KZ-75", "almaty"), ("Шевченко", "KZ-MAN", "aktau"),
                                                ("Никольский", "KZ-KAR", "satpayev")])
def test_an_ambiguous_name_is_decided_by_the_oblast_column(data_root, name, oblast, city):
    assert placed(data_root, name, oblast)[0] == city


def test_an_ambiguous_name_with_the_region_of_another_settlement_is_region_level(data_root):
    assert placed(data_root, "Шевченко", "KZ-KUS") == (None, "KZ-KUS")


@pytest.mark.parametrize("name, words", [("Аксай", "'Аксай' is Aksay (KZ-ZAP) or Almaty (KZ-ALA); give its region in column 'oblast'"),
                                         ("Шевченко", "'Шевченко' is Aktau (KZ-MAN) or a settlement of that name elsewhere"),
                                         ("Никольский", "Satpayev (KZ-KAR) or a settlement")])
def test_an_ambiguous_name_without_its_region_is_refused_naming_both(data_root, name, words):
    assert words in refused(data_root, name)


def test_an_ambiguous_name_with_a_region_it_is_not_in(data_root):
    assert "a place in the region of column 'oblast', KZ-PAV: 'Аксай' is Aksay (KZ-ZAP) or Almaty (KZ-ALA)" in refused(
        data_root, "Аксай", "KZ-PAV")


def test_a_region_like_name_gets_region_suggestions(data_root):
    message = refused(data_root, "Алмотинская область")
    assert "expected a region of division kz_2015; closest known: Алматинская область" in message


def test_a_city_name_still_gets_city_suggestions(data_root):
    assert "closest known: Алма-Ата, Алматы" in refused(data_root, "Алмата")


def test_a_region_is_refused_where_the_file_counts_by_city(data_root):
    path = data_root / "raw" / PERIOD / "media_outlets.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",Актобе", ",Актюбинская область", 1), encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_raw(PERIOD, data_root, only=("outlets",))
    assert "names the region KZ-AKT, and this file counts by city" in error.value.report()


def test_numeric_iso_codes_in_a_division_column(data_root):
    path = data_root / "raw" / PERIOD / "regional_assessments.csv"
    text = path.read_text(encoding="utf-8")
    before = load_raw(PERIOD, data_root, only=("regional_assessments",))["regional_assessments"]
    path.write_text(text.replace("KZ-AKM,", "KZ-11,").replace("KZ-ALA,", "kz-75,"), encoding="utf-8")
    after = load_raw(PERIOD, data_root, only=("regional_assessments",))["regional_assessments"]
    assert after.equals(before)


def test_region_level_events_count_in_region_tables_not_in_city_tables(data_root):
    from pipeline.parts import incidents
    from pipeline.parts.inputs import load_inputs

    period = load_period(PERIOD, data_root)
    before = incidents.tables(load_inputs(incidents, period))
    set_place(data_root, "Костанайская область")
    after = incidents.tables(load_inputs(incidents, period))
    assert after["incidents_by_city"]["violations"].sum() == before["incidents_by_city"]["violations"].sum() - 1
    assert after["incidents_matrix"]["violations"].sum() == before["incidents_matrix"]["violations"].sum() - 1

    def regions(tables):
        table = tables["incidents_by_oblast"]
        return table[table["hrd_category"] == "all"].set_index("oblast")["violations"]

    assert regions(after).sum() == regions(before).sum()
    assert regions(after)["KZ-KUS"] == regions(before)["KZ-KUS"] + 1  # row 9 was Жезказган, KZ-KAR

"""Bulletin No. 5's raw survey files are rebuilt, byte for byte, by the seeded reconstruction."""
from __future__ import annotations

from pipeline.data.codebook import all_files, render_markdown
from pipeline.data.periods import load_period
from pipeline.intake.reconstruct import rebuild_bulletin5
from pipeline.paths import REPO_ROOT

PERIOD = "2015-08_2016-04"


def test_reconstruction_reproduces_the_shipped_files(data_root):
    period = load_period(PERIOD, data_root)
    for path in period.raw_dir.glob("*.csv"):
        if path.name != "published_matrix.csv":
            path.unlink()
    written = rebuild_bulletin5(period)
    assert len(written) == 8
    for path in written:
        shipped = REPO_ROOT / "data" / "raw" / PERIOD / path.name
        assert path.read_bytes() == shipped.read_bytes(), path.name


def test_period_says_its_data_is_reconstructed():
    period = load_period(PERIOD)
    assert period.data_origin == "reconstructed"
    readme = (REPO_ROOT / "data" / "raw" / PERIOD / "README.md").read_text(encoding="utf-8")
    assert "reconstruct" in readme.lower()


def test_codebook_markdown_is_current():
    shipped = (REPO_ROOT / "data" / "raw" / "CODEBOOK.md").read_text(encoding="utf-8")
    assert shipped == render_markdown(), "run `hrd-bulletin codebook` after editing pipeline/schemas/"


def test_codebook_documents_every_raw_column():
    for _, raw in all_files().values():
        header = (REPO_ROOT / "data" / "raw" / PERIOD / raw.file).read_text(encoding="utf-8").splitlines()[0]
        names = header.split(",")  # a column that may be left out (an ambiguous place's oblast) may be absent
        assert names == [c.name for c in raw.columns if not c.may_be_absent or c.name in names]
        for column in raw.columns:
            assert column.ru and column.en and column.question and column.type

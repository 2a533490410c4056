"""Pipeline of the HRD monitoring bulletin: raw period data -> validated tables -> maps -> bulletin.

Researchers' entry points (see README.md):

    from pipeline import load_raw, load_processed
    raw = load_raw("2015-08_2016-04")              # validated raw tables, personal data removed
    shares = load_processed("2015-08_2016-04", "survey_shares")

Data of human rights defenders is sensitive: nothing this package publishes (processed tables,
notebooks, maps, the bulletin) may carry personal data; raw files keep it, readers drop it.
"""
from pipeline.io import load_processed, load_raw
from pipeline.periods import Period, load_period

__all__ = ["Period", "load_period", "load_raw", "load_processed"]

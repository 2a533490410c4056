"""Pipeline of the HRD monitoring bulletin: raw period data -> validated tables -> maps -> bulletin.

Researchers' entry points (see README.md):

    from pipeline import load_processed, load_raw
    raw = load_raw("2015-08_2016-04")              # validated raw tables, personal data removed
    shares = load_processed("2015-08_2016-04", "survey_portrait_shares")

Data of human rights defenders is sensitive: nothing this package publishes (processed tables,
notebooks, maps, the bulletin) may carry personal data; raw files keep it, readers drop it.
"""
from pipeline.data.io import load_raw
from pipeline.data.periods import Period, load_period
from pipeline.outputs.processed import load_processed

__all__ = ["Period", "load_period", "load_raw", "load_processed"]

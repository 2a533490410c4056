"""Pipeline of the HRD monitoring bulletin: raw period data -> validated tables -> maps -> bulletin.

Researchers' entry points (see README.md):

    from pipeline import load_processed, load_raw
    raw = load_raw("2015-08_2016-04")              # validated raw tables, personal data removed
    shares = load_processed("2015-08_2016-04", "survey_portrait_shares")

Data of human rights defenders is sensitive: nothing this package publishes (processed tables,
notebooks, maps, the bulletin) may carry personal data; raw files keep it, readers drop it.
"""
from __future__ import annotations

__all__ = ["Period", "load_period", "load_raw", "load_processed"]


def __getattr__(name: str):
    """The researchers' entry points, imported when first used (PEP 562): commands that need no
    pandas (`hrd-bulletin steps`, `render` until its Quarto has started) do not load it. Plain
    import statements, so that the steps' fingerprints see them (pipeline.run.code)."""
    if name == "load_raw":
        from pipeline.data.io import load_raw

        return load_raw
    if name in ("Period", "load_period"):
        from pipeline.data import periods

        return getattr(periods, name)
    if name == "load_processed":
        from pipeline.outputs.processed import load_processed

        return load_processed
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")


def __dir__() -> list[str]:  # the entry points in a notebook's tab completion too
    return sorted([*globals(), *__all__])

"""The Jupyter kernel of a run's notebooks: ipykernel, started without one slow import.

plotly's notebook renderers import nbformat, which imports jsonschema, which compiles an IRI grammar
(rfc3987_syntax, pulled in by jupyter-events) for about a second at import: a second in each of a
run's six kernels, a tenth of a cold run's notebooks, and one in the run's own process (papermill).
Neither the notebooks nor papermill validate IRIs; jsonschema treats the module as absent (it is
optional there) and leaves out that one format check. Everything else is ipykernel's own launcher
(interactive Jupyter sessions use the usual kernel).
"""
import sys


def skip_iri_grammar() -> None:
    """Before jsonschema's first import: make `import rfc3987_syntax` raise ImportError."""
    sys.modules.setdefault("rfc3987_syntax", None)


if __name__ == "__main__":
    skip_iri_grammar()
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()

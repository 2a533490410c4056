"""Command line: `hrd-bulletin <command>` (or `python -m pipeline <command>`)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline.errors import InputError

DEFAULT_PERIOD = "2015-08_2016-04"
# Exit statuses: 0 done; 1 a step failed (or outputs cannot be written); 2 bad input (every problem
# listed); 3 the period is busy (another run or render of it is in progress).
EXIT_FAILED, EXIT_BAD_INPUT, EXIT_BUSY = 1, 2, 3


def period_id_arg(text: str) -> str:
    """argparse type: a period id of the documented shape, checked before anything builds a path."""
    from pipeline.periods import period_id_problem

    problem = period_id_problem(text)
    if problem:
        raise argparse.ArgumentTypeError(f"{text!r} is not a period id: expected {problem}")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hrd-bulletin", description=__doc__)
    parser.add_argument("--data-root", help="folder holding raw/ and processed/ (default: the repository's data/)")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run periods' notebooks and publish their processed tables and bulletins")
    run.add_argument("periods", nargs="*", metavar="period", type=period_id_arg, help=f"period ids (default {DEFAULT_PERIOD})")
    run.add_argument("--all", action="store_true", help="every period in data/raw/")
    run.add_argument("--jobs", type=int, default=None,
                     help="how many notebooks or periods run at once (default: the number of cores); "
                          "--jobs 1 runs one notebook at a time with per-cell progress bars")
    run.add_argument("--quiet", action="store_true", help="no per-cell progress bars")
    run.add_argument("--no-bulletin", action="store_true", help="stop after the tables and maps (no Quarto render)")
    run.add_argument("--force", action="store_true", help="execute every step, even those whose inputs are unchanged")

    rendering = sub.add_parser("render", help="render the bulletin of a period from its processed outputs (HTML and PDF)")
    rendering.add_argument("period", nargs="?", default=DEFAULT_PERIOD, type=period_id_arg)
    rendering.add_argument("--lang", nargs="+", choices=("ru", "en"), default=["ru", "en"], help="editions (default: both)")
    rendering.add_argument("--format", nargs="+", choices=("html", "pdf"), default=["html", "pdf"], dest="formats")

    check = sub.add_parser("validate", help="check a period's raw files against the codebook, run nothing")
    check.add_argument("period", nargs="?", default=DEFAULT_PERIOD, type=period_id_arg)

    sub.add_parser("periods", help="list the periods in data/raw/")
    sub.add_parser("steps", help="what each step of a run reads and which pipeline code it uses (when it re-runs)")

    rebuild = sub.add_parser("reconstruct", help="rebuild bulletin No. 5's reconstructed raw files")
    rebuild.add_argument("period", nargs="?", default=DEFAULT_PERIOD, type=period_id_arg)

    sub.add_parser("codebook", help="write data/raw/CODEBOOK.md from pipeline/schemas/")

    synth = sub.add_parser("synthesize", help="write a synthetic period (random, valid, labelled synthetic)")
    synth.add_argument("period", type=period_id_arg, help="id of the new period, e.g. 2030-01_2030-09")
    synth.add_argument("--scale", type=float, default=1.0, help="volume relative to bulletin No. 5 (default 1)")
    synth.add_argument("--seed", type=int, default=0)
    synth.add_argument("--previous", type=period_id_arg, help="id of the period before it (its dynamics compare against that period)")
    synth.add_argument("--replace", action="store_true",
                       help="overwrite the period if it exists and is itself synthetic (never observed or reconstructed data)")

    args = parser.parse_args(argv)
    import warnings

    from pipeline.validation import InputWarning

    warnings.simplefilter("always", InputWarning)
    warnings.formatwarning = lambda message, category, *rest: f"WARNING: {message}\n"
    from pipeline.publish import PeriodBusy, RunFailed

    try:
        return _dispatch(args)
    except InputError as exc:
        print(exc.report(), file=sys.stderr)
        return EXIT_BAD_INPUT
    except PeriodBusy as exc:
        print(exc, file=sys.stderr)
        return EXIT_BUSY
    except RunFailed as exc:  # already logged where it failed, except before the run began
        if not exc.logged:
            print(exc, file=sys.stderr)
        return EXIT_FAILED


def _dispatch(args) -> int:
    from pipeline import paths
    from pipeline.periods import list_periods, load_period

    if args.command == "run":
        from pipeline.run import run_period

        if args.all and args.periods:
            print("give period ids or --all, not both", file=sys.stderr)
            return 2
        chosen = list_periods(args.data_root) if args.all else list(dict.fromkeys(args.periods or [DEFAULT_PERIOD]))
        if not chosen:
            print("no periods in data/raw/", file=sys.stderr)
            return 2
        if len(chosen) > 1:
            from pipeline.batch import print_summary, run_periods

            outcomes = run_periods(chosen, args.data_root, jobs=args.jobs, bulletin=not args.no_bulletin, force=args.force)
            print_summary(outcomes)
            return 0 if all(o.ok for o in outcomes) else 1
        run_period(chosen[0], args.data_root, progress=not args.quiet, bulletin=not args.no_bulletin, force=args.force,
                   jobs=args.jobs)
        return 0
    if args.command == "render":
        from pipeline.render import RenderFailed
        from pipeline.run import render_published

        try:
            render_published(args.period, args.data_root, editions=[(lang, fmt) for lang in args.lang for fmt in args.formats])
        except RenderFailed as exc:
            print(exc, file=sys.stderr)
            return EXIT_FAILED
        return 0
    if args.command == "validate":
        from pipeline.io import validate_period
        from pipeline.periods import previous_period_problems

        period = load_period(args.period, args.data_root)
        tables = validate_period(period, previous_run_required=False)
        print(f"{args.period}: " + ", ".join(f"{name} {len(t)} rows" for name, t in tables.items()) + ": valid")
        for problem in previous_period_problems(period):  # not yet run: fine now, needed before its run
            print(f"note: {problem}", file=sys.stderr)
        return 0
    if args.command == "periods":
        for period_id in list_periods(args.data_root):
            p = load_period(period_id, args.data_root)
            print(f"{p.id}\tNo. {p.bulletin_number}\t{p.first_day} - {p.last_day}\t{p.data_origin}")
        return 0
    if args.command == "steps":
        from pipeline.run import period_notebooks
        from pipeline.steps import describe

        print(describe(period_notebooks()))
        return 0
    if args.command == "reconstruct":
        from pipeline.reconstruct import rebuild_bulletin5

        period = load_period(args.period, args.data_root)
        for path in rebuild_bulletin5(period):
            print(f"wrote {path}")
        return 0
    if args.command == "synthesize":
        from pipeline.synthetic import write_period

        folder = write_period(paths.data_root(args.data_root), args.period, scale=args.scale, seed=args.seed,
                              previous=args.previous, replace=args.replace)
        print(f"wrote synthetic period {args.period} (scale {args.scale:g}) in {folder}")
        if args.previous and args.previous not in list_periods(args.data_root):
            print(f"note: previous period {args.previous} is not in data/raw/ yet; a run needs it there", file=sys.stderr)
        return 0
    if args.command == "codebook":
        from pipeline.codebook import render_markdown

        target = Path(paths.data_root(args.data_root)) / "raw" / "CODEBOOK.md"
        target.write_text(render_markdown(), encoding="utf-8")
        print(f"wrote {target}")
        return 0
    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())

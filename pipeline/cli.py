"""Command line: `hrd-bulletin <command>` (or `python -m pipeline <command>`)."""
from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from pipeline.data.errors import InputError

DEFAULT_PERIOD = "2015-08_2016-04"
# Exit statuses: 0 done; 1 a step failed (or outputs cannot be written); 2 bad input (every problem
# listed); 3 the period is busy (another run or render of it is in progress); 130 stopped (Ctrl-C, SIGTERM).
EXIT_FAILED, EXIT_BAD_INPUT, EXIT_BUSY, EXIT_STOPPED = 1, 2, 3, 130


def period_id_arg(text: str) -> str:
    """argparse type: a period id of the documented shape, checked before anything builds a path."""
    from pipeline.data.periods import period_id_problem

    problem = period_id_problem(text)
    if problem:
        raise argparse.ArgumentTypeError(f"{text!r} is not a period id: expected {problem}")
    return text


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("kz-hrd-bulletin")
    except metadata.PackageNotFoundError:  # run from a checkout that is not installed
        return "unknown (not installed)"


def _command(sub, name: str, summary: str, examples: list[str]):
    """A sub-command whose help ends with examples."""
    epilog = "examples:\n" + "\n".join(f"  hrd-bulletin {e}" for e in examples)
    return sub.add_parser(name, help=summary, description=summary, epilog=epilog,
                          formatter_class=argparse.RawDescriptionHelpFormatter)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hrd-bulletin", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Monitoring of the safety of human rights defenders in Kazakhstan: a period's raw data to "
                    "validated tables, maps and the bulletin (README.md).",
        epilog="examples:\n  hrd-bulletin run                      # bulletin No. 5's period, end to end\n"
               "  hrd-bulletin validate 2016-05_2017-01  # check a new period's files, run nothing\n"
               "  hrd-bulletin tables 2015-08_2016-04    # what a run's tables hold\n"
               "exit statuses: 0 done, 1 a step failed or outputs not writable, 2 bad input, 3 period busy, 130 stopped")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    parser.add_argument("--data-root", metavar="FOLDER",
                        help="folder holding raw/ and processed/ (default: the repository's data/, or HRD_DATA_ROOT)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="command")

    run = _command(sub, "run", "run periods' steps and publish their tables, maps and bulletins",
                   ["run", "run 2016-05_2017-01 --no-bulletin", "run --all --jobs 2", "run 2015-08_2016-04 --force --jobs 1"])
    run.add_argument("periods", nargs="*", metavar="period", type=period_id_arg,
                     help=f"period ids, YYYY-MM_YYYY-MM (default {DEFAULT_PERIOD}); several run each after its previous period")
    run.add_argument("--all", action="store_true", help="every period in data/raw/")
    run.add_argument("--jobs", type=int, default=None, metavar="N",
                     help="how many steps run at once (default: the cores + 1); --jobs 1 runs one step at a time, "
                          "with per-cell progress bars")
    run.add_argument("--quiet", action="store_true", help="no per-cell progress bars")
    run.add_argument("--no-bulletin", action="store_true",
                     help="stop after the tables and maps (no Quarto render); a published bulletin is kept, "
                          "or marked outdated")
    run.add_argument("--force", action="store_true", help="execute every step, even those whose inputs are unchanged")

    rendering = _command(sub, "render", "render a period's bulletin again (HTML and PDF): a run of the period whose "
                         "other steps are redone only if their inputs changed",
                         ["render", "render 2015-08_2016-04 --lang en --format pdf"])
    rendering.add_argument("period", nargs="?", default=DEFAULT_PERIOD, type=period_id_arg,
                           help=f"period id (default {DEFAULT_PERIOD})")
    rendering.add_argument("--lang", nargs="+", choices=("ru", "en"), default=["ru", "en"], help="editions (default: both)")
    rendering.add_argument("--format", nargs="+", choices=("html", "pdf"), default=["html", "pdf"], dest="formats",
                           help="formats (default: both)")

    live = _command(sub, "preview", "quarto preview of one edition of a period's bulletin: rendered again on every edit of report/bulletin.qmd",
                    ["preview", "preview 2015-08_2016-04 --lang en --port 4900"])
    live.add_argument("period", nargs="?", default=DEFAULT_PERIOD, type=period_id_arg,
                      help=f"period id (default {DEFAULT_PERIOD}); it must have been run")
    live.add_argument("--lang", choices=("ru", "en"), default="ru", help="edition (default: ru)")
    live.add_argument("--port", type=int, default=4848, help="local port of the preview (default 4848)")
    live.add_argument("--browser", action="store_true", help="open a browser (default: print the address)")

    check = _command(sub, "validate", "check a period's raw files against the codebook, run nothing",
                     ["validate", "validate 2016-05_2017-01"])
    check.add_argument("period", nargs="?", default=DEFAULT_PERIOD, type=period_id_arg, help=f"period id (default {DEFAULT_PERIOD})")

    _command(sub, "periods", "list the periods in data/raw/ (id, bulletin number, dates, data origin)", ["periods"])
    _command(sub, "steps", "the steps of a run: what each reads, runs after, and the pipeline code it uses", ["steps"])

    listing = _command(sub, "tables", "the processed tables and what they hold; with a period, that run's tables and rows",
                       ["tables", "tables 2015-08_2016-04"])
    listing.add_argument("period", nargs="?", type=period_id_arg, help="a period that has been run (default: describe only)")

    verify = _command(sub, "verify", "for reviewers: every output of a period, equal or different against a run record",
                      ["verify 2015-08_2016-04 --against their/run.json",
                       "verify 2015-08_2016-04 --rerun --against their/run.json"])
    verify.add_argument("period", type=period_id_arg, help="period id")
    verify.add_argument("--against", metavar="RUN_JSON", help="a run record to compare with (default: the period's own run.json)")
    verify.add_argument("--rerun", action="store_true",
                        help="run the period again from its raw data in a temporary folder (no bulletin) and compare that run")

    rebuild = _command(sub, "reconstruct", "rebuild bulletin No. 5's reconstructed raw files (byte for byte)", ["reconstruct"])
    rebuild.add_argument("period", nargs="?", default=DEFAULT_PERIOD, type=period_id_arg, help=f"period id (default {DEFAULT_PERIOD})")

    _command(sub, "codebook", "write data/raw/CODEBOOK.md from pipeline/data/schemas/", ["codebook"])

    form = _command(sub, "template", "write the data-entry workbook (.xlsx) observers fill in: a sheet per raw file "
                    "with the codebook's columns, drop-down lists, a guide sheet in Russian and English",
                    ["template 2016-05_2017-01", "template 2016-05_2017-01 --output ~/for-observers/2016-05_2017-01.template.xlsx"])
    form.add_argument("period", type=period_id_arg,
                      help="period id; its data/raw/<period>/period.yml gives the days, waves and division")
    form.add_argument("--output", metavar="PATH",
                      help="where to write it (default: <period>.template.xlsx in the current folder); an existing "
                           "file is never overwritten, and names the reader takes for data (<period>.xlsx) are refused")
    form.add_argument("--replace", action="store_true",
                      help="overwrite PATH if it is itself a blank template written by this command (never one holding data)")

    forms = _command(sub, "forms", "write the XLSForms (KoboToolbox / ODK Collect) of the two questionnaires and the "
                     "incident report, generated from the codebook", ["forms kobo-forms/", "forms kobo-forms/ --division kz_2015"])
    forms.add_argument("folder", help="folder to write hrd_survey_individuals.xlsx, hrd_survey_organizations.xlsx and "
                                      "hrd_incident_report.xlsx into (an existing file is never overwritten)")
    forms.add_argument("--division", default=None,
                       help="the administrative division whose regions the region questions offer, a file of "
                            "data/raw/reference/divisions/ (default: the newest, kz_2022)")

    kobo = _command(sub, "import-kobo", "bring KoboToolbox exports of the forms' submissions into a period's raw files",
                    ["import-kobo 2024-01_2024-09 hrd_survey_individuals.csv hrd_incident_report.xlsx"])
    kobo.add_argument("period", type=period_id_arg, help="period id; data/raw/<period>/period.yml must exist")
    kobo.add_argument("exports", nargs="+", type=Path, metavar="export",
                      help="Kobo exports (XLSX, or CSV for the questionnaires) made with 'XML values and headers'; "
                           "the incident report as XLSX (its violations are a repeat group, a sheet of their own)")

    synth = _command(sub, "synthesize", "write a synthetic period (random, valid, labelled synthetic everywhere it shows)",
                     ["synthesize 2030-01_2030-09 --scale 10 --seed 1",
                      "synthesize 2030-10_2031-06 --previous 2030-01_2030-09",
                      "synthesize 2031-07_2032-03 --scenario against-bulletin-5",
                      "synthesize 2023-01_2023-09 --division kz_2022"])
    synth.add_argument("period", type=period_id_arg, help="id of the new period, e.g. 2030-01_2030-09")
    synth.add_argument("--scale", type=float, default=1.0, help="volume relative to bulletin No. 5 (default 1; above 0, at most 1000)")
    synth.add_argument("--seed", type=int, default=0, help="random seed: the same seed writes the same bytes (default 0)")
    synth.add_argument("--division", default="kz_2015",
                       help="the administrative division its period.yml names, a file of data/raw/reference/divisions/ "
                            "(default kz_2015; kz_2018: Shymkent and Turkistan; kz_2022: also Abai, Jetisu, Ulytau)")
    synth.add_argument("--previous", type=period_id_arg, help="id of the period before it (its dynamics compare against that period)")
    synth.add_argument("--scenario", choices=("random", "against-bulletin-5", "quiet-period"), default="random",
                       help="random (default): every value drawn uniformly; against-bulletin-5: patterns that go "
                            "against bulletin No. 5's conclusions (NGOs attacked more, risk falling); quiet-period: "
                            "other patterns against them (no appeals, refusals or lawsuits; activists most exposed; "
                            "most cases in the media); both test that the text follows the data")
    synth.add_argument("--replace", action="store_true",
                       help="overwrite the period if it exists and is itself synthetic (never observed or reconstructed data)")
    return parser


def main(argv: list[str] | None = None) -> int:
    # Each command imports what it uses when it runs: `hrd-bulletin --help` (or a mistyped command)
    # answers in 0.1 s, against 1.2 s with every command's modules (pandas, plotly, openpyxl) imported
    # at the top (measured 2026-12-03).
    parser = build_parser()
    args = parser.parse_args(argv)
    import warnings

    from pipeline.data.errors import InputWarning

    warnings.simplefilter("always", InputWarning)
    warnings.formatwarning = lambda message, category, *rest: f"WARNING: {message}\n"
    from pipeline.run.publish import PeriodBusy, RunFailed

    def stopped(signum, frame):  # SIGTERM (kill, a scheduler's timeout) as Ctrl-C: cleaned up, then said
        raise KeyboardInterrupt

    in_main_thread = threading.current_thread() is threading.main_thread()  # signals are set there only
    previous = signal.signal(signal.SIGTERM, stopped) if in_main_thread else None
    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        print(f"stopped: nothing of this {args.command} was kept; published outputs are as they were", file=sys.stderr)
        return EXIT_STOPPED
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
    finally:
        if in_main_thread and previous is not None:  # a caller's own handler back (main() called from Python, as the tests do)
            signal.signal(signal.SIGTERM, previous)


def _dispatch(args) -> int:
    from pipeline import paths
    from pipeline.data.periods import list_periods, load_period

    if args.command == "run":
        from pipeline.run.engine import run_period

        if args.all and args.periods:
            print("give period ids or --all, not both", file=sys.stderr)
            return 2
        chosen = list_periods(args.data_root) if args.all else list(dict.fromkeys(args.periods or [DEFAULT_PERIOD]))
        if not chosen:
            print("no periods in data/raw/", file=sys.stderr)
            return 2
        if len(chosen) > 1:
            from pipeline.run.batch import print_summary, run_periods

            outcomes = run_periods(chosen, args.data_root, jobs=args.jobs, bulletin=not args.no_bulletin, force=args.force)
            print_summary(outcomes)
            return 0 if all(o.ok for o in outcomes) else 1
        run_period(chosen[0], args.data_root, progress=not args.quiet, bulletin=not args.no_bulletin, force=args.force,
                   jobs=args.jobs)
        return 0
    if args.command == "render":
        from pipeline.bulletin.render import CONTENT, point_report_at
        from pipeline.run.engine import run_period

        period = load_period(args.period, args.data_root)
        run_period(period.id, args.data_root, progress=False, force={"bulletin"},
                   editions=[(lang, fmt) for lang in args.lang for fmt in args.formats])
        if period.data_root.resolve() == (paths.REPO_ROOT / "data").resolve():  # the repository's own data
            point_report_at(period.processed_dir / CONTENT)  # `quarto render report/` renders this period next
        return 0
    if args.command == "preview":
        from pipeline.bulletin.preview import run_preview
        from pipeline.bulletin.render import RenderFailed

        try:
            return run_preview(load_period(args.period, args.data_root), args.lang, args.port, args.browser)
        except RenderFailed as exc:
            print(exc, file=sys.stderr)
            return EXIT_FAILED
    if args.command == "validate":
        from pipeline.data.io import validate_period
        from pipeline.data.periods import previous_period_problems

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
        from pipeline.run.engine import all_steps
        from pipeline.run.steps import describe

        print(describe(all_steps()))
        return 0
    if args.command == "tables":
        from pipeline.outputs.datapackage import describe_tables

        print(describe_tables(load_period(args.period, args.data_root) if args.period else None))
        return 0
    if args.command == "verify":
        from pipeline.run.verify import verify

        report, same = verify(args.period, args.data_root, against=args.against, rerun=args.rerun)
        print(report)
        return 0 if same else EXIT_FAILED
    if args.command == "reconstruct":
        from pipeline.intake.reconstruct import rebuild_bulletin5

        period = load_period(args.period, args.data_root)
        for path in rebuild_bulletin5(period):
            print(f"wrote {path}")
        return 0
    if args.command == "synthesize":
        from pipeline.intake.synthetic import write_period

        folder = write_period(paths.data_root(args.data_root), args.period, scale=args.scale, seed=args.seed,
                              division=args.division, previous=args.previous, replace=args.replace, scenario=args.scenario)
        print(f"wrote synthetic period {args.period} (scale {args.scale:g}, division {args.division}) in {folder}")
        if args.previous and args.previous not in list_periods(args.data_root):
            print(f"note: previous period {args.previous} is not in data/raw/ yet; a run needs it there", file=sys.stderr)
        return 0
    if args.command == "template":
        from pipeline.intake.template import write_template

        period = load_period(args.period, args.data_root)
        path = write_template(period, Path(args.output).expanduser() if args.output else None, replace=args.replace)
        print(f"wrote the data-entry template of {period.id} to {path}; filled in, it is handed in as "
              f"data/raw/{period.id}/{period.id}.xlsx (check it with: hrd-bulletin validate {period.id})")
        return 0
    if args.command == "forms":
        from pipeline.intake.kobo import write_forms

        for path in write_forms(Path(args.folder), args.division):
            print(f"wrote {path}")
        return 0
    if args.command == "import-kobo":
        from pipeline.data.codebook import all_files
        from pipeline.data.sources import sources
        from pipeline.intake.kobo import import_export

        written = import_export(args.period, args.exports, args.data_root)
        for path in written:
            print(f"wrote {path}")
        folder = written[0].parent
        missing = [raw.file for _, raw in all_files().values() if not sources(folder, [raw.file])]
        if missing:
            print(f"note: the period still needs {', '.join(missing)} before `hrd-bulletin validate {args.period}`",
                  file=sys.stderr)
        return 0
    if args.command == "codebook":
        from pipeline.data.codebook import render_markdown

        target = Path(paths.data_root(args.data_root)) / "raw" / "CODEBOOK.md"
        target.write_text(render_markdown(), encoding="utf-8")
        print(f"wrote {target}")
        return 0
    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())

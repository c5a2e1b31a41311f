"""``formcheck regress [DIR]``: analyse every clip with an expected-result file and compare."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.errors import ExitCode, OutputError
from ..core.model_variant import ModelVariant

if TYPE_CHECKING:
    from ..dev.regress import ClipResult

HELP = "run every clip in a folder that has an expected-result file and compare (exit 1 on any mismatch)"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "regress", help=HELP, description=HELP + ". Expected-file format: samples/README.md.",
    )
    p.add_argument("directory", nargs="?", default="samples", type=Path, metavar="DIR",
                   help="folder of clips, each with <clip>.expected.json beside it (default: samples)")
    p.add_argument("--model", choices=[v.value for v in ModelVariant], default=ModelVariant.FULL.value,
                   help="pose model (default: full)")
    p.add_argument("--junit", type=Path, metavar="FILE", help="also write the results as JUnit XML")
    p.add_argument("--only", metavar="GLOB",
                   help="only clips whose name (without extension) matches, e.g. 'squat-*' or '*-fault'")
    p.add_argument("--exercise-file", action="append", default=[], type=Path, metavar="TOML",
                   help="use this exercise file instead of the packaged one with the same id (repeatable)")
    p.add_argument("--out", type=Path, metavar="DIR",
                   help="keep each clip's report.json, timeline.csv and landmarks.jsonl in DIR/<clip>/")
    p.add_argument("--videos", action="append", default=[], type=Path, metavar="DIR",
                   help="also look here for the videos that expected files name with a \"video\" key "
                        "(clips kept outside the repository; repeatable); a clip not found is skipped")
    p.add_argument("-q", "--quiet", action="store_true", help="no per-clip progress lines")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run, print the table and write the JUnit file; after Ctrl-C or SIGTERM, do both for
    the clips finished so far and exit with the interruption's code (130 / 143)."""
    from ..dev.regress import RegressionInterrupted, format_table, run_regression

    def progress(result: ClipResult) -> None:
        if not args.quiet:
            state = result.status
            print(f"  {result.name}: {state} ({result.elapsed_s:.1f} s)", file=sys.stderr, flush=True)

    try:
        results = run_regression(args.directory, model=args.model, only=args.only,
                                 exercise_files=args.exercise_file, out_dir=args.out, video_dirs=args.videos,
                                 on_result=progress)
        stop = None
    except RegressionInterrupted as exc:
        results, stop = exc.results, exc
    print(format_table(results, not_run=stop.not_run if stop else None))
    if args.junit is not None:
        _write_junit(args.junit, results)
    if stop is not None:
        print("formcheck: interrupted", file=sys.stderr)
        return int(stop.exit_code)
    return int(ExitCode.OK if all(r.ok for r in results) else ExitCode.CHECK_FAILED)


def _write_junit(path: Path, results: list[ClipResult]) -> None:
    from ..dev.regress import junit_xml

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(junit_xml(results))
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from None

"""``formcheck batch INPUTS...``: review many videos, on this machine's cores or on a Ray cluster."""

from __future__ import annotations

import argparse
import functools
import sys
from collections import Counter
from pathlib import Path

from ..core.errors import ExitCode, Interrupted
from ..core.model_variant import ModelVariant

HELP = "analyse many videos in parallel (local cores or a Ray cluster) into one sessions.csv"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "batch", help=HELP,
        description=HELP + ". Each video gets its own report folder DIR/<video name>/ (as 'analyze' writes) and "
                    "a row in DIR/sessions.csv, written as it finishes. A rerun skips the videos already done. "
                    "Exit code 0 if every video was analysed, 1 if some had errors (see sessions.csv).",
    )
    parser.add_argument("inputs", nargs="+", metavar="INPUT",
                        help="video files, folders (their video files), globs, or CSV files of 'path,exercise' "
                             "rows (header optional; paths relative to the CSV)")
    parser.add_argument("--exercise", "-e",
                        help="exercise id or .toml file (in a CSV list, for the rows that name none)")
    parser.add_argument("--out", type=Path, default=Path("formcheck-out"), metavar="DIR",
                        help="output folder (default: ./formcheck-out, where 'analyze' writes too)")
    parser.add_argument("--model", choices=[v.value for v in ModelVariant], default=ModelVariant.FULL.value,
                        help="pose model (default: full)")
    parser.add_argument("--no-video", action="store_true", help="skip writing annotated.mp4 (faster)")
    parser.add_argument("--workers", type=_positive, metavar="N",
                        help="local worker processes (default: one per core)")
    parser.add_argument("--ray", metavar="ADDRESS",
                        help="run on a Ray cluster instead: its address, or 'auto' (the cluster this machine "
                             "knows of, else a local one); needs pip install 'formcheck[cluster]'")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from ..engine.spec import resolve_exercise
    from ..session.batch import (
        BatchRow,
        BatchSettings,
        expand_inputs,
        run_batch,
        run_in_pool,
        run_on_ray,
    )

    resolve_exercise(args.exercise)  # a wrong --exercise is one error now, not one per video
    jobs = expand_inputs(args.inputs, args.exercise)
    settings = BatchSettings(out_dir=args.out.resolve(), model=args.model, write_video=not args.no_video)
    runner = (functools.partial(run_on_ray, address=args.ray) if args.ray
              else functools.partial(run_in_pool, workers=args.workers))
    counts: Counter[str] = Counter()  # "ok", "error", and "resumed": done by an earlier run
    with tqdm(total=len(jobs), desc="videos", unit="video", disable=args.quiet or None, file=sys.stderr) as bar:
        def on_row(row: BatchRow, resumed: bool) -> None:
            counts.update([row.status] + ["resumed"] * resumed)
            if not row.ok and not resumed:
                bar.write(f"{row.video}: {row.error}", file=sys.stderr)
            bar.update()

        try:
            run_batch(jobs, settings, runner=runner, on_row=on_row)
        except KeyboardInterrupt as exc:
            bar.close()
            print(f"formcheck: interrupted after {counts['ok'] + counts['error']} of {len(jobs)} videos, whose rows "
                  f"are in {args.out / 'sessions.csv'}: run the same command to go on", file=sys.stderr)
            return Interrupted.exit_code_of(exc)
    print(summary_text(counts, len(jobs), args.out))
    return int(ExitCode.OK if counts["error"] == 0 else ExitCode.CHECK_FAILED)


def summary_text(counts: Counter[str], total: int, out_dir: Path) -> str:
    earlier = f" ({counts['resumed']} done by an earlier run)" if counts["resumed"] else ""
    return (f"{total} videos: {counts['ok']} ok, {counts['error']} with errors{earlier}; "
            f"rows in {out_dir / 'sessions.csv'}")

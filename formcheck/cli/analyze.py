"""``formcheck analyze VIDEO``: review a recorded video."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..core.errors import ExitCode, Interrupted
from ..core.model_variant import ModelVariant


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "analyze",
        help="analyse a recorded video",
        description="Run the pose model over a video and, with --exercise, check form, count reps and time "
                    "holds. Writes report.json, timeline.csv (one row per frame), landmarks.jsonl and "
                    "annotated.mp4 to the output folder.",
    )
    parser.add_argument("video", type=Path, help="video file (mp4, mov, webm, avi, mkv...)")
    parser.add_argument("--exercise", "-e", help="exercise id (see 'formcheck exercises') or an exercise .toml file")
    parser.add_argument("--side", choices=["auto", "left", "right"], default="auto",
                        help="working side of a one-sided exercise (default: detected from the pose)")
    parser.add_argument("--model", choices=[v.value for v in ModelVariant], default=ModelVariant.FULL.value,
                        help="pose model (default: full)")
    parser.add_argument("--out", type=Path, help="output folder (default: ./formcheck-out/<video name>)")
    parser.add_argument("--no-video", action="store_true", help="skip writing annotated.mp4 (faster)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON on stdout")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from ..session.offline import analyze_video

    out_dir = args.out or Path("formcheck-out") / args.video.stem
    with tqdm(desc=args.video.name, unit="frame", disable=args.quiet or None, file=sys.stderr) as bar:
        def progress(done: int, total: int | None) -> None:
            bar.total = total
            bar.update(done - bar.n)

        result = analyze_video(args.video, exercise=args.exercise, model=args.model, out_dir=out_dir,
                               write_video=not args.no_video, progress=progress, side=args.side)
    report = result.report
    if args.json:
        json.dump(report, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(summary_text(report, out_dir))
    if result.interrupted_by is not None:
        print(f"formcheck: interrupted; results so far are in {out_dir}", file=sys.stderr)
        return Interrupted.exit_code_of(result.interrupted_by)
    return ExitCode.OK


def summary_text(report: dict, out_dir: Path | None = None) -> str:
    lines = [f"{report['frames']} frames, {report['duration_s']:.1f} s, person found in "
             f"{report['frames_with_pose']} ({report['model']} model)"]
    if not report["person_detected"]:
        lines.append("no person was found in this video: check that the whole body is in view and well lit")
    if report.get("truncated"):
        lines.append("the video ends early (truncated file): analysed what was readable")
    if report.get("timestamp_jumps"):
        lines.append(f"the video's clock jumps backwards {report['timestamp_jumps']} time(s) (a spliced or badly "
                     "muxed file): times after a jump run on from the frame before it")
    for side, totals in report["sides"].items():
        lines.append(f"{side}: {totals['reps']} reps ({totals['partial_reps']} partial), "
                     f"{totals['hold_s']:.1f} s held with good form")
    for fault in report["faults"]:
        lines.append(f"  {fault['start_s']:6.1f}-{fault['end_s']:6.1f} s  {fault['side']:5}  {fault['cue']}")
    if out_dir is not None:
        lines.append(f"results: {out_dir}")
    return "\n".join(lines)

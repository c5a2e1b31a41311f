"""``formcheck live``: feedback in a desktop window from a camera (or a video standing in for one)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from ..core.errors import ExitCode, InputError
from ..core.model_variant import ModelVariant

WINDOW = "formcheck (q to quit)"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "live",
        help="live feedback from a camera in a desktop window",
        description="Live form feedback in an OpenCV window. Frames the model cannot keep up with are dropped, "
                    "so the picture stays current. Prints a summary at the end (q or Esc quits).",
    )
    parser.add_argument("--exercise", "-e", help="exercise id (see 'formcheck exercises') or a .toml file")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--camera", type=int, default=0, help="camera index (default: 0)")
    source.add_argument("--source", type=Path, help="play a video file as if it were the camera")
    parser.add_argument("--side", choices=["auto", "left", "right"], default="auto",
                        help="working side of a one-sided exercise (default: detected from the pose)")
    parser.add_argument("--model", choices=[v.value for v in ModelVariant], default=ModelVariant.FULL.value,
                        help="pose model (default: full. Measured live on 2 cores, 9 sample and real clips "
                             "twice (benchmarks/live_models.py): full 47 of 50 checks right, model p95 26 ms; "
                             "lite 32 of 52, p95 20 ms, misses holds; both keep up with a 30 fps source)")
    parser.add_argument("--no-window", action="store_true", help="no window: just print the summary")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    show = not args.no_window
    if show and sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise InputError("no display to open a window on; use --no-window, or the browser app")
    from ..io.camera import LatestFrameGrabber, open_camera
    from ..io.video import VideoReader
    from ..session.live import LiveSession

    frames = iter(VideoReader(args.source)) if args.source else open_camera(args.camera)
    session = LiveSession(args.exercise, model=args.model, side=args.side)
    grabber = LatestFrameGrabber(frames, paced=True)
    try:
        while (item := grabber.get()) is not None:
            frame, captured_at = item
            result = session.process(frame.rgb, frame.t_ms, captured_at)
            if show and not _show(result.annotated_rgb):
                break
    except KeyboardInterrupt:
        pass
    finally:
        session.close()
        if show:
            import cv2

            cv2.destroyAllWindows()
    summary = session.summary()
    summary["dropped_frames"] = grabber.dropped
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        from .analyze import summary_text

        print(summary_text(summary))
        print(f"latency median {summary['latency_ms']['median']} ms, p95 {summary['latency_ms']['p95']} ms; "
              f"{grabber.dropped} stale frames dropped")
    return ExitCode.OK


def _show(rgb) -> bool:
    """Show a frame; False when the person asked to quit."""
    import cv2

    cv2.imshow(WINDOW, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    return (cv2.waitKey(1) & 0xFF) not in (ord("q"), 27)

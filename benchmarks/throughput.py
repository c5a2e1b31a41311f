"""Time and memory of ``formcheck analyze`` against a bare yardstick, side by side in one run.

Prints numbers; asserts nothing. The yardstick is written here from the
libraries' own documented calls, not formcheck's reader or model wrapper:
PyAV decoding with threads, then ``PoseLandmarker.detect_for_video`` on every
frame (full model, one person), nothing else. Every measurement is a process
of its own, started the same way (so imports and model loading count on both
sides); the modes are interleaved and repeated, and the report is medians and
ratios from this one run, since the machine is shared and noisy and absolute
speed differs a lot between machines of the same kind.

    python benchmarks/throughput.py [CLIP] [--repeat 3] [--model full] [--memory-clip CLIP]

Time: ``analyze --no-video`` and ``analyze`` (annotated video) against the
yardstick, on CLIP (default: the real 1080x1920 portrait clip).
Memory: peak RSS of both against the yardstick, and of a 10-minute input
against a 1-minute one, both looped from a real clip (at 5 fps so the
10 minutes take ~2 minutes to analyse: memory that grows with length grows
with frames and with time, and this keeps both 10x apart).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
REAL = [REPO.parent / "shared" / "data" / "real", Path.home() / ".cache" / "formcheck-real"]
DEFAULT_CLIP = "hip_flexor_stretch.mp4"  # 1080x1920 portrait phone video, 543 frames
DEFAULT_MEMORY_CLIP = "camel_ustrasana.mp4"
GOALS = {"no-video": 1.05, "video": 1.18}

YARDSTICK = r"""
import sys
import av
import mediapipe as mp
import numpy as np
from mediapipe.tasks.python import BaseOptions, vision

options = vision.PoseLandmarkerOptions(base_options=BaseOptions(model_asset_path=sys.argv[2]),
                                       running_mode=vision.RunningMode.VIDEO, num_poses=1)
with vision.PoseLandmarker.create_from_options(options) as landmarker, av.open(sys.argv[1]) as container:
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    last = -1
    for frame in container.decode(stream):
        t_ms = max(int(frame.time * 1000), last + 1)
        last = t_ms
        # MediaPipe reads the buffer as packed rows; FFmpeg pads them (e.g. 1080 px wide), hence the copy.
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(frame.to_ndarray(format="rgb24")))
        landmarker.detect_for_video(image, t_ms)
"""


def find(name: str) -> Path | None:
    path = Path(name)
    if path.is_file():
        return path
    return next((d / name for d in REAL if (d / name).is_file()), None)


def measure(argv: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one process."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{argv} failed ({process.returncode}): {process.stderr.read().decode()[-2000:]}")
    return seconds, usage.ru_maxrss / 1024


def commands(clip: Path, model: str, exercise: str, out: Path) -> dict[str, list[str]]:
    from formcheck.io.model import model_path

    analyze = [sys.executable, "-m", "formcheck", "analyze", str(clip), "-e", exercise, "--model", model,
               "--out", str(out), "-q"]
    return {
        "yardstick": [sys.executable, "-c", YARDSTICK, str(clip), str(model_path(model))],
        "no-video": [*analyze, "--no-video"],
        "video": analyze,
    }


def loop_clip(clip: Path, dest: Path, seconds: float, fps: float) -> Path:
    """``clip`` repeated to ``seconds`` long at ``fps`` (frames dropped to that rate), timestamps running on."""
    from formcheck.io.video import VideoReader, VideoWriter

    info = VideoReader(clip).info
    step_ms = 1000 / fps
    with VideoWriter(dest, info.width, info.height, fps=fps, crf=20) as writer:
        t_out = 0.0
        while t_out < seconds * 1000:
            next_in = 0.0
            for frame in VideoReader(clip):
                if frame.t_ms >= next_in and t_out < seconds * 1000:
                    writer.write(frame.rgb, round(t_out))
                    t_out += step_ms
                    next_in += step_ms
    return dest


def time_table(clip: Path, model: str, exercise: str, repeat: int, tmp: Path) -> None:
    runs: dict[str, list[tuple[float, float]]] = {mode: [] for mode in ("yardstick", "no-video", "video")}
    cmds = commands(clip, model, exercise, tmp / "out")
    for _ in range(repeat):
        for mode in runs:
            runs[mode].append(measure(cmds[mode]))
    base_s = statistics.median(s for s, _ in runs["yardstick"])
    base_mb = max(mb for _, mb in runs["yardstick"])
    print(f"{'mode':10s} {'median s':>9s} {'runs':>24s} {'ratio':>6s} {'goal':>5s} {'peak RSS':>9s} {'vs yardstick':>12s}")
    for mode, values in runs.items():
        seconds = statistics.median(s for s, _ in values)
        mb = max(m for _, m in values)
        goal = f"{GOALS[mode]:.2f}" if mode in GOALS else ""
        print(f"{mode:10s} {seconds:9.1f} {str([round(s, 1) for s, _ in values]):>24s} {seconds / base_s:6.3f} "
              f"{goal:>5s} {mb:7.0f} MB {mb - base_mb:+10.0f} MB")


def memory_table(clip: Path, model: str, exercise: str, tmp: Path) -> None:
    print(f"\nmemory vs length: {clip.name} looped at 5 fps")
    for minutes in (1, 10):
        looped = loop_clip(clip, tmp / f"loop{minutes}.mp4", minutes * 60, 5.0)
        cmds = commands(looped, model, exercise, tmp / f"out{minutes}")
        for mode in ("no-video", "video"):
            seconds, mb = measure(cmds[mode])
            print(f"  {minutes:2d} min {mode:9s} peak RSS {mb:6.0f} MB  ({seconds:.0f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("clip", nargs="?", default=DEFAULT_CLIP)
    parser.add_argument("--model", default="full")
    parser.add_argument("--exercise", default="hip_flexor_stretch")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--memory-clip", default=DEFAULT_MEMORY_CLIP)
    parser.add_argument("--memory-exercise", default="camel")
    parser.add_argument("--no-memory", action="store_true", help="skip the 1- vs 10-minute memory table")
    args = parser.parse_args()
    clip = find(args.clip)
    if clip is None:
        raise SystemExit(f"clip not found: {args.clip} (fetch the real clips, see tests/real_clips, or pass a path)")
    with tempfile.TemporaryDirectory() as tmp:
        from formcheck.io.video import VideoReader

        info = VideoReader(clip).info
        print(f"{clip.name}: {info.width}x{info.height}, {info.frame_count} frames; model {args.model}; "
              f"{args.repeat} interleaved repeats; {os.cpu_count()} cores")
        time_table(clip, args.model, args.exercise, args.repeat, Path(tmp))
        memory_clip = find(args.memory_clip)
        if not args.no_memory and memory_clip is not None:
            memory_table(memory_clip, args.model, args.memory_exercise, Path(tmp))


if __name__ == "__main__":
    main()

"""Throughput and memory of ``formcheck analyze`` against the bare pose model.

Prints numbers; asserts nothing. Each measurement runs in its own process (so
peak RSS belongs to that mode alone) and the modes are interleaved, repeated,
and reported as medians and ratios from this one run, since the machine is
shared and noisy.

    python benchmarks/throughput.py [CLIP] [--repeat 3] [--model full]

Modes:
  raw        decode + PoseLandmarker.detect_for_video, nothing else
  no-video   analyze_video(..., write_video=False): + smoothing, features, tracker, report files
  video      analyze_video(..., write_video=True): + overlay and H.264 encoding
Throughput is measured on the clip looped 4x; memory growth compares it with the clip once.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CLIP = REPO.parent / "shared" / "data" / "tfjs" / "pose_squats.mp4"


def worker(mode: str, clip: Path, model: str, exercise: str | None) -> dict:
    from formcheck.io.model import PoseEstimator
    from formcheck.io.video import VideoReader
    from formcheck.session.offline import analyze_video

    start = time.perf_counter()
    if mode == "raw":
        frames = 0
        with PoseEstimator(model) as estimator:
            for frame in VideoReader(clip):
                estimator.estimate(frame.rgb, frame.t_ms)
                frames += 1
    else:
        with tempfile.TemporaryDirectory() as out:
            report = analyze_video(clip, exercise=exercise, model=model, out_dir=out,
                                   write_video=(mode == "video")).report
            frames = report["frames"]
    seconds = time.perf_counter() - start
    return {"mode": mode, "frames": frames, "seconds": seconds, "fps": frames / seconds,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run_worker(mode: str, clip: Path, model: str, exercise: str | None) -> dict:
    cmd = [sys.executable, __file__, "--worker", mode, str(clip), "--model", model]
    if exercise:
        cmd += ["--exercise", exercise]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def loop_clip(clip: Path, times: int, dest: Path) -> Path:
    """The clip repeated ``times`` times, timestamps continuing, to test memory vs length."""
    from formcheck.io.video import VideoReader, VideoWriter

    info = VideoReader(clip).info
    offset = 0
    with VideoWriter(dest, info.width, info.height, fps=info.fps, preset="ultrafast", crf=18) as writer:
        for _ in range(times):
            last = 0
            for frame in VideoReader(clip):
                writer.write(frame.rgb, offset + frame.t_ms)
                last = frame.t_ms
            offset += last + round(1000 / info.fps)
    return dest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("clip", nargs="?", type=Path, default=DEFAULT_CLIP)
    parser.add_argument("--model", default="full")
    parser.add_argument("--exercise", default="squat")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.clip, args.model, args.exercise)))
        return
    if not args.clip.is_file():
        sys.exit(f"clip not found: {args.clip} (pass a video path)")

    from formcheck.io.video import VideoReader

    info = VideoReader(args.clip).info
    with tempfile.TemporaryDirectory() as tmp:
        # Throughput on the clip looped 4x so start-up (imports, model load) weighs little.
        long_clip = loop_clip(args.clip, 4, Path(tmp) / "looped.mp4")
        print(f"clip {args.clip.name} looped 4x: {info.width}x{info.height}, {4 * (info.frame_count or 0)} frames, "
              f"model {args.model}, exercise {args.exercise}, {args.repeat} interleaved repeats")
        runs: dict[str, list[dict]] = {"raw": [], "no-video": [], "video": []}
        for _ in range(args.repeat):
            for mode in runs:
                runs[mode].append(run_worker(mode, long_clip, args.model, args.exercise))
        fps = {mode: statistics.median(r["fps"] for r in rs) for mode, rs in runs.items()}
        rss = {mode: max(r["peak_rss_mb"] for r in rs) for mode, rs in runs.items()}
        for mode in runs:
            print(f"{mode:9s} {fps[mode]:6.1f} fps  (runs {[round(r['fps'], 1) for r in runs[mode]]})  "
                  f"peak RSS {rss[mode]:.0f} MB")
        print(f"ratio no-video / raw = {fps['no-video'] / fps['raw']:.3f}   (target >= 0.90)")
        print(f"ratio video / raw    = {fps['video'] / fps['raw']:.3f}   (target >= 0.80)")
        for mode in ("no-video", "video"):
            short = run_worker(mode, args.clip, args.model, args.exercise)
            print(f"memory {mode:9s}: {short['frames']} frames {short['peak_rss_mb']:.0f} MB -> "
                  f"{runs[mode][0]['frames']} frames {rss[mode]:.0f} MB "
                  f"(growth {rss[mode] - short['peak_rss_mb']:+.0f} MB for 4x the length)")


if __name__ == "__main__":
    main()

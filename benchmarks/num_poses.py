"""Cost of looking for two people (num_poses=2) instead of one, on clips of one person.

    python benchmarks/num_poses.py [CLIP ...] [--model full] [--repeat 2]

For each clip and model, runs PoseEstimator with num_poses=1 and 2 (interleaved,
``--repeat`` times; only the model call is timed, not decoding) and prints:
  - frames/s of the model alone (median per-frame time; median over repeats);
  - how often num_poses=2 found a second person (a ghost, on these clips);
  - how far the followed person's landmarks move between the two settings
    (median and max px over all 33 landmarks, and over the 12 body joints);
  - jitter of the body joints in each setting: median |second difference| in px
    over consecutive frames where the person is found (lower is steadier).
MediaPipe skips its person detector only while it tracks num_poses people, so
with num_poses=2 and one person in view the detector runs on every frame.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from formcheck.landmarks import BODY_JOINTS
from formcheck.person import PersonTracker
from formcheck.pose import Pose, PoseEstimator
from formcheck.video_io import VideoReader

CACHE = Path.home() / ".cache" / "formcheck-real"
DEFAULT_CLIPS = (CACHE / "nowva_squats.mp4", CACHE / "nowva_split_squat.mp4")


@dataclass(frozen=True)
class Run:
    frame_ms: list[float]
    poses: list[Pose | None]
    candidates: list[int]


def run(clip: Path, model: str, num_poses: int) -> Run:
    """The model over every frame; the followed person picked as PoseEstimator.estimate does."""
    person = PersonTracker()
    frame_ms, poses, candidates = [], [], []
    with PoseEstimator(model, num_poses=num_poses) as estimator, VideoReader(clip) as reader:
        for frame in reader:
            start = time.perf_counter()
            found = estimator.estimate_all(frame.rgb, frame.t_ms)
            frame_ms.append((time.perf_counter() - start) * 1000)
            candidates.append(len(found))
            poses.append(person.select(found, frame.t_ms))
    return Run(frame_ms, poses, candidates)


def landmark_difference_px(one: list[Pose | None], two: list[Pose | None], joints: list[int]) -> np.ndarray:
    """Per landmark and frame, px between the two runs (frames where both found the person)."""
    pairs = [(a, b) for a, b in zip(one, two) if a is not None and b is not None]
    if not pairs:
        return np.array([np.nan])
    return np.concatenate([np.linalg.norm(a.xy_px[joints] - b.xy_px[joints], axis=1) for a, b in pairs])


def jitter_px(poses: list[Pose | None]) -> float:
    """Median |x[t+1] - 2 x[t] + x[t-1]| of the body joints, over runs of three found frames."""
    joints = list(BODY_JOINTS)
    steps = [np.linalg.norm(c.xy_px[joints] - 2 * b.xy_px[joints] + a.xy_px[joints], axis=1)
             for a, b, c in zip(poses, poses[1:], poses[2:]) if a is not None and b is not None and c is not None]
    return float(np.median(np.concatenate(steps))) if steps else float("nan")


def report(clip: Path, model: str, runs: dict[int, list[Run]]) -> None:
    fps = {n: statistics.median(1000 / statistics.median(r.frame_ms) for r in rs) for n, rs in runs.items()}
    one, two = runs[1][0], runs[2][0]
    frames = len(one.poses)
    print(f"{clip.name} ({frames} frames), model {model}")
    for n in (1, 2):
        per_run = [round(1000 / statistics.median(r.frame_ms), 1) for r in runs[n]]
        print(f"  num_poses={n}: {fps[n]:5.1f} fps model alone (runs {per_run}), "
              f"person found in {sum(p is not None for p in runs[n][0].poses)}/{frames} frames, "
              f"jitter {jitter_px(runs[n][0].poses):.2f} px")
    print(f"  num_poses=2 / 1 throughput: {fps[2] / fps[1]:.2f}; "
          f"frames with a second candidate: {sum(c >= 2 for c in two.candidates)}")
    for name, joints in (("all 33 landmarks", list(range(33))), ("12 body joints", list(BODY_JOINTS))):
        diff = landmark_difference_px(one.poses, two.poses, joints)
        print(f"  {name}: median {np.median(diff):.2f} px, p95 {np.percentile(diff, 95):.2f} px, "
              f"max {np.max(diff):.1f} px")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("clips", nargs="*", type=Path, default=list(DEFAULT_CLIPS))
    parser.add_argument("--model", default="full")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    for clip in args.clips:
        if not clip.is_file():
            print(f"{clip}: not found, skipped")
            continue
        runs: dict[int, list[Run]] = {1: [], 2: []}
        for _ in range(args.repeat):
            for num_poses in runs:
                runs[num_poses].append(run(clip, args.model, num_poses))
        report(clip, args.model, runs)


if __name__ == "__main__":
    main()

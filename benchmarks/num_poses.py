"""Cost of looking for two people instead of one, on clips of one person.

    python benchmarks/num_poses.py [CLIP ...] [--model full] [--repeat 2]

Three ways of getting the person's landmarks, interleaved ``--repeat`` times
(only the model call is timed, not decoding):
  one      PoseEstimator(num_poses=1).estimate: one landmarker, as before following people
  follow   PoseEstimator(num_poses=2).estimate: the default; the two-person landmarker
           only at the start and while someone else is in view
  two      PoseEstimator(num_poses=2).estimate_all + PersonTracker: two people looked for
           on every frame
For each: frames/s (from the median per-frame time; median over repeats), frames
with the person found, jitter of the 12 body joints (median |second difference|
in px over three consecutive found frames: lower is steadier), and how far the
landmarks are from those of ``one`` (median, p95 and max px).

MediaPipe skips its person detector only while it tracks num_poses people, so
with num_poses=2 and one person in view ``two`` runs the detector on every
frame and seeds the landmarks from the detector's box each time.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from formcheck.core.landmarks import BODY_JOINTS
from formcheck.core.pose import Pose
from formcheck.io.model import PoseEstimator
from formcheck.io.person import PersonTracker
from formcheck.io.video import VideoReader

CACHE = Path.home() / ".cache" / "formcheck-real"
DEFAULT_CLIPS = (CACHE / "nowva_squats.mp4", CACHE / "nowva_split_squat.mp4")
MODES = ("one", "follow", "two")


@dataclass(frozen=True)
class Run:
    frame_ms: list[float]
    poses: list[Pose | None]

    @property
    def fps(self) -> float:
        return 1000 / statistics.median(self.frame_ms)


def run(clip: Path, model: str, mode: str) -> Run:
    person = PersonTracker()
    frame_ms, poses = [], []
    with PoseEstimator(model, num_poses=1 if mode == "one" else 2) as estimator, VideoReader(clip) as reader:
        for frame in reader:
            start = time.perf_counter()
            if mode == "two":
                pose = person.select(estimator.estimate_all(frame.rgb, frame.t_ms), frame.t_ms)
            else:
                pose = estimator.estimate(frame.rgb, frame.t_ms)
            frame_ms.append((time.perf_counter() - start) * 1000)
            poses.append(pose)
    return Run(frame_ms, poses)


def difference_px(a: list[Pose | None], b: list[Pose | None]) -> np.ndarray:
    """Per body joint and frame, px between two runs (frames where both found the person)."""
    joints = list(BODY_JOINTS)
    pairs = [(p, q) for p, q in zip(a, b) if p is not None and q is not None]
    if not pairs:
        return np.array([np.nan])
    return np.concatenate([np.linalg.norm(p.xy_px[joints] - q.xy_px[joints], axis=1) for p, q in pairs])


def jitter_px(poses: list[Pose | None]) -> float:
    """Median |x[t+1] - 2 x[t] + x[t-1]| of the body joints, over three consecutive found frames."""
    joints = list(BODY_JOINTS)
    steps = [np.linalg.norm(c.xy_px[joints] - 2 * b.xy_px[joints] + a.xy_px[joints], axis=1)
             for a, b, c in zip(poses, poses[1:], poses[2:]) if a is not None and b is not None and c is not None]
    return float(np.median(np.concatenate(steps))) if steps else float("nan")


def report(clip: Path, model: str, runs: dict[str, list[Run]]) -> None:
    reference = runs["one"][0].poses
    print(f"{clip.name} ({len(reference)} frames), model {model}")
    for mode, mode_runs in runs.items():
        fps = statistics.median(r.fps for r in mode_runs)
        poses = mode_runs[0].poses
        diff = difference_px(poses, reference)
        print(f"  {mode:6s} {fps:6.1f} fps (runs {[round(r.fps, 1) for r in mode_runs]}), "
              f"found {sum(p is not None for p in poses)}/{len(poses)}, jitter {jitter_px(poses):.2f} px, "
              f"vs one: median {np.median(diff):.2f} px, p95 {np.percentile(diff, 95):.1f} px, "
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
        runs: dict[str, list[Run]] = {mode: [] for mode in MODES}
        for _ in range(args.repeat):
            for mode in MODES:
                runs[mode].append(run(clip, args.model, mode))
        report(clip, args.model, runs)


if __name__ == "__main__":
    main()

"""Catalogue stretches on real photos (free-exercise-db in ../shared/data): per
photo, does setup pass and do the exercise's hold rules pass?

    python benchmarks/real_photos.py [--variant full]

Prints one row per photo: the exercise it is checked against, the detected
view and working side, setup (or the setup cue), each rule's state and value,
and whether the hold clock would run. Also times features + tracker per frame.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("GLOG_minloglevel", "2")

import cv2  # noqa: E402

from formcheck.dev.still import StillCheck, check_still  # noqa: E402
from formcheck.engine.spec import load_exercise  # noqa: E402
from formcheck.engine.tracker import ExerciseTracker  # noqa: E402
from formcheck.io.model import PoseEstimator  # noqa: E402
from formcheck.signal.features import compute_features  # noqa: E402

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "free-exercise-db"

#: photo stem -> catalogue exercise it shows (or the closest one).
PHOTOS: dict[str, str] = {
    "Kneeling_Hip_Flexor": "hip_flexor_stretch",
    "Intermediate_Hip_Flexor_and_Quad_Stretch": "hip_flexor_stretch",
    "Standing_Hip_Flexors": "low_lunge",
    "Worlds_Greatest_Stretch": "low_lunge",
    "Split_Squats": "lunge",
    "Bodyweight_Walking_Lunge": "lunge",
    "Crossover_Reverse_Lunge": "lunge",
    "Bodyweight_Squat": "squat",
    "Chair_Squat": "squat",
    "Kneeling_Squat": "resting_squat",
    "Standing_Elevated_Quad_Stretch": "standing_quad_stretch",
    "Quad_Stretch": "standing_quad_stretch",
    "Spinal_Stretch": "seated_twist",
    "Dancers_Stretch": "seated_twist",
    "Ankle_On_The_Knee": "pigeon",
}


@dataclass(frozen=True)
class PhotoResult:
    photo: str
    exercise: str
    check: StillCheck | None  # None: no pose found


def evaluate_photo(path: Path, exercise: str, variant: str = "full") -> PhotoResult:
    rgb = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
    with PoseEstimator(variant) as estimator:  # fresh per photo: no tracking across photos
        pose = estimator.estimate(rgb, 0)
    spec = load_exercise(exercise)
    return PhotoResult(path.name, exercise, None if pose is None else check_still(spec, pose))


def evaluate_all(data: Path = DATA, variant: str = "full") -> list[PhotoResult]:
    return [evaluate_photo(data / f"{stem}_{i}.jpg", exercise, variant)
            for stem, exercise in PHOTOS.items() for i in (0, 1)]


def tracker_cost_ms(poses, exercise: str, repeats: int = 20) -> float:
    """Mean ms per frame for compute_features + ExerciseTracker.update."""
    tracker = ExerciseTracker(load_exercise(exercise))
    start = time.perf_counter()
    n = 0
    for r in range(repeats):
        for i, pose in enumerate(poses):
            tracker.update(pose, compute_features(pose, t_ms=(r * len(poses) + i) * 33))
            n += 1
    return (time.perf_counter() - start) * 1000.0 / n


def squat_clip_costs(clip: Path, variant: str = "full") -> dict[str, float]:
    """ms per frame on the real squat clip: the pose model, and features + tracker."""
    cap = cv2.VideoCapture(str(clip))
    frames = []
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        frames.append((int(round(cap.get(cv2.CAP_PROP_POS_MSEC))), cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)))
    cap.release()
    with PoseEstimator(variant) as estimator:
        estimator.estimate(frames[0][1], 0)  # warm-up
        start = time.perf_counter()
        poses = [estimator.estimate(rgb, t + 1) for t, rgb in frames]
        model_ms = (time.perf_counter() - start) * 1000.0 / len(frames)
    return {"model_ms": model_ms,
            **{f"tracker_{ex}_ms": tracker_cost_ms(poses, ex) for ex in ("squat", "hip_flexor_stretch")}}


def format_row(r: PhotoResult) -> str:
    if r.check is None:
        return f"{r.photo:48} {r.exercise:22} no pose"
    c = r.check
    setup = "ok" if c.setup_ok else f"NO ({c.setup_cue})"
    rules = " ".join(f"{rid}={state}({c.values[rid]:.2f})" for rid, state in c.rules.items())
    return (f"{r.photo:48} {r.exercise:22} view={c.view:7} side={c.side:7} phase={c.phase:6} "
            f"setup={setup:40} hold_ok={'yes' if c.hold_ok else 'no ':3} {rules}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", default="full", choices=("lite", "full", "heavy"))
    args = parser.parse_args(argv)
    if not DATA.is_dir():
        print(f"real data not present at {DATA}", file=sys.stderr)
        return 3
    results = evaluate_all(DATA, args.variant)
    for r in results:
        print(format_row(r))
    clip = DATA.parent / "tfjs" / "pose_squats.mp4"
    if clip.is_file():
        costs = squat_clip_costs(clip, args.variant)
        print("per-frame cost on tfjs/pose_squats.mp4 (720x1280): "
              + ", ".join(f"{k} {v:.2f}" for k, v in costs.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

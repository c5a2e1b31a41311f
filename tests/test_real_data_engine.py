"""The engine on real people (../shared/data; skips without it).

- tfjs/pose_squats.mp4 (front view, 5 fps): exactly 2 complete squats
  (the 3rd descent ends mid-ascent when the clip ends).
- free-exercise-db photos: setup and hold rules for the photos that clearly
  show the catalogue exercise done correctly; and clear negatives (wrong view,
  feet out of frame, not yet twisted) fail for the right reason.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("GLOG_minloglevel", "2")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def squat_poses(shared_data):
    import cv2

    from formcheck.io.model import PoseEstimator

    cap = cv2.VideoCapture(str(shared_data / "tfjs" / "pose_squats.mp4"))
    poses = []
    with PoseEstimator("full") as estimator:
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            t_ms = int(round(cap.get(cv2.CAP_PROP_POS_MSEC)))  # container timestamps
            poses.append(estimator.estimate(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), t_ms))
    cap.release()
    assert len(poses) == 65
    return poses


def run_tracker(exercise: str, poses):
    from formcheck.engine.spec import load_exercise
    from formcheck.engine.tracker import ExerciseTracker
    from formcheck.signal.features import compute_features

    tracker = ExerciseTracker(load_exercise(exercise))
    return [tracker.update(p, compute_features(p)) for p in poses]


@pytest.mark.parametrize("smoothed", [False, True])
def test_pose_squats_gives_two_complete_reps(squat_poses, smoothed):
    poses = squat_poses
    if smoothed:
        smoothing = pytest.importorskip("formcheck.signal.smoothing")
        poses = smoothing.smooth_pose_track(poses)
    verdicts = run_tracker("squat", poses)
    last = verdicts[-1]
    assert last.reps == {"both": 2}
    assert last.partial_reps == {}
    rep_times = [v.t_ms for v in verdicts if "rep:both" in v.events]
    assert len(rep_times) == 2 and rep_times[0] < 5000 < rep_times[1] < 10000
    assert last.phase in ("moving", "bottom")  # the clip ends mid-ascent of the 3rd
    # filmed from the front, the body turned up to ~35 deg at times
    assert {v.view for v in verdicts if v.pose_found} <= {"front", "oblique"}


@pytest.fixture(scope="module")
def photo_results(shared_data):
    import real_photos

    return {r.photo: r for r in real_photos.evaluate_all(shared_data / "free-exercise-db")}


@pytest.mark.parametrize("photo", [
    "Kneeling_Hip_Flexor_0.jpg", "Kneeling_Hip_Flexor_1.jpg", "Worlds_Greatest_Stretch_0.jpg",
    "Standing_Hip_Flexors_1.jpg",
])
def test_correct_holds_pass(photo_results, photo):
    check = photo_results[photo].check
    assert check is not None and check.setup_ok, check
    assert check.view == "side"
    assert check.hold_ok, check.rules


@pytest.mark.xfail(reason=(
    "Per its instructions the left (far) leg kneels behind. The camera is ~40 deg behind the side view and "
    "MediaPipe labels the kneeling leg RIGHT, with its depth estimate following that label; hips overlap "
    "(0-12 px) so no 2D cue tells the swap. side=left used to come from the rear-view rule, which is wrong "
    "geometry (facing right shows the right side also from behind); needs a decision, see the side/role report."),
    strict=False)
@pytest.mark.parametrize("photo", ["Kneeling_Hip_Flexor_0.jpg", "Kneeling_Hip_Flexor_1.jpg"])
def test_kneeling_photos_side_is_the_kneeling_leg(photo_results, photo):
    assert photo_results[photo].check.side == "left"  # per its instructions: left leg extended behind


@pytest.mark.parametrize("photo", ["Split_Squats_0.jpg", "Split_Squats_1.jpg", "Crossover_Reverse_Lunge_0.jpg"])
def test_lunge_bottom_positions_pass(photo_results, photo):
    check = photo_results[photo].check
    assert check.setup_ok and check.phase == "bottom"
    assert set(check.rules) == {"front_knee_over_ankle", "torso_upright"}
    assert check.hold_ok, check.rules


def test_standing_squat_start_is_ready(photo_results):
    check = photo_results["Bodyweight_Squat_0.jpg"].check
    assert check.setup_ok and check.view == "front" and check.phase == "start"


@pytest.mark.parametrize("photo, cue", [
    ("Standing_Elevated_Quad_Stretch_1.jpg", "Step back, your feet are out of view"),
])
def test_wrong_setup_is_named(photo_results, photo, cue):
    check = photo_results[photo].check
    assert not check.setup_ok and check.setup_cue == cue


def test_squat_from_the_side_is_judged_without_the_front_view_rules(photo_results):
    check = photo_results["Chair_Squat_1.jpg"].check
    assert check.setup_ok and check.view == "side" and check.phase == "bottom"
    assert check.rules == {"knees_out": "unchecked", "hips_level": "unchecked"}


def test_lunge_from_the_front_is_judged_without_the_side_view_rules(photo_results):
    check = photo_results["Bodyweight_Walking_Lunge_0.jpg"].check
    assert check.setup_ok and check.view == "front" and check.phase == "bottom"
    assert check.rules["front_knee_over_ankle"] == "unchecked"


def test_untwisted_start_is_not_a_twist(photo_results):
    check = photo_results["Spinal_Stretch_0.jpg"].check
    assert check.setup_ok and not check.in_stretch and not check.hold_ok


def test_tracker_cost_is_small(squat_poses):
    import real_photos

    cost_ms = real_photos.tracker_cost_ms(squat_poses, "squat", repeats=5)
    assert cost_ms < 5.0

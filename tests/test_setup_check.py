"""Setup check: view detection, visibility, framing, settling."""

from __future__ import annotations

import pytest
from engine_poses import front_pose, hide, shifted, side_pose

from formcheck.core.landmarks import Landmark as L
from formcheck.core.verdict import CueKind
from formcheck.engine.setup_check import SetupCheck
from formcheck.engine.spec import load_exercise
from formcheck.signal.features import compute_features
from formcheck.signal.geometry import view_of


def run(check: SetupCheck, poses, dt_ms: int = 100):
    return [check.update(i * dt_ms, p, compute_features(p, t_ms=i * dt_ms)) for i, p in enumerate(poses)]


def test_view_from_the_body_yaw():
    assert view_of(compute_features(side_pose()).values["body_yaw_deg"]) == "side"
    assert view_of(compute_features(front_pose()).values["body_yaw_deg"]) == "front"
    assert view_of(compute_features(None).values["body_yaw_deg"]) == "unknown"
    assert [view_of(yaw) for yaw in (0, 25, 45, -45, 135, 90, -100, 180)] == [
        "front", "front", "oblique", "oblique", "oblique", "side", "side", "front"]


def test_settles_after_one_second():
    check = SetupCheck(load_exercise("hip_flexor_stretch"), settle_s=1.0)
    results = run(check, [side_pose() for _ in range(15)])
    assert [r.ok for r in results].index(True) == 10
    assert results[0].cue.text == "Hold still, getting ready" and results[0].cue.kind is CueKind.SETUP
    assert results[0].ready and results[-1].cue is None


def test_no_person():
    result = SetupCheck(load_exercise("squat")).update(0, None, compute_features(None))
    assert not result.ok and result.cue.text == "Step into the camera's view"


def test_wrong_view_cues_name_the_views_the_exercise_supports():
    assert SetupCheck(load_exercise("pigeon")).update(0, front_pose(), compute_features(front_pose())).cue.text \
        == "Turn side-on to the camera (a quarter turn off is fine)"
    assert SetupCheck(load_exercise("seated_twist")).update(0, side_pose(), compute_features(side_pose())).cue.text \
        == "Face the camera (a quarter turn off is fine)"


def test_squat_and_lunge_are_judged_from_every_view():
    for exercise in ("squat", "lunge"):
        for pose in (front_pose(), side_pose()):
            result = SetupCheck(load_exercise(exercise)).update(0, pose, compute_features(pose))
            assert result.cue is None or result.cue.text == "Hold still, getting ready", exercise


def test_head_out_of_view():
    pose = shifted(front_pose(), dy=-350)  # head above the frame
    assert pose.visibility[L.NOSE] < 0.5
    result = SetupCheck(load_exercise("seated_twist")).update(0, pose, compute_features(pose))
    assert result.cue.text == "Step back, your head is out of view"


def test_far_side_hidden_is_fine_in_profile_but_not_from_the_front():
    side = hide(side_pose(), L.LEFT_KNEE, L.LEFT_ANKLE, L.LEFT_HIP)
    assert SetupCheck(load_exercise("hip_flexor_stretch")).problem(side, compute_features(side))[1] is None
    front = hide(front_pose(), L.LEFT_HIP)
    view, cue = SetupCheck(load_exercise("squat")).problem(front, compute_features(front))
    assert cue.text == "Can't see your left hip: make sure it is in view"


def test_moving_person_does_not_settle():
    poses = [shifted(side_pose(), dx=-300 + i * 40) for i in range(20)]  # 2 torso lengths per second
    assert not any(r.ok for r in run(SetupCheck(load_exercise("hip_flexor_stretch")), poses))


def test_short_loss_resumes_without_settling_long_loss_settles_again():
    check = SetupCheck(load_exercise("hip_flexor_stretch"))
    poses = [side_pose()] * 12 + [None] * 5 + [side_pose()] * 2 + [None] * 15 + [side_pose()] * 12
    ok = [r.ok for r in run(check, poses)]
    assert ok[11] and not ok[14] and ok[17]  # back after 0.5 s: immediately ok
    assert not ok[34] and not ok[40] and ok[45]  # after 1.5 s away: settles again for 1 s


def test_bad_arguments():
    with pytest.raises(ValueError, match="settle_s"):
        SetupCheck(load_exercise("squat"), settle_s=-1)

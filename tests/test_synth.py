"""Synthetic performer: determinism, skeleton and camera geometry, ground truth, the
landmark-only mode through the engine, and MediaPipe detecting rendered frames (slow)."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.core.landmarks import BODY_JOINTS
from formcheck.core.landmarks import Landmark as L
from formcheck.dev.synth import (
    BodyPose,
    BodyShape,
    SynthClip,
    View,
    build,
    forward_kinematics,
    place_camera,
)
from formcheck.dev.synth.appearance import appearance_from_seed
from formcheck.dev.synth.exercises import PERFORMANCES, VARIANTS, performance_names
from formcheck.dev.synth.motion import Script
from formcheck.dev.synth.render import Renderer
from formcheck.dev.synth.truth import MotionError, expected_result, fault_intervals
from formcheck.engine.spec import load_exercise
from formcheck.signal.features import compute_features
from formcheck.signal.geometry import joint_angle_deg

SQUAT_BOTTOM = BodyPose(trunk_lean_deg=35).with_(both_hip_flex=100, both_knee_flex=110, both_ankle_plantar=-25)


def _camera(view, size=(640, 480)):
    return place_camera(target_m=np.array([0.0, 0.85, 0.0]), facing_yaw_deg=0.0, view=view, distance_m=3.2,
                        height_m=1.0, size=size)


# --------------------------------------------------------------------------- skeleton


def test_standing_proportions():
    shape = BodyShape(1.80)
    sk = forward_kinematics(BodyPose(), shape)
    p = sk.landmarks
    assert min(p[:, 1]) >= -1e-9 and min(p[:, 1]) < 0.03  # on the floor, not in it
    assert p[L.LEFT_HIP][1] == pytest.approx(0.53 * 1.80, abs=0.04)
    assert p[L.LEFT_SHOULDER][1] == pytest.approx(0.82 * 1.80, abs=0.04)
    assert np.linalg.norm(p[L.LEFT_KNEE] - p[L.LEFT_HIP]) == pytest.approx(shape.thigh_m)
    assert np.linalg.norm(p[L.LEFT_ANKLE] - p[L.LEFT_KNEE]) == pytest.approx(shape.shank_m)
    assert p[L.RIGHT_HIP][2] > p[L.LEFT_HIP][2]  # facing +x, the right side is +z
    assert p[L.NOSE][0] > p[L.LEFT_EAR][0]  # the face points forward


def test_joint_angles_come_out_as_scripted():
    p = forward_kinematics(SQUAT_BOTTOM).landmarks
    knee = joint_angle_deg(p[L.LEFT_HIP], p[L.LEFT_KNEE], p[L.LEFT_ANKLE])
    assert knee == pytest.approx(180 - 110, abs=0.5)
    thigh = np.degrees(np.arctan2(p[L.LEFT_KNEE][0] - p[L.LEFT_HIP][0], p[L.LEFT_HIP][1] - p[L.LEFT_KNEE][1]))
    assert thigh == pytest.approx(100, abs=1.0)
    lean = forward_kinematics(BodyPose(trunk_lean_deg=30)).neck - forward_kinematics(BodyPose(trunk_lean_deg=30)).pelvis
    assert np.degrees(np.arctan2(lean[0], lean[1])) == pytest.approx(30, abs=0.5)


def test_mirrored_swaps_sides():
    pose = BodyPose(trunk_twist_deg=30).with_(r_hip_flex=80, l_knee_flex=40)
    m = pose.mirrored()
    assert (m.l_hip_flex, m.r_knee_flex, m.trunk_twist_deg) == (80, 40, -30)
    assert m.mirrored() == pose


def test_body_shape_rejects_bad_height():
    with pytest.raises(ValueError, match="height_m must be in"):
        BodyShape(3.0)


# --------------------------------------------------------------------------- camera, landmark-only mode


def test_side_view_projection_keeps_2d_angles():
    sk = forward_kinematics(SQUAT_BOTTOM)
    xy, depth = _camera(View.SIDE).project(sk.landmarks)
    assert depth[L.RIGHT_KNEE] < depth[L.LEFT_KNEE]  # the right side faces the camera
    knee_2d = joint_angle_deg(xy[L.RIGHT_HIP], xy[L.RIGHT_KNEE], xy[L.RIGHT_ANKLE])
    assert knee_2d == pytest.approx(70, abs=3)
    assert xy[L.NOSE][0] > xy[L.RIGHT_EAR][0]  # facing image right
    assert xy[L.NOSE][1] < xy[L.RIGHT_HIP][1] < xy[L.RIGHT_ANKLE][1]  # image y points down


def test_front_view_is_symmetric():
    xy, _ = _camera(View.FRONT).project(forward_kinematics(BodyPose()).landmarks)
    assert xy[L.RIGHT_SHOULDER][0] < xy[L.LEFT_SHOULDER][0]  # the person's right on the image left
    assert xy[L.LEFT_HIP][1] == pytest.approx(xy[L.RIGHT_HIP][1], abs=0.5)
    mid = (xy[L.LEFT_HIP][0] + xy[L.RIGHT_HIP][0]) / 2
    assert mid == pytest.approx(320, abs=1)


def test_landmark_only_poses_match_truth_and_features():
    clip = SynthClip(build("squat", "good"), fps=10)
    poses = list(clip.poses())
    assert len(poses) == clip.n_frames
    assert [p.t_ms for p in poses[:3]] == [0, 100, 200]
    assert poses[0].image_size == (640, 480)
    xy = np.concatenate([p.xy_px for p in poses])
    assert xy[:, 0].min() > 0 and xy[:, 0].max() < 640 and xy[:, 1].min() > 0 and xy[:, 1].max() < 480
    depths = [compute_features(p).values["thigh_depth_deg"] for p in poses]
    assert max(depths) > 90 and min(depths) < 15  # three full squats from standing
    frames = clip.truth()["frames"]
    assert np.allclose(frames[5]["xy_px"], np.round(poses[5].xy_px, 1))


# --------------------------------------------------------------------------- determinism and appearance


def test_same_seed_same_pixels_other_seed_differs():
    def frame(seed):
        clip = SynthClip(build("camel", "good", seed=seed), seed=seed, size=(320, 240), fps=5)
        return next(t for i, t in enumerate(clip.frames()) if i == 8)[1]

    a, b, c = frame(3), frame(3), frame(4)
    assert a.shape == (240, 320, 3) and a.dtype == np.uint8
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    assert appearance_from_seed(3) == appearance_from_seed(3) != appearance_from_seed(4)


def test_script_samples_and_truth():
    s = Script(BodyPose(), sway_deg=0.0)
    s.stay(1.0)
    with s.holding("left"):
        s.move(BodyPose(trunk_lean_deg=20), 1.0).stay(2.0)
    s.rep("both", BodyPose(trunk_lean_deg=40), down_s=0.5, pause_s=0.2, up_s=0.5)
    assert s.sample(0.5).trunk_lean_deg == 0
    assert s.sample(1.5).trunk_lean_deg == pytest.approx(10)  # half way, eased
    assert s.sample(3.0).trunk_lean_deg == 20
    assert s.truth.hold_s() == {"left": 3.0}
    assert s.truth.hold_s([(2.0, 2.5)]) == {"left": 2.5}
    assert s.truth.reps == {"both": 1}


# --------------------------------------------------------------------------- every exercise


@pytest.mark.parametrize("name", performance_names())
def test_every_performance_has_truth_consistent_with_its_exercise(name):
    exercise, variant = name.rsplit("-", 1)
    perf = build(exercise, variant)
    spec = load_exercise(exercise)
    assert perf.view == spec.camera.view.value
    clip = SynthClip(perf, fps=10)
    expected = expected_result(clip, spec)
    if spec.mode.value == "reps":
        assert sum(expected["reps"].values()) >= 3
    else:
        sides = {"left", "right"} if spec.sides == "each" else {"both"}
        assert set(expected["hold_s"]) == sides and min(expected["hold_s"].values()) >= 2.5
    assert bool(expected["faults"]) == (variant == "fault")
    for fault in fault_intervals(clip, spec):
        assert 0 < fault["onset_s"] < fault["end_s"] <= perf.duration_s


def test_a_fault_that_breaks_no_rule_is_refused():
    perf = build("camel", "fault")
    spec = load_exercise("camel")
    loose = spec.model_copy(update={"rules": [r.model_copy(update={"max_deg": 80.0}) if r.id == "thighs_vertical"
                                              else r for r in spec.rules]})
    with pytest.raises(MotionError, match="never breaks rule 'thighs_vertical'"):
        fault_intervals(SynthClip(perf, fps=10), loose)


def test_expected_faults_only_count_in_position():
    """The truth gates faults by the exercise's [[position]] like the tracker: a rule broken only out of
    position is no fault, and a fault's onset lies inside a scripted hold."""
    from formcheck.dev.synth.truth import in_position
    from formcheck.engine.spec import PositionSpec

    perf = build("camel", "fault")
    spec = load_exercise("camel")
    clip = SynthClip(perf, fps=10)
    (fault,) = fault_intervals(clip, spec)
    (hold,) = perf.truth.holds
    assert hold.start_s < fault["onset_s"] < fault["end_s"] < hold.end_s
    standing = next(clip.poses())
    from formcheck.signal.features import compute_features

    assert not in_position(spec, compute_features(standing).values)
    never = spec.model_copy(update={"position": [PositionSpec(feature="hips_vs_feet_deg", min_deg=90,
                                                              cue="Stand on your head")]})
    with pytest.raises(MotionError, match="never breaks rule 'thighs_vertical'.*while in position"):
        fault_intervals(clip, never)


def test_build_rejects_unknown():
    with pytest.raises(ValueError, match="unknown exercise 'plank'"):
        build("plank")
    with pytest.raises(ValueError, match="variant must be one of"):
        build("squat", "sloppy")


def test_catalogue_is_covered():
    from formcheck.engine.spec import exercise_ids

    assert set(PERFORMANCES) == set(exercise_ids())
    assert VARIANTS == ("good", "fault")


# --------------------------------------------------------------------------- MediaPipe on rendered frames (slow)


@pytest.mark.slow
@pytest.mark.parametrize("view", list(View))
def test_mediapipe_detects_rendered_views(view):
    from formcheck.io.model import PoseEstimator

    poses = [BodyPose(), SQUAT_BOTTOM, BodyPose().with_(r_hip_flex=88, r_knee_flex=88, l_hip_flex=-14,
                                                         l_knee_flex=76, l_ankle_plantar=75)]
    joints = list(BODY_JOINTS)
    for seed, pose in enumerate(poses):
        look = appearance_from_seed(seed + 10)
        camera = _camera(view)
        sk = forward_kinematics(pose, BodyShape(look.height_m))
        rgb = Renderer(camera, look).render(sk)
        truth, _ = camera.project(sk.landmarks)
        with PoseEstimator("full") as estimator:
            found = estimator.estimate(rgb, 0)
        assert found is not None, f"{view.value} view, pose {seed}: not detected"
        err = np.linalg.norm(found.xy_px[joints] - truth[joints], axis=1)
        assert np.median(err) < 12, f"{view.value} view, pose {seed}: median error {np.median(err):.1f} px"


def test_landmark_only_mode_drives_the_engine():
    """Exact landmarks through smoothing, features and the tracker: the scripted squats are counted."""
    from formcheck.session.offline import analyze_poses

    report = analyze_poses(SynthClip(build("squat", "good"), fps=15).poses(), "squat")
    assert report["sides"]["both"]["reps"] == 3
    assert report["faults"] == []


def test_written_clip_renders_identically_and_has_truth(tmp_path):
    """Same seed, same pixels and truth. (The mp4 bytes are compared by regenerating
    samples/; x264's threads make a rare byte difference under heavy load, which
    is why the pixels, not the bytes, are the contract here.)"""
    import json

    clip = SynthClip(build("camel", "good", seed=2), seed=2, size=(320, 240), fps=5)
    first = [rgb for _, rgb, _ in clip.frames()]
    second = [rgb for _, rgb, _ in clip.frames()]
    assert len(first) == clip.n_frames
    assert all(np.array_equal(a, b) for a, b in zip(first, second))
    video, truth = clip.write(tmp_path / "a.mp4")
    _, truth_b = clip.write(tmp_path / "b.mp4")
    assert truth.read_text() == truth_b.read_text()
    data = json.loads(truth.read_text())
    assert truth.name == "a.truth.json"
    assert len(data["frames"]) == clip.n_frames and len(data["frames"][0]["xy_px"]) == 33
    hold = data["holds"][0]
    # 6 s still, plus the last 19.55 % of the 1.2 s move in and the first of the 1.0 s move out
    assert hold["side"] == "both" and hold["end_s"] - hold["start_s"] == pytest.approx(6.0 + 0.1955 * 2.2, abs=0.002)

"""Features on synthetic poses with known geometry."""

from __future__ import annotations

import math

import numpy as np
import pytest
from engine_poses import front_pose, hide, side_pose, swap_leg_labels, with_noise

from formcheck.core.landmarks import Landmark as L
from formcheck.signal.features import (
    FEATURE_NAMES,
    FEATURES,
    compute_features,
    feature_joints,
    feature_vertex,
)
from formcheck.signal.geometry import (
    distance_ratio,
    joint_angle_deg,
    line_from_horizontal_deg,
    segment_from_vertical_deg,
    side_on_weight,
    view_of,
)
from formcheck.signal.roles import ROLES


def test_joint_angle_basic():
    assert joint_angle_deg([1, 0], [0, 0], [0, 1]) == pytest.approx(90.0)
    assert joint_angle_deg([1, 0], [0, 0], [-1, 0]) == pytest.approx(180.0)
    assert joint_angle_deg([1, 0], [0, 0], [1, 1]) == pytest.approx(45.0)


def test_joint_angle_vectorised_and_degenerate():
    a = np.array([[1, 0], [0, 0]])
    out = joint_angle_deg(a, np.zeros((2, 2)), np.array([[0, 1], [0, 1]]))
    assert out[0] == pytest.approx(90.0)
    assert math.isnan(out[1])  # zero-length segment


def test_segment_from_vertical_sign_with_y_down():
    # tip above the base (smaller y) and to the right: +45 from straight up
    assert segment_from_vertical_deg([0, 0], [1, -1]) == pytest.approx(45.0)
    assert segment_from_vertical_deg([0, 0], [-1, -1]) == pytest.approx(-45.0)
    assert segment_from_vertical_deg([0, 0], [0, -1]) == pytest.approx(0.0)
    # from straight down: tip below and to the right
    assert segment_from_vertical_deg([0, 0], [1, 1], up=False) == pytest.approx(45.0)


def test_line_from_horizontal_and_distance_ratio():
    assert line_from_horizontal_deg([0, 0], [10, 10]) == pytest.approx(45.0)
    assert line_from_horizontal_deg([10, 0], [0, 0]) == pytest.approx(0.0)
    assert distance_ratio([0, 0], [3, 4], 10.0) == pytest.approx(0.5)
    assert math.isnan(distance_ratio([0, 0], [3, 4], 0.0))


def test_registry_names_carry_units():
    assert len(FEATURE_NAMES) == len(set(FEATURE_NAMES)) >= 40
    assert all(name.endswith(("_deg", "_ratio")) for name in FEATURE_NAMES)
    assert FEATURES["trunk_lean_deg"].unit == "deg"


def test_every_feature_declares_its_landmarks_and_vertex():
    """Joints and vertex resolve for any roles, the vertex among the joints (it is where the value is drawn)."""
    roles = dict(zip(ROLES, ("left", "right", "right", "left")))
    for name, feature in FEATURES.items():
        joints = feature_joints(name, roles)
        assert joints, name
        assert feature.vertex is None or feature_vertex(name, roles) in joints, name


def test_values_are_the_registry_in_order():
    assert tuple(compute_features(side_pose()).values) == FEATURE_NAMES
    assert tuple(compute_features(front_pose()).values) == FEATURE_NAMES


def test_role_features_are_their_labelled_leg():
    f = compute_features(side_pose(near_leg=(-15, 10), far_leg=(80, 85)))
    assert {"front", "back"} <= set(f.roles)
    for role, label in f.roles.items():
        for key in ("knee_angle_deg", "hip_angle_deg"):
            assert f[f"{role}_{key}"] == f[f"{label}_{key}"]


def test_none_pose_gives_all_names_as_nan():
    f = compute_features(None, t_ms=1234)
    assert f.t_ms == 1234
    assert set(f.values) == set(FEATURE_NAMES)
    assert all(math.isnan(v) for v in f.values.values())


@pytest.mark.parametrize("facing", [1, -1])
def test_side_view_angles_known(facing):
    pose = side_pose(facing=facing, trunk_deg=-12, near_leg=(-15, 10), far_leg=(80, 85))
    f = compute_features(pose)
    assert f.facing == ("right" if facing > 0 else "left")
    assert f["trunk_lean_deg"] == pytest.approx(-12.0, abs=0.1)
    assert f["trunk_tilt_deg"] == pytest.approx(12.0, abs=0.1)
    assert f["front_thigh_from_vertical_deg"] == pytest.approx(80.0, abs=0.1)
    assert f["front_knee_angle_deg"] == pytest.approx(180 - 85, abs=0.1)
    assert f["front_shin_from_vertical_deg"] == pytest.approx(-(80 - 85), abs=0.1)
    assert f["back_thigh_from_vertical_deg"] == pytest.approx(-15.0, abs=0.1)
    assert f["back_knee_angle_deg"] == pytest.approx(170.0, abs=0.1)
    assert f["back_hip_flexion_deg"] == pytest.approx(-27.0, abs=0.1)  # extension: thigh -15 + trunk -12
    assert f["shoulder_width_ratio"] < 0.2 and f["hip_width_ratio"] < 0.2


def test_head_and_neck_relative_to_trunk():
    f = compute_features(side_pose(trunk_deg=10, neck_deg=-30))
    assert f["head_lean_deg"] == pytest.approx(-20.0, abs=0.1)
    assert f["neck_trunk_deg"] == pytest.approx(-30.0, abs=0.1)


def test_roles_survive_label_swap():
    """The front leg stays the front leg, and keeps its anatomical side, when MediaPipe swaps labels."""
    pose = side_pose(facing=-1, near_leg=(-20, 100), far_leg=(85, 90))
    plain, swapped = compute_features(pose), compute_features(swap_leg_labels(pose))
    assert plain.roles["front"] != swapped.roles["front"]  # different labels...
    for role in ("front", "back"):
        assert plain.role_sides[role] == swapped.role_sides[role]  # ...same anatomy
    assert plain.role_sides["back"] == "left"  # facing image left shows the left side: the near (back) leg
    for name in ("front_knee_angle_deg", "back_thigh_from_vertical_deg", "front_shin_from_vertical_deg"):
        assert swapped[name] == pytest.approx(plain[name], abs=1e-6)


def test_kneeling_back_leg_gives_facing():
    """A kneeling figure with the head hidden: bent knees alone tell the facing direction."""
    pose = hide(side_pose(facing=-1, near_leg=(-5, 95), far_leg=(85, 90)), L.NOSE, L.LEFT_EAR, L.RIGHT_EAR)
    f = compute_features(pose)
    assert f.facing == "left"
    assert f["front_knee_angle_deg"] == pytest.approx(90.0, abs=0.1)


def test_support_and_lifted_legs():
    f = compute_features(side_pose(near_leg=(0, 0), far_leg=(-5, 140)))  # far heel to the buttock
    assert f["lifted_knee_angle_deg"] == pytest.approx(40.0, abs=0.1)
    assert f["support_knee_angle_deg"] == pytest.approx(180.0, abs=0.1)
    assert f.role_sides["lifted"] == "left"  # facing right: the far leg is the left one


def test_invisible_landmark_gives_nan_not_a_guess():
    pose = hide(side_pose(near_leg=(0, 0), far_leg=(0, 0)), L.LEFT_KNEE, L.RIGHT_KNEE)
    f = compute_features(pose)
    assert math.isnan(f["front_knee_angle_deg"])
    assert math.isnan(f["thigh_depth_deg"])
    assert f["trunk_lean_deg"] == pytest.approx(0.0, abs=0.1)


def test_out_of_frame_landmark_is_unknown():
    pose = side_pose(hip=(640.0, 600.0))  # feet below the image
    f = compute_features(pose)
    assert math.isnan(f["front_knee_angle_deg"])
    assert math.isfinite(f["trunk_lean_deg"])


def test_front_view_features():
    f = compute_features(front_pose(depth_deg=60))
    assert f.facing == "unknown"
    assert f["trunk_lean_deg"] == pytest.approx(0.0, abs=1.0)  # from the world landmarks: upright
    assert f["side_on_weight_ratio"] == 0.0 and f["body_yaw_deg"] == pytest.approx(0.0, abs=1.0)
    assert f["shoulder_width_ratio"] == pytest.approx(0.8, abs=0.01)
    assert f["thigh_depth_deg"] == pytest.approx(60.0, abs=3.0)
    assert f["knee_to_ankle_width_ratio"] == pytest.approx(1.0, abs=0.01)
    caved = compute_features(front_pose(depth_deg=60, knee_in_px=40))
    assert caved["knee_to_ankle_width_ratio"] < 0.7


def test_thigh_depth_standing_level_and_below():
    assert compute_features(front_pose(depth_deg=0))["thigh_depth_deg"] < 8
    assert compute_features(side_pose(near_leg=(90, 90), far_leg=(90, 90)))["thigh_depth_deg"] == pytest.approx(90, abs=0.5)
    deep = compute_features(side_pose(near_leg=(110, 140), far_leg=(110, 140)))
    assert deep["thigh_depth_deg"] == pytest.approx(110, abs=0.5)
    assert deep["hip_below_knee_ratio"] > 0


def test_hip_tilt_and_twist():
    f = compute_features(front_pose(hip_tilt_px=2 * 50 * math.tan(math.radians(20))))
    assert f["hips_level_deg"] == pytest.approx(20.0, abs=0.5)
    assert compute_features(front_pose(twist_deg=30))["torso_twist_deg"] == pytest.approx(30.0, abs=0.5)
    assert compute_features(front_pose(twist_deg=-25))["torso_twist_deg"] == pytest.approx(-25.0, abs=0.5)


def test_noise_changes_angles_a_little():
    rng = np.random.default_rng(0)
    pose = side_pose(near_leg=(-15, 10), far_leg=(80, 85))
    values = [compute_features(with_noise(pose, rng, 2.0))["front_knee_angle_deg"] for _ in range(50)]
    assert np.mean(values) == pytest.approx(95.0, abs=1.0)
    assert np.std(values) < 2.0


def test_feature_joints_resolve_roles():
    f = compute_features(side_pose(near_leg=(-15, 10), far_leg=(80, 85)))
    joints = feature_joints("front_knee_angle_deg", f.roles)
    assert joints == (L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE)
    assert feature_joints("front_knee_angle_deg", {}) == ()


# ----------------------------------------------------------------- near side and near leg


def _kneeling(facing=1, **kw):
    """Half-kneeling: the near leg kneels (back leg), the far leg is the front one."""
    return side_pose(facing=facing, near_leg=(-5.0, 100.0), far_leg=(85.0, 85.0), hip=(640, 400), **kw)


@pytest.mark.parametrize("facing", [1, -1])
@pytest.mark.parametrize("spread_px", [40.0, -40.0, 8.0])
def test_facing_alone_decides_the_near_side_in_oblique_views(facing, spread_px):
    """Camera 15-25 deg behind (or in front of) the side view: the shoulders show
    the back (facing right, the left shoulder appears left of the right one),
    but the side facing the camera is still the one the facing direction shows."""
    f = compute_features(_kneeling(facing, spread_px=spread_px))
    near = "right" if facing > 0 else "left"
    far = "left" if facing > 0 else "right"
    if spread_px > 20:  # the camera sees the back: the old rear-view rule flipped the side here
        assert f.values["shoulder_width_ratio"] >= 0.15
    assert f.near_side == near
    assert f.role_sides["back"] == near and f.role_sides["front"] == far


def test_fully_visible_far_leg_does_not_flip_the_sides():
    """The far leg reported a little more visible than the near one (MediaPipe
    does this when the far leg is not occluded): labels and depth still win."""
    pose = _kneeling(1, far_visibility=0.97)
    f = compute_features(pose)
    assert f.role_sides["back"] == "right" and f.role_sides["front"] == "left"
    assert f.near_evidence > 0


@pytest.mark.parametrize("with_depth", [False, True])
def test_label_swap_found_from_visibility_and_depth(with_depth):
    """Leg labels swapped, the near leg still clearly more visible: the roles
    keep their anatomical side whether the depth estimate follows the labels
    (as MediaPipe's does) or the legs."""
    plain = compute_features(_kneeling(1))
    swapped = compute_features(swap_leg_labels(_kneeling(1), with_depth=with_depth))
    assert swapped.roles["back"] != plain.roles["back"]
    assert swapped.role_sides == plain.role_sides
    assert swapped.near_evidence < 0 < plain.near_evidence


def test_oblique_hip_order_reveals_a_label_swap():
    """Both legs equally visible and no depth information: in an oblique view the
    near hip lies on the near shoulder's side, which tells the swapped labels."""
    pose = _kneeling(1, spread_px=40.0, far_visibility=0.95)
    legs = [lm for lm in L if lm.name.endswith(("_KNEE", "_ANKLE", "_HEEL", "_FOOT_INDEX"))]
    world = pose.world_m.copy()
    world[legs, 2] = 0.0  # no depth for the legs (the trunk keeps it: that is what tells side-on)
    flat = type(pose)(pose.t_ms, pose.image_size, pose.xy_px, pose.visibility, world)
    plain = compute_features(flat)
    swapped = compute_features(swap_leg_labels(flat))
    assert plain.role_sides["back"] == "right"
    assert swapped.roles["back"] == "left"  # the label...
    assert swapped.role_sides["back"] == "right"  # ...but the same leg


def test_lifted_leg_needs_a_clear_height_difference():
    """Ankles 0.15-0.3 torso apart in height (a step, or both feet put at knee
    height by a model glitch) give no support/lifted roles."""
    f = compute_features(side_pose(near_leg=(0, 0), far_leg=(30, 60)))  # far ankle ~0.24 torso higher
    assert "lifted" not in f.roles and math.isnan(f["support_knee_angle_deg"])
    f = compute_features(side_pose(near_leg=(0, 0), far_leg=(-5, 140)))
    assert f.roles["lifted"] == "left"


def test_front_view_depth_comes_from_the_world_landmarks():
    """From the front a thigh rising towards the camera barely changes in the image; the world
    landmarks (depth) see it, and a front view uses them."""
    for depth in (0.0, 45.0, 90.0):
        f = compute_features(front_pose(depth_deg=depth))
        assert f["side_on_weight_ratio"] == 0.0
        assert f["thigh_depth_deg"] == pytest.approx(depth, abs=4.0)  # the knees sit a little wide


@pytest.mark.parametrize("yaw, view, weight", [
    (0.0, "front", 0.0), (25.0, "front", 0.0), (40.0, "oblique", 0.5), (-45.0, "oblique", 0.75),
    (90.0, "side", 1.0), (-110.0, "side", 1.0), (-120.0, "oblique", 1.0), (170.0, "front", 0.0),
])
def test_view_and_blend_from_the_body_yaw(yaw, view, weight):
    assert view_of(yaw) == view
    assert side_on_weight(yaw) == pytest.approx(weight)
    assert view_of(math.nan) == "unknown"


def test_body_yaw_of_a_profile_and_a_front_pose():
    assert abs(compute_features(side_pose(facing=1))["body_yaw_deg"]) == pytest.approx(90, abs=10)
    assert compute_features(side_pose(facing=1))["body_yaw_deg"] * compute_features(
        side_pose(facing=-1))["body_yaw_deg"] < 0  # facing the other way: the other sign
    assert compute_features(front_pose())["body_yaw_deg"] == pytest.approx(0, abs=1)


@pytest.mark.parametrize("view, offset_deg", [("three_quarter", 0.0), ("side", -35.0)])
def test_body_plane_angles_read_the_same_from_an_oblique_camera(view, offset_deg):
    """The same scripted hip-flexor stretch (exact landmarks) filmed side-on and obliquely: the back
    thigh's angle must not shrink with the camera angle (image distances along the body's forward
    direction are foreshortened by the yaw, which the features undo)."""
    from formcheck.dev.synth.clip import SynthClip
    from formcheck.dev.synth.exercises import build

    def back_thigh(**camera):
        clip = SynthClip(build("hip_flexor_stretch", "good", seed=3), seed=3, fps=10, size=(640, 480), **camera)
        return [compute_features(p)["back_thigh_from_vertical_deg"] for p in clip.poses()
                if 4.5 <= p.t_ms / 1000 <= 5.5]

    side_on = back_thigh(view="side")
    oblique = back_thigh(view=view, azimuth_offset_deg=offset_deg)
    assert min(side_on) < -25
    assert oblique == pytest.approx(side_on, abs=2.0)

"""Synthetic landmark poses with known geometry, for the engine tests.

Stick figures built from segment angles, so every feature has a known value:
``side_pose`` (profile; the near side is the one the person's facing shows),
``front_pose`` (facing the camera, for squats and twists), plus helpers to
swap leg labels, add noise and drop landmarks.
"""

from __future__ import annotations

import math

import numpy as np

from formcheck.core.landmarks import Landmark as L
from formcheck.core.pose import Pose

SIZE = (1280, 720)
TORSO = 200.0  # px, mid-hip to mid-shoulder
THIGH = 180.0
SHIN = 170.0

_LEG_PARTS = ("HIP", "KNEE", "ANKLE", "HEEL", "FOOT_INDEX")


def _down(angle_deg: float, facing: int) -> np.ndarray:
    """Unit vector at ``angle_deg`` from straight down, + towards the facing direction."""
    a = math.radians(angle_deg)
    return np.array([facing * math.sin(a), math.cos(a)])


def _up(angle_deg: float, facing: int) -> np.ndarray:
    a = math.radians(angle_deg)
    return np.array([facing * math.sin(a), -math.cos(a)])


def _pose(t_ms: int, xy: np.ndarray, vis: np.ndarray, world: np.ndarray | None = None) -> Pose:
    if world is None:
        world = np.zeros((33, 3))
        world[:, :2] = (xy - xy[[L.LEFT_HIP, L.RIGHT_HIP]].mean(axis=0)) / 400.0
    return Pose(t_ms=t_ms, image_size=SIZE, xy_px=xy, visibility=vis, world_m=world)


def side_pose(
    t_ms: int = 0,
    *,
    facing: int = 1,
    trunk_deg: float = 0.0,
    neck_deg: float = 0.0,
    near_leg: tuple[float, float] = (0.0, 0.0),
    far_leg: tuple[float, float] = (0.0, 0.0),
    hip: tuple[float, float] = (640.0, 330.0),
    far_visibility: float = 0.8,
    spread_px: float = 8.0,
) -> Pose:
    """A profile pose. ``near_leg``/``far_leg`` = (thigh from hanging vertical,
    + forward; knee flexion), degrees. ``trunk_deg`` is the trunk lean (+ forward),
    ``neck_deg`` the head's extra lean relative to the trunk. Facing image right
    (+1) shows the right side, so the near leg is RIGHT_*.

    ``spread_px`` is how far the near side's shoulder and hip lie from the far
    side's, towards the facing direction: a few px in an exact side view,
    more when the camera stands behind the side view (it then sees the back:
    facing right, the right shoulder appears right of the left one), negative
    when it stands in front. The world landmarks put the near side 0.2 m
    closer to the camera (z), as MediaPipe's depth estimate does."""
    near = "RIGHT" if facing > 0 else "LEFT"
    far = "LEFT" if facing > 0 else "RIGHT"
    xy = np.zeros((33, 2))
    vis = np.full(33, 0.95)
    hip_c = np.array(hip, float)
    shoulder_c = hip_c + TORSO * _up(trunk_deg, facing)
    ear = shoulder_c + 0.3 * TORSO * _up(trunk_deg + neck_deg, facing)
    fwd = np.array([facing, 0.0])
    offset = np.array([facing * spread_px / 2.0, 0.0])  # the two sides almost overlap in profile
    for side, sign in ((near, 1.0), (far, -1.0)):
        xy[L[f"{side}_SHOULDER"]] = shoulder_c + sign * offset
        xy[L[f"{side}_ELBOW"]] = shoulder_c + sign * offset + 0.6 * TORSO * _down(10, facing)
        xy[L[f"{side}_WRIST"]] = xy[L[f"{side}_ELBOW"]] + 0.5 * TORSO * _down(40, facing)
        for part in ("PINKY", "INDEX", "THUMB"):
            xy[L[f"{side}_{part}"]] = xy[L[f"{side}_WRIST"]] + 0.05 * TORSO * fwd
        xy[L[f"{side}_EAR"]] = ear + sign * offset
        for part in ("EYE", "EYE_INNER", "EYE_OUTER"):
            xy[L[f"{side}_{part}"]] = ear + 0.08 * TORSO * fwd + np.array([0.0, -5.0])
        xy[L[f"MOUTH_{side}"]] = ear + 0.1 * TORSO * fwd + np.array([0.0, 12.0])
    xy[L.NOSE] = ear + 0.14 * TORSO * fwd
    for side, (thigh_deg, flex_deg), sign in ((near, near_leg, 1.0), (far, far_leg, -1.0)):
        h = hip_c + sign * offset
        knee = h + THIGH * _down(thigh_deg, facing)
        ankle = knee + SHIN * _down(thigh_deg - flex_deg, facing)
        xy[L[f"{side}_HIP"]], xy[L[f"{side}_KNEE"]], xy[L[f"{side}_ANKLE"]] = h, knee, ankle
        xy[L[f"{side}_HEEL"]] = ankle - 0.08 * TORSO * fwd + np.array([0.0, 8.0])
        xy[L[f"{side}_FOOT_INDEX"]] = ankle + 0.2 * TORSO * fwd + np.array([0.0, 10.0])
    world = np.zeros((33, 3))
    world[:, :2] = (xy - xy[[L.LEFT_HIP, L.RIGHT_HIP]].mean(axis=0)) / 400.0
    for i, lm in enumerate(L):
        if lm.name.startswith(f"{far}_"):
            vis[i] = far_visibility
            world[i, 2] = 0.1
        elif lm.name.startswith(f"{near}_"):
            world[i, 2] = -0.1
    return _pose(t_ms, xy, vis, world)


def front_pose(
    t_ms: int = 0,
    *,
    depth_deg: float = 0.0,
    knee_in_px: float = 0.0,
    twist_deg: float = 0.0,
    hip: tuple[float, float] = (640.0, 300.0),
    hip_tilt_px: float = 0.0,
) -> Pose:
    """Facing the camera (the person's left is image right). ``depth_deg`` is
    the thigh elevation (0 standing, 90 thigh level); ``knee_in_px`` moves both
    knees towards the midline; ``twist_deg`` turns the shoulders to the
    person's left in the 3D (world) landmarks."""
    xy = np.zeros((33, 2))
    vis = np.full(33, 0.95)
    hip_c = np.array(hip, float)
    half_hip, half_sh = 0.25 * TORSO, 0.4 * TORSO
    for side, sx in (("LEFT", 1.0), ("RIGHT", -1.0)):
        tilt = (hip_tilt_px / 2) * sx
        h = hip_c + np.array([sx * half_hip, tilt])
        knee = h + np.array([sx * (10.0 - knee_in_px), THIGH * math.cos(math.radians(depth_deg))])
        ankle = np.array([h[0] + sx * 10.0, knee[1] + SHIN])
        xy[L[f"{side}_HIP"]], xy[L[f"{side}_KNEE"]], xy[L[f"{side}_ANKLE"]] = h, knee, ankle
        xy[L[f"{side}_HEEL"]] = ankle + np.array([0.0, 6.0])
        xy[L[f"{side}_FOOT_INDEX"]] = ankle + np.array([sx * 10.0, 18.0])
        sh = hip_c + np.array([sx * half_sh, -TORSO])
        xy[L[f"{side}_SHOULDER"]] = sh
        xy[L[f"{side}_ELBOW"]] = sh + np.array([sx * 15.0, 110.0])
        xy[L[f"{side}_WRIST"]] = sh + np.array([sx * 20.0, 200.0])
        for part in ("PINKY", "INDEX", "THUMB"):
            xy[L[f"{side}_{part}"]] = xy[L[f"{side}_WRIST"]] + np.array([0.0, 10.0])
        xy[L[f"{side}_EAR"]] = hip_c + np.array([sx * 30.0, -TORSO - 70.0])
        for part in ("EYE", "EYE_INNER", "EYE_OUTER"):
            xy[L[f"{side}_{part}"]] = hip_c + np.array([sx * 15.0, -TORSO - 80.0])
        xy[L[f"MOUTH_{side}"]] = hip_c + np.array([sx * 10.0, -TORSO - 50.0])
    xy[L.NOSE] = hip_c + np.array([0.0, -TORSO - 65.0])
    pose = _pose(t_ms, xy, vis)
    world = pose.world_m.copy()
    # the thighs rise towards the camera: in the world landmarks the knees come forward (-z)
    # and the thighs keep their length, as the model's 3D estimate has them
    for side in ("LEFT", "RIGHT"):
        hip_w, knee = world[L[f"{side}_HIP"]], L[f"{side}_KNEE"]
        world[knee, 1] = hip_w[1] + THIGH * math.cos(math.radians(depth_deg)) / 400.0
        world[knee, 2] = -THIGH * math.sin(math.radians(depth_deg)) / 400.0
    a = math.radians(twist_deg)
    for side, sx in (("LEFT", 1.0), ("RIGHT", -1.0)):
        r = half_sh / 400.0
        # turning to the person's left: the left shoulder goes back (z away from the camera)
        world[L[f"{side}_SHOULDER"], 0] = sx * r * math.cos(a)
        world[L[f"{side}_SHOULDER"], 2] = sx * r * math.sin(a)
    return _pose(t_ms, xy, vis, world)


def swap_leg_labels(pose: Pose, *, with_depth: bool = False) -> Pose:
    """The same picture with the left/right leg labels exchanged (MediaPipe's
    side-view swap): positions and visibility follow the legs. With
    ``with_depth`` the world landmarks (depth) follow too; without, they keep
    the labels, as MediaPipe's do (its depth estimate reflects its belief of
    which leg is which, so a swap carries it along)."""
    xy, vis, world = pose.xy_px.copy(), pose.visibility.copy(), pose.world_m.copy()
    for part in _LEG_PARTS:
        a, b = L[f"LEFT_{part}"], L[f"RIGHT_{part}"]
        xy[[a, b]] = xy[[b, a]]
        vis[[a, b]] = vis[[b, a]]
        if with_depth:
            world[[a, b]] = world[[b, a]]
    return Pose(pose.t_ms, pose.image_size, xy, vis, world)


def with_noise(pose: Pose, rng: np.random.Generator, sigma_px: float = 2.0) -> Pose:
    return Pose(pose.t_ms, pose.image_size, pose.xy_px + rng.normal(0.0, sigma_px, pose.xy_px.shape),
                pose.visibility, pose.world_m)


def hide(pose: Pose, *landmarks: L) -> Pose:
    vis = pose.visibility.copy()
    vis[list(landmarks)] = 0.05
    return Pose(pose.t_ms, pose.image_size, pose.xy_px, vis, pose.world_m)


def shifted(pose: Pose, dx: float = 0.0, dy: float = 0.0) -> Pose:
    """Moved in the image; landmarks pushed outside the frame get low visibility, as MediaPipe reports."""
    xy = pose.xy_px + np.array([dx, dy])
    w, h = pose.image_size
    vis = pose.visibility.copy()
    outside = (xy[:, 0] < 0) | (xy[:, 0] > w) | (xy[:, 1] < 0) | (xy[:, 1] > h)
    vis[outside] = 0.1
    return Pose(pose.t_ms, pose.image_size, xy, vis, pose.world_m)


"""A 3D human skeleton: body proportions, a pose as named joint angles, and
forward kinematics from the angles to the 33 BlazePose landmarks.

World frame: metres, y up, the floor is y = 0. A performer with ``yaw_deg = 0``
faces +x, so their right side is +z. Limb angles are measured in the body's
own (yaw-only) frame, not chained through the trunk, which keeps keyframes
readable: ``hip_flex_deg = 90`` puts a thigh horizontal and forward whatever
the trunk does.

Proportions are fractions of height from anthropometric tables (Drillis &
Contini; Winter, *Biomechanics and Motor Control of Human Movement*).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np

from ...core.landmarks import Landmark

__all__ = ["BodyShape", "BodyPose", "Skeleton", "forward_kinematics", "interpolate_pose", "SIDES"]

SIDES = ("left", "right")
L = Landmark


@dataclass(frozen=True)
class BodyShape:
    """Segment lengths and radii in metres, scaled from ``height_m``."""

    height_m: float = 1.72

    def __post_init__(self) -> None:
        if not 1.0 <= self.height_m <= 2.3:
            raise ValueError(f"height_m must be in [1.0, 2.3] m, got {self.height_m}")

    def __getattr__(self, name: str) -> float:
        # Lengths are fractions of height; listed once in _FRACTIONS.
        try:
            return _FRACTIONS[name] * self.__dict__["height_m"]
        except KeyError:
            raise AttributeError(name) from None


_FRACTIONS = {
    "thigh_m": 0.245,
    "shank_m": 0.246,
    "ankle_height_m": 0.039,
    "foot_m": 0.115,  # ankle to toe, along the foot
    "heel_m": 0.030,  # heel behind the ankle
    "hip_half_width_m": 0.058,
    "lower_trunk_m": 0.125,
    "upper_trunk_m": 0.163,
    "shoulder_half_width_m": 0.118,
    "neck_m": 0.092,  # shoulder centre to head centre
    "head_radius_m": 0.052,
    "upper_arm_m": 0.186,
    "forearm_m": 0.146,
    "hand_m": 0.060,  # wrist to index knuckle
}


@dataclass(frozen=True)
class BodyPose:
    """Joint angles in degrees; positions in metres. See the module docstring for frames.

    Trunk: ``trunk_lean_deg`` tilts the lower trunk forward (+) from vertical;
    ``lumbar_arch_deg`` tilts the upper trunk back (+) relative to the lower one
    (an arched lower back); ``trunk_twist_deg`` turns the shoulders toward the
    performer's left (+); ``trunk_side_deg`` bends toward the right (+).
    Legs: ``hip_flex`` swings the thigh forward from hanging straight down,
    ``hip_abd`` out to the side, ``hip_rot`` turns the knee hinge about the thigh
    (+ swings the shin toward the other leg when the knee is bent),
    ``knee_flex`` folds the shin back (0 = straight), ``ankle_plantar`` points
    the toes (0 = foot at right angles to the shin).
    Arms: ``shoulder_flex`` raises the arm forward, ``shoulder_abd`` sideways,
    ``elbow_flex`` folds the forearm forward, ``arm_rot`` turns the elbow hinge.
    """

    x_m: float = 0.0
    z_m: float = 0.0
    yaw_deg: float = 0.0
    trunk_lean_deg: float = 0.0
    lumbar_arch_deg: float = 0.0
    trunk_twist_deg: float = 0.0
    trunk_side_deg: float = 0.0
    head_pitch_deg: float = 0.0  # + chin down
    head_yaw_deg: float = 0.0  # + toward the performer's left
    l_hip_flex: float = 0.0
    r_hip_flex: float = 0.0
    l_hip_abd: float = 3.0
    r_hip_abd: float = 3.0
    l_hip_rot: float = 0.0
    r_hip_rot: float = 0.0
    l_knee_flex: float = 0.0
    r_knee_flex: float = 0.0
    l_ankle_plantar: float = 0.0
    r_ankle_plantar: float = 0.0
    l_shoulder_flex: float = 0.0
    r_shoulder_flex: float = 0.0
    l_shoulder_abd: float = 8.0
    r_shoulder_abd: float = 8.0
    l_elbow_flex: float = 10.0
    r_elbow_flex: float = 10.0
    l_arm_rot: float = 0.0
    r_arm_rot: float = 0.0

    def side(self, prefix: str, joint: str) -> float:
        return getattr(self, f"{prefix}_{joint}")

    def mirrored(self) -> BodyPose:
        """The same pose with left and right swapped (the other side of a one-sided stretch)."""
        values = {}
        for f in fields(self):
            name = f.name
            if name.startswith("l_"):
                values[name] = getattr(self, "r_" + name[2:])
            elif name.startswith("r_"):
                values[name] = getattr(self, "l_" + name[2:])
            elif name in ("trunk_twist_deg", "trunk_side_deg", "head_yaw_deg"):
                values[name] = -getattr(self, name)
            else:
                values[name] = getattr(self, name)
        return BodyPose(**values)

    def with_(self, **changes: float) -> BodyPose:
        """A copy with some angles changed; ``both_knee_flex=90`` sets l_ and r_ alike."""
        expanded: dict[str, float] = {}
        for key, value in changes.items():
            if key.startswith("both_"):
                expanded["l_" + key[5:]] = value
                expanded["r_" + key[5:]] = value
            else:
                expanded[key] = value
        return replace(self, **expanded)

    def as_vector(self) -> np.ndarray:
        return np.array([getattr(self, f.name) for f in fields(self)], dtype=float)

    @classmethod
    def from_vector(cls, vector: np.ndarray) -> BodyPose:
        return cls(*(float(v) for v in vector))


def interpolate_pose(a: BodyPose, b: BodyPose, u: float) -> BodyPose:
    """Linear blend of two poses' parameters, ``u`` in [0, 1]."""
    return BodyPose.from_vector((1.0 - u) * a.as_vector() + u * b.as_vector())


@dataclass(frozen=True, eq=False)
class Skeleton:
    """One frame of the performer in world coordinates (metres).

    ``landmarks`` holds the 33 BlazePose points; the other arrays are the
    extra points the renderer needs. ``frames`` maps a body part to its
    orthonormal (forward, up, right) axes as rows.
    """

    landmarks: np.ndarray  # (33, 3)
    pelvis: np.ndarray
    mid_spine: np.ndarray
    neck: np.ndarray  # shoulder centre
    head_centre: np.ndarray
    head_axes: np.ndarray  # (3, 3): forward, up, right
    trunk_axes: np.ndarray  # upper trunk (3, 3)
    pelvis_axes: np.ndarray  # (3, 3)
    shape: BodyShape

    def point(self, landmark: Landmark) -> np.ndarray:
        return self.landmarks[landmark]


def _rot(axis: np.ndarray, angle_deg: float) -> np.ndarray:
    """Rotation matrix about a unit axis (right-hand rule)."""
    a = np.radians(angle_deg)
    x, y, z = axis / np.linalg.norm(axis)
    c, s, C = np.cos(a), np.sin(a), 1.0 - np.cos(a)
    return np.array([
        [c + x * x * C, x * y * C - z * s, x * z * C + y * s],
        [y * x * C + z * s, c + y * y * C, y * z * C - x * s],
        [z * x * C - y * s, z * y * C + x * s, c + z * z * C],
    ])


UP = np.array([0.0, 1.0, 0.0])


def _body_axes(yaw_deg: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Forward, up, right of a performer turned by ``yaw_deg`` (0 faces +x, + turns left)."""
    forward = _rot(UP, yaw_deg) @ np.array([1.0, 0.0, 0.0])
    right = np.cross(forward, UP)
    return forward, UP.copy(), right


def _limb(root: np.ndarray, f: np.ndarray, r: np.ndarray, down: np.ndarray, *, outward: np.ndarray,
          flex: float, abd: float, rot: float, bend: float, bend_sign: float, l1: float,
          l2: float) -> tuple[np.ndarray, ...]:
    """Two-segment limb hanging along ``down`` from ``root``: (mid joint, end joint, end direction, hinge axis).

    ``bend_sign`` -1 folds the distal segment backward (knee), +1 forward (elbow).
    """
    # Abduct away from the midline, then flex forward about the right axis.
    abd_axis = f if np.dot(np.cross(f, down), outward) > 0 else -f
    swing = _rot(r, flex) @ _rot(abd_axis, abd)
    d1 = swing @ down
    hinge = swing @ r
    hinge = _rot(d1, rot) @ hinge
    d2 = _rot(hinge, bend_sign * bend) @ d1
    mid = root + l1 * d1
    end = mid + l2 * d2
    return mid, end, d2, hinge


def forward_kinematics(pose: BodyPose, shape: BodyShape | None = None) -> Skeleton:
    """World positions of every landmark, standing on the floor (lowest surface point at y = 0)."""
    shape = shape or BodyShape()
    f, u, r = _body_axes(pose.yaw_deg)
    pelvis = np.array([pose.x_m, 0.0, pose.z_m])  # height fixed below

    # Trunk: lower segment leans forward about the right axis; upper adds the arch, side bend, twist.
    lean = _rot(r, -pose.trunk_lean_deg)  # rotating `up` about `right` by - tips it forward
    lower_dir = lean @ u
    side = _rot(f, pose.trunk_side_deg)
    upper_rot = side @ _rot(r, pose.lumbar_arch_deg - pose.trunk_lean_deg)
    upper_dir = upper_rot @ u
    twist = _rot(upper_dir, pose.trunk_twist_deg)
    t_forward = twist @ (upper_rot @ f)
    t_right = twist @ (upper_rot @ r)
    mid_spine = pelvis + shape.lower_trunk_m * lower_dir
    neck = mid_spine + shape.upper_trunk_m * upper_dir
    head_rot = _rot(upper_dir, pose.head_yaw_deg) @ _rot(t_right, -pose.head_pitch_deg)
    h_forward = head_rot @ t_forward
    h_up = head_rot @ upper_dir
    h_right = np.cross(h_forward, h_up)
    head_centre = neck + shape.neck_m * (0.92 * upper_dir) + 0.25 * shape.head_radius_m * t_forward

    lm = np.zeros((len(Landmark), 3))
    for prefix, sign in (("l", -1.0), ("r", 1.0)):
        name = "LEFT" if prefix == "l" else "RIGHT"
        hip = pelvis + sign * shape.hip_half_width_m * r
        knee, ankle, shin_dir, hinge = _limb(
            hip, f, r, -u, outward=sign * r,
            flex=pose.side(prefix, "hip_flex"), abd=pose.side(prefix, "hip_abd"),
            rot=sign * pose.side(prefix, "hip_rot"), bend=pose.side(prefix, "knee_flex"), bend_sign=-1.0,
            l1=shape.thigh_m, l2=shape.shank_m,
        )
        foot_dir = _rot(hinge, 90.0 - pose.side(prefix, "ankle_plantar")) @ shin_dir
        heel = ankle + 0.6 * shape.ankle_height_m * shin_dir - shape.heel_m * foot_dir
        toe = ankle + 0.9 * shape.ankle_height_m * shin_dir + shape.foot_m * foot_dir
        shoulder = neck + sign * shape.shoulder_half_width_m * t_right
        elbow, wrist, hand_dir, arm_hinge = _limb(
            shoulder, t_forward, t_right, -upper_dir, outward=sign * t_right,
            flex=pose.side(prefix, "shoulder_flex"),
            abd=pose.side(prefix, "shoulder_abd"),
            rot=sign * pose.side(prefix, "arm_rot"), bend=pose.side(prefix, "elbow_flex"), bend_sign=1.0,
            l1=shape.upper_arm_m, l2=shape.forearm_m,
        )
        thumb_side = -sign * arm_hinge
        lm[L[f"{name}_HIP"]] = hip
        lm[L[f"{name}_KNEE"]] = knee
        lm[L[f"{name}_ANKLE"]] = ankle
        lm[L[f"{name}_HEEL"]] = heel
        lm[L[f"{name}_FOOT_INDEX"]] = toe
        lm[L[f"{name}_SHOULDER"]] = shoulder
        lm[L[f"{name}_ELBOW"]] = elbow
        lm[L[f"{name}_WRIST"]] = wrist
        lm[L[f"{name}_INDEX"]] = wrist + shape.hand_m * hand_dir + 0.012 * shape.height_m * thumb_side
        lm[L[f"{name}_PINKY"]] = wrist + 0.85 * shape.hand_m * hand_dir - 0.015 * shape.height_m * thumb_side
        lm[L[f"{name}_THUMB"]] = wrist + 0.45 * shape.hand_m * hand_dir + 0.02 * shape.height_m * thumb_side
        _face(lm, name, sign, head_centre, h_forward, h_up, h_right, shape.head_radius_m)
    rh = shape.head_radius_m
    lm[L.NOSE] = head_centre + rh * (1.12 * h_forward - 0.12 * h_up)

    # Put the lowest surface point on the floor.
    lift = _floor_offset(lm, pelvis, shape)
    offset = np.array([0.0, lift, 0.0])
    return Skeleton(
        landmarks=lm + offset,
        pelvis=pelvis + offset,
        mid_spine=mid_spine + offset,
        neck=neck + offset,
        head_centre=head_centre + offset,
        head_axes=np.stack([h_forward, h_up, h_right]),
        trunk_axes=np.stack([t_forward, upper_dir, t_right]),
        pelvis_axes=np.stack([lean @ f, lower_dir, r]),
        shape=shape,
    )


def _face(lm: np.ndarray, name: str, sign: float, c: np.ndarray, fw: np.ndarray, up: np.ndarray,
          right: np.ndarray, rh: float) -> None:
    """Eyes, ears and mouth corners on a head of radius ``rh`` (``sign`` -1 left, +1 right)."""
    s = sign * right
    lm[L[f"{name}_EYE_INNER"]] = c + rh * (0.93 * fw + 0.18 * up + 0.17 * s)
    lm[L[f"{name}_EYE"]] = c + rh * (0.88 * fw + 0.18 * up + 0.33 * s)
    lm[L[f"{name}_EYE_OUTER"]] = c + rh * (0.80 * fw + 0.18 * up + 0.50 * s)
    lm[L[f"{name}_EAR"]] = c + rh * (-0.05 * fw + 0.02 * up + 0.98 * s)
    lm[L[f"MOUTH_{name}"]] = c + rh * (0.90 * fw - 0.48 * up + 0.22 * s)


#: Radius (fraction of height) of the body surface around the points that can touch the floor.
_CONTACT = {
    L.LEFT_HEEL: 0.004, L.RIGHT_HEEL: 0.004, L.LEFT_FOOT_INDEX: 0.008, L.RIGHT_FOOT_INDEX: 0.008,
    L.LEFT_KNEE: 0.028, L.RIGHT_KNEE: 0.028, L.LEFT_ANKLE: 0.018, L.RIGHT_ANKLE: 0.018,
    L.LEFT_WRIST: 0.012, L.RIGHT_WRIST: 0.012, L.LEFT_INDEX: 0.008, L.RIGHT_INDEX: 0.008,
    L.LEFT_HIP: 0.05, L.RIGHT_HIP: 0.05,
}


def _floor_offset(lm: np.ndarray, pelvis: np.ndarray, shape: BodyShape) -> float:
    """How far to lift the body so its lowest contact surface rests on y = 0."""
    lowest = min(lm[j][1] - frac * shape.height_m for j, frac in _CONTACT.items())
    lowest = min(lowest, pelvis[1] - 0.07 * shape.height_m)  # sitting on the buttocks
    return -lowest

"""Named features (angles, ratios) computed once per frame from a pose.

Conventions (image coordinates: x to the right, **y points down**):

- ``*_deg`` are degrees; ``*_ratio`` are distances divided by the torso length
  (mid-shoulder to mid-hip in the image), so they do not depend on how far
  the person stands from the camera.
- Joint angles (``*_knee_angle_deg``, ``*_hip_angle_deg``) are the interior
  2D angle at the joint: 180 = straight, 90 = right angle.
- Signed segment angles are measured from the image vertical and are
  **positive towards the direction the person faces** (decided from geometry,
  see ``facing_ratio``): ``trunk_lean_deg`` > 0 leans forward, < 0 leans back;
  ``*_thigh_from_vertical_deg`` is 0 for a thigh hanging straight down and
  > 0 when the knee is ahead of the hip; ``*_shin_from_vertical_deg`` is
  > 0 when the knee is ahead of the ankle. In a front view the facing
  direction is unknown and these are NaN.
- A value is NaN ("unknown") when a landmark it needs is not visible
  (visibility below ``VISIBILITY_MIN`` or outside the image).

Roles instead of labels: MediaPipe swaps left/right leg labels in side views,
so leg features are named by role, decided from geometry every frame:
``front``/``back`` (ankle further along the facing direction is the front leg),
``support``/``lifted`` (the leg with the lower ankle carries the weight).
``Features.roles`` says which label each role used this frame (to find the
joints to colour) and ``Features.role_sides`` the anatomical side of each
role. For an unmirrored camera the facing direction alone decides the near
side (facing image right shows the right side, whether the camera is a
little in front of or behind the exact side view); which *leg* is the near
one is weighed from several cues (``_near_leg_evidence``): the model's labels
and its depth estimate, per-leg visibility, and, in an oblique view, whether
the hips are ordered like the shoulders. With no facing direction (front
view) labels are trusted.

``FEATURES`` is the one registry of names: exercise files may only name these.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..core.landmarks import Landmark
from ..core.pose import Pose

__all__ = [
    "VISIBILITY_MIN",
    "FeatureDef",
    "FEATURES",
    "FEATURE_NAMES",
    "ROLES",
    "Features",
    "compute_features",
    "joint_angle_deg",
    "segment_from_vertical_deg",
    "line_from_horizontal_deg",
    "distance_ratio",
    "feature_joints",
    "visible_mask",
    "body_yaw_deg",
    "view_of",
    "side_on_weight",
]

VISIBILITY_MIN = 0.5
#: |facing_ratio| below this: facing direction unknown (front or back view).
FACING_MIN = 0.12
#: A foot's weight in ``heel_lift_ratio`` fades in between these visibilities.
FOOT_VISIBILITY_FADE = (0.3, 0.7)
#: Image margin (fraction of the size) beyond which a landmark counts as out of frame.
FRAME_MARGIN = 0.02
#: Feet closer than this (x torso length) along a direction give no front/back (or support/lifted) roles.
LEGS_APART = 0.15
#: Not side-on, with no depth between the feet: shins differing this much in image height (x torso
#: length) tell the front leg from the back one.
SHIN_APART = 0.25
#: The lifted leg's ankle must be at least this much (x torso length) higher than the support ankle.
LIFTED_MIN = 0.3
#: Near-leg evidence (see ``_near_leg_evidence``): prior for the model's own labels, weight of its depth
#: estimate (per metre of z difference between the legs), and of the hip order in an oblique view.
LABEL_PRIOR = 0.05
DEPTH_WEIGHT = 0.25
HIP_ORDER_WEIGHT = 1.0
#: Shoulders at least this far apart (x torso length) in the image: an oblique view, where hip order tells.
OBLIQUE_MIN = 0.15

ROLES = ("front", "back", "support", "lifted")


# --------------------------------------------------------------------------- geometry


def joint_angle_deg(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Interior angle at ``b`` between b->a and b->c, in degrees [0, 180].

    Works on (..., 2) arrays; NaN where a segment has zero length.
    """
    u = np.asarray(a, float) - np.asarray(b, float)
    v = np.asarray(c, float) - np.asarray(b, float)
    nu = np.linalg.norm(u, axis=-1)
    nv = np.linalg.norm(v, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.sum(u * v, axis=-1) / (nu * nv)
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def segment_from_vertical_deg(base: np.ndarray, tip: np.ndarray, *, up: bool = True) -> np.ndarray:
    """Signed angle of the segment base->tip from the image vertical, degrees (-180, 180].

    With ``up=True`` the reference is straight up (towards smaller y, since
    image y points down); with ``up=False`` straight down. Positive when the
    tip lies towards image +x (right) of the reference.
    """
    d = np.asarray(tip, float) - np.asarray(base, float)
    dx, dy = d[..., 0], d[..., 1]
    if up:
        return np.degrees(np.arctan2(dx, -dy))
    return np.degrees(np.arctan2(dx, dy))


def line_from_horizontal_deg(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Unsigned tilt of the line a-b from the image horizontal, degrees [0, 90]."""
    d = np.asarray(b, float) - np.asarray(a, float)
    return np.degrees(np.arctan2(np.abs(d[..., 1]), np.abs(d[..., 0])))


def distance_ratio(a: np.ndarray, b: np.ndarray, length: float) -> np.ndarray:
    """Distance a-b divided by ``length`` (e.g. the torso length); NaN if length <= 0."""
    dist = np.linalg.norm(np.asarray(b, float) - np.asarray(a, float), axis=-1)
    return dist / length if length > 0 else np.full_like(dist, np.nan)


# --------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class FeatureDef:
    """One named feature. ``joints`` are the landmarks it is computed from,
    written with ``{front}``/``{back}``/``{support}``/``{lifted}`` placeholders
    for role legs (resolved each frame to LEFT/RIGHT); ``vertex`` is where
    its value is drawn (None: not drawn at a joint)."""

    name: str
    description: str
    joints: tuple[str, ...]
    vertex: str | None = None

    @property
    def unit(self) -> str:
        return self.name.rsplit("_", 1)[-1]


def _defs() -> dict[str, FeatureDef]:
    d: list[FeatureDef] = [
        FeatureDef("shoulder_width_ratio", "shoulder-to-shoulder distance / torso length (small in a side view)",
                   ("LEFT_SHOULDER", "RIGHT_SHOULDER", "LEFT_HIP", "RIGHT_HIP")),
        FeatureDef("hip_width_ratio", "hip-to-hip distance / torso length (small in a side view)",
                   ("LEFT_HIP", "RIGHT_HIP", "LEFT_SHOULDER", "RIGHT_SHOULDER")),
        FeatureDef("body_yaw_deg",
                   "which way the body faces the camera (world landmarks): 0 facing it, +-90 side-on "
                   "(+ facing image left), 180 back to the camera",
                   ("LEFT_SHOULDER", "RIGHT_SHOULDER", "LEFT_HIP", "RIGHT_HIP")),
        FeatureDef("side_on_weight_ratio",
                   "how much the image-plane (2D) angles are trusted: 1 side-on, 0 front or oblique (3D used)",
                   ("LEFT_SHOULDER", "RIGHT_SHOULDER", "LEFT_HIP", "RIGHT_HIP")),
        FeatureDef("hands_to_feet_ratio",
                   "distance from the nearest wrist to the nearest heel or ankle / torso length (hands at the heels ~< 0.4)",
                   ("LEFT_WRIST", "RIGHT_WRIST", "LEFT_HEEL", "RIGHT_HEEL", "LEFT_ANKLE", "RIGHT_ANKLE")),
        FeatureDef("facing_ratio",
                   "evidence of the facing direction: > 0 faces image right, < 0 image left, ~0 front view",
                   ("NOSE", "LEFT_EAR", "RIGHT_EAR", "LEFT_KNEE", "RIGHT_KNEE")),
        FeatureDef("trunk_tilt_deg", "unsigned angle of the hip->shoulder line from vertical (0 upright)",
                   ("LEFT_SHOULDER", "RIGHT_SHOULDER", "LEFT_HIP", "RIGHT_HIP"), "MID_HIP"),
        FeatureDef("trunk_lean_deg", "hip->shoulder line from vertical, + forward, - leaning back (side view)",
                   ("LEFT_SHOULDER", "RIGHT_SHOULDER", "LEFT_HIP", "RIGHT_HIP"), "MID_HIP"),
        FeatureDef("head_lean_deg", "shoulder->ear line from vertical, + head forward (side view)",
                   ("LEFT_EAR", "RIGHT_EAR", "LEFT_SHOULDER", "RIGHT_SHOULDER"), "MID_SHOULDER"),
        FeatureDef("neck_trunk_deg",
                   "shoulder->ear line relative to the hip->shoulder line, + head forward of the trunk line",
                   ("LEFT_EAR", "RIGHT_EAR", "LEFT_SHOULDER", "RIGHT_SHOULDER", "LEFT_HIP", "RIGHT_HIP"),
                   "MID_SHOULDER"),
        FeatureDef("shoulders_level_deg",
                   "tilt of the shoulder line from horizontal, in 3D (0 level; unchanged when the shoulders turn)",
                   ("LEFT_SHOULDER", "RIGHT_SHOULDER")),
        FeatureDef("hips_level_deg", "tilt of the hip line from horizontal (front view; 0 level)",
                   ("LEFT_HIP", "RIGHT_HIP")),
        FeatureDef("hips_vs_feet_deg", "tilt of the hip line relative to the ankle line (front view; 0 parallel, "
                   "insensitive to camera roll)", ("LEFT_HIP", "RIGHT_HIP", "LEFT_ANKLE", "RIGHT_ANKLE")),
        FeatureDef("knee_to_ankle_width_ratio", "knee spread / ankle spread (front view; < 1 knees caving in)",
                   ("LEFT_KNEE", "RIGHT_KNEE", "LEFT_ANKLE", "RIGHT_ANKLE")),
        FeatureDef("hip_below_knee_ratio", "(hip height below the knees) / torso length; > 0 hips lower than knees",
                   ("LEFT_HIP", "RIGHT_HIP", "LEFT_KNEE", "RIGHT_KNEE")),
        FeatureDef("thigh_depth_deg", "thigh elevation, any view: 0 thighs hanging, 90 level, > 90 hips below knees",
                   ("LEFT_HIP", "RIGHT_HIP", "LEFT_KNEE", "RIGHT_KNEE", "LEFT_ANKLE", "RIGHT_ANKLE")),
        FeatureDef("heel_lift_ratio", "heel height above the toes / torso length (mean of visible feet); > 0 heels up",
                   ("LEFT_HEEL", "RIGHT_HEEL", "LEFT_FOOT_INDEX", "RIGHT_FOOT_INDEX")),
        FeatureDef("thighs_from_vertical_deg",
                   "mean of both thighs' signed angle from hanging vertical, + knees forward (side view)",
                   ("LEFT_HIP", "RIGHT_HIP", "LEFT_KNEE", "RIGHT_KNEE")),
        FeatureDef("torso_twist_deg",
                   "shoulder line rotated against the hip line (3D model estimate, qualitative); "
                   "+ turned to the person's left",
                   ("LEFT_SHOULDER", "RIGHT_SHOULDER", "LEFT_HIP", "RIGHT_HIP")),
        FeatureDef("torso_twist_abs_deg", "how far the shoulders are turned against the hips, either way (qualitative)",
                   ("LEFT_SHOULDER", "RIGHT_SHOULDER", "LEFT_HIP", "RIGHT_HIP")),
    ]
    for side in ("left", "right"):
        s = side.upper()
        d += [
            FeatureDef(f"{side}_knee_angle_deg", f"{side} hip-knee-ankle interior angle by label (front view)",
                       (f"{s}_HIP", f"{s}_KNEE", f"{s}_ANKLE"), f"{s}_KNEE"),
            FeatureDef(f"{side}_hip_angle_deg", f"{side} shoulder-hip-knee interior angle by label (front view)",
                       (f"{s}_SHOULDER", f"{s}_HIP", f"{s}_KNEE"), f"{s}_HIP"),
        ]
    for role in ROLES:
        r = "{" + role + "}"
        d += [
            FeatureDef(f"{role}_knee_angle_deg", f"{role} leg hip-knee-ankle interior angle (180 straight)",
                       (f"{r}_HIP", f"{r}_KNEE", f"{r}_ANKLE"), f"{r}_KNEE"),
            FeatureDef(f"{role}_hip_angle_deg", f"{role} leg shoulder-hip-knee interior angle (180 in line)",
                       (f"{r}_SHOULDER", f"{r}_HIP", f"{r}_KNEE"), f"{r}_HIP"),
            FeatureDef(f"{role}_thigh_from_vertical_deg",
                       f"{role} thigh from hanging vertical, + knee ahead of the hip",
                       (f"{r}_HIP", f"{r}_KNEE"), f"{r}_HIP"),
            FeatureDef(f"{role}_shin_from_vertical_deg", f"{role} shin from vertical, + knee ahead of the ankle",
                       (f"{r}_KNEE", f"{r}_ANKLE"), f"{r}_ANKLE"),
            FeatureDef(f"{role}_hip_flexion_deg",
                       f"{role} hip flexion in the image plane (thigh + trunk lean); < 0 extension",
                       ("LEFT_SHOULDER", "RIGHT_SHOULDER", f"{r}_HIP", f"{r}_KNEE"), f"{r}_HIP"),
        ]
    return {f.name: f for f in d}


#: The registry: every feature name an exercise file may use.
FEATURES: dict[str, FeatureDef] = _defs()
FEATURE_NAMES: tuple[str, ...] = tuple(FEATURES)


def feature_joints(name: str, roles: dict[str, str]) -> tuple[Landmark, ...]:
    """Landmarks a feature uses this frame (role placeholders resolved through ``roles``)."""
    out: list[Landmark] = []
    for joint in FEATURES[name].joints:
        resolved = _resolve(joint, roles)
        if resolved is not None:
            out += resolved
    return tuple(out)


def feature_vertex(name: str, roles: dict[str, str]) -> Landmark | None:
    """The landmark to draw the value at (midpoints drawn at the left one), or None."""
    vertex = FEATURES[name].vertex
    if vertex is None:
        return None
    resolved = _resolve(vertex, roles)
    return resolved[0] if resolved else None


def _resolve(joint: str, roles: dict[str, str]) -> list[Landmark] | None:
    if joint.startswith("MID_"):
        part = joint[4:]
        return [Landmark[f"LEFT_{part}"], Landmark[f"RIGHT_{part}"]]
    if joint.startswith("{"):
        role, part = joint[1:].split("}_", 1)
        label = roles.get(role)
        if label is None:
            return None
        return [Landmark[f"{label.upper()}_{part}"]]
    return [Landmark[joint]]


# --------------------------------------------------------------------------- per frame


@dataclass(frozen=True)
class Features:
    """Feature values for one frame; NaN = unknown (not visible enough).

    ``roles`` maps a role (front/back/support/lifted) to the landmark label
    ("left"/"right") it used this frame; ``role_sides`` maps a role to the
    person's anatomical side; ``near_side`` is the side facing the camera in
    a side view ("unknown" otherwise); ``facing`` is "right"/"left" (image
    direction the person faces) or "unknown".
    """

    t_ms: int
    values: dict[str, float]
    roles: dict[str, str] = field(default_factory=dict)
    role_sides: dict[str, str] = field(default_factory=dict)
    near_side: str = "unknown"
    facing: str = "unknown"
    #: > 0: the leg labelled ``near_side`` is the near leg, < 0: leg labels swapped; the size is the
    #: confidence (NaN without a facing direction). See ``_near_leg_evidence``.
    near_evidence: float = math.nan

    def __getitem__(self, name: str) -> float:
        return self.values[name]


L = Landmark
_LEG = {"left": (L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE, L.LEFT_HEEL, L.LEFT_FOOT_INDEX),
        "right": (L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE, L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX)}
_OTHER = {"left": "right", "right": "left"}


def compute_features(pose: Pose | None, *, t_ms: int | None = None,
                     visibility_min: float = VISIBILITY_MIN) -> Features:
    """All registered features for one pose (all NaN when ``pose`` is None).

    Angles come from the image (2D) when the person is side-on and from the
    model's world landmarks (3D) when they face the camera or stand obliquely,
    blended in between (``side_on_weight``): a knee bent towards the camera
    looks straight in the image, and a trunk leaning towards it looks upright.

    ``t_ms`` is only needed when ``pose`` is None (otherwise ``pose.t_ms``).
    """
    values = dict.fromkeys(FEATURE_NAMES, math.nan)
    if pose is None:
        return Features(t_ms=int(t_ms) if t_ms is not None else 0, values=values)
    p = _visible_points(pose, visibility_min)
    w = _visible_world(pose, p)

    mid_sh = _mid(p[L.LEFT_SHOULDER], p[L.RIGHT_SHOULDER])
    mid_hip = _mid(p[L.LEFT_HIP], p[L.RIGHT_HIP])
    mid_ear = _mid(p[L.LEFT_EAR], p[L.RIGHT_EAR])
    torso = float(np.linalg.norm(mid_sh - mid_hip))
    if not torso > 0:
        torso = math.nan

    values["shoulder_width_ratio"] = _ratio(p[L.LEFT_SHOULDER], p[L.RIGHT_SHOULDER], torso)
    values["hip_width_ratio"] = _ratio(p[L.LEFT_HIP], p[L.RIGHT_HIP], torso)
    right = _body_right(pose.world_m)
    values["body_yaw_deg"] = yaw = _yaw_of(right)
    values["side_on_weight_ratio"] = side_w = side_on_weight(yaw)
    facing_ratio = _facing_ratio(p, mid_ear, torso)
    values["facing_ratio"] = facing_ratio
    sign = math.copysign(1.0, facing_ratio) if abs(facing_ratio) >= FACING_MIN else math.nan
    frame = _body_frame(right, sign)

    # image angles in the body's plane: seen obliquely, forward distances shrink by sin(off-front)
    q = _sagittal_view(p, mid_hip, yaw)
    q_sh, q_hip, q_ear = (_mid(q[a], q[b]) for a, b in ((L.LEFT_SHOULDER, L.RIGHT_SHOULDER),
                                                        (L.LEFT_HIP, L.RIGHT_HIP), (L.LEFT_EAR, L.RIGHT_EAR)))
    trunk_up = float(segment_from_vertical_deg(q_hip, q_sh))
    head_up = float(segment_from_vertical_deg(q_sh, q_ear))
    trunk3 = _trunk_3d(w, frame)
    values["trunk_tilt_deg"] = _blend(abs(trunk_up), abs(trunk3["trunk_lean_deg"]), side_w)
    values["trunk_lean_deg"] = _blend(sign * trunk_up, trunk3["trunk_lean_deg"], side_w)
    values["head_lean_deg"] = _blend(sign * head_up, trunk3["head_lean_deg"], side_w)
    values["neck_trunk_deg"] = _blend(sign * _wrap_deg(head_up - trunk_up), trunk3["neck_trunk_deg"], side_w)
    values["shoulders_level_deg"] = _tilt_3d_deg(w[L.LEFT_SHOULDER], w[L.RIGHT_SHOULDER])
    values["hips_level_deg"] = float(line_from_horizontal_deg(p[L.LEFT_HIP], p[L.RIGHT_HIP]))

    values["hips_vs_feet_deg"] = _line_vs_line_deg(p[L.LEFT_HIP], p[L.RIGHT_HIP], p[L.LEFT_ANKLE], p[L.RIGHT_ANKLE])
    ankle_spread = abs(p[L.LEFT_ANKLE][0] - p[L.RIGHT_ANKLE][0])
    if ankle_spread > 0.1 * torso:
        values["knee_to_ankle_width_ratio"] = abs(p[L.LEFT_KNEE][0] - p[L.RIGHT_KNEE][0]) / ankle_spread
    mean_knee_y = np.nanmean([p[L.LEFT_KNEE][1], p[L.RIGHT_KNEE][1]]) if _any_finite(
        p[L.LEFT_KNEE][1], p[L.RIGHT_KNEE][1]) else math.nan
    values["hip_below_knee_ratio"] = (mid_hip[1] - mean_knee_y) / torso
    values["thigh_depth_deg"] = _nanmean([_blend(_thigh_depth(q, side), _thigh_depth_3d(w, side), side_w)
                                          for side in ("left", "right")])
    values["heel_lift_ratio"] = _heel_lift(pose, torso)
    values["hands_to_feet_ratio"] = _hands_to_feet(p, torso)
    values["torso_twist_deg"] = twist = _torso_twist_deg(pose, pose.visibility, visibility_min)
    values["torso_twist_abs_deg"] = abs(twist)

    legs = {side: _blend_leg(_leg(q, side, sign, sign * trunk_up),
                             _leg_3d(w, side, frame, trunk3["trunk_lean_deg"]), side_w)
            for side in ("left", "right")}
    values["thighs_from_vertical_deg"] = _nanmean([legs[s]["thigh_from_vertical_deg"] for s in legs])
    for side in ("left", "right"):
        values[f"{side}_knee_angle_deg"] = legs[side]["knee_angle_deg"]
        values[f"{side}_hip_angle_deg"] = legs[side]["hip_angle_deg"]

    front_back = (_front_back(p, sign, torso) if side_w >= 0.5 or frame is None
                  else _front_back_3d(w, p, frame, torso))
    roles = front_back | _support_lifted(p, torso)
    if view_of(yaw) == "side" or frame is None:
        # side-on the model often swaps the legs' labels: weigh which leg is the near one
        near_side, role_sides, near_evidence = _anatomical_sides(p, roles, sign, pose, torso)
    else:
        near_side, near_evidence = "unknown", math.nan
        role_sides = {role: (_OTHER[label] if frame.swapped else label) for role, label in roles.items()}
    for role, label in roles.items():
        for key, value in legs[label].items():
            values[f"{role}_{key}"] = value
    facing = "unknown" if math.isnan(sign) else ("right" if sign > 0 else "left")
    values = {name: float(value) for name, value in values.items()}
    return Features(t_ms=pose.t_ms, values=values, roles=roles, role_sides=role_sides,
                    near_side=near_side, facing=facing, near_evidence=near_evidence)


# --------------------------------------------------------------------------- camera view and 3D


#: Views by how far the body is turned from facing the camera (``body_yaw_deg`` folded to 0..90).
FRONT_VIEW_MAX_DEG = 30.0
SIDE_VIEW_MIN_DEG = 60.0
#: Image angles are used alone from this far off the front (side-on) and not at all below
#: ``SIDE_BLEND_FROM_DEG``; in between, the 2D and 3D values are blended linearly.
SIDE_BLEND_FROM_DEG = 30.0
SIDE_BLEND_TO_DEG = 50.0
#: The sagittal stretch is capped (sin 30 deg): nearer the front the image angles get no weight anyway;
#: it applies in full up to 60 deg off the front and fades out by 80.
MIN_SAGITTAL_SIN = 0.5
SAGITTAL_FADE_DEG = (60.0, 80.0)
_DOWN = np.array([0.0, 1.0, 0.0])  # world y points down (camera axes)
_UP = -_DOWN


def body_yaw_deg(world_m: np.ndarray) -> float:
    """How the body is turned to the camera, from the world landmarks' shoulder and hip
    lines (their mean direction): 0 facing the camera, +-90 side-on (+ facing image
    left), +-180 back to it. The model estimates these even for a hidden far side, so
    the value exists whenever a pose does; it is the camera-independent way to tell
    a front view from a side view (image widths also shrink with a leaning trunk)."""
    return _yaw_of(_body_right(world_m))


def _yaw_of(right: np.ndarray) -> float:
    if not np.isfinite(right).all() or not np.hypot(right[0], right[2]) > 0:
        return math.nan
    return math.degrees(math.atan2(right[2], -right[0]))


def _body_right(world_m: np.ndarray) -> np.ndarray:
    """The person's rightward direction: the mean of the shoulder and hip lines (world landmarks)."""
    w = np.asarray(world_m, float)
    return _unit(w[L.RIGHT_SHOULDER] - w[L.LEFT_SHOULDER]) + _unit(w[L.RIGHT_HIP] - w[L.LEFT_HIP])


def off_front_deg(yaw_deg: float) -> float:
    """0 when facing the camera or turned away from it, 90 side-on."""
    a = abs(yaw_deg)
    return min(a, 180.0 - a)


def view_of(yaw_deg: float) -> str:
    """"front" | "oblique" | "side" | "unknown" (no pose)."""
    if not math.isfinite(yaw_deg):
        return "unknown"
    off = off_front_deg(yaw_deg)
    return "front" if off < FRONT_VIEW_MAX_DEG else "side" if off > SIDE_VIEW_MIN_DEG else "oblique"


def side_on_weight(yaw_deg: float) -> float:
    """Weight of the image-plane value (1 side-on ... 0 from the front or obliquely)."""
    if not math.isfinite(yaw_deg):
        return 1.0
    return _ramp(off_front_deg(yaw_deg), SIDE_BLEND_FROM_DEG, SIDE_BLEND_TO_DEG)


def _ramp(x: float, lo: float, hi: float) -> float:
    """0 at or below ``lo``, 1 at or above ``hi``, linear in between (``hi < lo`` ramps down)."""
    return min(1.0, max(0.0, (x - lo) / (hi - lo)))


@dataclass(frozen=True)
class _BodyFrame:
    """The person's forward direction in world coordinates (horizontal, unit length);
    ``swapped`` when the model's left/right labels disagree with the image's facing."""

    forward: np.ndarray
    swapped: bool


def _body_frame(right: np.ndarray, sign: float) -> _BodyFrame | None:
    forward = np.cross(_UP, right)
    forward[1] = 0.0
    forward = _unit(forward)
    if not np.isfinite(forward).all():
        return None
    # seen obliquely, the forward direction has an image-x component that the image's own
    # facing cues (nose, knees) must agree with; if not, the model swapped the labels
    swapped = math.isfinite(sign) and abs(forward[0]) > 0.3 and math.copysign(1.0, forward[0]) != sign
    return _BodyFrame(-forward if swapped else forward, swapped)


def _signed_from(v: np.ndarray, ref: np.ndarray, frame: _BodyFrame | None) -> float:
    """Angle of ``v`` from ``ref`` in the body's sagittal plane, + towards forward."""
    if frame is None or not np.isfinite(v).all():
        return math.nan
    return math.degrees(math.atan2(float(v @ frame.forward), float(v @ ref)))


def _trunk_3d(w: np.ndarray, frame: _BodyFrame | None) -> dict[str, float]:
    mid_sh = _mid(w[L.LEFT_SHOULDER], w[L.RIGHT_SHOULDER])
    mid_hip = _mid(w[L.LEFT_HIP], w[L.RIGHT_HIP])
    mid_ear = _mid(w[L.LEFT_EAR], w[L.RIGHT_EAR])
    trunk = _signed_from(mid_sh - mid_hip, _UP, frame)
    head = _signed_from(mid_ear - mid_sh, _UP, frame)
    return {"trunk_lean_deg": trunk, "head_lean_deg": head, "neck_trunk_deg": _wrap_deg(head - trunk)}


def _leg_3d(w: np.ndarray, side: str, frame: _BodyFrame | None, trunk_lean: float) -> dict[str, float]:
    hip, knee, ankle = (w[i] for i in _LEG[side][:3])
    shoulder = w[L.LEFT_SHOULDER if side == "left" else L.RIGHT_SHOULDER]
    if np.isnan(shoulder).any():
        shoulder = w[L.RIGHT_SHOULDER if side == "left" else L.LEFT_SHOULDER]
    thigh = _signed_from(knee - hip, _DOWN, frame)
    return {
        "knee_angle_deg": float(joint_angle_deg(hip, knee, ankle)),
        "hip_angle_deg": float(joint_angle_deg(shoulder, hip, knee)),
        "thigh_from_vertical_deg": thigh,
        "shin_from_vertical_deg": _signed_from(knee - ankle, _UP, frame),
        "hip_flexion_deg": thigh + trunk_lean,
    }


def _tilt_3d_deg(a: np.ndarray, b: np.ndarray) -> float:
    """Unsigned tilt of the 3D line a-b from the horizontal plane: a line turned about the vertical
    (shoulders in a twist) keeps its tilt, where its image would tilt with the perspective."""
    d = np.asarray(b, float) - np.asarray(a, float)
    horizontal = float(np.hypot(d[0], d[2]))
    return math.degrees(math.atan2(abs(float(d[1])), horizontal)) if np.isfinite(d).all() else math.nan


def _thigh_depth_3d(w: np.ndarray, side: str) -> float:
    thigh = w[_LEG[side][1]] - w[_LEG[side][0]]
    return float(joint_angle_deg(thigh, np.zeros(3), _DOWN))


def _front_back_3d(w: np.ndarray, p: np.ndarray, frame: _BodyFrame, torso_px: float) -> dict[str, str]:
    """front/back when the person is not side-on: the foot further along the forward direction
    (world landmarks); when the model's depth does not separate the feet (it often puts both at
    one depth from the front), the leg whose shin stands taller in the image is the front one
    (the back knee drops towards the floor behind)."""
    torso = float(np.linalg.norm(_mid(w[L.LEFT_SHOULDER], w[L.RIGHT_SHOULDER]) - _mid(w[L.LEFT_HIP], w[L.RIGHT_HIP])))
    left, right = _leg_point(w, "left"), _leg_point(w, "right")
    ahead = float((left - right) @ frame.forward)
    shin = {side: p[_LEG[side][2]][1] - p[_LEG[side][1]][1] for side in ("left", "right")}  # image y down
    taller = shin["left"] - shin["right"]
    if torso > 0 and math.isfinite(ahead) and abs(ahead) >= LEGS_APART * torso:
        front = "left" if ahead > 0 else "right"
    elif math.isfinite(taller) and abs(taller) >= SHIN_APART * torso_px:
        front = "left" if taller > 0 else "right"
    else:
        return {}
    return {"front": front, "back": _OTHER[front]}


def _sagittal_view(p: np.ndarray, mid_hip: np.ndarray, yaw_deg: float) -> np.ndarray:
    """Image points with horizontal distances from the hips stretched by 1 / sin(off-front),
    undoing the foreshortening of the body's own (sagittal) plane seen obliquely, so a thigh
    22 deg behind vertical does not read 15 deg from 45 deg off. Side-on it is the image itself."""
    if not math.isfinite(yaw_deg) or not np.isfinite(mid_hip).all():
        return p
    off = off_front_deg(yaw_deg)
    # fades out towards side-on, where the yaw estimate's own noise would be the larger error
    fade = _ramp(off, SAGITTAL_FADE_DEG[1], SAGITTAL_FADE_DEG[0])
    stretch = 1.0 + fade * (1.0 / max(MIN_SAGITTAL_SIN, math.sin(math.radians(off))) - 1.0)
    q = p.copy()
    q[:, 0] = mid_hip[0] + (p[:, 0] - mid_hip[0]) * stretch
    return q


def _blend(v2d: float, v3d: float, side_w: float) -> float:
    """The image value side-on, the world value otherwise; whichever is known when one is not."""
    if not math.isfinite(v3d) or (side_w >= 1.0 and math.isfinite(v2d)):
        return v2d
    if not math.isfinite(v2d) or side_w <= 0.0:
        return v3d
    return side_w * v2d + (1.0 - side_w) * v3d


def _blend_leg(leg2d: dict[str, float], leg3d: dict[str, float], side_w: float) -> dict[str, float]:
    return {key: _blend(leg2d[key], leg3d[key], side_w) for key in leg2d}


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return v / n if n > 0 else np.full_like(v, np.nan, dtype=float)


def _visible_world(pose: Pose, visible_xy: np.ndarray) -> np.ndarray:
    """World points, NaN wherever the image point is not visible (the same gate as 2D)."""
    w = np.array(pose.world_m, dtype=float, copy=True)
    w[np.isnan(visible_xy).any(axis=1)] = np.nan
    return w


def _heel_lift(pose: Pose, torso: float) -> float:
    """Heel height above the toes / torso length, both feet weighted by how visible they are:
    a far foot whose visibility hovers around the threshold then fades in and out smoothly
    instead of switching the value between one foot and the mean of two."""
    total = weight_sum = 0.0
    for heel, toe in ((L.LEFT_HEEL, L.LEFT_FOOT_INDEX), (L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX)):
        vis = min(pose.visibility[heel], pose.visibility[toe])
        weight = _ramp(vis, *FOOT_VISIBILITY_FADE)
        if weight > 0:
            total += weight * (pose.xy_px[toe][1] - pose.xy_px[heel][1])
            weight_sum += weight
    return total / weight_sum / torso if weight_sum > 0 else math.nan


def _hands_to_feet(p: np.ndarray, torso: float) -> float:
    wrists = [p[L.LEFT_WRIST], p[L.RIGHT_WRIST]]
    feet = [p[L.LEFT_HEEL], p[L.RIGHT_HEEL], p[L.LEFT_ANKLE], p[L.RIGHT_ANKLE]]
    d = [float(np.linalg.norm(a - b)) for a in wrists for b in feet]
    d = [x for x in d if math.isfinite(x)]
    return min(d) / torso if d else math.nan


def visible_mask(pose: Pose, visibility_min: float = VISIBILITY_MIN) -> np.ndarray:
    """(33,) True for landmarks visible enough and inside the image (with ``FRAME_MARGIN``)."""
    w, h = pose.image_size
    xy = pose.xy_px
    mx, my = FRAME_MARGIN * w, FRAME_MARGIN * h
    inside = (xy[:, 0] >= -mx) & (xy[:, 0] <= w + mx) & (xy[:, 1] >= -my) & (xy[:, 1] <= h + my)
    return (pose.visibility >= visibility_min) & inside


def _visible_points(pose: Pose, visibility_min: float) -> np.ndarray:
    """(33, 2) pixel positions with NaN for landmarks not visible or out of frame."""
    xy = np.array(pose.xy_px, dtype=float, copy=True)
    xy[~visible_mask(pose, visibility_min)] = np.nan
    return xy


def _mid(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Midpoint of a and b, or the one that is known, or NaN."""
    if np.isnan(a).any():
        return b
    if np.isnan(b).any():
        return a
    return (a + b) / 2.0


def _ratio(a: np.ndarray, b: np.ndarray, torso: float) -> float:
    return float(np.linalg.norm(a - b) / torso)


def _line_vs_line_deg(a1: np.ndarray, a2: np.ndarray, b1: np.ndarray, b2: np.ndarray) -> float:
    """Unsigned angle between the undirected lines a1-a2 and b1-b2, degrees [0, 90]."""
    da, db = a2 - a1, b2 - b1
    angle = abs(_wrap_deg(math.degrees(math.atan2(da[1], da[0]) - math.atan2(db[1], db[0]))))
    return min(angle, 180.0 - angle)


def _wrap_deg(angle: float) -> float:
    return (angle + 180.0) % 360.0 - 180.0


def _any_finite(*xs: float) -> bool:
    return any(math.isfinite(x) for x in xs)


def _nanmean(xs: list[float]) -> float:
    finite = [x for x in xs if math.isfinite(x)]
    return sum(finite) / len(finite) if finite else math.nan


def _facing_ratio(p: np.ndarray, mid_ear: np.ndarray, torso: float) -> float:
    """> 0: facing image right. Votes: nose ahead of the ears; bent knees point
    forward of the hip-ankle line (true for any knee flexion, standing or kneeling);
    toes ahead of heels (weak: tucked toes point back when kneeling)."""
    votes: list[float] = []
    face = (p[L.NOSE][0] - mid_ear[0]) / torso
    if math.isfinite(face):
        votes.append(face)
    for hip, knee, ankle in ((L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE), (L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE)):
        a, k = p[ankle] - p[hip], p[knee] - p[hip]
        length = float(np.hypot(*a))
        offset = -(a[0] * k[1] - a[1] * k[0]) / length / torso if length > 0 else math.nan
        if math.isfinite(offset):
            votes.append(1.5 * offset)
    for heel, toe in ((L.LEFT_HEEL, L.LEFT_FOOT_INDEX), (L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX)):
        foot = 0.5 * (p[toe][0] - p[heel][0]) / torso
        if math.isfinite(foot):
            votes.append(foot)
    return float(sum(votes)) if votes else math.nan


def _thigh_depth(p: np.ndarray, side: str) -> float:
    """Thigh elevation from hanging, any view: the thigh's drop over its full
    length, taking the shin's image length as the reference when the thigh is
    foreshortened (pointing at the camera in a front view)."""
    hip, knee, ankle = p[_LEG[side][0]], p[_LEG[side][1]], p[_LEG[side][2]]
    thigh = float(np.linalg.norm(knee - hip))
    shin = float(np.linalg.norm(ankle - knee))
    length = max(thigh, shin) if math.isfinite(shin) else thigh
    if not length > 0:
        return math.nan
    drop = knee[1] - hip[1]  # > 0: knee below hip (image y down)
    return math.degrees(math.acos(max(-1.0, min(1.0, drop / length))))


def _leg(p: np.ndarray, side: str, sign: float, trunk_lean: float) -> dict[str, float]:
    hip, knee, ankle = (p[i] for i in _LEG[side][:3])
    shoulder = p[L.LEFT_SHOULDER if side == "left" else L.RIGHT_SHOULDER]
    if np.isnan(shoulder).any():
        shoulder = p[L.RIGHT_SHOULDER if side == "left" else L.LEFT_SHOULDER]
    thigh = sign * float(segment_from_vertical_deg(hip, knee, up=False))
    return {
        "knee_angle_deg": float(joint_angle_deg(hip, knee, ankle)),
        "hip_angle_deg": float(joint_angle_deg(shoulder, hip, knee)),
        "thigh_from_vertical_deg": thigh,
        "shin_from_vertical_deg": sign * float(segment_from_vertical_deg(ankle, knee)),
        "hip_flexion_deg": thigh + trunk_lean,
    }


def _leg_point(p: np.ndarray, side: str) -> np.ndarray:
    """Where the leg ends: the ankle, or the knee when the ankle is not visible."""
    ankle = p[_LEG[side][2]]
    return p[_LEG[side][1]] if np.isnan(ankle).any() else ankle


def _front_back(p: np.ndarray, sign: float, torso: float) -> dict[str, str]:
    """front/back side-on: only when the feet are apart along the facing direction
    (standing with feet together, "front leg" means nothing)."""
    left, right = _leg_point(p, "left"), _leg_point(p, "right")
    if not (math.isfinite(sign) and np.isfinite(left[0]) and np.isfinite(right[0])
            and abs(left[0] - right[0]) >= LEGS_APART * torso):
        return {}
    front = "left" if sign * (left[0] - right[0]) > 0 else "right"
    return {"front": front, "back": _OTHER[front]}


def _support_lifted(p: np.ndarray, torso: float) -> dict[str, str]:
    """support/lifted in any view, when one ankle is clearly higher (``LIFTED_MIN``: a step or
    a model glitch that puts both feet at knee height is not a lifted leg)."""
    left, right = _leg_point(p, "left"), _leg_point(p, "right")
    if not (np.isfinite(left[1]) and np.isfinite(right[1]) and abs(left[1] - right[1]) >= LIFTED_MIN * torso):
        return {}
    support = "left" if left[1] > right[1] else "right"  # lower ankle: larger y
    return {"support": support, "lifted": _OTHER[support]}


def _anatomical_sides(p: np.ndarray, roles: dict[str, str], sign: float, pose: Pose,
                      torso: float) -> tuple[str, dict[str, str], float]:
    """Near side, each role's anatomical side, and the near-leg evidence.

    For an unmirrored camera the facing direction alone decides the near
    side: facing image right shows the right side, also when the camera is a
    little behind the exact side view (the left shoulder then appears left of
    the right one, but the right side is still the nearer). A role leg is on
    the near side when it is the near leg (``_near_leg_evidence``). Front
    view: labels are trusted."""
    if math.isnan(sign):
        return "unknown", dict(roles), math.nan
    near = "right" if sign > 0 else "left"
    evidence = _near_leg_evidence(p, pose, near, torso)
    near_label = near if evidence >= 0 else _OTHER[near]
    role_sides = {role: (near if label == near_label else _OTHER[near]) for role, label in roles.items()}
    return near, role_sides, evidence


def _near_leg_evidence(p: np.ndarray, pose: Pose, near: str, torso: float) -> float:
    """> 0: the leg labelled ``near`` is the one nearer the camera; < 0: the
    labels are swapped (the far-labelled leg is the near one).

    Cues, in one sum: the model's own labels (a small prior), its depth
    estimate (``world_m`` z of knee and ankle: it follows the labels, so it
    mostly strengthens the prior), per-leg visibility (the near leg is
    rarely occluded, but the far leg can be fully visible too), and in an
    oblique view (shoulders apart) the hip order: the near hip lies on the
    same image side of the far hip as the near shoulder of the far shoulder,
    since hips and shoulders are not turned 90 degrees apart."""
    far = _OTHER[near]
    vis = pose.visibility
    e = LABEL_PRIOR
    e += float(np.mean(vis[list(_LEG[near][:3])]) - np.mean(vis[list(_LEG[far][:3])]))
    z = np.asarray(pose.world_m, float)[:, 2]
    dz = float(np.mean(z[list(_LEG[far][1:3])]) - np.mean(z[list(_LEG[near][1:3])]))
    if math.isfinite(dz):
        e += DEPTH_WEIGHT * max(-0.5, min(0.5, dz))
    sh = {s: p[L.LEFT_SHOULDER if s == "left" else L.RIGHT_SHOULDER][0] for s in ("left", "right")}
    hp = {s: p[_LEG[s][0]][0] for s in ("left", "right")}
    shoulder_dx = (sh[near] - sh[far]) / torso
    hip_dx = (hp[near] - hp[far]) / torso
    if math.isfinite(shoulder_dx) and math.isfinite(hip_dx) and abs(shoulder_dx) >= OBLIQUE_MIN:
        e += HIP_ORDER_WEIGHT * math.copysign(1.0, shoulder_dx) * max(-0.2, min(0.2, hip_dx))
    return e


def _torso_twist_deg(pose: Pose, vis: np.ndarray, visibility_min: float) -> float:
    idx = [L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP]
    if (vis[idx] < visibility_min).any():
        return math.nan
    w = pose.world_m
    s = w[L.RIGHT_SHOULDER] - w[L.LEFT_SHOULDER]
    h = w[L.RIGHT_HIP] - w[L.LEFT_HIP]
    # angles in the floor plane (x right, z away from the camera)
    angle = math.degrees(math.atan2(s[2], s[0]) - math.atan2(h[2], h[0]))
    return _wrap_deg(angle)

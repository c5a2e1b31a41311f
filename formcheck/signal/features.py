"""Named features (angles, ratios) computed once per frame from a pose: the registry.

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
so leg features are named by role (``front``/``back``, ``support``/``lifted``),
decided from geometry every frame (see ``roles``).

``FEATURES`` is the one registry of names: exercise files may only name these.
Each feature is one small function of the frame's ``FrameContext``, registered
with its name, description, the landmarks it needs and where its value is drawn
(``@_feature``); a value of one leg is written once for a leg label
(``@_leg_feature``) and registered for every role (and by label where asked).
The registration order is the order of ``FEATURE_NAMES`` (the CSV columns).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, partial

import numpy as np

from ..core.landmarks import Landmark
from ..core.pose import Pose
from .geometry import (
    DOWN,
    UP,
    BodyFrame,
    Mids,
    any_finite,
    blend,
    body_frame,
    body_right,
    distance_ratio,
    joint_angle_deg,
    line_from_horizontal_deg,
    line_vs_line_deg,
    mids,
    nanmean,
    ramp,
    sagittal_view,
    segment_from_vertical_deg,
    side_on_weight,
    signed_from,
    tilt_3d_deg,
    wrap_deg,
    yaw_of,
)
from .roles import LEG, OTHER, ROLES, SIDES, LegRoles, leg_roles

__all__ = [
    "VISIBILITY_MIN",
    "FeatureDef",
    "FEATURES",
    "FEATURE_NAMES",
    "Features",
    "FrameContext",
    "compute_features",
    "feature_joints",
    "feature_vertex",
    "visible_mask",
]

VISIBILITY_MIN = 0.5
#: |facing_ratio| below this: facing direction unknown (front or back view).
FACING_MIN = 0.12
#: A foot's weight in ``heel_lift_ratio`` fades in between these visibilities.
FOOT_VISIBILITY_FADE = (0.3, 0.7)
#: Image margin (fraction of the size) beyond which a landmark counts as out of frame.
FRAME_MARGIN = 0.02

L = Landmark
_SHOULDER = {"left": L.LEFT_SHOULDER, "right": L.RIGHT_SHOULDER}


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
    #: confidence (NaN without a facing direction). See ``roles._near_leg_evidence``.
    near_evidence: float = math.nan

    def __getitem__(self, name: str) -> float:
        return self.values[name]


def compute_features(pose: Pose | None, *, t_ms: int | None = None,
                     visibility_min: float = VISIBILITY_MIN) -> Features:
    """All registered features for one pose (all NaN when ``pose`` is None).

    Angles come from the image (2D) when the person is side-on and from the
    model's world landmarks (3D) when they face the camera or stand obliquely,
    blended in between (``side_on_weight``): a knee bent towards the camera
    looks straight in the image, and a trunk leaning towards it looks upright.

    ``t_ms`` is only needed when ``pose`` is None (otherwise ``pose.t_ms``).
    """
    if pose is None:
        return Features(t_ms=int(t_ms) if t_ms is not None else 0, values=dict.fromkeys(FEATURE_NAMES, math.nan))
    c = FrameContext(pose, visibility_min)
    values = {name: float(c.once(feature.compute)) for name, feature in FEATURES.items()}
    roles = c.roles
    return Features(t_ms=pose.t_ms, values=values, roles=roles.labels, role_sides=roles.sides,
                    near_side=roles.near_side, facing=c.facing, near_evidence=roles.near_evidence)


def visible_mask(pose: Pose, visibility_min: float = VISIBILITY_MIN) -> np.ndarray:
    """(33,) True for landmarks visible enough and inside the image (with ``FRAME_MARGIN``)."""
    w, h = pose.image_size
    xy = pose.xy_px
    mx, my = FRAME_MARGIN * w, FRAME_MARGIN * h
    inside = (xy[:, 0] >= -mx) & (xy[:, 0] <= w + mx) & (xy[:, 1] >= -my) & (xy[:, 1] <= h + my)
    return (pose.visibility >= visibility_min) & inside


@dataclass(frozen=True)
class FrameContext:
    """One pose and the intermediates its features share, each worked out on first use and kept.

    ``p`` and ``w`` are the image and world points with NaN where a landmark is
    not visible; ``q`` is ``p`` seen in the body's own (sagittal) plane. Signed
    image angles are multiplied by ``sign`` to be + towards the facing direction.
    Values computed by a function of the context (and a leg label) that more than
    one feature needs go through ``once``: a role feature and the by-label
    feature of the same leg, ``facing_ratio`` and the facing sign, a thigh's angle
    and its hip flexion all share one computation.
    """

    pose: Pose
    visibility_min: float
    _done: dict[tuple[object, ...], float] = field(default_factory=dict, init=False, repr=False, compare=False)

    def once(self, compute: Callable[..., float], *args: str) -> float:
        """``compute(self, *args)``, computed on the first call only."""
        key = (compute, *args)
        if key not in self._done:
            self._done[key] = compute(self, *args)
        return self._done[key]

    @cached_property
    def p(self) -> np.ndarray:
        """(33, 2) pixel positions with NaN for landmarks not visible or out of frame."""
        xy = np.array(self.pose.xy_px, dtype=float, copy=True)
        xy[~visible_mask(self.pose, self.visibility_min)] = np.nan
        return xy

    @cached_property
    def w(self) -> np.ndarray:
        """World points, NaN wherever the image point is not visible (the same gate as 2D)."""
        w = np.array(self.pose.world_m, dtype=float, copy=True)
        w[np.isnan(self.p).any(axis=1)] = np.nan
        return w

    @cached_property
    def p_mids(self) -> Mids:
        return mids(self.p)

    @cached_property
    def torso(self) -> float:
        """Mid-shoulder to mid-hip in the image, px (NaN when unknown): what ``*_ratio`` divide by."""
        torso = float(np.linalg.norm(self.p_mids.shoulder - self.p_mids.hip))
        return torso if torso > 0 else math.nan

    @cached_property
    def right(self) -> np.ndarray:
        """The person's rightward direction (all world landmarks, visible or not)."""
        return body_right(self.pose.world_m)

    @cached_property
    def yaw(self) -> float:
        """``body_yaw_deg``: 0 facing the camera, +-90 side-on."""
        return yaw_of(self.right)

    @cached_property
    def side_w(self) -> float:
        """Weight of the image (2D) value against the world (3D) one."""
        return side_on_weight(self.yaw)

    @cached_property
    def sign(self) -> float:
        """+1 facing image right, -1 image left, NaN unknown (front or back view)."""
        facing = self.once(_facing_ratio)
        return math.copysign(1.0, facing) if abs(facing) >= FACING_MIN else math.nan

    @cached_property
    def facing(self) -> str:
        """``sign`` as "right" / "left" / "unknown" (``Features.facing``)."""
        return "unknown" if math.isnan(self.sign) else ("right" if self.sign > 0 else "left")

    @cached_property
    def body(self) -> BodyFrame | None:
        """The body's forward direction in the world, for the 3D angles (None when the model gives none)."""
        return body_frame(self.right, self.sign)

    @cached_property
    def q(self) -> np.ndarray:
        """Image points in the body's plane: seen obliquely, forward distances shrink by sin(off-front)."""
        return sagittal_view(self.p, self.p_mids.hip, self.yaw)

    @cached_property
    def q_mids(self) -> Mids:
        return mids(self.q)

    @cached_property
    def w_mids(self) -> Mids:
        return mids(self.w)

    @cached_property
    def trunk_up(self) -> float:
        """Hip->shoulder line from the image vertical, + towards image right (sagittal view)."""
        return float(segment_from_vertical_deg(self.q_mids.hip, self.q_mids.shoulder))

    @cached_property
    def head_up(self) -> float:
        """Shoulder->ear line from the image vertical, + towards image right (sagittal view)."""
        return float(segment_from_vertical_deg(self.q_mids.shoulder, self.q_mids.ear))

    @cached_property
    def trunk_lean_2d(self) -> float:
        """Trunk lean in the image, + forward (NaN without a facing direction)."""
        return self.sign * self.trunk_up

    @cached_property
    def trunk_lean_3d(self) -> float:
        """Trunk lean in the body's sagittal plane (world landmarks), + forward."""
        return signed_from(self.w_mids.shoulder - self.w_mids.hip, UP, self.body)

    @cached_property
    def head_lean_3d(self) -> float:
        return signed_from(self.w_mids.ear - self.w_mids.shoulder, UP, self.body)

    @cached_property
    def roles(self) -> LegRoles:
        return leg_roles(self.pose, self.p, self.w, sign=self.sign, torso=self.torso, yaw_deg=self.yaw,
                         side_w=self.side_w, frame=self.body)


# --------------------------------------------------------------------------- registry

#: A feature's value from the frame's context; a leg feature's for one leg label.
FeatureFn = Callable[[FrameContext], float]
LegFn = Callable[[FrameContext, str], float]


@dataclass(frozen=True)
class FeatureDef:
    """One named feature. ``joints`` are the landmarks it is computed from,
    written with ``{front}``/``{back}``/``{support}``/``{lifted}`` placeholders
    for role legs (resolved each frame to LEFT/RIGHT) and ``MID_`` for both
    sides; ``vertex`` is where its value is drawn (None: not drawn at a joint);
    ``compute`` gives the value from a ``FrameContext``."""

    name: str
    description: str
    joints: tuple[str, ...]
    vertex: str | None
    compute: FeatureFn = field(repr=False, compare=False)

    @property
    def unit(self) -> str:
        return self.name.rsplit("_", 1)[-1]


#: The registry: every feature name an exercise file may use, in registration order.
FEATURES: dict[str, FeatureDef] = {}


def _register(feature: FeatureDef) -> None:
    if feature.name in FEATURES:
        raise ValueError(f"feature '{feature.name}' is registered twice")
    FEATURES[feature.name] = feature


def _feature(name: str, description: str, joints: tuple[str, ...],
             vertex: str | None = None) -> Callable[[FeatureFn], FeatureFn]:
    """Registers the decorated function as feature ``name``."""
    def register(compute: FeatureFn) -> FeatureFn:
        _register(FeatureDef(name, description, joints, vertex, compute))
        return compute
    return register


@dataclass(frozen=True)
class LegFeature:
    """A value of one leg, computed for a leg label by ``compute(context, side)``.

    Registered as ``<role>_<key>`` for every role and, when ``label_description``
    is given, as ``left_<key>``/``right_<key>`` too; ``joints``/``vertex`` write
    the leg's landmarks as ``{leg}_KNEE`` etc."""

    key: str
    role_description: str
    joints: tuple[str, ...]
    vertex: str
    compute: LegFn
    label_description: str | None = None


_LEG_FEATURES: list[LegFeature] = []


def _leg_feature(key: str, role_description: str, joints: tuple[str, ...], vertex: str, *,
                 label_description: str | None = None) -> Callable[[LegFn], LegFn]:
    """Declares the decorated function as a leg feature (registered by ``_register_leg_features``
    once all are declared: by label first, then role by role)."""
    def declare(compute: LegFn) -> LegFn:
        _LEG_FEATURES.append(LegFeature(key, role_description, joints, vertex, compute, label_description))
        return compute
    return declare


def _of_label(compute: LegFn, side: str, c: FrameContext) -> float:
    return c.once(compute, side)


def _of_role(compute: LegFn, role: str, c: FrameContext) -> float:
    """The leg playing ``role`` this frame; NaN when no leg does."""
    side = c.roles.labels.get(role)
    return math.nan if side is None else c.once(compute, side)


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


# --------------------------------------------------------------------------- whole-body features

_SHOULDERS_HIPS = ("LEFT_SHOULDER", "RIGHT_SHOULDER", "LEFT_HIP", "RIGHT_HIP")


@_feature("shoulder_width_ratio", "shoulder-to-shoulder distance / torso length (small in a side view)",
          _SHOULDERS_HIPS)
def _shoulder_width(c: FrameContext) -> float:
    return float(distance_ratio(c.p[L.LEFT_SHOULDER], c.p[L.RIGHT_SHOULDER], c.torso))


@_feature("hip_width_ratio", "hip-to-hip distance / torso length (small in a side view)",
          ("LEFT_HIP", "RIGHT_HIP", "LEFT_SHOULDER", "RIGHT_SHOULDER"))
def _hip_width(c: FrameContext) -> float:
    return float(distance_ratio(c.p[L.LEFT_HIP], c.p[L.RIGHT_HIP], c.torso))


@_feature("body_yaw_deg",
          "which way the body faces the camera (world landmarks): 0 facing it, +-90 side-on "
          "(+ facing image left), 180 back to the camera", _SHOULDERS_HIPS)
def _body_yaw(c: FrameContext) -> float:
    return c.yaw


@_feature("side_on_weight_ratio",
          "how much the image-plane (2D) angles are trusted: 1 side-on, 0 front or oblique (3D used)",
          _SHOULDERS_HIPS)
def _side_on_weight(c: FrameContext) -> float:
    return c.side_w


@_feature("hands_to_feet_ratio",
          "distance from the nearest wrist to the nearest heel or ankle / torso length (hands at the heels ~< 0.4)",
          ("LEFT_WRIST", "RIGHT_WRIST", "LEFT_HEEL", "RIGHT_HEEL", "LEFT_ANKLE", "RIGHT_ANKLE"))
def _hands_to_feet(c: FrameContext) -> float:
    p = c.p
    wrists = [p[L.LEFT_WRIST], p[L.RIGHT_WRIST]]
    feet = [p[L.LEFT_HEEL], p[L.RIGHT_HEEL], p[L.LEFT_ANKLE], p[L.RIGHT_ANKLE]]
    d = [float(np.linalg.norm(a - b)) for a in wrists for b in feet]
    d = [x for x in d if math.isfinite(x)]
    return min(d) / c.torso if d else math.nan


@_feature("facing_ratio", "evidence of the facing direction: > 0 faces image right, < 0 image left, ~0 front view",
          ("NOSE", "LEFT_EAR", "RIGHT_EAR", "LEFT_KNEE", "RIGHT_KNEE"))
def _facing_ratio(c: FrameContext) -> float:
    """> 0: facing image right. Votes: nose ahead of the ears; bent knees point
    forward of the hip-ankle line (true for any knee flexion, standing or kneeling);
    toes ahead of heels (weak: tucked toes point back when kneeling)."""
    p, torso = c.p, c.torso
    votes: list[float] = []
    face = (p[L.NOSE][0] - c.p_mids.ear[0]) / torso
    if math.isfinite(face):
        votes.append(face)
    for hip, knee, ankle in (LEG[side][:3] for side in SIDES):
        a, k = p[ankle] - p[hip], p[knee] - p[hip]
        length = float(np.hypot(*a))
        offset = -(a[0] * k[1] - a[1] * k[0]) / length / torso if length > 0 else math.nan
        if math.isfinite(offset):
            votes.append(1.5 * offset)
    for heel, toe in (LEG[side][3:] for side in SIDES):
        foot = 0.5 * (p[toe][0] - p[heel][0]) / torso
        if math.isfinite(foot):
            votes.append(foot)
    return float(sum(votes)) if votes else math.nan


@_feature("trunk_tilt_deg", "unsigned angle of the hip->shoulder line from vertical (0 upright)",
          _SHOULDERS_HIPS, "MID_HIP")
def _trunk_tilt(c: FrameContext) -> float:
    return blend(abs(c.trunk_up), abs(c.trunk_lean_3d), c.side_w)


@_feature("trunk_lean_deg", "hip->shoulder line from vertical, + forward, - leaning back (side view)",
          _SHOULDERS_HIPS, "MID_HIP")
def _trunk_lean(c: FrameContext) -> float:
    return blend(c.trunk_lean_2d, c.trunk_lean_3d, c.side_w)


@_feature("head_lean_deg", "shoulder->ear line from vertical, + head forward (side view)",
          ("LEFT_EAR", "RIGHT_EAR", "LEFT_SHOULDER", "RIGHT_SHOULDER"), "MID_SHOULDER")
def _head_lean(c: FrameContext) -> float:
    return blend(c.sign * c.head_up, c.head_lean_3d, c.side_w)


@_feature("neck_trunk_deg", "shoulder->ear line relative to the hip->shoulder line, + head forward of the trunk line",
          ("LEFT_EAR", "RIGHT_EAR", "LEFT_SHOULDER", "RIGHT_SHOULDER", "LEFT_HIP", "RIGHT_HIP"), "MID_SHOULDER")
def _neck_trunk(c: FrameContext) -> float:
    return blend(c.sign * wrap_deg(c.head_up - c.trunk_up), wrap_deg(c.head_lean_3d - c.trunk_lean_3d), c.side_w)


@_feature("shoulders_level_deg",
          "tilt of the shoulder line from horizontal, in 3D (0 level; unchanged when the shoulders turn)",
          ("LEFT_SHOULDER", "RIGHT_SHOULDER"))
def _shoulders_level(c: FrameContext) -> float:
    return tilt_3d_deg(c.w[L.LEFT_SHOULDER], c.w[L.RIGHT_SHOULDER])


@_feature("hips_level_deg", "tilt of the hip line from horizontal (front view; 0 level)", ("LEFT_HIP", "RIGHT_HIP"))
def _hips_level(c: FrameContext) -> float:
    return float(line_from_horizontal_deg(c.p[L.LEFT_HIP], c.p[L.RIGHT_HIP]))


@_feature("hips_vs_feet_deg",
          "tilt of the hip line relative to the ankle line (front view; 0 parallel, insensitive to camera roll)",
          ("LEFT_HIP", "RIGHT_HIP", "LEFT_ANKLE", "RIGHT_ANKLE"))
def _hips_vs_feet(c: FrameContext) -> float:
    return line_vs_line_deg(c.p[L.LEFT_HIP], c.p[L.RIGHT_HIP], c.p[L.LEFT_ANKLE], c.p[L.RIGHT_ANKLE])


@_feature("knee_to_ankle_width_ratio", "knee spread / ankle spread (front view; < 1 knees caving in)",
          ("LEFT_KNEE", "RIGHT_KNEE", "LEFT_ANKLE", "RIGHT_ANKLE"))
def _knee_to_ankle_width(c: FrameContext) -> float:
    ankle_spread = abs(c.p[L.LEFT_ANKLE][0] - c.p[L.RIGHT_ANKLE][0])
    if ankle_spread > 0.1 * c.torso:
        return abs(c.p[L.LEFT_KNEE][0] - c.p[L.RIGHT_KNEE][0]) / ankle_spread
    return math.nan


@_feature("hip_below_knee_ratio", "(hip height below the knees) / torso length; > 0 hips lower than knees",
          ("LEFT_HIP", "RIGHT_HIP", "LEFT_KNEE", "RIGHT_KNEE"))
def _hip_below_knee(c: FrameContext) -> float:
    knees_y = (c.p[L.LEFT_KNEE][1], c.p[L.RIGHT_KNEE][1])
    mean_knee_y = np.nanmean(knees_y) if any_finite(*knees_y) else math.nan
    return (c.p_mids.hip[1] - mean_knee_y) / c.torso


@_feature("thigh_depth_deg", "thigh elevation, any view: 0 thighs hanging, 90 level, > 90 hips below knees",
          ("LEFT_HIP", "RIGHT_HIP", "LEFT_KNEE", "RIGHT_KNEE", "LEFT_ANKLE", "RIGHT_ANKLE"))
def _thigh_depth(c: FrameContext) -> float:
    return nanmean([blend(_thigh_depth_2d(c.q, side), _thigh_depth_3d(c.w, side), c.side_w) for side in SIDES])


def _thigh_depth_2d(p: np.ndarray, side: str) -> float:
    """Thigh elevation from hanging, any view: the thigh's drop over its full
    length, taking the shin's image length as the reference when the thigh is
    foreshortened (pointing at the camera in a front view)."""
    hip, knee, ankle = p[LEG[side][0]], p[LEG[side][1]], p[LEG[side][2]]
    thigh = float(np.linalg.norm(knee - hip))
    shin = float(np.linalg.norm(ankle - knee))
    length = max(thigh, shin) if math.isfinite(shin) else thigh
    if not length > 0:
        return math.nan
    drop = knee[1] - hip[1]  # > 0: knee below hip (image y down)
    return math.degrees(math.acos(max(-1.0, min(1.0, drop / length))))


def _thigh_depth_3d(w: np.ndarray, side: str) -> float:
    thigh = w[LEG[side][1]] - w[LEG[side][0]]
    return float(joint_angle_deg(thigh, np.zeros(3), DOWN))


@_feature("heel_lift_ratio", "heel height above the toes / torso length (mean of visible feet); > 0 heels up",
          ("LEFT_HEEL", "RIGHT_HEEL", "LEFT_FOOT_INDEX", "RIGHT_FOOT_INDEX"))
def _heel_lift(c: FrameContext) -> float:
    """Heel height above the toes / torso length, both feet weighted by how visible they are:
    a far foot whose visibility hovers around the threshold then fades in and out smoothly
    instead of switching the value between one foot and the mean of two."""
    pose = c.pose
    total = weight_sum = 0.0
    for heel, toe in (LEG[side][3:] for side in SIDES):
        vis = min(pose.visibility[heel], pose.visibility[toe])
        weight = ramp(vis, *FOOT_VISIBILITY_FADE)
        if weight > 0:
            total += weight * (pose.xy_px[toe][1] - pose.xy_px[heel][1])
            weight_sum += weight
    return total / weight_sum / c.torso if weight_sum > 0 else math.nan


@_feature("thighs_from_vertical_deg",
          "mean of both thighs' signed angle from hanging vertical, + knees forward (side view)",
          ("LEFT_HIP", "RIGHT_HIP", "LEFT_KNEE", "RIGHT_KNEE"))
def _thighs_from_vertical(c: FrameContext) -> float:
    return nanmean([c.once(_thigh_from_vertical, side) for side in SIDES])


@_feature("torso_twist_deg",
          "shoulder line rotated against the hip line (3D model estimate, qualitative); + turned to the person's left",
          _SHOULDERS_HIPS)
def _torso_twist(c: FrameContext) -> float:
    if (c.pose.visibility[[L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP]] < c.visibility_min).any():
        return math.nan
    w = c.pose.world_m
    s = w[L.RIGHT_SHOULDER] - w[L.LEFT_SHOULDER]
    h = w[L.RIGHT_HIP] - w[L.LEFT_HIP]
    # angles in the floor plane (x right, z away from the camera)
    return wrap_deg(math.degrees(math.atan2(s[2], s[0]) - math.atan2(h[2], h[0])))


@_feature("torso_twist_abs_deg", "how far the shoulders are turned against the hips, either way (qualitative)",
          _SHOULDERS_HIPS)
def _torso_twist_abs(c: FrameContext) -> float:
    return abs(c.once(_torso_twist))


# --------------------------------------------------------------------------- leg features


def _shoulder(points: np.ndarray, side: str) -> np.ndarray:
    """The leg's own shoulder, or the other one when it is not visible."""
    shoulder = points[_SHOULDER[side]]
    return points[_SHOULDER[OTHER[side]]] if np.isnan(shoulder).any() else shoulder


@_leg_feature("knee_angle_deg", "{role} leg hip-knee-ankle interior angle (180 straight)",
              ("{leg}_HIP", "{leg}_KNEE", "{leg}_ANKLE"), "{leg}_KNEE",
              label_description="{side} hip-knee-ankle interior angle by label (front view)")
def _knee_angle(c: FrameContext, side: str) -> float:
    hip, knee, ankle = LEG[side][:3]
    return blend(float(joint_angle_deg(c.q[hip], c.q[knee], c.q[ankle])),
                 float(joint_angle_deg(c.w[hip], c.w[knee], c.w[ankle])), c.side_w)


@_leg_feature("hip_angle_deg", "{role} leg shoulder-hip-knee interior angle (180 in line)",
              ("{leg}_SHOULDER", "{leg}_HIP", "{leg}_KNEE"), "{leg}_HIP",
              label_description="{side} shoulder-hip-knee interior angle by label (front view)")
def _hip_angle(c: FrameContext, side: str) -> float:
    hip, knee = LEG[side][:2]
    return blend(float(joint_angle_deg(_shoulder(c.q, side), c.q[hip], c.q[knee])),
                 float(joint_angle_deg(_shoulder(c.w, side), c.w[hip], c.w[knee])), c.side_w)


def _thigh_2d(c: FrameContext, side: str) -> float:
    """The thigh's image angle from hanging, + forward: the thigh and hip-flexion features both build on it."""
    hip, knee = LEG[side][:2]
    return c.sign * float(segment_from_vertical_deg(c.q[hip], c.q[knee], up=False))


def _thigh_3d(c: FrameContext, side: str) -> float:
    """The thigh's angle from hanging in the body's sagittal plane (world landmarks), + forward."""
    hip, knee = LEG[side][:2]
    return signed_from(c.w[knee] - c.w[hip], DOWN, c.body)


@_leg_feature("thigh_from_vertical_deg", "{role} thigh from hanging vertical, + knee ahead of the hip",
              ("{leg}_HIP", "{leg}_KNEE"), "{leg}_HIP")
def _thigh_from_vertical(c: FrameContext, side: str) -> float:
    return blend(c.once(_thigh_2d, side), c.once(_thigh_3d, side), c.side_w)


@_leg_feature("shin_from_vertical_deg", "{role} shin from vertical, + knee ahead of the ankle",
              ("{leg}_KNEE", "{leg}_ANKLE"), "{leg}_ANKLE")
def _shin_from_vertical(c: FrameContext, side: str) -> float:
    knee, ankle = LEG[side][1:3]
    return blend(c.sign * float(segment_from_vertical_deg(c.q[ankle], c.q[knee])),
                 signed_from(c.w[knee] - c.w[ankle], UP, c.body), c.side_w)


@_leg_feature("hip_flexion_deg", "{role} hip flexion in the image plane (thigh + trunk lean); < 0 extension",
              ("LEFT_SHOULDER", "RIGHT_SHOULDER", "{leg}_HIP", "{leg}_KNEE"), "{leg}_HIP")
def _hip_flexion(c: FrameContext, side: str) -> float:
    return blend(c.once(_thigh_2d, side) + c.trunk_lean_2d, c.once(_thigh_3d, side) + c.trunk_lean_3d, c.side_w)


def _register_leg_features() -> None:
    """Every leg feature by label first, then role by role: the order of ``FEATURE_NAMES`` (CSV columns)."""
    for side in SIDES:
        for leg in _LEG_FEATURES:
            if leg.label_description is not None:
                _register(FeatureDef(f"{side}_{leg.key}", leg.label_description.format(side=side),
                                     tuple(j.format(leg=side.upper()) for j in leg.joints),
                                     leg.vertex.format(leg=side.upper()), partial(_of_label, leg.compute, side)))
    for role in ROLES:
        placeholder = "{" + role + "}"
        for leg in _LEG_FEATURES:
            _register(FeatureDef(f"{role}_{leg.key}", leg.role_description.format(role=role),
                                 tuple(j.format(leg=placeholder) for j in leg.joints),
                                 leg.vertex.format(leg=placeholder), partial(_of_role, leg.compute, role)))


_register_leg_features()

FEATURE_NAMES: tuple[str, ...] = tuple(FEATURES)

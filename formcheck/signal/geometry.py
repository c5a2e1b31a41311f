"""Plain geometry on landmark points: angles, ratios, the body's yaw to the camera and its frame in 3D.

Image coordinates: x to the right, **y points down**. World coordinates are the
model's camera axes (x right, y down, z away from the camera), in metres.
Nothing here knows a feature's name: ``features`` builds the named values from
these helpers, ``roles`` decides the legs' roles with them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ..core.landmarks import Landmark as L

__all__ = [
    "DOWN",
    "UP",
    "BodyFrame",
    "Mids",
    "any_finite",
    "blend",
    "body_frame",
    "body_right",
    "body_yaw_deg",
    "distance_ratio",
    "joint_angle_deg",
    "line_from_horizontal_deg",
    "line_vs_line_deg",
    "mid",
    "mids",
    "nanmean",
    "off_front_deg",
    "ramp",
    "sagittal_view",
    "segment_from_vertical_deg",
    "side_on_weight",
    "signed_from",
    "tilt_3d_deg",
    "unit",
    "view_of",
    "wrap_deg",
    "yaw_of",
]

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
DOWN = np.array([0.0, 1.0, 0.0])  # world y points down (camera axes)
UP = -DOWN


# --------------------------------------------------------------------------- image angles and ratios


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


def line_vs_line_deg(a1: np.ndarray, a2: np.ndarray, b1: np.ndarray, b2: np.ndarray) -> float:
    """Unsigned angle between the undirected lines a1-a2 and b1-b2, degrees [0, 90]."""
    da, db = a2 - a1, b2 - b1
    angle = abs(wrap_deg(math.degrees(math.atan2(da[1], da[0]) - math.atan2(db[1], db[0]))))
    return min(angle, 180.0 - angle)


def mid(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Midpoint of a and b, or the one that is known, or NaN."""
    if np.isnan(a).any():
        return b
    if np.isnan(b).any():
        return a
    return (a + b) / 2.0


class Mids(NamedTuple):
    """Midpoints of the shoulders, hips and ears: the trunk line and the head."""

    shoulder: np.ndarray
    hip: np.ndarray
    ear: np.ndarray


def mids(points: np.ndarray) -> Mids:
    """The ``Mids`` of (33, 2) image or (33, 3) world points (``mid``: one side stands in for both)."""
    return Mids(mid(points[L.LEFT_SHOULDER], points[L.RIGHT_SHOULDER]),
                mid(points[L.LEFT_HIP], points[L.RIGHT_HIP]),
                mid(points[L.LEFT_EAR], points[L.RIGHT_EAR]))


# --------------------------------------------------------------------------- camera view and 3D


def body_yaw_deg(world_m: np.ndarray) -> float:
    """How the body is turned to the camera, from the world landmarks' shoulder and hip
    lines (their mean direction): 0 facing the camera, +-90 side-on (+ facing image
    left), +-180 back to it. The model estimates these even for a hidden far side, so
    the value exists whenever a pose does; it is the camera-independent way to tell
    a front view from a side view (image widths also shrink with a leaning trunk)."""
    return yaw_of(body_right(world_m))


def yaw_of(right: np.ndarray) -> float:
    """``body_yaw_deg`` from the body's rightward direction (``body_right``)."""
    if not np.isfinite(right).all() or not np.hypot(right[0], right[2]) > 0:
        return math.nan
    return math.degrees(math.atan2(right[2], -right[0]))


def body_right(world_m: np.ndarray) -> np.ndarray:
    """The person's rightward direction: the mean of the shoulder and hip lines (world landmarks)."""
    w = np.asarray(world_m, float)
    return unit(w[L.RIGHT_SHOULDER] - w[L.LEFT_SHOULDER]) + unit(w[L.RIGHT_HIP] - w[L.LEFT_HIP])


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
    return ramp(off_front_deg(yaw_deg), SIDE_BLEND_FROM_DEG, SIDE_BLEND_TO_DEG)


def blend(v2d: float, v3d: float, side_w: float) -> float:
    """The image value side-on, the world value otherwise; whichever is known when one is not."""
    if not math.isfinite(v3d) or (side_w >= 1.0 and math.isfinite(v2d)):
        return v2d
    if not math.isfinite(v2d) or side_w <= 0.0:
        return v3d
    return side_w * v2d + (1.0 - side_w) * v3d


@dataclass(frozen=True)
class BodyFrame:
    """The person's forward direction in world coordinates (horizontal, unit length);
    ``swapped`` when the model's left/right labels disagree with the image's facing."""

    forward: np.ndarray
    swapped: bool


def body_frame(right: np.ndarray, sign: float) -> BodyFrame | None:
    """The ``BodyFrame`` from the body's rightward direction and the image's facing sign
    (+1 image right, -1 left, NaN unknown); None when the world landmarks give no direction."""
    forward = np.cross(UP, right)
    forward[1] = 0.0
    forward = unit(forward)
    if not np.isfinite(forward).all():
        return None
    # seen obliquely, the forward direction has an image-x component that the image's own
    # facing cues (nose, knees) must agree with; if not, the model swapped the labels
    swapped = math.isfinite(sign) and abs(forward[0]) > 0.3 and math.copysign(1.0, forward[0]) != sign
    return BodyFrame(-forward if swapped else forward, swapped)


def signed_from(v: np.ndarray, ref: np.ndarray, frame: BodyFrame | None) -> float:
    """Angle of ``v`` from ``ref`` in the body's sagittal plane, + towards forward."""
    if frame is None or not np.isfinite(v).all():
        return math.nan
    return math.degrees(math.atan2(float(v @ frame.forward), float(v @ ref)))


def tilt_3d_deg(a: np.ndarray, b: np.ndarray) -> float:
    """Unsigned tilt of the 3D line a-b from the horizontal plane: a line turned about the vertical
    (shoulders in a twist) keeps its tilt, where its image would tilt with the perspective."""
    d = np.asarray(b, float) - np.asarray(a, float)
    horizontal = float(np.hypot(d[0], d[2]))
    return math.degrees(math.atan2(abs(float(d[1])), horizontal)) if np.isfinite(d).all() else math.nan


def sagittal_view(p: np.ndarray, mid_hip: np.ndarray, yaw_deg: float) -> np.ndarray:
    """Image points with horizontal distances from the hips stretched by 1 / sin(off-front),
    undoing the foreshortening of the body's own (sagittal) plane seen obliquely, so a thigh
    22 deg behind vertical does not read 15 deg from 45 deg off. Side-on it is the image itself."""
    if not math.isfinite(yaw_deg) or not np.isfinite(mid_hip).all():
        return p
    off = off_front_deg(yaw_deg)
    # fades out towards side-on, where the yaw estimate's own noise would be the larger error
    fade = ramp(off, SAGITTAL_FADE_DEG[1], SAGITTAL_FADE_DEG[0])
    stretch = 1.0 + fade * (1.0 / max(MIN_SAGITTAL_SIN, math.sin(math.radians(off))) - 1.0)
    q = p.copy()
    q[:, 0] = mid_hip[0] + (p[:, 0] - mid_hip[0]) * stretch
    return q


# --------------------------------------------------------------------------- small math


def ramp(x: float, lo: float, hi: float) -> float:
    """0 at or below ``lo``, 1 at or above ``hi``, linear in between (``hi < lo`` ramps down)."""
    return min(1.0, max(0.0, (x - lo) / (hi - lo)))


def unit(v: np.ndarray) -> np.ndarray:
    """``v`` scaled to length 1; NaN for a zero vector."""
    n = float(np.linalg.norm(v))
    return v / n if n > 0 else np.full_like(v, np.nan, dtype=float)


def wrap_deg(angle: float) -> float:
    """``angle`` wrapped to [-180, 180)."""
    return (angle + 180.0) % 360.0 - 180.0


def any_finite(*xs: float) -> bool:
    return any(math.isfinite(x) for x in xs)


def nanmean(xs: list[float]) -> float:
    """Mean of the finite values; NaN when there are none."""
    finite = [x for x in xs if math.isfinite(x)]
    return sum(finite) / len(finite) if finite else math.nan

"""Which leg plays which role this frame: front/back, support/lifted, and each role's anatomical side.

MediaPipe swaps left/right leg labels in side views, so leg features are named
by role, decided from geometry every frame: ``front``/``back`` (ankle further
along the facing direction is the front leg), ``support``/``lifted`` (the leg
with the lower ankle carries the weight). ``LegRoles.labels`` says which label
each role used this frame (to find the joints to colour) and ``LegRoles.sides``
the anatomical side of each role. For an unmirrored camera the facing
direction alone decides the near side (facing image right shows the right
side, whether the camera is a little in front of or behind the exact side
view); which *leg* is the near one is weighed from several cues
(``_near_leg_evidence``): the model's labels and its depth estimate, per-leg
visibility, and, in an oblique view, whether the hips are ordered like the
shoulders. With no facing direction (front view) labels are trusted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..core.landmarks import Landmark as L
from ..core.pose import Pose
from .geometry import BodyFrame, mid, view_of

__all__ = ["LEG", "OTHER", "ROLES", "SIDES", "LegRoles", "leg_roles"]

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
#: Leg labels, as MediaPipe names them.
SIDES = ("left", "right")
#: Each labelled leg's landmarks: hip, knee, ankle, heel, toes.
LEG = {"left": (L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE, L.LEFT_HEEL, L.LEFT_FOOT_INDEX),
       "right": (L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE, L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX)}
OTHER = {"left": "right", "right": "left"}


@dataclass(frozen=True)
class LegRoles:
    """The legs' roles in one frame.

    ``labels`` maps a role to the leg label ("left"/"right") playing it (a role
    is missing when the legs do not tell it apart); ``sides`` maps a role to the
    person's anatomical side; ``near_side`` is the side facing the camera in a
    side view ("unknown" otherwise); ``near_evidence`` > 0 when the leg labelled
    ``near_side`` is the near leg, < 0 when the labels are swapped, its size the
    confidence (NaN without a near side).
    """

    labels: dict[str, str]
    sides: dict[str, str]
    near_side: str
    near_evidence: float


def leg_roles(pose: Pose, p: np.ndarray, w: np.ndarray, *, sign: float, torso: float, yaw_deg: float,
              side_w: float, frame: BodyFrame | None) -> LegRoles:
    """Roles from the visible image points ``p`` and world points ``w`` (NaN where not visible).

    ``sign`` is the facing direction (+1 image right, -1 left, NaN unknown),
    ``torso`` the image torso length, ``side_w`` the weight of the image
    (``side_on_weight`` of ``yaw_deg``) and ``frame`` the body's forward
    direction. Side-on, front/back come from the image; otherwise from the
    world landmarks' forward direction.
    """
    front_back = (_front_back(p, sign, torso) if side_w >= 0.5 or frame is None
                  else _front_back_3d(w, p, frame, torso))
    labels = front_back | _support_lifted(p, torso)
    if view_of(yaw_deg) == "side" or frame is None:
        # side-on the model often swaps the legs' labels: weigh which leg is the near one
        near_side, sides, near_evidence = _anatomical_sides(p, labels, sign, pose, torso)
    else:
        near_side, near_evidence = "unknown", math.nan
        sides = {role: (OTHER[label] if frame.swapped else label) for role, label in labels.items()}
    return LegRoles(labels, sides, near_side, near_evidence)


def _leg_point(p: np.ndarray, side: str) -> np.ndarray:
    """Where the leg ends: the ankle, or the knee when the ankle is not visible."""
    ankle = p[LEG[side][2]]
    return p[LEG[side][1]] if np.isnan(ankle).any() else ankle


def _front_back(p: np.ndarray, sign: float, torso: float) -> dict[str, str]:
    """front/back side-on: only when the feet are apart along the facing direction
    (standing with feet together, "front leg" means nothing)."""
    left, right = _leg_point(p, "left"), _leg_point(p, "right")
    if not (math.isfinite(sign) and np.isfinite(left[0]) and np.isfinite(right[0])
            and abs(left[0] - right[0]) >= LEGS_APART * torso):
        return {}
    front = "left" if sign * (left[0] - right[0]) > 0 else "right"
    return {"front": front, "back": OTHER[front]}


def _front_back_3d(w: np.ndarray, p: np.ndarray, frame: BodyFrame, torso_px: float) -> dict[str, str]:
    """front/back when the person is not side-on: the foot further along the forward direction
    (world landmarks); when the model's depth does not separate the feet (it often puts both at
    one depth from the front), the leg whose shin stands taller in the image is the front one
    (the back knee drops towards the floor behind)."""
    torso = float(np.linalg.norm(mid(w[L.LEFT_SHOULDER], w[L.RIGHT_SHOULDER]) - mid(w[L.LEFT_HIP], w[L.RIGHT_HIP])))
    left, right = _leg_point(w, "left"), _leg_point(w, "right")
    ahead = float((left - right) @ frame.forward)
    shin = {side: p[LEG[side][2]][1] - p[LEG[side][1]][1] for side in SIDES}  # image y down
    taller = shin["left"] - shin["right"]
    if torso > 0 and math.isfinite(ahead) and abs(ahead) >= LEGS_APART * torso:
        front = "left" if ahead > 0 else "right"
    elif math.isfinite(taller) and abs(taller) >= SHIN_APART * torso_px:
        front = "left" if taller > 0 else "right"
    else:
        return {}
    return {"front": front, "back": OTHER[front]}


def _support_lifted(p: np.ndarray, torso: float) -> dict[str, str]:
    """support/lifted in any view, when one ankle is clearly higher (``LIFTED_MIN``: a step or
    a model glitch that puts both feet at knee height is not a lifted leg)."""
    left, right = _leg_point(p, "left"), _leg_point(p, "right")
    if not (np.isfinite(left[1]) and np.isfinite(right[1]) and abs(left[1] - right[1]) >= LIFTED_MIN * torso):
        return {}
    support = "left" if left[1] > right[1] else "right"  # lower ankle: larger y
    return {"support": support, "lifted": OTHER[support]}


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
    near_label = near if evidence >= 0 else OTHER[near]
    role_sides = {role: (near if label == near_label else OTHER[near]) for role, label in roles.items()}
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
    far = OTHER[near]
    vis = pose.visibility
    e = LABEL_PRIOR
    e += float(np.mean(vis[list(LEG[near][:3])]) - np.mean(vis[list(LEG[far][:3])]))
    z = np.asarray(pose.world_m, float)[:, 2]
    dz = float(np.mean(z[list(LEG[far][1:3])]) - np.mean(z[list(LEG[near][1:3])]))
    if math.isfinite(dz):
        e += DEPTH_WEIGHT * max(-0.5, min(0.5, dz))
    sh = {s: p[L.LEFT_SHOULDER if s == "left" else L.RIGHT_SHOULDER][0] for s in SIDES}
    hp = {s: p[LEG[s][0]][0] for s in SIDES}
    shoulder_dx = (sh[near] - sh[far]) / torso
    hip_dx = (hp[near] - hp[far]) / torso
    if math.isfinite(shoulder_dx) and math.isfinite(hip_dx) and abs(shoulder_dx) >= OBLIQUE_MIN:
        e += HIP_ORDER_WEIGHT * math.copysign(1.0, shoulder_dx) * max(-0.2, min(0.2, hip_dx))
    return e

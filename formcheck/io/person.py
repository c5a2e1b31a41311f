"""Follow one person when several are in view.

The pose model may return more than one person per frame, in no stable order.
A session belongs to whoever started it: the person picked on the first frame
(the largest and most central, as someone setting up in front of their camera
is) is then followed by continuity, so someone walking through the room never
takes over, even when bigger or more central. Only once the followed person
has been missing for a while (they left, or the model lost them) is a person
picked afresh by the start rule. The tracker also says when the candidates
need to come from a model looking for several people (:attr:`PersonTracker.needs_everyone`),
so that a one-person model, steadier and faster, can be used the rest of the time.

Pure logic on :class:`~formcheck.core.pose.Pose` values: no model, no I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..core.landmarks import Landmark, mirror
from ..core.pose import Pose

__all__ = ["BodyBox", "PersonTracker", "body_box", "match_distance", "start_score"]

#: Landmarks at least this visible outline the body; the rest are guesses
#: (often off-frame) that would inflate the box.
MIN_VISIBILITY = 0.5
_MIRRORED = np.array([mirror(landmark) for landmark in Landmark])


@dataclass(frozen=True)
class BodyBox:
    """Bounding box of a pose's visible landmarks."""

    centre_px: np.ndarray  # (2,)
    size_px: float  # diagonal, at least 1 px so it can divide


def body_box(pose: Pose) -> BodyBox:
    """The box around the visible landmarks (all landmarks when fewer than two are visible)."""
    visible = pose.visibility >= MIN_VISIBILITY
    points = pose.xy_px[visible] if visible.sum() >= 2 else pose.xy_px
    low, high = points.min(axis=0), points.max(axis=0)
    return BodyBox(centre_px=(low + high) / 2, size_px=max(float(np.linalg.norm(high - low)), 1.0))


def start_score(pose: Pose) -> float:
    """How much a pose looks like the person the session is for: big and central.

    Body size minus distance from the image centre, both as fractions of the
    image diagonal, so the score does not depend on the resolution.
    """
    width_px, height_px = pose.image_size
    diagonal_px = math.hypot(width_px, height_px)
    box = body_box(pose)
    offset_px = float(np.linalg.norm(box.centre_px - np.array([width_px, height_px]) / 2))
    return (box.size_px - offset_px) / diagonal_px


def match_distance(candidate: Pose, previous: Pose) -> float:
    """How far ``candidate`` is from ``previous``, in body sizes of ``previous``.

    The mean landmark displacement, weighted by the visibility both poses
    agree on (a hidden limb's guess should not decide who is who), plus the
    change of body size as a log ratio (a person does not double in size from
    one frame to the next; a passer-by nearer the camera does differ). Each
    landmark is compared with the same joint of either side, whichever is
    nearer: the model often swaps left and right legs from one frame to the
    next in a side view, and that is still the same person.
    """
    weights = np.minimum(candidate.visibility, previous.visibility)
    if weights.sum() <= 1e-6:
        weights = np.ones_like(weights)
    displacement_px = np.minimum(np.linalg.norm(candidate.xy_px - previous.xy_px, axis=1),
                                 np.linalg.norm(candidate.xy_px[_MIRRORED] - previous.xy_px, axis=1))
    mean_displacement_px = float((weights * displacement_px).sum() / weights.sum())
    previous_size_px = body_box(previous).size_px
    size_change = abs(math.log(body_box(candidate).size_px / previous_size_px))
    return mean_displacement_px / previous_size_px + size_change


@dataclass(frozen=True)
class _Followed:
    recent: tuple[Pose, ...]  # the last few matched poses, oldest first
    seen_t_ms: int  # when last matched


class PersonTracker:
    """Picks the followed person's pose from each frame's candidates.

    ``max_distance`` (in body sizes, see :func:`match_distance`) is what one
    person can plausibly move between two analysed frames, with room for a
    slow camera (5 fps) and brief occlusions. ``lost_after_ms``: how long the
    followed person may be unmatched before anyone may be picked afresh;
    shorter than that, a frame without them gives None rather than someone else.
    ``recent_poses``: how many of their last matched poses a candidate is
    compared with (the nearest counts), so that one misshapen pose from the
    model, still close enough to be accepted, does not become the only
    reference and make the person's next, normal pose look like a stranger.
    ``alone_before_single_ms``: see :attr:`needs_everyone`.
    """

    def __init__(self, *, max_distance: float = 0.5, lost_after_ms: int = 1000, recent_poses: int = 5,
                 alone_before_single_ms: int = 500) -> None:
        self.max_distance = max_distance
        self.lost_after_ms = lost_after_ms
        self.recent_poses = recent_poses
        self.alone_before_single_ms = alone_before_single_ms
        self.reset()

    def reset(self) -> None:
        """Forget the followed person: the next frame picks by the start rule."""
        self._followed: _Followed | None = None
        self._alone_since_t_ms: int | None = None  # since when nobody else has been among the candidates
        self._last_t_ms = 0

    @property
    def needs_everyone(self) -> bool:
        """Whether the next frame's candidates should come from a model looking for several people.

        The start rule needs everyone in view (at the start, and once the
        followed person is lost), and so does telling the followed person from
        anyone else in view. Once the followed person has been the only one in
        view for ``alone_before_single_ms``, a model looking for one person is
        enough (and steadier: see :class:`~formcheck.io.model.PoseEstimator`); should
        it return someone who does not match, :meth:`select` notices and
        everyone is needed again.
        """
        if self._followed is None or self._lost(self._last_t_ms) or self._alone_since_t_ms is None:
            return True
        return self._last_t_ms - self._alone_since_t_ms < self.alone_before_single_ms

    def select(self, candidates: Sequence[Pose], t_ms: int) -> Pose | None:
        """The followed person's pose in this frame, or None when they are not among ``candidates``."""
        followed = self._followed
        if followed is None or self._lost(t_ms):
            chosen = max(candidates, key=start_score, default=None)
            recent: tuple[Pose, ...] = ()
        else:
            chosen = self._nearest(candidates, followed.recent)
            recent = followed.recent
        if chosen is not None:
            self._followed = _Followed(recent=(recent + (chosen,))[-self.recent_poses:], seen_t_ms=t_ms)
        if any(pose is not chosen for pose in candidates):
            self._alone_since_t_ms = None
        elif self._alone_since_t_ms is None:
            self._alone_since_t_ms = t_ms
        self._last_t_ms = t_ms
        return chosen

    def _lost(self, t_ms: int) -> bool:
        return self._followed is not None and t_ms - self._followed.seen_t_ms > self.lost_after_ms

    def _nearest(self, candidates: Sequence[Pose], recent: tuple[Pose, ...]) -> Pose | None:
        """The candidate nearest the followed person, or None when none is within ``max_distance``."""
        scored = [(min(match_distance(pose, previous) for previous in recent), pose) for pose in candidates]
        matching = [(distance, pose) for distance, pose in scored if distance <= self.max_distance]
        if not matching:
            return None
        return min(matching, key=lambda item: item[0])[1]

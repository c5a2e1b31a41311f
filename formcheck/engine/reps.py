"""Rep counting: a two-threshold state machine on one angle, calibrated to the person.

Phases: ``start`` (at the top), ``moving`` (left the top by more than the dead
band), ``bottom`` (past the exercise's depth threshold, ``enter_deg``). A rep
counts on the return to ``start`` from ``bottom`` when it lasted at least
``min_rep_s``; a return from ``moving`` without reaching the bottom is a
partial rep when it went at least ``PARTIAL_MIN_DEG`` down and lasted half of
``min_rep_s`` (a shorter or smaller dip is a wobble).

Where the top is, is learned from the person: real people rarely straighten
fully between reps (a split squat's front knee comes back to ~150 deg, not
the 165 of a rendered performer), so "back at the start" is reached once the
angle has come back to within ``RETURN_FRACTION`` of the rep's own depth from
the person's top (the crest of their last start phase). The threshold scales
with the dip, so a shallow attempt is judged on its own size rather than on a
fixed angle it may barely cross, and it never goes looser than
``MIN_GAP_DEG`` short of the depth threshold. The depth a rep must reach
stays the file's ``enter_deg``: a shallow attempt is a partial rep, whatever
the person's habit. The counter arms on the file's ``exit_deg`` or after the
value has stayed well above the bottom for ``ARM_S``, so a person who walks
in crouched is not counted. Samples pass a short median filter first, so a
one-frame glitch (a leg-label swap) neither ends a rep nor sets the top.

The side of a rep is decided at the bottom: the side seen most often there
(the legs are furthest apart and the geometry clearest), or over the whole
rep when the bottom gave none. Unknown values (NaN) leave the state
unchanged. Thresholds work in either direction (enter above exit, e.g. thigh
depth, or below, e.g. knee angle).
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, deque
from dataclasses import dataclass

from .spec import MIN_REP_SPAN_DEG, RepSpec

__all__ = ["RepEvent", "RepCounter", "PARTIAL_MIN_FRACTION", "RETURN_FRACTION"]

#: A dip that returns without reaching the bottom is a partial rep only if it lasted this
#: fraction of ``min_rep_s`` and went at least ``PARTIAL_MIN_DEG`` down from the top.
PARTIAL_MIN_FRACTION = 0.5
PARTIAL_MIN_DEG = MIN_REP_SPAN_DEG / 2
#: Back at the start once the angle is within this fraction of the rep's depth from the
#: person's top...
RETURN_FRACTION = 0.35
#: ... but always at least this far (degrees) short of the depth threshold.
MIN_GAP_DEG = 15.0
#: Arm after the value has stayed at least ``MIN_REP_SPAN_DEG`` short of the bottom this long.
ARM_S = 0.5
#: Samples are median-filtered over this window (at most ``MEDIAN_MAX`` samples).
MEDIAN_WINDOW_S = 0.2
MEDIAN_MAX = 5


@dataclass(frozen=True)
class RepEvent:
    kind: str  # "rep" | "partial"
    side: str
    start_ms: int
    end_ms: int


class RepCounter:
    def __init__(self, spec: RepSpec) -> None:
        self.spec = spec
        self._sign = 1.0 if spec.enter_deg > spec.exit_deg else -1.0
        self._enter = self._sign * spec.enter_deg
        self._exit = self._sign * spec.exit_deg
        self.phase = "unknown"
        self.reps: dict[str, int] = {}
        self.partial_reps: dict[str, int] = {}
        self._start_ms = 0
        self._sides: Counter[str] = Counter()  # sides seen during the rep
        self._bottom_sides: Counter[str] = Counter()  # ... while at the bottom
        self._recent: deque[tuple[int, float]] = deque(maxlen=MEDIAN_MAX)
        self._top = math.inf  # the person's top (depth units): crest of the last start phase
        self._deepest = -math.inf  # deepest point of the rep under way
        self._steady_since: int | None = None

    def arm(self, value_deg: float, t_ms: int) -> None:
        """Watch without counting (while setup settles): learn that the person
        is at the start position, so a rep begun during settling is counted."""
        depth = self._filtered(value_deg, t_ms)
        if self.phase == "unknown" and math.isfinite(depth) and self._armed_by(depth, t_ms):
            self._enter_start(depth)

    def phase_of(self, value_deg: float) -> str:
        """The phase a single still value shows, by the file's thresholds: start | moving | bottom | unknown."""
        if not math.isfinite(value_deg):
            return "unknown"
        depth = self._sign * value_deg
        return "bottom" if depth >= self._enter else "start" if depth <= self._exit else "moving"

    @property
    def in_rep(self) -> bool:
        return self.phase in ("moving", "bottom")

    @property
    def return_depth(self) -> float:
        """The depth (sign-normalised) at or above which the rep under way is back at the start."""
        if not math.isfinite(self._top) or not math.isfinite(self._deepest):
            return self._exit
        learned = self._top + RETURN_FRACTION * (self._deepest - self._top)
        return min(learned, self._enter - MIN_GAP_DEG)

    def update(self, value_deg: float, t_ms: int, side: str | None = "both") -> RepEvent | None:
        """One sample; ``side`` is this frame's working side (None or "unknown": not seen)."""
        known = side not in (None, "unknown")
        if self.in_rep and known:
            self._sides[side] += 1
        depth = self._filtered(value_deg, t_ms)
        if not math.isfinite(depth):
            return None
        if self.phase == "unknown":
            if self._armed_by(depth, t_ms):
                self._enter_start(depth)
            return None
        if self.phase == "start":
            self._top = min(self._top, depth)
            if depth >= self._top + self.spec.dead_band_deg:
                self.phase, self._start_ms, self._deepest = "moving", t_ms, depth
                self._sides = Counter({side: 1} if known else {})
                self._bottom_sides = Counter()
            if depth >= self._enter:
                self.phase = "bottom"
                self._count_bottom(side)
            return None
        self._deepest = max(self._deepest, depth)
        if depth >= self._enter:
            self.phase = "bottom"
            self._count_bottom(side)
            return None
        if depth > self.return_depth:
            return None
        return self._finish(depth, t_ms)

    def _finish(self, depth: float, t_ms: int) -> RepEvent | None:
        """Back at the start: a rep, a partial rep, or a wobble."""
        reached = self.phase == "bottom"
        went_deg = self._deepest - self._top
        self._enter_start(depth)
        sides = self._bottom_sides or self._sides
        rep_side = sides.most_common(1)[0][0] if sides else "unknown"
        duration_ms = t_ms - self._start_ms
        if reached and duration_ms >= self.spec.min_rep_s * 1000.0:
            self.reps[rep_side] = self.reps.get(rep_side, 0) + 1
            return RepEvent("rep", rep_side, self._start_ms, t_ms)
        if (not reached and went_deg >= PARTIAL_MIN_DEG
                and duration_ms >= PARTIAL_MIN_FRACTION * self.spec.min_rep_s * 1000.0):
            self.partial_reps[rep_side] = self.partial_reps.get(rep_side, 0) + 1
            return RepEvent("partial", rep_side, self._start_ms, t_ms)
        return None  # too fast or too small: a glitch or a wobble, not a rep

    def _enter_start(self, depth: float) -> None:
        self.phase, self._top, self._deepest = "start", depth, -math.inf

    def _armed_by(self, depth: float, t_ms: int) -> bool:
        """At the file's start position, or steady well short of the bottom for ``ARM_S``."""
        if depth <= self._exit:
            return True
        if depth > self._enter - MIN_REP_SPAN_DEG:
            self._steady_since = None
            return False
        if self._steady_since is None:
            self._steady_since = t_ms
        return t_ms - self._steady_since >= ARM_S * 1000.0

    def _filtered(self, value_deg: float, t_ms: int) -> float:
        """Sign-normalised depth, median of the recent samples (NaN for an unknown value)."""
        if not math.isfinite(value_deg):
            return math.nan
        self._recent.append((t_ms, self._sign * value_deg))
        window = [d for t, d in self._recent if t_ms - t <= MEDIAN_WINDOW_S * 1000.0]
        return statistics.median(window)

    def _count_bottom(self, side: str | None) -> None:
        if side not in (None, "unknown"):
            self._bottom_sides[side] += 1

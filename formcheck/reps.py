"""Rep counting: a two-threshold state machine on one angle.

Phases: ``start`` (at the top, past the exit threshold), ``moving`` (left the
start by more than the dead band), ``bottom`` (past the enter threshold).
A rep counts on the return to ``start`` from ``bottom`` when it lasted at
least ``min_rep_s``; a return from ``moving`` without reaching the bottom is a
partial rep, counted separately, when it lasted at least half of ``min_rep_s``
(``PARTIAL_MIN_FRACTION``; a shorter dip is a wobble, e.g. the angle jittering as the person steps into the rep,
and is ignored). The side of a rep is decided at the bottom: the side seen
most often there (the legs are furthest apart and the geometry clearest),
or over the whole rep when the bottom gave none; a frame whose leg labels
flip as the rep starts or ends therefore cannot move the rep to the other
side. The counter arms only after it has seen the
start position, so a person who walks in crouched is not counted. Unknown
values (NaN) leave the state unchanged. Thresholds work in either direction
(enter above exit, e.g. thigh depth, or below, e.g. knee angle).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from .exercise_spec import RepSpec

__all__ = ["RepEvent", "RepCounter", "PARTIAL_MIN_FRACTION"]

#: A dip that returns without reaching the bottom is a partial rep only if it lasted this
#: fraction of ``min_rep_s``; shorter ones are angle wobble (e.g. as the person steps into a lunge).
PARTIAL_MIN_FRACTION = 0.5


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
        self.reset()

    def reset(self) -> None:
        self.phase = "unknown"
        self.reps: dict[str, int] = {}
        self.partial_reps: dict[str, int] = {}
        self._start_ms = 0
        self._sides: Counter[str] = Counter()  # sides seen during the rep
        self._bottom_sides: Counter[str] = Counter()  # ... while at the bottom

    def arm(self, value_deg: float) -> None:
        """Watch without counting (while setup settles): learn that the person
        is at the start position, so a rep begun during settling is counted."""
        if math.isfinite(value_deg) and self.phase == "unknown" and self._sign * value_deg <= self._exit:
            self.phase = "start"

    def phase_of(self, value_deg: float) -> str:
        """The phase a single still value shows: start | moving | bottom | unknown."""
        if not math.isfinite(value_deg):
            return "unknown"
        depth = self._sign * value_deg
        return "bottom" if depth >= self._enter else "start" if depth <= self._exit else "moving"

    @property
    def in_rep(self) -> bool:
        return self.phase in ("moving", "bottom")

    def update(self, value_deg: float, t_ms: int, side: str | None = "both") -> RepEvent | None:
        """One sample; ``side`` is this frame's working side (None or "unknown": not seen)."""
        known = side not in (None, "unknown")
        if self.in_rep and known:
            self._sides[side] += 1
        if not math.isfinite(value_deg):
            return None
        depth = self._sign * value_deg
        if self.phase == "unknown":
            if depth <= self._exit:
                self.phase = "start"
            return None
        if self.phase == "start":
            if depth >= self._exit + self.spec.dead_band_deg:
                self.phase, self._start_ms = "moving", t_ms
                self._sides = Counter({side: 1} if known else {})
                self._bottom_sides = Counter()
            if depth >= self._enter:
                self.phase = "bottom"
                self._count_bottom(side)
            return None
        if depth >= self._enter:
            self.phase = "bottom"
            self._count_bottom(side)
            return None
        if depth > self._exit:
            return None
        # back at the start
        reached, self.phase = self.phase == "bottom", "start"
        sides = self._bottom_sides or self._sides
        rep_side = sides.most_common(1)[0][0] if sides else "unknown"
        duration_ms = t_ms - self._start_ms
        if reached and duration_ms >= self.spec.min_rep_s * 1000.0:
            self.reps[rep_side] = self.reps.get(rep_side, 0) + 1
            return RepEvent("rep", rep_side, self._start_ms, t_ms)
        if not reached and duration_ms >= PARTIAL_MIN_FRACTION * self.spec.min_rep_s * 1000.0:
            self.partial_reps[rep_side] = self.partial_reps.get(rep_side, 0) + 1
            return RepEvent("partial", rep_side, self._start_ms, t_ms)
        return None  # too fast: a glitch or a wobble, not a rep

    def _count_bottom(self, side: str | None) -> None:
        if side not in (None, "unknown"):
            self._bottom_sides[side] += 1

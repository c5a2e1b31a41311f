"""Rep counting: a two-threshold state machine on one angle.

Phases: ``start`` (at the top, past the exit threshold), ``moving`` (left the
start by more than the dead band), ``bottom`` (past the enter threshold).
A rep counts on the return to ``start`` from ``bottom`` when it lasted at
least ``min_rep_s``; a return from ``moving`` without reaching the bottom is a
partial rep, counted separately. The side of a rep is the side seen most often while it
was under way (geometry is clearest near the bottom). The counter arms only after it has seen the
start position, so a person who walks in crouched is not counted. Unknown
values (NaN) leave the state unchanged. Thresholds work in either direction
(enter above exit, e.g. thigh depth, or below, e.g. knee angle).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from .exercise_spec import RepSpec

__all__ = ["RepEvent", "RepCounter"]


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
        self._sides: Counter[str] = Counter()

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
        if self.in_rep and side not in (None, "unknown"):
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
                self._sides = Counter({side: 1} if side not in (None, "unknown") else {})
            if depth >= self._enter:
                self.phase = "bottom"
            return None
        if self.phase == "moving" and depth >= self._enter:
            self.phase = "bottom"
            return None
        if depth > self._exit:
            return None
        # back at the start
        reached, self.phase = self.phase == "bottom", "start"
        rep_side = self._sides.most_common(1)[0][0] if self._sides else "unknown"
        if reached and t_ms - self._start_ms >= self.spec.min_rep_s * 1000.0:
            self.reps[rep_side] = self.reps.get(rep_side, 0) + 1
            return RepEvent("rep", rep_side, self._start_ms, t_ms)
        if not reached:
            self.partial_reps[rep_side] = self.partial_reps.get(rep_side, 0) + 1
            return RepEvent("partial", rep_side, self._start_ms, t_ms)
        return None  # reached the bottom but too fast: a glitch, not a rep

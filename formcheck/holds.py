"""Hold timing: good-form seconds accrue only while every hold rule passes.

A hold starts on the first passing frame. Losing the person (no pose, setup
lost) for less than ``max_dropout_s`` pauses it; broken form pauses it for up
to ``max_pause_s``; longer gaps end it. Switching sides ends it. Totals are
kept per side; reaching ``target_s`` within one hold is an event.
"""

from __future__ import annotations

from dataclasses import dataclass

from .exercise_spec import HoldSpec

__all__ = ["HoldSegment", "HoldTimer"]


@dataclass
class HoldSegment:
    side: str
    start_ms: int
    end_ms: int
    good_form_s: float = 0.0
    target_reached: bool = False


class HoldTimer:
    def __init__(self, spec: HoldSpec) -> None:
        self.spec = spec
        self.reset()

    def reset(self) -> None:
        self.totals_s: dict[str, float] = {}
        self.holds: list[HoldSegment] = []
        self.current: HoldSegment | None = None
        self.holding = False
        self._last_ms: int | None = None
        self._last_good_ms = 0

    @property
    def current_s(self) -> float:
        return self.current.good_form_s if self.current else 0.0

    def update(self, t_ms: int, side: str, present: bool, passing: bool) -> list[str]:
        """Advance to ``t_ms``; returns events ("hold_start:left", "target:left", "hold_end:left")."""
        events: list[str] = []
        good = present and passing
        cur = self.current
        if cur is not None and good and side != cur.side:
            events += self._end()
            cur = None
        if good:
            if cur is None:
                cur = self.current = HoldSegment(side, t_ms, t_ms)
                self.holds.append(cur)
                events.append(f"hold_start:{side}")
            elif self.holding and self._last_ms is not None:
                dt_s = (t_ms - self._last_ms) / 1000.0
                cur.good_form_s += dt_s
                self.totals_s[side] = self.totals_s.get(side, 0.0) + dt_s
            self.totals_s.setdefault(side, 0.0)
            cur.end_ms = self._last_good_ms = t_ms
            if not cur.target_reached and cur.good_form_s >= self.spec.target_s - 1e-9:
                cur.target_reached = True
                events.append(f"target:{side}")
        elif cur is not None:
            limit_s = self.spec.max_pause_s if present else self.spec.max_dropout_s
            if (t_ms - self._last_good_ms) / 1000.0 >= limit_s:
                events += self._end()
        self.holding = good
        self._last_ms = t_ms
        return events

    def _end(self) -> list[str]:
        cur, self.current = self.current, None
        return [f"hold_end:{cur.side}"] if cur else []

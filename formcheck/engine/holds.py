"""Hold timing: the one definition of a hold, used by the live timer and the report alike.

A hold is time in the stretch on one side. It starts on the first frame in the
stretch with good form; time accrues only while that lasts. Stepping out of
the stretch, or a fault that defeats it, pauses the hold for up to
``max_pause_s``; losing the person (no pose, or out of the exercise position)
pauses it for up to ``max_dropout_s``; a longer gap, or a change of side, ends it. So a
demonstrator who pulses in and out of a stretch every few seconds makes one
hold whose time is the time actually spent in the stretch. A hold that ends
with less than ``min_hold_s`` of good-form time was not a hold (a pass through
the position on the way in or out): it is neither counted nor reported.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.verdict import HoldRecord
from .spec import HoldSpec

__all__ = ["HoldTimer"]


@dataclass
class _Open:
    side: str
    start_ms: int
    end_ms: int
    good_form_s: float = 0.0
    announced: bool = False
    target_reached: bool = False

    def record(self) -> HoldRecord:
        return HoldRecord(self.side, self.start_ms / 1000.0, self.end_ms / 1000.0, self.good_form_s)


class HoldTimer:
    def __init__(self, spec: HoldSpec) -> None:
        self.spec = spec
        self.finished: list[HoldRecord] = []
        self._open: _Open | None = None
        self.holding = False
        self._last_ms: int | None = None

    @property
    def current(self) -> HoldRecord | None:
        """The hold under way, once it has lasted ``min_hold_s`` (before that it may be a pass-through)."""
        return self._open.record() if self._counted(self._open) else None

    @property
    def started(self) -> bool:
        """A hold is under way (in the stretch now, or paused within its limits)."""
        return self._open is not None

    @property
    def current_s(self) -> float:
        return self._open.good_form_s if self._open is not None else 0.0

    @property
    def totals_s(self) -> dict[str, float]:
        """Seconds held per side: finished holds plus the current one once it counts."""
        totals: dict[str, float] = {}
        for hold in self.finished:
            totals[hold.side] = totals.get(hold.side, 0.0) + hold.good_form_s
        if self._counted(self._open):
            totals[self._open.side] = totals.get(self._open.side, 0.0) + self._open.good_form_s
        return totals

    def _counted(self, hold: _Open | None) -> bool:
        return hold is not None and hold.good_form_s >= self.spec.min_hold_s - 1e-9

    def update(self, t_ms: int, side: str, present: bool, passing: bool) -> list[str]:
        """Advance to ``t_ms``; returns events ("hold_start:left", "target:left", "hold_end:left").

        ``present``: the person is seen, in position; ``passing``: in the stretch with good form."""
        events: list[str] = []
        cur = self._open
        if cur is not None and passing and side != cur.side:
            events += self._end()
            cur = None
        if passing:
            if cur is None:
                cur = self._open = _Open(side, t_ms, t_ms)
            elif self.holding and self._last_ms is not None:
                cur.good_form_s += (t_ms - self._last_ms) / 1000.0
            if not cur.announced and self._counted(cur):
                cur.announced = True
                events.append(f"hold_start:{side}")
            cur.end_ms = t_ms
            if not cur.target_reached and cur.good_form_s >= self.spec.target_s - 1e-9:
                cur.target_reached = True
                events.append(f"target:{side}")
        elif cur is not None:
            limit_s = self.spec.max_pause_s if present else self.spec.max_dropout_s
            if (t_ms - cur.end_ms) / 1000.0 >= limit_s:
                events += self._end()
        self.holding = passing
        self._last_ms = t_ms
        return events

    def _end(self) -> list[str]:
        cur, self._open = self._open, None
        if not self._counted(cur):
            return []
        assert cur is not None
        self.finished.append(cur.record())
        return [f"hold_end:{cur.side}"]

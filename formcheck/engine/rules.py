"""One form rule, evaluated frame by frame with hysteresis and debounce.

A rule holds a feature inside [min, max]. A violation must persist for
``debounce_s`` before it becomes a fault; a fault clears only when the value
is back inside by ``hysteresis`` (in the feature's unit) for ``debounce_s``.
An unknown value (NaN: not visible) neither raises nor clears a fault; for
``debounce.UNKNOWN_GRACE_S`` (the one bridge for a hidden joint) the rule keeps its last state (a joint hidden for a few
frames changes nothing), then it is UNKNOWN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..core.verdict import JointState
from .debounce import UNKNOWN_GRACE_S, Debounced
from .spec import RuleSpec

__all__ = ["RuleResult", "RuleMonitor"]


@dataclass(frozen=True)
class RuleResult:
    rule_id: str
    active: bool  # the rule applies in this phase
    state: JointState  # OK / FAULT (debounced) / UNKNOWN (value not visible)
    value: float
    cleared: bool = False  # the fault cleared this frame (confirm the correction)


class RuleMonitor:
    """Debounced state of one rule. ``update`` once per frame."""

    def __init__(self, rule: RuleSpec) -> None:
        self.rule = rule
        self._hyst = rule.hysteresis
        self._debounce_ms = rule.debounce_s * 1000.0
        self.reset()

    def reset(self) -> None:
        self._fault = Debounced(False)
        self._known_at: int | None = None  # last frame with a known value

    @property
    def faulting(self) -> bool:
        return self._fault.value

    def update(self, value: float, t_ms: int, active: bool = True) -> RuleResult:
        rule_id = self.rule.id
        if not active:
            self.reset()
            return RuleResult(rule_id, False, JointState.OK, value)
        if not math.isfinite(value):
            self._fault.cancel()
            if self._known_at is not None and t_ms - self._known_at < UNKNOWN_GRACE_S * 1000.0:
                return RuleResult(rule_id, True, JointState.FAULT if self.faulting else JointState.OK, value)
            return RuleResult(rule_id, True, JointState.UNKNOWN, value)
        self._known_at = t_ms
        was_faulting = self.faulting
        # hysteresis towards the current state: a fault clears only well inside the range
        violated = not self.rule.inside(value, self._hyst if was_faulting else 0.0)
        self._fault.update(violated, t_ms, self._debounce_ms)
        state = JointState.FAULT if self.faulting else JointState.OK
        return RuleResult(rule_id, True, state, value, cleared=was_faulting and not self.faulting)

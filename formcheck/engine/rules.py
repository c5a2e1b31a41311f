"""One form rule, evaluated frame by frame with hysteresis and debounce.

A rule holds a feature inside [min, max]. A violation must persist for
``debounce_s`` before it becomes a fault; a fault clears only when the value
is back inside by ``hysteresis`` (in the feature's unit) for ``debounce_s``.
An unknown value (NaN: not visible) neither raises nor clears a fault; for
``position.UNKNOWN_GRACE_S`` (the one bridge for a hidden joint) the rule keeps its last state (a joint hidden for a few
frames changes nothing), then it is UNKNOWN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..core.verdict import JointState
from .position import UNKNOWN_GRACE_S
from .spec import RuleSpec

__all__ = ["RuleResult", "RuleMonitor"]


@dataclass(frozen=True)
class RuleResult:
    rule_id: str
    active: bool  # the rule applies in this phase
    state: JointState  # OK / FAULT (debounced) / UNKNOWN (value not visible)
    value: float
    raised: bool = False  # the fault became active this frame
    cleared: bool = False  # the fault cleared this frame (confirm the correction)


class RuleMonitor:
    """Debounced state of one rule. ``update`` once per frame."""

    def __init__(self, rule: RuleSpec) -> None:
        self.rule = rule
        self._hyst = rule.hysteresis
        self._debounce_ms = rule.debounce_s * 1000.0
        self.reset()

    def reset(self) -> None:
        self.faulting = False
        self._pending_since: int | None = None  # when the raw state started to disagree
        self._known_at: int | None = None  # last frame with a known value

    def violated(self, value: float) -> bool:
        """Raw (undebounced) violation, with hysteresis towards the current state."""
        return not self.rule.inside(value, self._hyst if self.faulting else 0.0)

    def update(self, value: float, t_ms: int, active: bool = True) -> RuleResult:
        rule_id = self.rule.id
        if not active:
            self.reset()
            return RuleResult(rule_id, False, JointState.OK, value)
        if not math.isfinite(value):
            self._pending_since = None
            if self._known_at is not None and t_ms - self._known_at < UNKNOWN_GRACE_S * 1000.0:
                return RuleResult(rule_id, True, JointState.FAULT if self.faulting else JointState.OK, value)
            return RuleResult(rule_id, True, JointState.UNKNOWN, value)
        self._known_at = t_ms
        raised = cleared = False
        if self.violated(value) == self.faulting:
            self._pending_since = None
        else:
            if self._pending_since is None:
                self._pending_since = t_ms
            if t_ms - self._pending_since >= self._debounce_ms:
                self.faulting = not self.faulting
                self._pending_since = None
                raised, cleared = self.faulting, not self.faulting
        state = JointState.FAULT if self.faulting else JointState.OK
        return RuleResult(rule_id, True, state, value, raised, cleared)

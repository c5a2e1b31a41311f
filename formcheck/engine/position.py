"""Is the person in the exercise position? (kneeling, seated, in a lunge, ...)

An exercise file may declare ``[[position]]`` conditions (see
``exercise_spec.PositionSpec``): a feature and an allowed range each. The
person is in position once every condition has been met for its ``enter_s``
(coming inside the range by its hysteresis), and leaves it as soon as one
condition has been outside its range for its ``exit_s``. Until then the
tracker only cues them into position: no hold time, no form faults, no reps.

A condition that cannot be judged (a joint not visible, or no front/back leg
because the feet are together) keeps its state for ``UNKNOWN_GRACE_S``, then
counts as not met: a hidden knee for a moment does not end a hold, but
standing up with the feet together does leave a lunge.

An exercise without position conditions is always in position (the rules and
the rep thresholds alone decide).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from ..core.verdict import Cue, CueKind, Severity
from ..signal.features import Features
from .debounce import UNKNOWN_GRACE_S, Debounced
from .spec import PositionSpec

__all__ = ["PositionCondition", "PositionResult", "PositionCheck"]

#: A condition with ``max_rate_per_s`` measures the change over this long.
STEADY_WINDOW_S = 0.5


def rate_per_s(history: deque[tuple[int, float]], t_ms: int, value: float) -> float:
    """|change| per second of ``value`` since the newest sample at least ``STEADY_WINDOW_S``
    old in ``history`` ((t_ms, value) pairs, oldest first); inf until there is one."""
    for t0, v0 in reversed(history):
        if t_ms - t0 >= STEADY_WINDOW_S * 1000.0:
            return abs(value - v0) / ((t_ms - t0) / 1000.0)
    return math.inf


class PositionCondition:
    """Debounced state of one position condition; starts out of position."""

    def __init__(self, spec: PositionSpec) -> None:
        self.spec = spec
        self._hyst = spec.hysteresis
        self._enter_ms = spec.enter_s * 1000.0
        self._exit_ms = spec.exit_s * 1000.0
        self._state = Debounced(False)
        self._unknown_since: int | None = None
        self._history: deque[tuple[int, float]] = deque(maxlen=64)

    @property
    def inside(self) -> bool:
        return self._state.value

    def raw_inside(self, value: float) -> bool:
        """Undebounced: inside the range, by the hysteresis when currently outside."""
        return self.spec.inside(value, 0.0 if self.inside else self._hyst)

    def _steady(self, known: list[float], t_ms: int) -> bool:
        if self.spec.max_rate_per_s is None:
            return True
        value = sum(known) / len(known)
        rate = rate_per_s(self._history, t_ms, value)
        self._history.append((t_ms, value))
        return rate <= self.spec.max_rate_per_s

    def values(self, features: Features) -> list[float]:
        return [features.values[name] for name in self.spec.features]

    def update(self, values: float | list[float], t_ms: int) -> bool:
        """Advance to ``t_ms`` with the condition's feature value(s); returns the debounced state.
        Every known value must be inside; with none known the state is kept for ``UNKNOWN_GRACE_S``."""
        known = [v for v in ([values] if isinstance(values, (int, float)) else values) if math.isfinite(v)]
        if not known:
            self._state.cancel()
            if self._unknown_since is None:
                self._unknown_since = t_ms
            if self.inside and t_ms - self._unknown_since >= max(self._exit_ms, UNKNOWN_GRACE_S * 1000.0):
                self._state.set(False)
            return self.inside
        self._unknown_since = None
        steady = self._steady(known, t_ms)
        reading = steady and all(self.raw_inside(v) for v in known)
        return self._state.update(reading, t_ms, self._exit_ms if self.inside else self._enter_ms)


@dataclass(frozen=True)
class PositionResult:
    ok: bool  # in position (always True without conditions)
    cue: Cue | None  # the first failing condition's cue while not ok
    seen: bool = True  # every condition had a known value this frame (not only remembered)


class PositionCheck:
    """A set of conditions met together, frame by frame: an exercise's position
    (``spec.position``) or its stretch (``spec.stretch``)."""

    def __init__(self, conditions: list[PositionSpec]) -> None:
        self.conditions = [PositionCondition(p) for p in conditions]
        self.ok = not self.conditions

    def update(self, t_ms: int, features: Features) -> PositionResult:
        if not self.conditions:
            return PositionResult(True, None)
        values = [c.values(features) for c in self.conditions]
        states = [c.update(v, t_ms) for c, v in zip(self.conditions, values)]
        failing = tuple(i for i, inside in enumerate(states) if not inside)
        self.ok = not failing
        cue = None if self.ok else Cue(self.conditions[failing[0]].spec.cue, CueKind.SETUP, Severity.MINOR)
        seen = all(any(math.isfinite(x) for x in v) for v in values)
        return PositionResult(self.ok, cue, seen)

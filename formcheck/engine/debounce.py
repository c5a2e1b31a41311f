"""Time-based state shared by every judgement that must not flicker.

A rule's fault, a position or stretch condition and the working side all
follow a raw per-frame reading only once it has disagreed with the current
state for long enough, and all bridge a value that is briefly unknown in the
same way.
"""

from __future__ import annotations

from typing import Generic, TypeVar

__all__ = ["Debounced", "UNKNOWN_GRACE_S"]

#: A value unknown (a joint hidden, a needed joint or the view lost) for less than this changes
#: nothing: position and stretch conditions, rules and the setup check all bridge it.
UNKNOWN_GRACE_S = 0.5

T = TypeVar("T")


class Debounced(Generic[T]):
    """A state that takes a new reading once the reading has held, unchanged, for a delay.

    The delay is given with each reading because it may depend on the
    direction (getting into a position is slower than leaving it). A reading
    that agrees with the state, or :meth:`cancel`, forgets a pending change.
    """

    def __init__(self, value: T) -> None:
        self.value = value
        self._candidate: T | None = None
        self._since_ms = 0

    @property
    def pending(self) -> bool:
        """A different reading is being timed."""
        return self._candidate is not None

    def update(self, reading: T, t_ms: int, delay_ms: float) -> T:
        if reading == self.value:
            self._candidate = None
            return self.value
        if reading != self._candidate:
            self._candidate, self._since_ms = reading, t_ms
        if t_ms - self._since_ms >= delay_ms:
            self.set(reading)
        return self.value

    def cancel(self) -> None:
        self._candidate = None

    def set(self, value: T) -> None:
        """Take ``value`` at once (no delay), forgetting any pending change."""
        self.value, self._candidate = value, None

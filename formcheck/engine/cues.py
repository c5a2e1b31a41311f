"""Cue selection: one cue at a time, the most severe first, no flicker.

A cue stays at least ``min_show_s`` once shown. Faults (and setup problems)
are offered every frame while they last; confirmations ("good, back is
neutral now") and events (rep counted, target reached) are offered once and
stay available for ``message_s``. Among what is available the most severe
wins; on a tie the cue already shown stays.
"""

from __future__ import annotations

from ..core.verdict import Cue

__all__ = ["CueSelector"]


class CueSelector:
    def __init__(self, min_show_s: float = 0.5, message_s: float = 1.5) -> None:
        if min_show_s < 0 or message_s <= 0:
            raise ValueError("min_show_s must be >= 0 and message_s > 0 (seconds)")
        self._min_show_ms = min_show_s * 1000.0
        self._message_ms = message_s * 1000.0
        self.current: Cue | None = None
        self._since_ms = 0
        self._messages: dict[Cue, int] = {}  # one-off cue -> expiry time

    def update(self, t_ms: int, ongoing: list[Cue], messages: list[Cue] = ()) -> Cue | None:
        for cue in messages:
            self._messages[cue] = t_ms + int(self._message_ms)
        self._messages = {c: exp for c, exp in self._messages.items() if exp > t_ms}
        if self.current is not None and t_ms - self._since_ms < self._min_show_ms:
            return self.current
        options = list(ongoing) + list(self._messages)
        if not options:
            self._set(None, t_ms)
            return None
        best = max(options, key=lambda c: c.severity)
        if self.current in options and self.current.severity >= best.severity:
            return self.current
        self._set(best, t_ms)
        return best

    def _set(self, cue: Cue | None, t_ms: int) -> None:
        if cue is not self.current and self.current in self._messages:
            del self._messages[self.current]  # a message shown and replaced is done
        if cue != self.current:
            self.current, self._since_ms = cue, t_ms

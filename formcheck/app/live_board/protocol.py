"""What the board needs from a pipeline session: :class:`formcheck.session.live.LiveSession`
satisfies it, and a test stub must implement all of it (the board never adapts to less)."""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from ...core.verdict import FrameVerdict

__all__ = ["FrameLike", "SessionLike"]


class FrameLike(Protocol):
    """One processed frame; read-only, so a frozen dataclass such as ``LiveFrame`` fits."""

    @property
    def annotated_rgb(self) -> np.ndarray: ...

    @property
    def verdict(self) -> FrameVerdict: ...


class SessionLike(Protocol):
    """A pipeline session, driven by one thread at a time (the board's inference thread)."""

    def process(self, rgb: np.ndarray, t_ms: int, captured_at: float | None = None) -> FrameLike:
        """One frame at ``t_ms`` (increasing); ``captured_at`` on the board's clock, so the
        session's own latency figure covers the wait before processing."""
        ...

    def summary(self) -> dict[str, Any]:
        """The session so far, in the report.json shape."""
        ...

    def reset(self) -> None:
        """Start a new session with the same model (kept loaded)."""
        ...

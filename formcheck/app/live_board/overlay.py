"""The newest overlay, painted onto frames that skip the model so the drawing does not flicker."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

__all__ = ["Overlay"]


@dataclass(eq=False)
class _Drawn:
    before: np.ndarray  # the newest processed frame as it came in
    after: np.ndarray  # the same frame with the overlay drawn on
    mask: np.ndarray | None = None  # the pixels drawing changed; found on first use, off the inference thread


class Overlay:
    """Kept by the inference thread, painted by the frame callback: its own lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._drawn: _Drawn | None = None

    def keep(self, before: np.ndarray, after: np.ndarray) -> None:
        """The newest processed frame, before and after drawing."""
        with self._lock:
            self._drawn = _Drawn(before, after)

    def clear(self) -> None:
        with self._lock:
            self._drawn = None

    def paint(self, rgb: np.ndarray) -> np.ndarray:
        """``rgb`` with the newest overlay's pixels painted on: a copy, or ``rgb`` itself when
        there is no overlay yet or its size differs."""
        with self._lock:
            drawn = self._drawn
        if drawn is None or drawn.after.shape != rgb.shape or drawn.before.shape != drawn.after.shape:
            return rgb
        if drawn.mask is None:
            drawn.mask = np.any(drawn.before != drawn.after, axis=2)  # a race only finds the same mask twice
        out = rgb.copy()
        out[drawn.mask] = drawn.after[drawn.mask]
        return out

"""What happened to the frames of one session, counted for the page."""

from __future__ import annotations

import statistics
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ...core.verdict import FrameVerdict

__all__ = ["NO_FRAME_RETRY_S", "LiveSnapshot", "LiveStats", "describe_error"]

#: No processed frame this long after START: tell the person to press STOP, then START.
NO_FRAME_RETRY_S = 6.0
_STATS_WINDOW = 120  # frames kept for latency percentiles and throughput
_MAX_ERRORS = 20  # a model failing on every frame must not grow the list for ever


@dataclass(frozen=True)
class LiveSnapshot:
    """What the page shows; a copy, safe to read without the lock."""

    frames: int = 0  # frames processed this session
    frames_with_pose: int = 0
    verdict: FrameVerdict | None = None  # the newest
    proc_ms_median: float | None = None  # time inside the pipeline per frame
    proc_ms_p95: float | None = None
    fps: float | None = None  # processed frames per second, recent window
    frame_size: tuple[int, int] | None = None  # (width, height) of the camera frames
    since_first_frame_s: float | None = None
    errors: tuple[str, ...] = field(default=())
    loading: bool = False  # the pipeline (model) is still being built
    skipped: int = 0  # frames passed back unprocessed while loading
    dropped: int = 0  # frames sent back without inference: stale, or the model still busy with an earlier one
    wait_ms_median: float | None = None  # time a processed frame waited before processing
    wait_ms_p95: float | None = None

    @property
    def reps(self) -> int:
        return sum(self.verdict.reps.values()) if self.verdict else 0

    @property
    def hold_s(self) -> float:
        return sum(self.verdict.hold_s.values()) if self.verdict else 0.0


def _window() -> deque[float]:
    return deque(maxlen=_STATS_WINDOW)


@dataclass
class _Tally:
    """One session's counts; replaced whole when a session ends."""

    frames: int = 0
    frames_with_pose: int = 0
    verdict: FrameVerdict | None = None
    proc_ms: deque[float] = field(default_factory=_window)
    wait_ms: deque[float] = field(default_factory=_window)
    done_at: deque[float] = field(default_factory=_window)
    frame_size: tuple[int, int] | None = None
    first_at: float | None = None
    errors: list[str] = field(default_factory=list)
    skipped: int = 0
    dropped: int = 0


def describe_error(exc: BaseException) -> str:
    """How an error shows on the page."""
    return f"{type(exc).__name__}: {exc}"


class LiveStats:
    """Counts written by the frame callback and the inference thread, read by the page
    script: its own lock, held only to copy numbers in or out, so the page never waits
    for the model. Times are readings of ``clock`` (the board's)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._tally = _Tally()

    def reset(self) -> None:
        with self._lock:
            self._tally = _Tally()

    @property
    def frames(self) -> int:
        with self._lock:
            return self._tally.frames

    def skipped(self) -> None:
        """A frame passed back unprocessed while the model was loading."""
        with self._lock:
            self._tally.skipped += 1

    def dropped(self) -> None:
        """A frame sent back without inference: stale, or the model still busy."""
        with self._lock:
            self._tally.dropped += 1

    def failed(self, exc: BaseException) -> None:
        """The pipeline raised on a frame."""
        with self._lock:
            if len(self._tally.errors) < _MAX_ERRORS:
                self._tally.errors.append(describe_error(exc))

    def processed(self, rgb: np.ndarray, verdict: FrameVerdict, start: float, done: float,
                  captured_at: float | None) -> None:
        """``rgb`` went through the pipeline from ``start`` to ``done``; ``captured_at`` (if
        known) gives the time it waited before that."""
        with self._lock:
            tally = self._tally
            tally.frames += 1
            tally.frames_with_pose += int(verdict.pose_found)
            tally.verdict = verdict
            tally.proc_ms.append((done - start) * 1000)
            if captured_at is not None:
                tally.wait_ms.append(max(0.0, start - captured_at) * 1000)
            tally.done_at.append(done)
            tally.frame_size = (int(rgb.shape[1]), int(rgb.shape[0]))
            if tally.first_at is None:
                tally.first_at = done

    def snapshot(self, *, loading: bool, load_error: str | None) -> LiveSnapshot:
        """The counts so far, with the pipeline's loading state (which the loader knows)."""
        with self._lock:
            tally = self._tally
            now = self._clock()
            proc, wait, done = list(tally.proc_ms), list(tally.wait_ms), list(tally.done_at)
            fps = None
            if len(done) >= 2 and done[-1] > done[0]:
                fps = (len(done) - 1) / (done[-1] - done[0])
            return LiveSnapshot(
                frames=tally.frames,
                frames_with_pose=tally.frames_with_pose,
                verdict=tally.verdict,
                proc_ms_median=statistics.median(proc) if proc else None,
                proc_ms_p95=_percentile(proc, 95) if proc else None,
                fps=fps,
                frame_size=tally.frame_size,
                since_first_frame_s=(now - tally.first_at) if tally.first_at is not None else None,
                errors=tuple(tally.errors) + ((load_error,) if load_error else ()),
                loading=loading,
                skipped=tally.skipped,
                dropped=tally.dropped,
                wait_ms_median=statistics.median(wait) if wait else None,
                wait_ms_p95=_percentile(wait, 95) if wait else None,
            )


def _percentile(values: list[float], pct: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=float), pct))

"""The lock-guarded link between a browser video thread and the page that shows it.

streamlit-webrtc calls the frame callback on its own worker thread, and hands
it only the newest frame when processing falls behind (older ones are
dropped, never queued). The page script polls :meth:`LiveBoard.snapshot` to
show counters and stats. Nothing here imports Streamlit, so it is tested
without it.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from .verdict import FrameVerdict

__all__ = ["LiveBoard", "LiveSnapshot", "SessionLike", "NO_FRAME_RETRY_S", "video_frame_callback"]

#: No processed frame this long after START: tell the person to press STOP, then START.
NO_FRAME_RETRY_S = 6.0
_STATS_WINDOW = 120  # frames kept for latency percentiles and throughput


class _FrameLike(Protocol):
    annotated_rgb: np.ndarray
    verdict: FrameVerdict | None
    latency_ms: float


class SessionLike(Protocol):
    """What :class:`formcheck.live.LiveSession` offers (and a test stub can fake)."""

    def process(self, rgb: np.ndarray, t_ms: int) -> _FrameLike: ...

    def summary(self) -> dict[str, Any]: ...

    def reset(self) -> None: ...


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

    @property
    def reps(self) -> int:
        return sum(self.verdict.reps.values()) if self.verdict else 0

    @property
    def hold_s(self) -> float:
        return sum(self.verdict.hold_s.values()) if self.verdict else 0.0


class LiveBoard:
    """One per browser session: owns the pipeline session and its latest results.

    ``session_factory`` builds the pipeline session (loading the model) on a
    background thread, started by :meth:`warm_up` or by the first frame. Until
    it is ready, frames go back unprocessed: the video thread never waits for a
    model to load (streamlit-webrtc gives up on a callback that takes > 10 s).
    """

    def __init__(self, session_factory: Callable[[], SessionLike], *, clock: Callable[[], float] = time.monotonic):
        self._factory = session_factory
        self._clock = clock
        self._run_lock = threading.Lock()  # held while a frame is processed
        self._state_lock = threading.Lock()  # held only to copy numbers in or out
        self._session: SessionLike | None = None
        self._loader: threading.Thread | None = None
        self._load_error: str | None = None
        self._t0: float | None = None
        self._reset_stats()

    def _reset_stats(self) -> None:
        self._frames = 0
        self._frames_with_pose = 0
        self._verdict: FrameVerdict | None = None
        self._proc_ms: deque[float] = deque(maxlen=_STATS_WINDOW)
        self._done_at: deque[float] = deque(maxlen=_STATS_WINDOW)
        self._frame_size: tuple[int, int] | None = None
        self._first_at: float | None = None
        self._errors: list[str] = []
        self._skipped = 0  # frames passed back while the model was loading

    def configure(self, session_factory: Callable[[], SessionLike]) -> None:
        """Use a new pipeline (exercise, model or side changed); drops the current session unsaved."""
        with self._run_lock, self._state_lock:
            self._factory = session_factory
            self._session = None
            self._loader = None
            self._load_error = None
            self._t0 = None
            self._reset_stats()

    def warm_up(self) -> None:
        """Start building the pipeline session in the background (idempotent)."""
        with self._state_lock:
            if self._session is not None or self._loader is not None:
                return
            factory = self._factory
            loader = self._loader = threading.Thread(
                target=self._load, args=(factory,), name="formcheck-live-loader", daemon=True)
        loader.start()

    def _load(self, factory: Callable[[], SessionLike]) -> None:
        try:
            session = factory()
        except Exception as exc:  # noqa: BLE001 - shown on the page
            with self._state_lock:
                if self._factory is factory:
                    self._load_error = f"{type(exc).__name__}: {exc}"
            return
        with self._state_lock:
            if self._factory is factory:  # not reconfigured meanwhile
                self._session = session

    def ready(self) -> bool:
        with self._state_lock:
            return self._session is not None

    def wait_ready(self, timeout_s: float) -> bool:
        """Block until the session is built (for tests and scripts); False on timeout or failure."""
        self.warm_up()
        deadline = self._clock() + timeout_s
        while self._clock() < deadline:
            with self._state_lock:
                if self._session is not None:
                    return True
                if self._load_error is not None:
                    return False
            time.sleep(0.01)
        return False

    # --- video thread -------------------------------------------------------------

    def process(self, rgb: np.ndarray) -> np.ndarray:
        """Run one camera frame through the pipeline; returns the frame to send back.

        Timestamps are this board's monotonic clock since the session's first
        frame, so they always increase, even across a STOP/START of the stream.
        An error in the pipeline is recorded and the frame passed through, so
        the stream keeps running and the page can say what went wrong.
        """
        with self._run_lock:
            with self._state_lock:
                session = self._session
                if session is None:
                    self._skipped += 1
            if session is None:
                self.warm_up()
                return rgb  # still loading: passed back unprocessed, never waited on
            start = self._clock()
            if self._t0 is None:
                self._t0 = start
            t_ms = int(round((start - self._t0) * 1000))
            try:
                out = session.process(rgb, t_ms)
            except Exception as exc:  # noqa: BLE001 - reported on the page; the stream must survive
                with self._state_lock:
                    if len(self._errors) < 20:
                        self._errors.append(f"{type(exc).__name__}: {exc}")
                return rgb
            done = self._clock()
            with self._state_lock:
                self._frames += 1
                self._frames_with_pose += int(bool(out.verdict and out.verdict.pose_found))
                self._verdict = out.verdict
                self._proc_ms.append((done - start) * 1000)
                self._done_at.append(done)
                self._frame_size = (int(rgb.shape[1]), int(rgb.shape[0]))
                if self._first_at is None:
                    self._first_at = done
            return out.annotated_rgb

    # --- page script ----------------------------------------------------------------

    def snapshot(self) -> LiveSnapshot:
        with self._state_lock:
            proc = list(self._proc_ms)
            done = list(self._done_at)
            now = self._clock()
            fps = None
            if len(done) >= 2 and done[-1] > done[0]:
                fps = (len(done) - 1) / (done[-1] - done[0])
            return LiveSnapshot(
                frames=self._frames,
                frames_with_pose=self._frames_with_pose,
                verdict=self._verdict,
                proc_ms_median=statistics.median(proc) if proc else None,
                proc_ms_p95=_percentile(proc, 95) if proc else None,
                fps=fps,
                frame_size=self._frame_size,
                since_first_frame_s=(now - self._first_at) if self._first_at is not None else None,
                errors=tuple(self._errors) + ((self._load_error,) if self._load_error else ()),
                loading=self._session is None and self._load_error is None,
                skipped=self._skipped,
            )

    def has_session(self) -> bool:
        with self._state_lock:
            return self._frames > 0

    def finish(self) -> dict[str, Any] | None:
        """End the session: its summary (report.json shape), or None if no frame was processed.

        The board is then empty; the next frame starts a new session. The
        pipeline (and its loaded model) is kept, reset, and its clock keeps
        running so timestamps still increase.
        """
        with self._run_lock:
            session, frames = self._session, self._frames
            summary = session.summary() if session is not None and frames > 0 else None
            if session is not None:
                session.reset()
            with self._state_lock:
                self._reset_stats()
            return summary


def _percentile(values: list[float], pct: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=float), pct))


def video_frame_callback(board: LiveBoard) -> Callable[[Any], Any]:
    """A streamlit-webrtc ``video_frame_callback`` feeding ``board``: av.VideoFrame in, out.

    It runs on the WebRTC worker thread and touches nothing but the board.
    """
    import av

    def callback(frame: av.VideoFrame) -> av.VideoFrame:
        out = av.VideoFrame.from_ndarray(board.process(frame.to_ndarray(format="rgb24")), format="rgb24")
        if frame.pts is not None and frame.time_base is not None:
            out.pts, out.time_base = frame.pts, frame.time_base
        return out

    return callback

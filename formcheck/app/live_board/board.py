"""The board: one per browser session, composing the pieces of this package."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from .clock import StreamClock
from .loader import SessionLoader
from .overlay import Overlay
from .protocol import SessionLike
from .stats import LiveSnapshot, LiveStats
from .worker import Worker

__all__ = ["MAX_WAIT_S", "STALE_AFTER_S", "LiveBoard"]

#: A frame that waited longer than this before processing is dropped (about 1.5 frames at 30 fps).
STALE_AFTER_S = 0.050
#: The frame callback waits this long for the model, then sends the frame on with the last overlay.
MAX_WAIT_S = 0.025


class LiveBoard:
    """One per browser session: owns the pipeline session and its latest results.

    ``session_factory`` builds the pipeline session (loading the model) on a
    background thread, started by :meth:`warm_up` or by the first frame. Until
    it is ready, frames go back unprocessed: the video thread never waits for a
    model to load (streamlit-webrtc gives up on a callback that takes > 10 s).

    The model runs on this board's own inference thread, never on the thread
    that calls :meth:`process` (in the app: the server's event loop, which also
    moves every video packet). :meth:`process` hands a frame over, waits up to
    ``max_wait_s`` for the result and otherwise returns the frame with the
    last overlay painted on; a result that comes later is painted on the
    following frames. A frame that comes while the model is still busy, or
    whose capture time (see :meth:`capture_time`) is more than
    ``stale_after_s`` behind the clock, is dropped: not run through the model.
    ``max_wait_s=math.inf`` with ``stale_after_s=math.inf`` processes every
    frame in turn, queueing them when the model is slow.

    Each piece guards its own state; the board's two locks only order whole
    operations: :meth:`configure` and :meth:`finish` wait for the frame being
    handed over and for the model to finish the frame it is running.
    """

    def __init__(self, session_factory: Callable[[], SessionLike], *, clock: Callable[[], float] = time.monotonic,
                 stale_after_s: float = STALE_AFTER_S, max_wait_s: float = MAX_WAIT_S):
        self._clock = clock
        self.stale_after_s = stale_after_s
        self.max_wait_s = max_wait_s
        self._run_lock = threading.Lock()  # held while the frame callback handles a frame
        self._infer_lock = threading.Lock()  # held while the pipeline session runs (or is reset)
        self._loader = SessionLoader(session_factory)
        self._stream = StreamClock(clock)  # belongs to the stream, not the session: kept by finish()
        self._worker: Worker[np.ndarray | None] = Worker()
        self._stats = LiveStats(clock)
        self._overlay = Overlay()
        self._t0: float | None = None  # the session's first frame, under _run_lock: timestamps count from it

    def configure(self, session_factory: Callable[[], SessionLike]) -> None:
        """Use a new pipeline (exercise, model or side changed); drops the current session unsaved."""
        with self._run_lock, self._infer_lock:
            self._loader.configure(session_factory)
            self._t0 = None
            self._stats.reset()
            self._overlay.clear()

    def warm_up(self) -> None:
        """Start building the pipeline session in the background (idempotent)."""
        self._loader.warm_up()

    def ready(self) -> bool:
        return self._loader.session() is not None

    def wait_ready(self, timeout_s: float) -> bool:
        """Block until the session is built (for tests and scripts); False on timeout or failure."""
        return self._loader.wait_ready(timeout_s)

    # --- video thread -------------------------------------------------------------

    def capture_time(self, stream_time_s: float | None) -> float | None:
        """This board's clock reading at which a frame stamped ``stream_time_s`` would have
        arrived had nothing delayed it (see :meth:`StreamClock.capture_time`)."""
        return self._stream.capture_time(stream_time_s)

    def send_time(self) -> float | None:
        """The stream's clock now, for the frame about to go back (see :meth:`StreamClock.send_time`)."""
        return self._stream.send_time()

    def process(self, rgb: np.ndarray, captured_at: float | None = None) -> np.ndarray:
        """Run one camera frame through the pipeline; returns the frame to send back.

        ``captured_at`` (:meth:`capture_time`, or any reading of this board's
        clock when the frame was captured): a frame that has already waited
        longer than ``stale_after_s`` is dropped: it goes back with the last
        overlay painted on it, without inference, so a backlog drains instead of
        growing. So does a frame that comes while the model is still busy with
        an earlier one. ``captured_at`` also goes to the pipeline, so its latency
        figure covers the wait.

        Timestamps are this board's monotonic clock since the session's first
        frame, so they always increase, even across a STOP/START of the stream.
        An error in the pipeline is recorded and the frame passed through, so
        the stream keeps running and the page can say what went wrong.
        """
        with self._run_lock:
            session = self._loader.session()
            if session is None:
                self._stats.skipped()
                self._loader.warm_up()
                return rgb  # still loading: passed back unprocessed, never waited on
            start = self._clock()
            if (captured_at is not None and start - captured_at > self.stale_after_s) or self._worker.busy():
                self._stats.dropped()
                return self._overlay.paint(rgb)
            if self._t0 is None:
                self._t0 = start
            t_ms = round((start - self._t0) * 1000)
            job = self._worker.submit(partial(self._infer, session, rgb, t_ms, start, captured_at))
            if job.wait(self.max_wait_s) and job.result is not None:
                return job.result
            return self._overlay.paint(rgb)  # the model is slow (or failed): its result shows on later frames

    def _infer(self, session: SessionLike, rgb: np.ndarray, t_ms: int, start: float,
               captured_at: float | None) -> np.ndarray | None:
        """Inference thread: one frame through the session; the annotated frame, or None on failure."""
        with self._infer_lock:
            if self._loader.session() is not session:
                return None  # reconfigured meanwhile
            try:
                out = session.process(rgb, t_ms, captured_at=captured_at if captured_at is not None else start)
            except Exception as exc:  # noqa: BLE001 - reported on the page; the stream must survive
                self._stats.failed(exc)
                return None
            done = self._clock()
            self._overlay.keep(rgb, out.annotated_rgb)
            self._stats.processed(rgb, out.verdict, start, done, captured_at)
            return out.annotated_rgb

    # --- page script ----------------------------------------------------------------

    def snapshot(self) -> LiveSnapshot:
        loading, load_error = self._loader.status()
        return self._stats.snapshot(loading=loading, load_error=load_error)

    def has_session(self) -> bool:
        return self._stats.frames > 0

    def finish(self) -> dict[str, Any] | None:
        """End the session: its summary (report.json shape), or None if no frame was processed.

        The board is then empty; the next frame starts a new session. The
        pipeline (and its loaded model) is kept, reset, and its clock keeps
        running so timestamps still increase.
        """
        with self._run_lock, self._infer_lock:
            session = self._loader.session()
            summary = session.summary() if session is not None and self._stats.frames > 0 else None
            if session is not None:
                session.reset()
            self._stats.reset()
            self._overlay.clear()
            return summary

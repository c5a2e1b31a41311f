"""The lock-guarded link between a browser video thread and the page that shows it.

The page runs streamlit-webrtc with ``async_processing=False``: the frame
callback runs in the server's event loop, and each returned frame is sent at
once (async processing sends a result only when the *next* camera frame
arrives, one or two frame intervals later). In that mode nothing drops frames
for us, and a callback that runs the model itself holds the event loop that
also moves every video packet: with a model slower than the camera, frames
queue and latency grows without bound (measured: 2.5-3 s after 12 s).

So the board runs the model on its own inference thread. The callback hands a
frame over and waits at most ``MAX_WAIT_S`` for the annotated result; if the
model is slower, the frame goes back with the last overlay painted on it and
the result shows on the next frames. A frame that arrives while the model is
busy, or that already waited longer than ``STALE_AFTER_S`` (its own timestamp
mapped to this clock by :meth:`LiveBoard.capture_time`), is dropped: it skips
the model and goes straight back, so a backlog drains instead of growing. The
dropped frames are counted.

The page script polls :meth:`LiveBoard.snapshot` to show counters and stats.
Nothing here imports Streamlit, so it is tested without it.
"""

from __future__ import annotations

import inspect
import math
import statistics
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from ..core.verdict import FrameVerdict

__all__ = ["LiveBoard", "LiveSnapshot", "SessionLike", "MAX_WAIT_S", "NO_FRAME_RETRY_S", "STALE_AFTER_S",
           "video_frame_callback"]

#: No processed frame this long after START: tell the person to press STOP, then START.
NO_FRAME_RETRY_S = 6.0
_STATS_WINDOW = 120  # frames kept for latency percentiles and throughput
#: A frame that waited longer than this before processing is dropped (about 1.5 frames at 30 fps).
STALE_AFTER_S = 0.050
#: The frame callback waits this long for the model, then sends the frame on with the last overlay.
MAX_WAIT_S = 0.025
_WORKER_IDLE_S = 10.0  # the inference thread ends after this long without a frame
#: How fast the "not waiting" baseline may rise (s per s): follows clock drift between browser and
#: server (well under 0.1 ms/s), never a backlog growing by a frame's wait at a time.
_BASELINE_CREEP = 0.002
_RESYNC_S = 1.0  # a timestamp jumping this much further than the wall clock, or a pause this long: a new stream


class _FrameLike(Protocol):
    annotated_rgb: np.ndarray
    verdict: FrameVerdict | None
    latency_ms: float


class SessionLike(Protocol):
    """What :class:`formcheck.session.live.LiveSession` offers (and a test stub can fake)."""

    def process(self, rgb: np.ndarray, t_ms: int, captured_at: float | None = None) -> _FrameLike: ...

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
    dropped: int = 0  # frames sent back without inference: stale, or the model still busy with an earlier one
    wait_ms_median: float | None = None  # time a processed frame waited before processing
    wait_ms_p95: float | None = None

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
    """

    def __init__(self, session_factory: Callable[[], SessionLike], *, clock: Callable[[], float] = time.monotonic,
                 stale_after_s: float = STALE_AFTER_S, max_wait_s: float = MAX_WAIT_S):
        self._factory = session_factory
        self._clock = clock
        self.stale_after_s = stale_after_s
        self.max_wait_s = max_wait_s
        self._takes_capture_time = False
        self._run_lock = threading.Lock()  # held while the frame callback handles a frame
        self._infer_lock = threading.Lock()  # held while the pipeline session runs (or is reset)
        self._worker = _Worker(self._infer)
        self._state_lock = threading.Lock()  # held only to copy numbers in or out
        self._session: SessionLike | None = None
        self._loader: threading.Thread | None = None
        self._load_error: str | None = None
        self._t0: float | None = None
        self._reset_stats()
        self._reset_capture_clock()  # belongs to the stream, not the session: kept by finish()

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
        self._dropped = 0  # stale frames passed back without inference
        self._wait_ms: deque[float] = deque(maxlen=_STATS_WINDOW)
        # the newest processed frame before and after drawing, and the pixels drawn (found on first use)
        self._overlay: tuple[np.ndarray, np.ndarray, np.ndarray | None] | None = None

    def _reset_capture_clock(self) -> None:
        self._baseline: float | None = None  # least (arrival - stream time) seen, rising only slowly
        self._last_stamp: tuple[float, float] | None = None  # (stream time, arrival) of the newest frame
        self._last_sent: float | None = None  # stream time given to the newest frame sent back

    def configure(self, session_factory: Callable[[], SessionLike]) -> None:
        """Use a new pipeline (exercise, model or side changed); drops the current session unsaved."""
        with self._run_lock, self._infer_lock, self._state_lock:
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
                self._takes_capture_time = _accepts(session.process, "captured_at")

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

    def capture_time(self, stream_time_s: float | None) -> float | None:
        """This board's clock reading at which a frame stamped ``stream_time_s`` (the
        frame's own timestamp, ``av.VideoFrame.time``) would have arrived had nothing
        delayed it; None for a frame without a timestamp.

        The stream's clock and this one differ by an unknown offset plus transport
        delay, so the baseline is the smallest (arrival - stream time) seen: a frame
        that did not wait. Call it as the frame comes in. The baseline rises by at
        most 2 ms a second, enough to follow drift between the two clocks but not a
        backlog (frames delayed more and more, e.g. packets left unread while the
        server's event loop runs the model), which then shows as stale frames. A
        timestamp going backwards or jumping much further than the wall clock, or a
        pause of over a second (a new stream after STOP/START), starts a new baseline.
        """
        if stream_time_s is None:
            return None
        now = self._clock()
        offset = now - stream_time_s
        with self._state_lock:
            last = self._last_stamp
            if last is not None:
                ahead = (stream_time_s - last[0]) - (now - last[1])
                if stream_time_s < last[0] or ahead > _RESYNC_S or now - last[1] > _RESYNC_S:
                    self._baseline = self._last_sent = None  # a new stream
            if self._baseline is None:
                self._baseline = offset
            else:
                self._baseline = min(offset, self._baseline + _BASELINE_CREEP * (now - last[1]))
            self._last_stamp = (stream_time_s, now)
            return stream_time_s + self._baseline

    def send_time(self) -> float | None:
        """The current time on the stream's clock, for the frame about to go back (None before
        :meth:`capture_time` has seen a timestamp); strictly increasing within a stream.

        A processed frame stamped with its capture time leaves 10-40 ms later than
        its stamp says, by a varying amount; the browser's jitter buffer then waits
        for the worst case on every frame. Stamped with the time it leaves, it is
        shown as soon as it arrives.
        """
        now = self._clock()
        with self._state_lock:
            if self._baseline is None:
                return None
            t = now - self._baseline
            if self._last_sent is not None:
                t = max(t, self._last_sent + 1e-4)
            self._last_sent = t
            return t

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
            with self._state_lock:
                session = self._session
                if session is None:
                    self._skipped += 1
            if session is None:
                self.warm_up()
                return rgb  # still loading: passed back unprocessed, never waited on
            start = self._clock()
            if (captured_at is not None and start - captured_at > self.stale_after_s) or self._worker.busy():
                with self._state_lock:
                    self._dropped += 1
                return self._repaint(rgb)
            if self._t0 is None:
                self._t0 = start
            t_ms = int(round((start - self._t0) * 1000))
            job = self._worker.submit(session, rgb, t_ms, start, captured_at)
            if job.wait(self.max_wait_s) and job.result is not None:
                return job.result
            return self._repaint(rgb)  # the model is slow (or failed): its result shows on later frames

    def _infer(self, session: SessionLike, rgb: np.ndarray, t_ms: int, start: float,
               captured_at: float | None) -> np.ndarray | None:
        """Inference thread: one frame through the session; the annotated frame, or None on failure."""
        with self._infer_lock:
            if self._session is not session:
                return None  # reconfigured meanwhile
            try:
                if self._takes_capture_time:
                    out = session.process(rgb, t_ms, captured_at=captured_at if captured_at is not None else start)
                else:
                    out = session.process(rgb, t_ms)
            except Exception as exc:  # noqa: BLE001 - reported on the page; the stream must survive
                with self._state_lock:
                    if len(self._errors) < 20:
                        self._errors.append(f"{type(exc).__name__}: {exc}")
                return None
            done = self._clock()
            with self._state_lock:
                self._overlay = (rgb, out.annotated_rgb, None)
                self._frames += 1
                self._frames_with_pose += int(bool(out.verdict and out.verdict.pose_found))
                self._verdict = out.verdict
                self._proc_ms.append((done - start) * 1000)
                if captured_at is not None:
                    self._wait_ms.append(max(0.0, start - captured_at) * 1000)
                self._done_at.append(done)
                self._frame_size = (int(rgb.shape[1]), int(rgb.shape[0]))
                if self._first_at is None:
                    self._first_at = done
            return out.annotated_rgb

    def _repaint(self, rgb: np.ndarray) -> np.ndarray:
        """``rgb`` with the newest overlay's pixels painted on (no flicker while dropping)."""
        with self._state_lock:
            overlay = self._overlay
        if overlay is None:
            return rgb
        before, after, mask = overlay
        if after.shape != rgb.shape or before.shape != after.shape:
            return rgb
        if mask is None:
            mask = np.any(before != after, axis=2)
            with self._state_lock:
                if self._overlay is overlay:
                    self._overlay = (before, after, mask)
        out = rgb.copy()
        out[mask] = after[mask]
        return out

    # --- page script ----------------------------------------------------------------

    def snapshot(self) -> LiveSnapshot:
        with self._state_lock:
            proc = list(self._proc_ms)
            wait = list(self._wait_ms)
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
                dropped=self._dropped,
                wait_ms_median=statistics.median(wait) if wait else None,
                wait_ms_p95=_percentile(wait, 95) if wait else None,
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
        with self._run_lock, self._infer_lock:
            session, frames = self._session, self._frames
            summary = session.summary() if session is not None and frames > 0 else None
            if session is not None:
                session.reset()
            with self._state_lock:
                self._reset_stats()
            return summary


class _Job:
    def __init__(self, args: tuple[Any, ...]) -> None:
        self.args = args
        self.result: Any = None
        self.done = threading.Event()

    def wait(self, timeout_s: float) -> bool:
        return self.done.wait(None if math.isinf(timeout_s) else timeout_s)


class _Worker:
    """One daemon thread running ``fn`` on one job at a time. Started on first use, it ends after
    ``_WORKER_IDLE_S`` without work, so a board (and its model) left behind by a closed browser
    tab is not kept alive by its thread."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self._fn = fn
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._next: _Job | None = None
        self._current: _Job | None = None
        self._thread: threading.Thread | None = None

    def busy(self) -> bool:
        with self._lock:
            return self._next is not None or (self._current is not None and not self._current.done.is_set())

    def submit(self, *args: Any) -> _Job:
        job = _Job(args)
        with self._lock:
            self._next = job
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="formcheck-live-inference", daemon=True)
                self._thread.start()
            self._wake.notify()
        return job

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._wake.wait_for(lambda: self._next is not None, timeout=_WORKER_IDLE_S):
                    self._thread = None  # the next submit starts a new one
                    return
                job, self._next = self._next, None
                self._current = job
            try:
                job.result = self._fn(*job.args)
            except BaseException:  # noqa: BLE001 - the thread must survive; _fn records its own errors
                job.result = None
            finally:
                job.done.set()


def _accepts(fn: Callable[..., Any], name: str) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def _percentile(values: list[float], pct: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=float), pct))


def video_frame_callback(board: LiveBoard) -> Callable[[Any], Any]:
    """A streamlit-webrtc ``video_frame_callback`` feeding ``board``: av.VideoFrame in, out.

    It runs in the WebRTC receive path and touches nothing but the board. Each
    frame's timestamp is mapped to a capture time as it comes in, so a frame
    that waited behind a slow one is dropped (see :class:`LiveBoard`), and the
    frame going back is stamped with the time it leaves (:meth:`LiveBoard.send_time`).
    """
    import av

    def callback(frame: av.VideoFrame) -> av.VideoFrame:
        timed = frame.pts is not None and frame.time_base is not None
        captured_at = board.capture_time(frame.time) if timed else None
        rgb = board.process(frame.to_ndarray(format="rgb24"), captured_at)
        out = av.VideoFrame.from_ndarray(rgb, format="rgb24")
        if timed:
            sent = board.send_time()
            if sent is not None:
                # streamlit-webrtc's sync track copies the input frame's pts onto the output
                frame.pts = max(frame.pts, int(round(sent / frame.time_base)))
            out.pts, out.time_base = frame.pts, frame.time_base
        return out

    return callback

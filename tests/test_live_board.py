"""LiveBoard: the link between the WebRTC frame thread and the live page, and each of its pieces."""

from __future__ import annotations

import dataclasses
import inspect
import math
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from formcheck.app.live_board import (
    MAX_WAIT_S,
    STALE_AFTER_S,
    FrameLike,
    LiveBoard,
    LiveSnapshot,
    SessionLike,
    video_frame_callback,
)
from formcheck.app.live_board.clock import StreamClock
from formcheck.app.live_board.overlay import Overlay
from formcheck.app.live_board.stats import LiveStats
from formcheck.app.live_board.worker import Worker
from formcheck.core.verdict import FrameVerdict
from formcheck.session.live import LiveFrame, LiveSession

WAIT_S = 5.0  # how long a test waits for an event that should come at once: only a hang reaches it


@dataclass(frozen=True)
class Frame:
    annotated_rgb: np.ndarray
    verdict: FrameVerdict


class Session:
    """All of :class:`SessionLike`: counts frames as reps and records what it was given.
    ``hold`` keeps it inside :meth:`process` until set; ``entered`` and ``left`` tell when
    it went in and came out."""

    instances = 0

    def __init__(self, delay_s: float = 0.0, fail_at: int | None = None,
                 hold: threading.Event | None = None) -> None:
        Session.instances += 1
        self.delay_s, self.fail_at, self.hold = delay_s, fail_at, hold
        self.entered, self.left = threading.Event(), threading.Event()
        self.t_ms: list[int] = []
        self.captured_at: list[float | None] = []

    def process(self, rgb: np.ndarray, t_ms: int, captured_at: float | None = None) -> Frame:
        self.entered.set()
        try:
            if self.hold is not None:
                assert self.hold.wait(WAIT_S)
            self.captured_at.append(captured_at)
            if self.fail_at is not None and len(self.t_ms) == self.fail_at:
                self.t_ms.append(t_ms)
                raise RuntimeError("model exploded")
            time.sleep(self.delay_s)
            self.t_ms.append(t_ms)
            verdict = FrameVerdict(t_ms=t_ms, pose_found=True, setup_ok=True, view="side", side="left",
                                   phase="hold", reps={"left": len(self.t_ms)}, hold_s={"left": 0.5})
            return Frame(rgb + 1, verdict)
        finally:
            self.left.set()

    def summary(self) -> dict[str, Any]:
        return {"exercise": "squat", "frames": len(self.t_ms), "duration_s": 1.0,
                "sides": {"left": {"reps": len(self.t_ms), "partial_reps": 0, "hold_s": 0.5}}}

    def reset(self) -> None:
        self.t_ms.clear()


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        self.now += 0.010  # every reading advances 10 ms
        return self.now


class ManualClock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


def ready_board(session: SessionLike, clock: Clock | ManualClock | None = None, **kwargs: float) -> LiveBoard:
    board = LiveBoard(lambda: session, clock=clock or time.monotonic, **kwargs)
    assert board.wait_ready(WAIT_S)
    return board


RGB = np.zeros((4, 6, 3), np.uint8)


# --- the protocol ---------------------------------------------------------------------------------


def _members(protocol: type) -> list[str]:
    return [name for name in vars(protocol) if not name.startswith("_")]


@pytest.mark.parametrize("session_class", [LiveSession, Session])
def test_sessions_implement_the_whole_protocol(session_class: type) -> None:
    """The real session and the stub offer every method the board calls, with the same
    parameters: the board never adapts to a smaller interface."""
    assert _members(SessionLike) == ["process", "summary", "reset"]
    for name in _members(SessionLike):
        wanted = inspect.signature(getattr(SessionLike, name)).parameters
        assert inspect.signature(getattr(session_class, name)).parameters == wanted, name


@pytest.mark.parametrize("frame_class", [LiveFrame, Frame])
def test_frames_carry_what_the_board_reads(frame_class: type) -> None:
    assert set(_members(FrameLike)) == {"annotated_rgb", "verdict"}
    assert set(_members(FrameLike)) <= {f.name for f in dataclasses.fields(frame_class)}


# --- the stream clock -----------------------------------------------------------------------------


def test_stream_clock_maps_stream_timestamps_to_the_board_clock() -> None:
    clock = ManualClock()
    stream = StreamClock(clock)
    ms = pytest.approx
    assert stream.send_time() is None  # no timestamp seen yet
    clock.now = 50.100
    assert stream.capture_time(7.000) == ms(50.100, abs=1e-4)  # first frame: its arrival
    clock.now = 50.140
    assert stream.capture_time(7.033) == ms(50.133, abs=1e-4)  # 7 ms more transport delay than the first
    clock.now = 50.160
    assert stream.capture_time(7.066) == ms(50.160, abs=1e-4)  # less delay than the first: the new baseline
    clock.now = 50.400  # a frame that waited behind a slow one keeps its capture time
    assert stream.capture_time(7.100) == ms(50.194, abs=1e-3)
    clock.now = 50.433  # new stream (STOP/START): timestamps restart, a new baseline
    assert stream.capture_time(0.000) == ms(50.433, abs=1e-4)
    clock.now = 50.466
    assert stream.capture_time(5000.0) == ms(50.466, abs=1e-4)  # jumped far ahead of the wall clock: new
    assert stream.capture_time(None) is None
    clock.now = 50.500
    assert stream.send_time() == ms(5000.034, abs=1e-4)  # the clock now, on the stream's clock
    assert stream.send_time() > 5000.034  # strictly increasing, even without the clock moving
    clock.now = 52.000
    assert stream.capture_time(5000.100) == ms(52.000, abs=1e-4)  # over a second without frames: new
    clock.now = 52.040
    assert stream.capture_time(5000.133) == ms(52.033, abs=1e-4)


def test_a_slowly_growing_backlog_is_not_mistaken_for_the_baseline() -> None:
    """Frames arriving later and later (a backlog growing by 100 ms a second, say packets left
    unread while the model runs) show as stale; slow drift between the clocks (0.1 ms/s) does not."""
    for growth, stale in ((0.100, True), (0.0001, False)):
        clock = ManualClock()
        stream = StreamClock(clock)
        for k in range(300):  # 10 s at 30 fps
            clock.now = 50.0 + k / 30 * (1 + growth)
            captured = stream.capture_time(k / 30)
        assert (clock.now - captured > STALE_AFTER_S) is stale, (growth, clock.now - captured)


def test_the_board_keeps_the_stream_clock_across_sessions() -> None:
    """The mapping belongs to the stream: ending a session or changing the exercise keeps it."""
    clock = ManualClock()
    board = ready_board(Session(), clock)
    clock.now = 52.000
    assert board.capture_time(5000.100) == pytest.approx(52.000, abs=1e-4)
    board.finish()
    clock.now = 52.040
    assert board.capture_time(5000.133) == pytest.approx(52.033, abs=1e-3)  # 7 ms late: same baseline
    board.configure(lambda: Session())
    clock.now = 52.080
    assert board.capture_time(5000.166) == pytest.approx(52.066, abs=1e-3)  # 14 ms late: same baseline
    assert board.send_time() == pytest.approx(5000.180, abs=1e-3)


# --- the inference thread -------------------------------------------------------------------------


def test_worker_runs_the_newest_waiting_job() -> None:
    """While a job runs, a newer job replaces the one waiting, which finishes without a result."""
    worker: Worker[str] = Worker()
    running, release = threading.Event(), threading.Event()
    ran: list[str] = []

    def blocking() -> str:
        running.set()
        assert release.wait(WAIT_S)
        ran.append("first")
        return "first"

    def task(name: str) -> Callable[[], str]:
        def run() -> str:
            ran.append(name)
            return name
        return run

    assert not worker.busy()
    first = worker.submit(blocking)
    assert running.wait(WAIT_S) and worker.busy()
    older = worker.submit(task("older"))
    newest = worker.submit(task("newest"))
    assert older.wait(0) and older.result is None  # replaced: finished at once, never run
    release.set()
    assert first.wait(WAIT_S) and first.result == "first"
    assert newest.wait(WAIT_S) and newest.result == "newest"
    assert ran == ["first", "newest"] and not worker.busy()


def test_worker_survives_a_failing_task() -> None:
    worker: Worker[int] = Worker()

    def boom() -> int:
        raise RuntimeError("model exploded")

    failed = worker.submit(boom)
    assert failed.wait(WAIT_S) and failed.result is None
    after = worker.submit(lambda: 2)
    assert after.wait(WAIT_S) and after.result == 2


def test_worker_thread_ends_when_idle() -> None:
    worker: Worker[int] = Worker(idle_s=0.05)
    assert worker.thread is None  # started on first use
    assert worker.submit(lambda: 1).wait(WAIT_S)
    thread = worker.thread
    assert thread is not None
    thread.join(WAIT_S)
    assert not thread.is_alive() and worker.thread is None  # a board left behind is not kept alive by it
    job = worker.submit(lambda: 2)  # the next job starts a new one
    assert job.wait(WAIT_S) and job.result == 2 and worker.thread is not thread


# --- the overlay ----------------------------------------------------------------------------------


def test_overlay_paints_only_the_pixels_drawing_changed() -> None:
    overlay = Overlay()
    frame = np.full((4, 6, 3), 3, np.uint8)
    assert overlay.paint(frame) is frame  # nothing drawn yet
    before = np.zeros((4, 6, 3), np.uint8)
    after = before.copy()
    after[1, 2] = (255, 0, 0)
    overlay.keep(before, after)
    out = overlay.paint(frame)
    assert out is not frame and (frame == 3).all()  # a copy: the incoming frame is left alone
    assert (out[1, 2] == (255, 0, 0)).all()
    out[1, 2] = 3
    assert (out == 3).all()  # every other pixel is the new frame's
    assert overlay.paint(np.zeros((8, 8, 3), np.uint8)).shape == (8, 8, 3)  # another size: passed as is
    overlay.clear()
    assert overlay.paint(frame) is frame


# --- the statistics -------------------------------------------------------------------------------


def test_stats_count_one_session() -> None:
    clock = ManualClock()
    stats = LiveStats(clock)
    verdict = FrameVerdict(t_ms=0, pose_found=False, setup_ok=True, view="side", side="left", phase="hold")
    stats.processed(RGB, verdict, start=10.000, done=10.020, captured_at=9.990)
    stats.processed(RGB, verdict, start=10.100, done=10.140, captured_at=None)
    stats.skipped()
    stats.dropped()
    stats.dropped()
    for k in range(25):
        stats.failed(ValueError(k))
    clock.now = 11.020
    snap = stats.snapshot(loading=False, load_error="OSError: no model")
    assert (snap.frames, snap.frames_with_pose, snap.skipped, snap.dropped) == (2, 0, 1, 2)
    assert snap.proc_ms_median == pytest.approx(30.0) and snap.fps == pytest.approx(1 / 0.120)
    assert snap.wait_ms_median == pytest.approx(10.0)  # only frames with a capture time waited
    assert snap.since_first_frame_s == pytest.approx(1.0) and snap.frame_size == (6, 4)
    assert len(snap.errors) == 21 and snap.errors[0] == "ValueError: 0"  # at most 20 of the pipeline's
    assert snap.errors[-1] == "OSError: no model" and not snap.loading
    stats.reset()
    assert stats.frames == 0 and stats.snapshot(loading=True, load_error=None) == LiveSnapshot(loading=True)


# --- the board ------------------------------------------------------------------------------------


def test_frames_pass_unprocessed_until_the_session_is_built() -> None:
    gate = threading.Event()
    session = Session()

    def slow_factory() -> Session:
        gate.wait(WAIT_S)
        return session

    board = LiveBoard(slow_factory)
    out = board.process(RGB)  # starts loading, does not wait for it
    assert out is RGB and not board.ready()
    snap = board.snapshot()
    assert snap.loading and snap.skipped == 1 and snap.frames == 0
    gate.set()
    assert board.wait_ready(WAIT_S) and board.ready()
    assert (board.process(RGB) == 1).all()
    snap = board.snapshot()
    assert not snap.loading and snap.frames == 1 and snap.reps == 1 and snap.hold_s == 0.5


def test_snapshot_stats_and_increasing_timestamps() -> None:
    session = Session()
    board = ready_board(session, Clock())
    for _ in range(5):
        board.process(RGB)
    snap = board.snapshot()
    assert snap.frames == 5 and snap.frames_with_pose == 5
    assert snap.frame_size == (6, 4)
    assert snap.proc_ms_median == pytest.approx(10.0)
    assert snap.proc_ms_p95 == pytest.approx(10.0)
    assert snap.fps == pytest.approx(50.0)  # one frame per two clock readings of 10 ms
    assert session.t_ms == sorted(session.t_ms) and session.t_ms[0] == 0


def test_finish_returns_summary_once_and_keeps_the_model() -> None:
    session = Session()
    board = ready_board(session, Clock())
    assert board.finish() is None  # nothing processed: nothing to save
    board.process(RGB)
    board.process(RGB)
    assert board.has_session()
    assert board.finish()["frames"] == 2
    assert not board.has_session() and board.finish() is None
    t_before = session.t_ms
    board.process(RGB)
    assert board.snapshot().frames == 1
    assert session.t_ms[-1] > 0 and t_before is session.t_ms  # same session object, clock kept running


def test_configure_starts_a_fresh_session() -> None:
    Session.instances = 0
    board = ready_board(Session())
    board.process(RGB)
    board.configure(lambda: Session())
    assert board.snapshot().frames == 0
    assert board.wait_ready(WAIT_S)
    assert Session.instances == 2


def test_pipeline_error_is_reported_and_stream_survives() -> None:
    board = ready_board(Session(fail_at=1))
    board.process(RGB)
    out = board.process(RGB)  # the failing frame goes back with the last overlay
    assert out is not RGB and (out == 1).all()
    board.process(RGB)
    snap = board.snapshot()
    assert snap.errors == ("RuntimeError: model exploded",)
    assert snap.frames == 2


def test_factory_error_is_reported() -> None:
    def broken() -> Session:
        raise FileNotFoundError("model 'heavy' is not built")

    board = LiveBoard(broken)
    assert not board.wait_ready(WAIT_S)
    snap = board.snapshot()
    assert not snap.loading
    assert snap.errors == ("FileNotFoundError: model 'heavy' is not built",)


def test_snapshot_does_not_wait_for_the_model() -> None:
    """The page reads the board while the model is stuck inside a frame."""
    hold = threading.Event()
    session = Session(hold=hold)
    board = ready_board(session)
    board.process(RGB)  # returns after MAX_WAIT_S; the model keeps running
    assert session.entered.wait(WAIT_S)
    reader = threading.Thread(target=board.snapshot)
    reader.start()
    reader.join(WAIT_S)
    stuck, model_done = reader.is_alive(), session.left.is_set()
    hold.set()
    assert not stuck and not model_done  # read while the model was still inside the frame


def test_a_frame_arriving_while_the_model_is_busy_is_dropped() -> None:
    hold = threading.Event()
    session = Session(hold=hold)
    board = ready_board(session, max_wait_s=0.0, stale_after_s=math.inf)
    assert board.process(RGB) is RGB  # handed over; nothing drawn yet to paint on the frame going back
    assert session.entered.wait(WAIT_S)
    second = np.full((4, 6, 3), 7, np.uint8)
    assert board.process(second) is second  # the model is busy: dropped, not queued
    hold.set()
    assert session.left.wait(WAIT_S)
    assert len(session.t_ms) == 1 and board.snapshot().dropped == 1


def test_video_frame_callback_keeps_timing() -> None:
    import av

    board = ready_board(Session())
    callback = video_frame_callback(board)
    frame = av.VideoFrame.from_ndarray(np.zeros((8, 8, 3), np.uint8), format="rgb24")
    frame.pts, frame.time_base = 9000, Fraction(1, 90000)
    out = callback(frame)
    assert out.time_base == Fraction(1, 90000)
    assert 9000 <= out.pts < 9000 + 90 * 50  # stamped with the time it leaves, on the stream's clock
    assert frame.pts == out.pts  # streamlit-webrtc's sync track copies the input's pts onto the output
    assert (out.to_ndarray(format="rgb24") == 1).all()
    later = av.VideoFrame.from_ndarray(np.zeros((8, 8, 3), np.uint8), format="rgb24")
    later.pts, later.time_base = 9000 + 3000, Fraction(1, 90000)
    assert callback(later).pts > out.pts
    bare = av.VideoFrame.from_ndarray(np.zeros((8, 8, 3), np.uint8), format="rgb24")
    assert callback(bare).pts is None  # frames without timing pass too


def test_stale_frame_is_dropped_with_the_last_overlay_painted_on() -> None:
    clock = ManualClock()
    session = Session()
    board = ready_board(session, clock)
    rgb = np.zeros((4, 6, 3), np.uint8)
    drawn = board.process(rgb, captured_at=clock.now - 0.010)  # fresh: processed
    assert (drawn == 1).all() and session.captured_at == [pytest.approx(clock.now - 0.010)]
    late = np.full((4, 6, 3), 7, np.uint8)
    out = board.process(late, captured_at=clock.now - STALE_AFTER_S - 0.001)
    assert len(session.t_ms) == 1  # no inference
    assert (out == 1).all()  # the overlay's pixels (here: all of them) repainted on the late frame
    snap = board.snapshot()
    assert snap.frames == 1 and snap.dropped == 1
    assert snap.wait_ms_median == pytest.approx(10.0)
    board.process(rgb)  # no capture time: processed, the pipeline gets the processing start
    assert session.captured_at[-1] == clock.now


def _run_camera(board: LiveBoard, seconds: float, fps: float = 30.0) -> tuple[list[float], list[np.ndarray], int]:
    """A camera at ``fps`` feeding a queue; one consumer pulls frames in order through the
    frame callback, as aiortc does in sync mode. Returns each returned frame's
    capture-to-return latency (s), the returned pictures, and the backlog left at the end."""
    import av

    frames: queue.Queue = queue.Queue()
    captured: dict[int, float] = {}
    stop = threading.Event()
    base = Fraction(1, 90000)

    def camera() -> None:
        start = time.monotonic()
        k = 0
        while not stop.is_set():
            time.sleep(max(0.0, start + k / fps - time.monotonic()))
            frame = av.VideoFrame.from_ndarray(np.zeros((16, 16, 3), np.uint8), format="rgb24")
            frame.pts, frame.time_base = round(k / fps * 90000), base
            captured[frame.pts] = time.monotonic()
            frames.put(frame)
            k += 1

    callback = video_frame_callback(board)
    cam = threading.Thread(target=camera, daemon=True)
    cam.start()
    latencies, pictures = [], []
    end = time.monotonic() + seconds
    try:
        while time.monotonic() < end:
            frame = frames.get(timeout=1.0)
            pts = frame.pts
            out = callback(frame)
            latencies.append(time.monotonic() - captured[pts])
            assert out.pts >= pts
            pictures.append(out.to_ndarray(format="rgb24"))
    finally:
        stop.set()
        cam.join()
    return latencies, pictures, frames.qsize()


def test_overloaded_pipeline_drops_stale_frames_instead_of_queueing() -> None:
    """A model slower than the camera (80 ms a frame at 30 fps): latency stays bounded, and the
    consumer (in the app: the server's event loop) is never held longer than ``MAX_WAIT_S``."""
    delay_s = 0.080
    board = ready_board(Session(delay_s=delay_s))
    latencies, pictures, backlog = _run_camera(board, 2.5)
    snap = board.snapshot()
    settled = latencies[len(latencies) // 3:]
    assert max(settled) < MAX_WAIT_S + 0.1, max(settled)  # a frame goes back within MAX_WAIT_S of arriving
    assert backlog <= 3
    assert snap.dropped > snap.frames / 2  # most frames skipped, as the model runs at ~12 fps
    assert 10 <= snap.frames <= 2.5 / delay_s + 1
    first = next(i for i, p in enumerate(pictures) if (p == 1).all())
    assert first <= 4 and all((p == 1).all() for p in pictures[first:])  # dropped frames keep the overlay
    assert snap.wait_ms_p95 is not None and snap.wait_ms_p95 <= STALE_AFTER_S * 1000 + 5


def test_without_dropping_the_same_overload_queues_frames() -> None:
    """The control for the test above: processing every frame in turn (what streamlit-webrtc's sync
    mode does with a plain callback) lets latency grow without bound."""
    board = ready_board(Session(delay_s=0.080), stale_after_s=math.inf, max_wait_s=math.inf)
    latencies, _, backlog = _run_camera(board, 2.5)
    assert board.snapshot().dropped == 0
    assert latencies[-1] > 0.5 and backlog > 10, (latencies[-1], backlog)

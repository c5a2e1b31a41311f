"""LiveBoard: the lock-guarded link between the WebRTC frame thread and the live page."""

from __future__ import annotations

import math
import queue
import threading
import time
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from formcheck.app.live_board import (
    MAX_WAIT_S,
    STALE_AFTER_S,
    LiveBoard,
    video_frame_callback,
)
from formcheck.core.verdict import FrameVerdict


class Frame:
    def __init__(self, rgb: np.ndarray, verdict: FrameVerdict) -> None:
        self.annotated_rgb, self.verdict, self.latency_ms = rgb, verdict, 0.0


class Session:
    """Counts frames as reps; records the timestamps it was given."""

    instances = 0

    def __init__(self, delay_s: float = 0.0, fail_at: int | None = None) -> None:
        Session.instances += 1
        self.delay_s, self.fail_at = delay_s, fail_at
        self.t_ms: list[int] = []
        self.captured_at: list[float | None] = []

    def process(self, rgb: np.ndarray, t_ms: int, captured_at: float | None = None) -> Frame:
        self.captured_at.append(captured_at)
        if self.fail_at is not None and len(self.t_ms) == self.fail_at:
            self.t_ms.append(t_ms)
            raise RuntimeError("model exploded")
        time.sleep(self.delay_s)
        self.t_ms.append(t_ms)
        out = rgb + 1
        verdict = FrameVerdict(t_ms=t_ms, pose_found=True, setup_ok=True, view="side", side="left",
                               phase="hold", reps={"left": len(self.t_ms)}, hold_s={"left": 0.5})
        return Frame(out, verdict)

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


def ready_board(session: Session, clock: Clock | None = None) -> LiveBoard:
    board = LiveBoard(lambda: session, clock=clock or time.monotonic)
    assert board.wait_ready(5.0)
    return board


RGB = np.zeros((4, 6, 3), np.uint8)


def test_frames_pass_unprocessed_until_the_session_is_built() -> None:
    gate = threading.Event()
    session = Session()

    def slow_factory() -> Session:
        gate.wait(5)
        return session

    board = LiveBoard(slow_factory)
    out = board.process(RGB)  # starts loading, does not wait for it
    assert out is RGB
    snap = board.snapshot()
    assert snap.loading and snap.skipped == 1 and snap.frames == 0
    gate.set()
    assert board.wait_ready(5.0)
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
    assert board.wait_ready(5.0)
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
    assert not board.wait_ready(5.0)
    snap = board.snapshot()
    assert not snap.loading
    assert snap.errors == ("FileNotFoundError: model 'heavy' is not built",)


def test_snapshot_does_not_wait_for_a_slow_frame() -> None:
    board = ready_board(Session(delay_s=0.5))
    worker = threading.Thread(target=board.process, args=(RGB,))
    worker.start()
    time.sleep(0.05)
    start = time.monotonic()
    board.snapshot()
    assert time.monotonic() - start < 0.1  # the page never blocks on the model
    worker.join()


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


class ManualClock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


def test_capture_time_maps_stream_timestamps_to_the_board_clock() -> None:
    clock = ManualClock()
    board = LiveBoard(lambda: Session(), clock=clock)
    ms = pytest.approx
    clock.now = 50.100
    assert board.capture_time(7.000) == ms(50.100, abs=1e-4)  # first frame: its arrival
    clock.now = 50.140
    assert board.capture_time(7.033) == ms(50.133, abs=1e-4)  # 7 ms more transport delay than the first
    clock.now = 50.160
    assert board.capture_time(7.066) == ms(50.160, abs=1e-4)  # less delay than the first: the new baseline
    clock.now = 50.400  # a frame that waited behind a slow one keeps its capture time
    assert board.capture_time(7.100) == ms(50.194, abs=1e-3)
    clock.now = 50.433  # new stream (STOP/START): timestamps restart, a new baseline
    assert board.capture_time(0.000) == ms(50.433, abs=1e-4)
    clock.now = 50.466
    assert board.capture_time(5000.0) == ms(50.466, abs=1e-4)  # jumped far ahead of the wall clock: new
    assert board.capture_time(None) is None
    clock.now = 50.500
    assert board.send_time() == ms(5000.034, abs=1e-4)  # the clock now, on the stream's clock
    assert board.send_time() > 5000.034  # strictly increasing, even without the clock moving
    clock.now = 52.000
    assert board.capture_time(5000.100) == ms(52.000, abs=1e-4)  # over a second without frames: new
    board.finish()  # ending the session keeps the stream's baseline
    clock.now = 52.040
    assert board.capture_time(5000.133) == ms(52.033, abs=1e-4)


def test_a_slowly_growing_backlog_is_not_mistaken_for_the_baseline() -> None:
    """Frames arriving later and later (a backlog growing by 100 ms a second, say packets left
    unread while the model runs) show as stale; slow drift between the clocks (0.1 ms/s) does not."""
    for growth, stale in ((0.100, True), (0.0001, False)):
        clock = ManualClock()
        board = LiveBoard(lambda: Session(), clock=clock)
        for k in range(300):  # 10 s at 30 fps
            clock.now = 50.0 + k / 30 * (1 + growth)
            captured = board.capture_time(k / 30)
        assert (clock.now - captured > STALE_AFTER_S) is stale, (growth, clock.now - captured)


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
            frame.pts, frame.time_base = int(round(k / fps * 90000)), base
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
    board = LiveBoard(lambda: Session(delay_s=0.080), stale_after_s=math.inf, max_wait_s=math.inf)
    assert board.wait_ready(5.0)
    latencies, _, backlog = _run_camera(board, 2.5)
    assert board.snapshot().dropped == 0
    assert latencies[-1] > 0.5 and backlog > 10, (latencies[-1], backlog)


def test_inference_thread_ends_when_idle(monkeypatch: pytest.MonkeyPatch) -> None:
    from formcheck.app import live_board

    monkeypatch.setattr(live_board, "_WORKER_IDLE_S", 0.05)
    board = ready_board(Session())
    assert (board.process(RGB) == 1).all()
    deadline = time.monotonic() + 5
    while board._worker._thread is not None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert board._worker._thread is None  # a board left behind is not kept alive by its thread
    assert (board.process(RGB) == 1).all()  # the next frame starts a new one
    assert board.snapshot().frames == 2

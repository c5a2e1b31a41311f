"""LiveBoard: the lock-guarded link between the WebRTC frame thread and the live page."""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np
import pytest

from formcheck.live_board import LiveBoard, video_frame_callback
from formcheck.verdict import FrameVerdict


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

    def process(self, rgb: np.ndarray, t_ms: int) -> Frame:
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
    assert board.process(RGB) is RGB  # the failing frame goes back as it came
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
    from fractions import Fraction

    board = ready_board(Session())
    callback = video_frame_callback(board)
    frame = av.VideoFrame.from_ndarray(np.zeros((8, 8, 3), np.uint8), format="rgb24")
    frame.pts, frame.time_base = 9000, Fraction(1, 90000)
    out = callback(frame)
    assert (out.pts, out.time_base) == (9000, Fraction(1, 90000))
    assert (out.to_ndarray(format="rgb24") == 1).all()
    bare = av.VideoFrame.from_ndarray(np.zeros((8, 8, 3), np.uint8), format="rgb24")
    assert callback(bare).pts is None  # frames without timing pass too

"""Live path: stale frames are dropped, and a live session counts what the offline analysis counts."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import numpy as np

from formcheck.io.camera import LatestFrameGrabber
from formcheck.io.video import Frame, VideoReader
from formcheck.session.live import LiveSession


def _frames(n, every_ms=10):
    for i in range(n):
        yield Frame(rgb=np.zeros((4, 4, 3), np.uint8), t_ms=i * every_ms, index=i)


def test_slow_consumer_gets_fresh_frames_and_stale_ones_are_dropped():
    grabber = LatestFrameGrabber(_frames(60), paced=True)  # a 100 fps "camera" for 0.6 s
    seen = []
    while (item := grabber.get()) is not None:
        frame, captured_at = item
        assert time.monotonic() - captured_at < 0.3  # a queue would hand out frames up to 2 s old
        seen.append(frame.index)
        time.sleep(0.05)  # a consumer 5x slower than the source
    assert seen == sorted(seen)
    assert len(seen) < 25
    assert grabber.dropped == 60 - len(seen)
    assert seen[-1] >= 55


def test_fast_consumer_sees_every_frame():
    grabber = LatestFrameGrabber(_frames(20), paced=True)
    seen = []
    while (item := grabber.get()) is not None:
        seen.append(item[0].index)
    assert seen == list(range(20))
    assert grabber.dropped == 0


def test_live_session_on_real_squats(shared_data):
    session = LiveSession("squat", model="lite")
    try:
        for frame in VideoReader(shared_data / "tfjs/pose_squats.mp4"):
            result = session.process(frame.rgb, frame.t_ms)
            assert result.annotated_rgb.shape == frame.rgb.shape
            assert not np.array_equal(result.annotated_rgb, frame.rgb) or result.pose is None
    finally:
        session.close()
    summary = session.summary()
    assert summary["frames"] == 65 and summary["frames_with_pose"] == 65
    assert summary["reps"] == 2
    assert summary["latency_ms"]["median"] > 0


def test_live_command_without_window_prints_summary(shared_data):
    result = subprocess.run(
        [sys.executable, "-m", "formcheck", "live", "--source", str(shared_data / "tfjs/pose_squats.mp4"),
         "--exercise", "squat", "--no-window", "--json"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["exercise"] == "squat" and summary["source"] == "camera"
    assert summary["frames"] + summary["dropped_frames"] == 65
    assert summary["reps"] == 2

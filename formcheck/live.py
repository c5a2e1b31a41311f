"""Live sessions: one frame in, one annotated frame and verdict out.

Shared by the desktop window (``formcheck live``) and the browser app. Live
smoothing is causal (One Euro) because there is no future to look at; the
tracker and report builder are the same objects the offline analysis uses.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from .analysis import FramePipeline, exercise_hud, resolve_exercise
from .errors import InputError
from .exercise_spec import ExerciseSpec
from .overlay import draw_overlay
from .pose import ModelVariant, Pose, PoseEstimator
from .report import ReportBuilder
from .smoothing import PoseSmoother
from .verdict import FrameVerdict
from .video_io import Frame

__all__ = ["LiveFrame", "LiveSession", "LatestFrameGrabber", "open_camera"]


@dataclass(frozen=True, eq=False)
class LiveFrame:
    annotated_rgb: np.ndarray
    verdict: FrameVerdict
    pose: Pose | None
    latency_ms: float  # capture (or hand-over) to finished overlay


class LiveSession:
    """Not thread-safe: one caller at a time (the browser app guards it with a lock)."""

    def __init__(self, exercise: str | Path | ExerciseSpec | None = None,
                 model: str | ModelVariant = ModelVariant.FULL, side: str = "auto") -> None:
        """``side``: "auto" detects the working side; "left"/"right" fixes it."""
        self.spec = resolve_exercise(exercise)
        self.side = side
        self.model = ModelVariant(model)
        self._estimator = PoseEstimator(self.model)
        self._smoother = PoseSmoother()
        self._pipeline = FramePipeline(self.spec, self.side)
        self._builder = ReportBuilder(self.spec.id if self.spec else None, self.model.value, source="camera")
        self._latencies_ms: deque[float] = deque(maxlen=300)

    def process(self, rgb: np.ndarray, t_ms: int, captured_at: float | None = None) -> LiveFrame:
        """Analyse one frame; ``captured_at`` (``time.monotonic()`` at capture) makes the
        reported latency cover the wait before processing too."""
        start = captured_at if captured_at is not None else time.monotonic()
        pose = self._smoother(self._estimator.estimate(rgb, t_ms))
        _, verdict = self._pipeline(t_ms, pose)
        self._builder.add(verdict)
        latency_ms = (time.monotonic() - start) * 1000
        self._latencies_ms.append(latency_ms)
        hud = exercise_hud(self.spec, latency_ms=float(np.median(self._latencies_ms)))
        annotated = draw_overlay(rgb, pose, verdict, hud)
        return LiveFrame(annotated_rgb=annotated, verdict=verdict, pose=pose, latency_ms=latency_ms)

    def summary(self) -> dict[str, Any]:
        """The session so far, in the report.json shape, plus latency figures."""
        latencies = np.array(self._latencies_ms) if self._latencies_ms else np.array([np.nan])
        return self._builder.build(latency_ms={"median": round(float(np.median(latencies)), 1),
                                               "p95": round(float(np.percentile(latencies, 95)), 1)})

    def reset(self) -> None:
        """Start a new session with the same model: whoever is in view now is followed."""
        self._estimator.forget_person()
        self._smoother.reset()
        self._pipeline = FramePipeline(self.spec, self.side)
        self._builder.reset()
        self._latencies_ms.clear()

    def close(self) -> None:
        self._estimator.close()


class LatestFrameGrabber:
    """Reads frames on a thread and keeps only the newest one.

    A consumer slower than the source (the pose model on a slow laptop) then
    always gets the freshest frame: stale frames are dropped, so latency never
    builds up. A video file stands in for a camera by being paced to its own
    timestamps.
    """

    def __init__(self, frames: Iterator[Frame], *, paced: bool) -> None:
        self._frames = frames
        self._paced = paced
        self._cond = threading.Condition()
        self._latest: tuple[Frame, float] | None = None
        self._done = False
        self.dropped = 0
        self._thread = threading.Thread(target=self._run, name="formcheck-grabber", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        start = time.monotonic()
        try:
            for frame in self._frames:
                if self._paced:
                    time.sleep(max(0.0, start + frame.t_ms / 1000 - time.monotonic()))
                with self._cond:
                    if self._latest is not None:
                        self.dropped += 1
                    self._latest = (frame, time.monotonic())
                    self._cond.notify()
        finally:
            with self._cond:
                self._done = True
                self._cond.notify()

    def get(self, timeout_s: float = 5.0) -> tuple[Frame, float] | None:
        """The newest frame and its capture time, or None once the source has ended."""
        with self._cond:
            self._cond.wait_for(lambda: self._latest is not None or self._done, timeout=timeout_s)
            item, self._latest = self._latest, None
            return item


def open_camera(index: int) -> Iterator[Frame]:
    """Frames from a local camera through OpenCV, timestamped on arrival.

    The camera is opened here, not on first iteration, so a missing camera is
    reported to the caller rather than inside the grabber thread.
    """
    import cv2

    capture = cv2.VideoCapture(index)
    if not capture.isOpened():
        raise InputError(f"camera {index} could not be opened (is it connected and not in use by another app?)")

    def frames() -> Iterator[Frame]:
        start = time.monotonic()
        try:
            n = 0
            while True:
                ok, bgr = capture.read()
                if not ok:
                    return
                yield Frame(rgb=cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), t_ms=int((time.monotonic() - start) * 1000),
                            index=n)
                n += 1
        finally:
            capture.release()

    return frames()

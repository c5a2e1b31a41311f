"""Live sessions: one frame in, one annotated frame and verdict out.

Shared by the desktop window (``formcheck live``) and the browser app. Live
smoothing is causal (One Euro) because there is no future to look at; the
tracker and report builder are the same objects the offline analysis uses.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..core.pose import Pose
from ..core.verdict import FrameVerdict
from ..engine.pipeline import FramePipeline
from ..engine.spec import ExerciseSpec, resolve_exercise
from ..io.model import ModelVariant, PoseEstimator
from ..outputs.overlay import Hud, draw_overlay
from ..outputs.report import ReportBuilder
from ..signal.smoothing import PoseSmoother

__all__ = ["LiveFrame", "LiveSession"]


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
        # The HUD shows the latency of the frames before this one: this frame's ends with its drawing.
        shown = float(np.median(self._latencies_ms)) if self._latencies_ms else None
        annotated = draw_overlay(rgb, pose, verdict, Hud.for_exercise(self.spec, latency_ms=shown))
        latency_ms = (time.monotonic() - start) * 1000
        self._latencies_ms.append(latency_ms)
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

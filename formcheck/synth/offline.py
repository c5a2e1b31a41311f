"""Run the engine on landmark-only poses: smoothing -> features -> tracker -> report,
exactly as ``analysis.analyze_video`` does after the pose model, but with no
pixels and no model. Fast (thousands of frames a second); used to check the
scripted motions against the exercise rules and to test the engine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from ..exercise_spec import ExerciseSpec, load_exercise
from ..pose import Pose
from ..report import ReportBuilder

__all__ = ["analyze_poses"]


def analyze_poses(poses: Iterable[Pose | None], exercise: str | Path | ExerciseSpec, *,
                  model: str = "landmarks") -> dict[str, Any]:
    """The report.json dict for a pose track (``None`` = no pose in that frame)."""
    from ..analysis import FramePipeline, LookaheadSmoother

    spec = exercise if isinstance(exercise, ExerciseSpec) else load_exercise(exercise)
    pipeline = FramePipeline(spec)
    smoother: LookaheadSmoother[None] = LookaheadSmoother()
    builder = ReportBuilder(spec.id, model)

    def finish(ready: list) -> None:
        for t_ms, _raw, smooth, _ in ready:
            _features, verdict = pipeline(t_ms, smooth)
            builder.add(verdict)

    t_ms = 0
    for pose in poses:
        if pose is not None:
            t_ms = pose.t_ms
        finish(smoother.push(t_ms, pose, None))
    finish(smoother.flush())
    return builder.build()

"""Run the engine on landmark-only poses: smoothing -> features -> tracker -> report,
exactly as ``analysis.analyze_video`` does after the pose model, but with no
pixels and no model. Fast (thousands of frames a second); used to check the
scripted motions against the exercise rules and to test the engine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Iterator

from ..exercise_spec import ExerciseSpec
from ..pose import Pose
from ..report import ReportBuilder

__all__ = ["analyze_poses"]


def analyze_poses(poses: Iterable[Pose | None], exercise: str | Path | ExerciseSpec, *,
                  model: str = "landmarks") -> dict[str, Any]:
    """The report.json dict for a pose track (``None`` = no pose in that frame)."""
    from ..analysis import FramePipeline, iter_pose_track, resolve_exercise

    spec = resolve_exercise(exercise)
    builder = ReportBuilder(spec.id, model)
    for frame, _ in iter_pose_track(_timed(poses), FramePipeline(spec)):
        builder.add(frame.verdict)
    return builder.build()


def _timed(poses: Iterable[Pose | None]) -> Iterator[tuple[int, Pose | None, None]]:
    """A frame without a pose keeps the last known time (the scripts always start with a pose)."""
    t_ms = 0
    for pose in poses:
        if pose is not None:
            t_ms = pose.t_ms
        yield t_ms, pose, None

"""The per-frame engine that files and cameras share.

A smoothed pose goes through visibility with hysteresis, then features, then the
exercise tracker. Offline, :func:`iter_pose_track` first smooths with a short
look-ahead (zero-phase); live, the caller smooths causally and calls
:class:`FramePipeline` directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator, TypeVar

from ..core.pose import Pose
from ..core.verdict import FrameVerdict
from ..signal.features import Features, compute_features
from ..signal.smoothing import LookaheadSmoother, VisibilityHysteresis
from .spec import ExerciseSpec
from .tracker import ExerciseTracker

__all__ = ["FrameAnalysis", "FramePipeline", "iter_pose_track"]

T = TypeVar("T")


@dataclass(frozen=True, eq=False)
class FrameAnalysis:
    """Everything known about one frame once the look-ahead has passed it."""

    t_ms: int
    raw_pose: Pose | None
    pose: Pose | None  # smoothed
    features: Features
    verdict: FrameVerdict


class FramePipeline:
    """Smoothed pose -> visibility with hysteresis -> features -> verdict, for one exercise
    or none (landmarks only)."""

    def __init__(self, spec: ExerciseSpec | None, side: str = "auto") -> None:
        self.spec = spec
        fixed_side = None if side == "auto" else side
        self.tracker = ExerciseTracker(spec, side=fixed_side) if spec is not None else None
        self.visibility = VisibilityHysteresis()

    def __call__(self, t_ms: int, pose: Pose | None) -> tuple[Features, FrameVerdict]:
        pose = self.visibility(pose)
        features = compute_features(pose, t_ms=t_ms)
        if self.tracker is not None:
            return features, self.tracker.update(pose, features, t_ms)
        return features, FrameVerdict(t_ms=t_ms, pose_found=pose is not None, setup_ok=pose is not None,
                                      view="unknown", side="unknown", phase="none")


def iter_pose_track(track: Iterable[tuple[int, Pose | None, T]], pipeline: FramePipeline
                    ) -> Iterator[tuple[FrameAnalysis, T]]:
    """Smooth a stream of (t_ms, pose, payload) and judge each frame once its look-ahead has passed."""
    smoother: LookaheadSmoother[T] = LookaheadSmoother()

    def finish(ready: list[tuple[int, Pose | None, Pose | None, T]]) -> Iterator[tuple[FrameAnalysis, T]]:
        for t_ms, raw, smooth, payload in ready:
            features, verdict = pipeline(t_ms, smooth)
            yield FrameAnalysis(t_ms, raw, smooth, features, verdict), payload

    for t_ms, pose, payload in track:
        yield from finish(smoother.push(t_ms, pose, payload))
    yield from finish(smoother.flush())

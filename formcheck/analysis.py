"""Review a recorded video: the offline pipeline in one streaming pass.

decode -> pose model -> zero-phase smoothing (with a short look-ahead) ->
features -> exercise tracker -> report / timeline / landmarks / annotated video.

Zero-phase smoothing needs poses after the current one, so frames wait in a
bounded look-ahead buffer (about half a second) before their features and
verdicts are computed. That keeps a single decode pass, lets the encoder
thread run alongside the model, and keeps memory flat whatever the length.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, TypeVar

import cv2
import numpy as np

from .errors import OutputError
from .exercise_spec import ExerciseSpec, load_exercise
from .features import Features, compute_features
from .overlay import Hud, draw_overlay
from .pose import ModelVariant, Pose, PoseEstimator
from .report import ReportBuilder, TimelineWriter, write_json
from .smoothing import LookaheadSmoother, VisibilityHysteresis
from .tracker import ExerciseTracker
from .verdict import FrameVerdict
from .video_io import VideoReader, VideoWriter

__all__ = ["AnalysisResult", "analyze_video", "FrameAnalysis", "FramePipeline"]

Progress = Callable[[int, int | None], None]
T = TypeVar("T")

#: The annotated video is for watching in a page: a phone's 1080x1920 is drawn
#: and encoded at 540x960, which keeps its cost well below the pose model's.
#: The analysis itself always sees full-resolution frames.
ANNOTATED_MAX_SIDE_PX = 960


@dataclass(frozen=True)
class AnalysisResult:
    report: dict[str, Any]
    out_dir: Path | None = None
    report_path: Path | None = None
    timeline_path: Path | None = None
    landmarks_path: Path | None = None
    video_path: Path | None = None


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


def exercise_hud(spec: ExerciseSpec | None, latency_ms: float | None = None) -> Hud:
    if spec is None:
        return Hud(title="pose only", latency_ms=latency_ms)
    return Hud(title=spec.name, latency_ms=latency_ms, target_hold_s=spec.hold.target_s if spec.hold else None)


def resolve_exercise(exercise: str | Path | ExerciseSpec | None) -> ExerciseSpec | None:
    if exercise is None or isinstance(exercise, ExerciseSpec):
        return exercise
    return load_exercise(exercise)


def prepare_out_dir(out_dir: Path) -> Path:
    """Create and probe the output folder before any slow work starts."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / ".formcheck-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot write the output folder ({exc.strerror or exc})") from None
    return out_dir


class _Outputs:
    """Files open during an analysis; closed (and thus kept) whatever happens."""

    def __init__(self, out_dir: Path, feature_names: list[str], video_size: tuple[int, int] | None,
                 fps: float) -> None:
        self.paths = {name: out_dir / file for name, file in
                      (("report", "report.json"), ("timeline", "timeline.csv"), ("landmarks", "landmarks.jsonl"))}
        self._timeline_file = open(self.paths["timeline"], "w", newline="")
        self.timeline = TimelineWriter(self._timeline_file, feature_names)
        self._landmarks_file = open(self.paths["landmarks"], "w")
        self.video: VideoWriter | None = None
        if video_size is not None:
            self.paths["video"] = out_dir / "annotated.mp4"
            self.video = VideoWriter(self.paths["video"], *video_size, fps=fps)

    def add(self, frame: FrameAnalysis, annotated: np.ndarray | None) -> None:
        self.timeline.add(frame.verdict, frame.features)
        self._landmarks_file.write(json.dumps(_landmarks_record(frame.t_ms, frame.raw_pose)) + "\n")
        if self.video is not None and annotated is not None:
            self.video.write(annotated, frame.t_ms)

    def close(self) -> None:
        self._timeline_file.close()
        self._landmarks_file.close()
        if self.video is not None:
            self.video.close()


def annotated_size(width: int, height: int, max_side_px: int = ANNOTATED_MAX_SIDE_PX) -> tuple[int, int]:
    """Size of the annotated video: the input's, scaled down to ``max_side_px`` on its long side."""
    scale = min(1.0, max_side_px / max(width, height))
    return round(width * scale) // 2 * 2, round(height * scale) // 2 * 2


def _fit(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    if (rgb.shape[1], rgb.shape[0]) == size:
        return rgb
    return cv2.resize(rgb, size, interpolation=cv2.INTER_LINEAR)


def _landmarks_record(t_ms: int, pose: Pose | None) -> dict[str, Any]:
    if pose is None:
        return {"t_ms": t_ms, "pose": None}
    return {
        "t_ms": t_ms,
        "pose": {
            "xy_px": np.round(pose.xy_px, 2).tolist(),
            "visibility": np.round(pose.visibility, 3).tolist(),
            "world_m": np.round(pose.world_m, 4).tolist(),
        },
    }


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


def iter_analysis(reader: VideoReader, estimator: PoseEstimator, pipeline: FramePipeline, *,
                  keep_pixels: bool) -> Iterator[tuple[FrameAnalysis, np.ndarray | None]]:
    """Analyse a video stream frame by frame (in order, each after its look-ahead)."""
    track = ((frame.t_ms, estimator.estimate(frame.rgb, frame.t_ms), frame.rgb if keep_pixels else None)
             for frame in reader)
    return iter_pose_track(track, pipeline)


def analyze_video(
    path: str | Path,
    *,
    exercise: str | Path | ExerciseSpec | None = None,
    model: str | ModelVariant = ModelVariant.FULL,
    out_dir: str | Path | None = None,
    write_video: bool = True,
    progress: Progress | None = None,
    side: str = "auto",
) -> AnalysisResult:
    """Analyse a video file; with ``out_dir``, write report.json, timeline.csv,
    landmarks.jsonl and (``write_video``) annotated.mp4 there.

    A truncated video is analysed as far as it is readable and flagged in the
    report; Ctrl-C stops early but still writes everything analysed so far
    (``report["interrupted"]`` is then true). ``side`` ("left"/"right")
    fixes the working side of a one-sided exercise instead of detecting it.
    """
    spec = resolve_exercise(exercise)
    model = ModelVariant(model)
    out = prepare_out_dir(Path(out_dir)) if out_dir is not None else None
    reader = VideoReader(path)
    info = reader.info
    pipeline = FramePipeline(spec, side)
    builder = ReportBuilder(spec.id if spec else None, model.value, source=str(path))
    hud = exercise_hud(spec)
    video_size = annotated_size(info.width, info.height)
    estimator = PoseEstimator(model)  # before any output file: a missing model leaves nothing behind
    outputs = None
    if out is not None:
        outputs = _Outputs(out, sorted(compute_features(None).values), video_size if write_video else None, info.fps)
    interrupted = False
    try:
        for i, (frame, rgb) in enumerate(iter_analysis(reader, estimator, pipeline,
                                                       keep_pixels=outputs is not None and write_video)):
            builder.add(frame.verdict)
            if outputs is not None:
                annotated = None
                if rgb is not None:
                    annotated = draw_overlay(_fit(rgb, video_size), frame.pose, frame.verdict, hud)
                outputs.add(frame, annotated)
            if progress is not None:
                progress(i + 1, info.frame_count)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        estimator.close()
        reader.close()
        if outputs is not None:
            outputs.close()
    report = builder.build(
        truncated=reader.truncated,
        interrupted=interrupted,
        video={"width": info.width, "height": info.height, "fps": round(info.fps, 3),
               "rotation_deg": info.rotation_deg},
    )
    result = AnalysisResult(report=report)
    if outputs is not None:
        report["outputs"] = {k: p.name for k, p in outputs.paths.items()}
        write_json(outputs.paths["report"], report)
        result = AnalysisResult(
            report=report, out_dir=out, report_path=outputs.paths["report"],
            timeline_path=outputs.paths["timeline"], landmarks_path=outputs.paths["landmarks"],
            video_path=outputs.paths.get("video"),
        )
    return result

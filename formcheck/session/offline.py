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
from typing import Any, Callable, Iterable, Iterator

import cv2
import numpy as np

from ..core.errors import OutputError
from ..core.pose import Pose
from ..engine.pipeline import FrameAnalysis, FramePipeline, iter_pose_track
from ..engine.spec import ExerciseSpec, resolve_exercise
from ..io.model import ModelVariant, PoseEstimator
from ..io.video import VideoReader, VideoWriter
from ..outputs.overlay import Hud, draw_overlay
from ..outputs.report import ReportBuilder, TimelineWriter, write_json
from ..signal.features import compute_features

__all__ = ["AnalysisResult", "analyze_poses", "analyze_video"]

Progress = Callable[[int, int | None], None]

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
    hud = Hud.for_exercise(spec)
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


def analyze_poses(poses: Iterable[Pose | None], exercise: str | Path | ExerciseSpec, *,
                  model: str = "landmarks") -> dict[str, Any]:
    """The report.json dict for a pose track (``None`` = no pose in that frame)."""
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

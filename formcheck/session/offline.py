"""Review a recorded video: the offline pipeline in one streaming pass.

decode -> pose model -> zero-phase smoothing (with a short look-ahead) ->
features -> exercise tracker -> report / timeline / landmarks / annotated video.

Zero-phase smoothing needs poses after the current one, so frames wait in a
bounded look-ahead buffer (about half a second) before their features and
verdicts are computed. That keeps a single decode pass, lets the encoder
thread run alongside the model, and keeps memory flat whatever the length.
"""

from __future__ import annotations

import contextlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import cv2
import numpy as np

from ..core.errors import OutputError
from ..core.pose import Pose
from ..engine.pipeline import FrameAnalysis, FramePipeline, iter_pose_track
from ..engine.spec import ExerciseSpec, resolve_exercise
from ..io.ahead import RunAhead
from ..io.model import ModelVariant, PoseEstimator
from ..io.video import VideoReader, VideoWriter
from ..outputs.folder import OutputFolder
from ..outputs.overlay import Hud, draw_overlay
from ..outputs.report import ReportBuilder, TimelineWriter, write_json
from ..signal.features import compute_features
from ..signal.smoothing import import_filters

__all__ = ["AnalysisResult", "analyze_poses", "analyze_video"]

Progress = Callable[[int, int | None], None]

#: The annotated video is for watching in a page: a phone's 1080x1920 is drawn
#: and encoded at 540x960, which keeps its cost well below the pose model's.
#: The analysis itself always sees full-resolution frames.
ANNOTATED_MAX_SIDE_PX = 960
#: Poses found ahead of the analysis: enough to ride out a slow frame; each holds a small annotated picture.
MODEL_AHEAD = 2


@dataclass(frozen=True)
class AnalysisResult:
    report: dict[str, Any]
    out_dir: Path | None = None
    report_path: Path | None = None
    timeline_path: Path | None = None
    landmarks_path: Path | None = None
    video_path: Path | None = None
    interrupted_by: KeyboardInterrupt | None = None  # Ctrl-C or SIGTERM (see core.errors.Interrupted)


#: Every file an analysis writes, the report (which vouches for the rest) last.
OUTPUT_FILES = {"timeline": "timeline.csv", "landmarks": "landmarks.jsonl", "video": "annotated.mp4",
                "report": "report.json"}


class _Outputs:
    """The files an analysis writes while it runs, in its output folder's staging area."""

    def __init__(self, folder: OutputFolder, feature_names: list[str], video_size: tuple[int, int] | None,
                 fps: float) -> None:
        self.folder = folder
        self.written = ["timeline", "landmarks"] + (["video"] if video_size is not None else [])
        try:
            self._timeline_file = open(folder.staged(OUTPUT_FILES["timeline"]), "w", newline="")
            self._landmarks_file = open(folder.staged(OUTPUT_FILES["landmarks"]), "w")
        except OSError as exc:
            raise self._error(exc) from None
        self.timeline = TimelineWriter(self._timeline_file, feature_names)
        self.video: VideoWriter | None = None
        if video_size is not None:
            self.video = VideoWriter(folder.staged(OUTPUT_FILES["video"]), *video_size, fps=fps)

    def _error(self, why: OSError | str | None) -> OutputError:
        if isinstance(why, OSError):
            why = why.strerror or str(why)
        return OutputError(f"{self.folder.path}: cannot write the results ({why}); "
                           "anything already there was left as it was")

    def add(self, frame: FrameAnalysis, annotated: np.ndarray | None) -> None:
        try:
            self.timeline.add(frame.verdict, frame.features)
            self._landmarks_file.write(json.dumps(_landmarks_record(frame.t_ms, frame.raw_pose)) + "\n")
        except OSError as exc:
            raise self._error(exc) from None
        if self.video is not None and annotated is not None:
            try:
                self.video.write(annotated, frame.t_ms)
            except OutputError:
                raise self._error(self.video.failure) from None

    def finish(self, report: dict[str, Any]) -> None:
        """Close every file, write the report and move it all into the output folder."""
        self.close()
        report["outputs"] = {key: OUTPUT_FILES[key] for key in (*self.written, "report")}
        try:
            write_json(self.folder.staged(OUTPUT_FILES["report"]), report)
        except OSError as exc:
            raise self._error(exc) from None
        self.folder.commit()

    def close(self) -> None:
        try:
            self._timeline_file.close()
            self._landmarks_file.close()
        except OSError as exc:
            raise self._error(exc) from None
        finally:
            if self.video is not None:
                video, self.video = self.video, None
                try:
                    video.close()
                except OutputError:
                    raise self._error(video.failure) from None


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


def _poses(reader: VideoReader, estimator: PoseEstimator, video_size: tuple[int, int] | None
           ) -> Iterator[tuple[int, Pose | None, np.ndarray | None]]:
    """Each frame's pose, with the picture for the annotated video (``video_size``) already scaled
    down: the look-ahead then holds small pictures, and the resizing is off the main thread."""
    for frame in reader:
        pose = estimator.estimate(frame.rgb, frame.t_ms)
        yield frame.t_ms, pose, _fit(frame.rgb, video_size) if video_size is not None else None


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
    landmarks.jsonl and (``write_video``) annotated.mp4 there (see :class:`OutputFolder`).

    A truncated video is analysed as far as it is readable and flagged in the
    report; Ctrl-C or SIGTERM stops early but still writes everything analysed
    so far (``report["interrupted"]`` is then true, ``interrupted_by`` says
    which). ``side`` ("left"/"right") fixes the working side of a one-sided
    exercise instead of detecting it.
    """
    spec = resolve_exercise(exercise)
    model = ModelVariant(model)
    with contextlib.ExitStack() as stack:
        reader = stack.enter_context(VideoReader(path))
        info = reader.info
        filters = threading.Thread(target=import_filters, name="formcheck-import")
        filters.start()  # while the model loads; the smoothing waits for it if it must
        stack.callback(filters.join)
        estimator = stack.enter_context(PoseEstimator(model))
        outputs = None
        video_size = annotated_size(info.width, info.height)
        if out_dir is not None:
            folder = stack.enter_context(OutputFolder(out_dir, OUTPUT_FILES.values()))
            outputs = _Outputs(folder, sorted(compute_features(None).values),
                               video_size if write_video else None, info.fps)
            stack.callback(outputs.close)
        # The model runs a few frames ahead on a thread of its own, so smoothing, rules, overlay and
        # files for one frame overlap with the model on the next. Closed first (the stack unwinds
        # backwards): the model is idle before the estimator and the reader are closed.
        poses = _poses(reader, estimator, video_size if outputs is not None and write_video else None)
        track = stack.enter_context(RunAhead(poses, MODEL_AHEAD, "formcheck-model"))
        pipeline = FramePipeline(spec, side)
        builder = ReportBuilder(spec.id if spec else None, model.value, source=str(path))
        hud = Hud.for_exercise(spec)
        interrupted_by = None
        try:
            for i, (frame, rgb) in enumerate(iter_pose_track(track, pipeline)):
                builder.add(frame.verdict)
                if outputs is not None:
                    annotated = None
                    if rgb is not None:
                        annotated = draw_overlay(rgb, frame.pose, frame.verdict, hud, inplace=True)
                    outputs.add(frame, annotated)
                if progress is not None:
                    progress(i + 1, info.frame_count)
        except KeyboardInterrupt as exc:
            interrupted_by = exc
        report = builder.build(
            truncated=reader.truncated,
            interrupted=interrupted_by is not None,
            timestamp_jumps=reader.timestamp_jumps,
            video={"width": info.width, "height": info.height, "fps": round(info.fps, 3),
                   "rotation_deg": info.rotation_deg},
        )
        if outputs is None:
            return AnalysisResult(report=report, interrupted_by=interrupted_by)
        outputs.finish(report)
        files = {key: outputs.folder.final(OUTPUT_FILES[key]) for key in report["outputs"]}
    return AnalysisResult(
        report=report, out_dir=outputs.folder.path, report_path=files["report"],
        timeline_path=files["timeline"], landmarks_path=files["landmarks"],
        video_path=files.get("video"), interrupted_by=interrupted_by,
    )


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

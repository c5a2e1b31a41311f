"""Pose estimation: MediaPipe PoseLandmarker behind one small, typed boundary.

Model output is converted once, here, into plain arrays with no optionals, so
every later stage works on numpy and never touches MediaPipe types.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from ..core.errors import InputError
from ..core.model_variant import ModelVariant
from ..core.pose import Pose
from .person import PersonTracker

__all__ = ["ModelVariant", "PoseEstimator", "ModelMissingError", "model_path", "show_native_logs", "MODELS_DIR"]

#: Bundles ship as package data beside this module (built by ``models/build_models.py``);
#: FORMCHECK_MODELS_DIR overrides it.
MODELS_DIR = Path(os.environ.get("FORMCHECK_MODELS_DIR", Path(__file__).resolve().parent / "models"))


class ModelMissingError(InputError):
    """A model bundle is not on disk (heavy is built on demand)."""


def model_path(variant: ModelVariant | str) -> Path:
    variant = ModelVariant(variant)
    path = MODELS_DIR / f"pose_landmarker_{variant.value}.task"
    if not path.is_file():
        raise ModelMissingError(
            f"model '{variant.value}' is not built ({path} is missing); "
            f"build it with: python models/build_models.py {variant.value}"
        )
    return path


def _to_pose(image_lms: list, world_lms: list, t_ms: int, image_size: tuple[int, int]) -> Pose:
    """One person's MediaPipe landmarks as a :class:`Pose` (normalised coordinates to pixels)."""
    width, height = image_size
    xy = np.array([(lm.x * width, lm.y * height) for lm in image_lms], dtype=float)
    visibility = np.array([lm.visibility or 0.0 for lm in image_lms], dtype=float)
    world = np.array([(lm.x, lm.y, lm.z) for lm in world_lms], dtype=float)
    return Pose(t_ms=t_ms, image_size=image_size, xy_px=xy, visibility=visibility, world_m=world)


#: Set by :func:`show_native_logs` (``--verbose``): let MediaPipe's own log lines through.
_native_logs_shown = False


def show_native_logs(shown: bool = True) -> None:
    """Let MediaPipe's and TFLite's C++ log lines reach the terminal (for diagnosing the model)."""
    global _native_logs_shown
    _native_logs_shown = shown


class _Muted:
    """File descriptor 2 pointed at /dev/null while anyone needs it muted (it is one per process:
    two threads loading models at once must not restore each other's /dev/null)."""

    _lock = threading.Lock()
    _users = 0
    _saved: int | None = None

    @classmethod
    def enter(cls) -> None:
        with cls._lock:
            if cls._users == 0:
                sys.stderr.flush()
                cls._saved = os.dup(2)
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 2)
                os.close(devnull)
            cls._users += 1

    @classmethod
    def leave(cls) -> None:
        with cls._lock:
            cls._users -= 1
            if cls._users == 0 and cls._saved is not None:
                os.dup2(cls._saved, 2)
                os.close(cls._saved)
                cls._saved = None


@contextlib.contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """Mute the C++ log lines MediaPipe and TFLite print while starting up and shutting down.

    They are harmless ("Created TensorFlow Lite XNNPACK delegate", feedback
    manager warnings, "DestroyAccelerator") but go straight to file descriptor
    2, bypassing Python, and would bury formcheck's own one-line messages.
    """
    if _native_logs_shown:
        yield
        return
    _Muted.enter()
    try:
        yield
    finally:
        _Muted.leave()


@dataclass(frozen=True)
class _Confidence:
    detection: float
    presence: float
    tracking: float


class _Landmarker:
    """One MediaPipe PoseLandmarker in VIDEO mode, looking for up to ``num_poses`` people."""

    def __init__(self, model_file: Path, num_poses: int, confidence: _Confidence) -> None:
        from mediapipe.tasks.python import BaseOptions, vision

        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(model_file)),
            running_mode=vision.RunningMode.VIDEO,
            num_poses=num_poses,
            min_pose_detection_confidence=confidence.detection,
            min_pose_presence_confidence=confidence.presence,
            min_tracking_confidence=confidence.tracking,
        )
        try:
            with _native_stderr_silenced():
                self._landmarker = vision.PoseLandmarker.create_from_options(options)
        except (RuntimeError, ValueError, OSError) as exc:
            raise InputError(f"{model_file}: the model file is damaged ({_first_line(exc)}); rebuild it with: "
                             f"python models/build_models.py") from None
        self._warmed_up = False

    def detect(self, rgb: np.ndarray, t_ms: int) -> list[Pose]:
        """Everyone found, in the model's order (not stable between frames); [] when nobody is."""
        import mediapipe as mp

        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        if self._warmed_up:
            result = self._landmarker.detect_for_video(image, t_ms)
        else:
            with _native_stderr_silenced():
                result = self._landmarker.detect_for_video(image, t_ms)
            self._warmed_up = True
        height, width = rgb.shape[:2]
        return [_to_pose(image_lms, world_lms, t_ms, (width, height))
                for image_lms, world_lms in zip(result.pose_landmarks, result.pose_world_landmarks)]

    def close(self) -> None:
        with _native_stderr_silenced():
            self._landmarker.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


class PoseEstimator:
    """PoseLandmarkers created once and reused for every frame; follows one person.

    Files and live frames both use VIDEO mode: it is synchronous (the result
    belongs to the frame just given, which keeps live and offline identical)
    and tracks people between frames, which is faster and steadier than
    detecting from scratch. Timestamps must increase; a repeated or backwards
    timestamp (a camera hiccup) is nudged forward by 1 ms.

    ``num_poses`` > 1 lets :meth:`estimate` see a second person and ignore
    them. Two landmarkers are kept, because MediaPipe runs its person
    detector on every frame while it tracks fewer than ``num_poses`` people,
    and then seeds each person's landmarks from the detector's box instead of
    from the last landmarks: with one person in view, num_poses=2 on every
    frame costs 35-45% of the frame rate, doubles or triples the jitter and
    reads squat depth 3-9 deg shallower (benchmarks/num_poses.py). So the
    ``num_poses`` landmarker is used at the start, while anyone else is in
    view, and when the one-person landmarker has latched onto someone other
    than the followed person; the one-person landmarker once the followed
    person has been alone for a while (:attr:`PersonTracker.needs_everyone`).
    Someone entering then goes unseen, which is harmless: the model keeps
    tracking the person it has.
    """

    def __init__(
        self,
        variant: ModelVariant | str = ModelVariant.FULL,
        *,
        num_poses: int = 2,
        min_detection_confidence: float = 0.5,
        min_presence_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
    ) -> None:
        self.variant = ModelVariant(variant)
        confidence = _Confidence(min_detection_confidence, min_presence_confidence, min_tracking_confidence)
        model_file = model_path(self.variant)
        with ThreadPoolExecutor(1, thread_name_prefix="formcheck-model-load") as pool:
            # Loading is C that lets go of the GIL: the two landmarkers load side by side on two cores.
            everyone = pool.submit(_Landmarker, model_file, num_poses, confidence) if num_poses > 1 else None
            self._single = _Landmarker(model_file, 1, confidence)
            try:
                self._everyone = everyone.result() if everyone is not None else None
            except BaseException:
                self._single.close()
                raise
        self._person = PersonTracker()
        self._last_t_ms = -1

    def estimate(self, rgb: np.ndarray, t_ms: int) -> Pose | None:
        """Landmarks of the person this estimator follows, or None when they are not found.

        The first person found (the largest and most central) is followed from
        then on; someone else walking through the view never takes over while
        they are still matched (see :mod:`formcheck.io.person`).
        """
        t_ms = self._next_t_ms(t_ms)
        chosen = None
        if self._everyone is None or not self._person.needs_everyone:
            chosen = self._person.select(self._single.detect(rgb, t_ms), t_ms)
        if chosen is None and self._everyone is not None and self._person.needs_everyone:
            # At the start, with others in view, or the one-person model has latched onto someone else.
            chosen = self._person.select(self._everyone.detect(rgb, t_ms), t_ms)
        return chosen

    def estimate_all(self, rgb: np.ndarray, t_ms: int) -> list[Pose]:
        """Landmarks of everyone found (up to ``num_poses``), in the model's order, which is
        not stable between frames; an empty list when nobody is found. With fewer than
        ``num_poses`` people in view the person detector runs on every call."""
        return (self._everyone or self._single).detect(rgb, self._next_t_ms(t_ms))

    def forget_person(self) -> None:
        """Let the next frame pick whom to follow afresh (a new session with the same model)."""
        self._person.reset()

    def _next_t_ms(self, t_ms: int) -> int:
        self._last_t_ms = max(int(t_ms), self._last_t_ms + 1)
        return self._last_t_ms

    def close(self) -> None:
        self._single.close()
        if self._everyone is not None:
            self._everyone.close()

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

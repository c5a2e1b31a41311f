"""Setup check: the person is in frame, the needed joints are visible, the
camera view is right, and they have settled, before anything is counted.

The view is read from the landmarks: in a side view both the shoulder line
and the hip line are short relative to the torso.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .exercise_spec import ExerciseSpec, View
from .features import FRAME_MARGIN, VISIBILITY_MIN, Features
from .landmarks import Landmark, mirror
from .pose import Pose
from .verdict import Cue, CueKind, Severity

__all__ = ["SIDE_VIEW_MAX", "FRONT_VIEW_MIN", "classify_view", "SetupResult", "SetupCheck"]

#: shoulder_width_ratio + hip_width_ratio: below this is a side view, above FRONT_VIEW_MIN a front view.
SIDE_VIEW_MAX = 0.72
FRONT_VIEW_MIN = 0.8
#: Mid-hip speed (torso lengths per second) above which the person is still moving into place.
SETTLE_SPEED_MAX = 1.0

_FEET = {"ANKLE", "HEEL", "FOOT_INDEX", "KNEE"}
_HEAD = {"NOSE", "EYE", "EYE_INNER", "EYE_OUTER", "EAR", "MOUTH"}


def classify_view(features: Features) -> str:
    """"side" | "front" | "unknown" (oblique, or nobody). In profile the far
    shoulder or hip is often hidden: a torso seen with one of them missing
    counts as a side view."""
    widths = [w for w in (features.values["shoulder_width_ratio"], features.values["hip_width_ratio"])
              if math.isfinite(w)]
    if not widths:
        return "side" if math.isfinite(features.values["trunk_tilt_deg"]) else "unknown"
    width = 2.0 * sum(widths) / len(widths)
    if width < SIDE_VIEW_MAX:
        return "side"
    if width > FRONT_VIEW_MIN:
        return "front"
    return "unknown"


@dataclass(frozen=True)
class SetupResult:
    ok: bool  # setup passed and the person has settled: count and time
    view: str
    cue: Cue | None  # what to fix (or "hold still") while not ok
    ready: bool = False  # nothing to fix this frame (may still be settling)


def _setup_cue(text: str, severity: Severity = Severity.MAJOR) -> Cue:
    return Cue(text, CueKind.SETUP, severity)


def _part(landmark: Landmark) -> str:
    name = landmark.name
    for prefix in ("LEFT_", "RIGHT_"):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name.split("_")[0]


class SetupCheck:
    def __init__(self, spec: ExerciseSpec, *, settle_s: float = 1.0, regain_s: float = 1.0,
                 visibility_min: float = VISIBILITY_MIN) -> None:
        if settle_s < 0 or regain_s < 0:
            raise ValueError("settle_s and regain_s are seconds >= 0")
        self.spec = spec
        self.settle_ms = settle_s * 1000.0
        self.regain_ms = regain_s * 1000.0
        self.visibility_min = visibility_min
        self.reset()

    def reset(self) -> None:
        self.ok = False
        self._good_since: int | None = None
        self._lost_at: int | None = None
        self._last_hip: tuple[int, np.ndarray] | None = None

    def problem(self, pose: Pose | None, features: Features) -> tuple[str, Cue | None]:
        """(view, first problem as a cue or None) for one frame, without state."""
        view = classify_view(features) if pose is not None else "unknown"
        if pose is None:
            return view, _setup_cue("Step into the camera's view")
        missing = self._missing(pose)
        if missing:
            parts = {_part(m) for m in missing}
            if parts & _FEET:
                return view, _setup_cue("Step back, your feet are out of view")
            if parts & _HEAD:
                return view, _setup_cue("Step back, your head is out of view")
            name = missing[0].name.lower().replace("_", " ")
            return view, _setup_cue(f"Can't see your {name}: make sure it is in view")
        wanted = self.spec.camera.view
        if wanted is View.SIDE and view != "side":
            return view, _setup_cue("Turn side-on to the camera")
        if wanted is View.FRONT and view != "front":
            return view, _setup_cue("Face the camera")
        return view, None

    def _missing(self, pose: Pose) -> list[Landmark]:
        w, h = pose.image_size
        mx, my = FRAME_MARGIN * w, FRAME_MARGIN * h
        xy, vis = pose.xy_px, pose.visibility
        inside = (xy[:, 0] >= -mx) & (xy[:, 0] <= w + mx) & (xy[:, 1] >= -my) & (xy[:, 1] <= h + my)
        seen = (vis >= self.visibility_min) & inside
        side_view = self.spec.camera.view is View.SIDE
        # in profile the far side may be hidden behind the near one: either of a
        # left/right pair will do, but nothing may be outside the frame
        return [lm for lm in self.spec.landmarks
                if not inside[lm] or (not seen[lm] and not (side_view and seen[mirror(lm)]))]

    def update(self, t_ms: int, pose: Pose | None, features: Features) -> SetupResult:
        view, cue = self.problem(pose, features)
        moving = self._moving(t_ms, pose, features)
        if cue is not None:
            if self.ok:
                self._lost_at = t_ms
            self.ok, self._good_since = False, None
            return SetupResult(False, view, cue)
        if not self.ok and self._lost_at is not None and t_ms - self._lost_at < self.regain_ms:
            self.ok = True  # a short loss: resume without settling again
        if self.ok:
            return SetupResult(True, view, None, ready=True)
        if moving:
            self._good_since = None
        elif self._good_since is None:
            self._good_since = t_ms
        if self._good_since is not None and t_ms - self._good_since >= self.settle_ms:
            self.ok, self._lost_at = True, None
            return SetupResult(True, view, None, ready=True)
        return SetupResult(False, view, _setup_cue("Hold still, getting ready", Severity.INFO), ready=True)

    def _moving(self, t_ms: int, pose: Pose | None, features: Features) -> bool:
        if pose is None:
            self._last_hip = None
            return True
        hip = (pose.xy_px[Landmark.LEFT_HIP] + pose.xy_px[Landmark.RIGHT_HIP]) / 2.0
        last, self._last_hip = self._last_hip, (t_ms, hip)
        if last is None or t_ms <= last[0]:
            return False
        torso = np.linalg.norm((pose.xy_px[Landmark.LEFT_SHOULDER] + pose.xy_px[Landmark.RIGHT_SHOULDER]) / 2 - hip)
        if not torso > 0:
            return True
        speed = float(np.linalg.norm(hip - last[1]) / torso / ((t_ms - last[0]) / 1000.0))
        return speed > SETTLE_SPEED_MAX

"""Setup check: the person is in frame, the joints the exercise needs are
visible, the camera view is one the exercise can be judged from, and they
have settled, before anything is counted.

The view comes from the body's yaw to the camera (``geometry.view_of``) and
changes only after it has persisted for ``VIEW_SWITCH_S``. Only the joints
the exercise needs count: a head or feet cut by the frame edge do not matter
when no rule needs them. Seen side-on or obliquely, the far limb is often
hidden behind the near one: either of a left/right pair will do. Once setup
has passed, a problem must last ``position.UNKNOWN_GRACE_S`` before it counts, so a
joint that drops out for a few frames does not stop the session.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.landmarks import Landmark, mirror
from ..core.pose import Pose
from ..core.verdict import Cue, CueKind, Severity
from ..signal.features import VISIBILITY_MIN, Features, visible_mask
from ..signal.geometry import view_of
from .debounce import UNKNOWN_GRACE_S, Debounced
from .spec import ExerciseSpec, View

__all__ = ["VIEW_SWITCH_S", "view_cue", "SetupResult", "SetupCheck"]

#: A new camera view must persist this long before it is adopted.
VIEW_SWITCH_S = 0.5
#: Sideways mid-hip speed (torso lengths per second) above which the person is still walking into place.
SETTLE_SPEED_MAX = 1.0

_FEET = {"ANKLE", "HEEL", "FOOT_INDEX", "KNEE"}
_HEAD = {"NOSE", "EYE", "EYE_INNER", "EYE_OUTER", "EAR", "MOUTH"}
#: The cue (``cues.toml`` key) for a person seen from a view the exercise cannot be judged from,
#: by the views it can be judged from (all three: never needed).
_VIEW_CUES = {
    frozenset({View.SIDE}): "turn_side",
    frozenset({View.FRONT}): "turn_front",
    frozenset({View.SIDE, View.OBLIQUE}): "turn_side_or_oblique",
    frozenset({View.FRONT, View.OBLIQUE}): "turn_front_or_oblique",
    frozenset({View.OBLIQUE}): "turn_oblique",
    frozenset({View.SIDE, View.FRONT}): "turn_side_or_front",
}


def view_cue(spec: ExerciseSpec) -> str:
    """What to say when the person is seen from a view the exercise cannot be judged from."""
    return spec.cue_text(_VIEW_CUES.get(frozenset(spec.camera.views), "turn_side_or_front"))


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
        self.ok = False
        self._view = Debounced("unknown")
        self._good_since: int | None = None
        self._lost_at: int | None = None
        self._problem_since: int | None = None
        self._last_hip: tuple[int, np.ndarray] | None = None

    def problem(self, pose: Pose | None, features: Features, view: str | None = None) -> tuple[str, Cue | None]:
        """(view, first problem as a cue or None) for one frame; ``view`` defaults to this frame's own."""
        if pose is None:
            return "unknown", _setup_cue(self.spec.cue_text("step_into_view"))
        view = view or view_of(features.values["body_yaw_deg"])
        missing = self._missing(pose, view)
        if missing:
            parts = {_part(m) for m in missing}
            if parts & _FEET:
                return view, _setup_cue(self.spec.cue_text("feet_out_of_view"))
            if parts & _HEAD:
                return view, _setup_cue(self.spec.cue_text("head_out_of_view"))
            name = missing[0].name.lower().replace("_", " ")
            return view, _setup_cue(self.spec.cue_text("joint_out_of_view", joint=name))
        if view != "unknown" and not self.spec.camera.supports(view):
            return view, _setup_cue(view_cue(self.spec))
        return view, None

    def _missing(self, pose: Pose, view: str) -> list[Landmark]:
        seen = visible_mask(pose, self.visibility_min)
        pairs_ok = view != "front"  # side-on or oblique, the far limb may hide behind the near one
        return [lm for lm in self.spec.landmarks if not seen[lm] and not (pairs_ok and seen[mirror(lm)])]

    @property
    def view(self) -> str:
        return self._view.value

    def _update_view(self, t_ms: int, pose: Pose | None, features: Features) -> str:
        seen = view_of(features.values["body_yaw_deg"]) if pose is not None else "unknown"
        if seen == "unknown":
            self._view.cancel()
        elif self.view == "unknown":
            self._view.set(seen)
        else:
            self._view.update(seen, t_ms, VIEW_SWITCH_S * 1000.0)
        return self.view

    def update(self, t_ms: int, pose: Pose | None, features: Features) -> SetupResult:
        view, cue = self.problem(pose, features, self._update_view(t_ms, pose, features))
        moving = self._moving(t_ms, pose, features)
        if cue is not None:
            if self.ok and pose is not None:
                if self._problem_since is None:
                    self._problem_since = t_ms
                if t_ms - self._problem_since < UNKNOWN_GRACE_S * 1000.0:
                    return SetupResult(True, view, None, ready=True)  # a brief dropout, bridged
            if self.ok:
                self._lost_at = t_ms
            self.ok, self._good_since, self._problem_since = False, None, None
            return SetupResult(False, view, cue)
        self._problem_since = None
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
        return SetupResult(False, view, _setup_cue(self.spec.cue_text("hold_still"), Severity.INFO), ready=True)

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
        # walking in or out moves the hips across the frame; squatting, kneeling and lunging move
        # them up and down, which is the exercise itself and must not hold up the start
        speed = float(abs(hip[0] - last[1][0]) / torso / ((t_ms - last[0]) / 1000.0))
        return speed > SETTLE_SPEED_MAX

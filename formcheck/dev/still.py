"""One photo judged on its own: the exercise's checks with no settling, debounce, hysteresis or timing.

For the benchmarks on real still photos (``benchmarks/real_photos.py``): a
photo has no before or after, so the frame-by-frame tracker cannot judge it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..core.pose import Pose
from ..engine.reps import RepCounter
from ..engine.setup_check import SetupCheck
from ..engine.sides import SideTracker
from ..engine.spec import ExerciseSpec, PositionSpec
from ..signal.features import Features, compute_features

__all__ = ["StillCheck", "check_still"]


@dataclass(frozen=True)
class StillCheck:
    """One pose judged on its own (a photo): no settling, debounce, hysteresis or timing.

    ``rules`` maps rule id -> "pass" | "fail" | "unknown" (not visible) |
    "unchecked" (not judged from this camera view), for the rules that apply
    in ``phase``; ``position`` maps each position condition (by its feature)
    the same way, and ``position_cue`` is the first failing one's cue;
    ``in_stretch`` says whether every stretch condition passes. ``hold_ok``
    is True when setup passes, the pose is in position and in the stretch,
    and every rule judged from this view passes.
    """

    setup_ok: bool
    setup_cue: str | None
    view: str
    side: str
    phase: str
    rules: dict[str, str]
    values: dict[str, float]
    position: dict[str, str] = field(default_factory=dict)
    position_cue: str | None = None
    in_stretch: bool = True

    @property
    def position_ok(self) -> bool:
        return all(state == "pass" for state in self.position.values())

    @property
    def hold_ok(self) -> bool:
        return (self.setup_ok and self.position_ok and self.in_stretch
                and all(state in ("pass", "unchecked") for state in self.rules.values()))


def check_still(spec: ExerciseSpec, pose: Pose | None, features: Features | None = None) -> StillCheck:
    """Judge a single pose against ``spec`` (setup, side, and each rule for the phase it shows)."""
    features = features if features is not None else compute_features(pose)
    view, cue = SetupCheck(spec).problem(pose, features)
    side = SideTracker(spec).update(0, features)
    if spec.reps is not None:
        phase = RepCounter(spec.reps).phase_of(features.values[spec.reps.feature])
    else:
        phase = "hold"
    rules: dict[str, str] = {}
    values: dict[str, float] = {}
    for rule in spec.rules:
        if not rule.phase.covers(phase):
            continue
        value = features.values[rule.feature]
        values[rule.id] = value
        rules[rule.id] = ("unchecked" if not rule.judged_from(view) else "unknown" if not math.isfinite(value)
                          else "pass" if rule.inside(value) else "fail")
    states = _conditions(spec.position, features)
    position = {_condition_name(spec, i): state for i, state in states.items()}
    failing = [i for i, state in states.items() if state != "pass"]
    position_cue = spec.position[failing[0]].cue if failing else None
    in_stretch = all(state == "pass" for state in _conditions(spec.stretch, features).values())
    return StillCheck(cue is None, cue.text if cue else None, view, side, phase, rules, values, position,
                      position_cue, in_stretch)


def _condition_name(spec: ExerciseSpec, i: int) -> str:
    """A position condition's name in ``StillCheck.position``: its feature, or position[i] when
    the feature is used by more than one condition."""
    features = spec.position[i].features
    unique = len(features) == 1 and sum(p.features == features for p in spec.position) == 1
    return features[0] if unique else f"position[{i}]"


def _conditions(conditions: list[PositionSpec], features: Features) -> dict[int, str]:
    """Condition index -> "pass" | "fail" | "unknown" (none of its features visible)."""
    out = {}
    for i, p in enumerate(conditions):
        inside = p.inside_all([features.values[name] for name in p.features])
        out[i] = "unknown" if inside is None else "pass" if inside else "fail"
    return out

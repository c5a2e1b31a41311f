"""The exercise tracker: one object per exercise, the same live and offline.

``update(pose, features)`` once per frame returns a ``FrameVerdict``: setup
state, working side, phase, debounced faults, the one cue to show, rep and
hold counts, events, joint states and the angles worth drawing. All exercise
knowledge comes from the ``ExerciseSpec``; nothing here names an exercise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .cues import CueSelector
from .exercise_spec import ExerciseSpec, Mode
from .features import Features, compute_features, feature_joints, feature_vertex
from .holds import HoldTimer
from .landmarks import Landmark
from .pose import Pose
from .reps import RepCounter
from .rules import RuleMonitor, RuleResult
from .setup_check import SetupCheck, SetupResult
from .sides import SideTracker
from .verdict import ActiveFault, Cue, CueKind, FrameVerdict, JointState, Severity

__all__ = ["ExerciseTracker", "StillCheck", "check_still"]

_STATE_RANK = {JointState.OK: 0, JointState.UNKNOWN: 1, JointState.FAULT: 2}


class ExerciseTracker:
    """Setup check -> side -> phase -> rules -> reps / hold -> cue, per frame."""

    def __init__(self, spec: ExerciseSpec, *, settle_s: float = 1.0, min_cue_s: float = 0.5,
                 side: str | None = None) -> None:
        self.spec = spec
        self.setup = SetupCheck(spec, settle_s=settle_s)
        self.sides = SideTracker(spec, fixed=side)
        self.monitors = [RuleMonitor(rule) for rule in spec.rules]
        self.reps = RepCounter(spec.reps) if spec.mode is Mode.REPS else None
        self.hold = HoldTimer(spec.hold) if spec.mode is Mode.HOLD else None
        self.cues = CueSelector(min_show_s=min_cue_s)
        self._last_t_ms = 0

    def reset(self) -> None:
        for part in (self.setup, self.sides, self.reps, self.hold, self.cues, *self.monitors):
            if part is not None:
                part.reset()
        self._last_t_ms = 0

    def update(self, pose: Pose | None, features: Features, t_ms: int | None = None) -> FrameVerdict:
        """One frame. ``t_ms`` is needed only when ``pose`` is None and
        ``features`` were computed without a time."""
        t = pose.t_ms if pose is not None else (t_ms if t_ms is not None else features.t_ms)
        t = max(int(t), self._last_t_ms)
        self._last_t_ms = t
        setup = self.setup.update(t, pose, features)
        side = self.sides.update(t, features)

        events: list[str] = []
        messages: list[Cue] = []
        if self.reps is not None:
            phase = self._update_reps(t, features, side, setup, events, messages)
        else:
            phase = "hold" if setup.ok else "setup"

        results = [m.update(features.values[m.rule.feature], t, setup.ok and m.rule.phase.covers(phase))
                   for m in self.monitors]
        faults = tuple(ActiveFault(m.rule.id, m.rule.cue, m.rule.severity_level, side)
                       for m, r in zip(self.monitors, results) if r.state is JointState.FAULT and r.active)
        messages += [Cue(m.rule.confirm, CueKind.CONFIRM, Severity.INFO)
                     for m, r in zip(self.monitors, results) if r.cleared and m.rule.confirm]

        holding = False
        if self.hold is not None:
            passing = all(r.state is JointState.OK for r in results if r.active)
            # no time to a side about to change, or to a side not yet known
            passing = passing and not self.sides.pending and side != "unknown"
            hold_events = self.hold.update(t, side, present=setup.ok, passing=passing)
            events += hold_events
            holding = self.hold.holding
            messages += [Cue(f"{self.spec.hold.target_s:g} s done{_on_side(e)}: well held", CueKind.EVENT,
                             Severity.MINOR) for e in hold_events if e.startswith("target:")]

        ongoing = [setup.cue] if setup.cue is not None else self._fault_cues(faults, results, features, pose)
        cue = self.cues.update(t, ongoing, messages)
        joint_states, angles = self._joints(results, features)
        return FrameVerdict(
            t_ms=t,
            pose_found=pose is not None,
            setup_ok=setup.ok,
            view=setup.view,
            side=side,
            phase=phase,
            faults=faults,
            cue=cue,
            reps=dict(self.reps.reps) if self.reps else {},
            partial_reps=dict(self.reps.partial_reps) if self.reps else {},
            hold_s=dict(self.hold.totals_s) if self.hold else {},
            holding=holding,
            hold_current_s=self.hold.current_s if self.hold else 0.0,
            events=tuple(events),
            joint_states=joint_states,
            angles_deg=angles,
        )

    def _update_reps(self, t: int, features: Features, side: str, setup: SetupResult,
                     events: list[str], messages: list[Cue]) -> str:
        assert self.reps is not None and self.spec.reps is not None
        value = features.values[self.spec.reps.feature]
        if not setup.ok:
            if setup.ready:
                self.reps.arm(value)
            return "setup"
        seen = self.sides.seen if self.spec.sides == "each" else "both"
        event = self.reps.update(value, t, seen)
        if event is not None:
            events.append(f"{event.kind}:{event.side}")
            if event.kind == "rep":
                n = self.reps.reps[event.side]
                messages.append(Cue(f"Rep {n}{_on_side(event.side)}", CueKind.EVENT, Severity.MINOR))
            else:
                messages.append(Cue("Go a little deeper next time", CueKind.EVENT, Severity.MINOR))
        return self.reps.phase if self.reps.phase != "unknown" else "start"

    def _fault_cues(self, faults: tuple[ActiveFault, ...], results: list[RuleResult],
                    features: Features, pose: Pose | None) -> list[Cue]:
        cues = [Cue(f.cue, CueKind.FAULT, f.severity) for f in faults]
        for monitor, result in zip(self.monitors, results):
            if result.active and result.state is JointState.UNKNOWN:
                joints = feature_joints(monitor.rule.feature, features.roles)
                hidden = _first_hidden(joints, pose)
                cues.append(Cue(f"Can't see your {hidden}: keep it in view", CueKind.SETUP, Severity.MINOR))
                break
        return cues

    def _joints(self, results: list[RuleResult], features: Features,
                ) -> tuple[dict[Landmark, JointState], tuple[tuple[Landmark, float], ...]]:
        states: dict[Landmark, JointState] = {}
        angles: dict[Landmark, float] = {}
        for monitor, result in zip(self.monitors, results):
            if not result.active:
                continue
            name = monitor.rule.feature
            for joint in feature_joints(name, features.roles):
                old = states.get(joint)
                if old is None or _STATE_RANK[result.state] > _STATE_RANK[old]:
                    states[joint] = result.state
            vertex = feature_vertex(name, features.roles)
            if name.endswith("_deg") and vertex is not None and math.isfinite(result.value):
                angles.setdefault(vertex, round(result.value, 1))
        return states, tuple(angles.items())


def _on_side(event_or_side: str) -> str:
    side = event_or_side.split(":")[-1]
    return f" ({side})" if side in ("left", "right") else ""


def _first_hidden(joints: tuple[Landmark, ...], pose: Pose | None) -> str:
    """The least visible of the joints a rule needs, as words ("left knee")."""
    if not joints:
        return "legs"
    joint = joints[0] if pose is None else min(joints, key=lambda j: pose.visibility[j])
    return joint.name.lower().replace("_", " ")


@dataclass(frozen=True)
class StillCheck:
    """One pose judged on its own (a photo): no settling, debounce or timing.

    ``rules`` maps rule id -> "pass" | "fail" | "unknown" (not visible), for
    the rules that apply in ``phase``; ``hold_ok`` is True when setup passes
    and every one of them passes (for a hold exercise: the clock would run).
    """

    setup_ok: bool
    setup_cue: str | None
    view: str
    side: str
    phase: str
    rules: dict[str, str]
    values: dict[str, float]

    @property
    def hold_ok(self) -> bool:
        return self.setup_ok and all(state == "pass" for state in self.rules.values())


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
        rules[rule.id] = ("unknown" if not math.isfinite(value) else
                          "fail" if RuleMonitor(rule).violated(value) else "pass")
    return StillCheck(cue is None, cue.text if cue else None, view, side, phase, rules, values)

"""The exercise tracker: one object per exercise, the same live and offline.

``update(pose, features)`` once per frame returns a ``FrameVerdict``: setup
state, working side, phase, debounced faults, the one cue to show, rep and
hold counts, events, joint states and the angles worth drawing. All exercise
knowledge comes from the ``ExerciseSpec``; nothing here names an exercise.

Order per frame: setup (in view, a camera view the exercise supports,
settled) -> position (the exercise's ``[[position]]`` conditions: kneeling,
seated, in a lunge) -> side -> rules, reps, and for holds the stretch (the
``[[stretch]]`` conditions) and the hold clock. Until setup passes the phase
is "setup"; until the person is in position it is "position" and the only cue
is the position condition's: no rule is checked, no hold time accrues, no rep
is counted, so walking in, getting down and standing up again never count as
faults. A rule that cannot be judged from the current camera view is listed
in ``FrameVerdict.unchecked`` ("not checked from this angle"), never a fault.
Hold time runs only in the stretch, with no fault that defeats it
(``RuleSpec.stops_hold``); minor faults are cued without stopping the clock.
"""

from __future__ import annotations

import math

from ..core.landmarks import Landmark
from ..core.pose import Pose
from ..core.verdict import ActiveFault, Cue, CueKind, FrameVerdict, JointState, Severity
from ..signal.features import Features, feature_joints, feature_vertex
from .cues import CueSelector
from .holds import HoldTimer
from .position import PositionCheck, PositionResult
from .reps import RepCounter
from .rules import RuleMonitor, RuleResult
from .setup_check import SetupCheck, SetupResult
from .sides import SideTracker
from .spec import ExerciseSpec, Mode

__all__ = ["ExerciseTracker"]

_STATE_RANK = {JointState.OK: 0, JointState.UNKNOWN: 1, JointState.FAULT: 2}
#: Out of the exercise position this long, the working side is detected afresh on the way back in
#: (the person may be changing sides), instead of waiting for a side switch to confirm.
SIDE_RESET_S = 0.5


class ExerciseTracker:
    """Setup check -> position -> side -> phase -> rules -> reps / hold -> cue, per frame."""

    def __init__(self, spec: ExerciseSpec, *, settle_s: float = 1.0, min_cue_s: float = 0.5,
                 side: str | None = None) -> None:
        self.spec = spec
        self.setup = SetupCheck(spec, settle_s=settle_s)
        self.position = PositionCheck(spec.position)
        self.stretch = PositionCheck(spec.stretch)
        self.sides = SideTracker(spec, fixed=side)
        self.monitors = [RuleMonitor(rule) for rule in spec.rules]
        self.reps = RepCounter(spec.reps) if spec.mode is Mode.REPS else None
        self.hold = HoldTimer(spec.hold) if spec.mode is Mode.HOLD else None
        self.cues = CueSelector(min_show_s=min_cue_s)
        self._last_t_ms = 0
        self._out_since: int | None = None  # out of position since (None: in position)

    def update(self, pose: Pose | None, features: Features, t_ms: int | None = None) -> FrameVerdict:
        """One frame. ``t_ms`` is needed only when ``pose`` is None and
        ``features`` were computed without a time."""
        t = pose.t_ms if pose is not None else (t_ms if t_ms is not None else features.t_ms)
        t = max(int(t), self._last_t_ms)
        self._last_t_ms = t
        setup = self.setup.update(t, pose, features)
        position = self.position.update(t, features)
        self._forget_side_when_out(t, position)
        side = self.sides.update(t, features)
        # in the exercise position, after setup: only then are rules checked, reps counted, holds timed
        engaged = setup.ok and position.ok

        events: list[str] = []
        messages: list[Cue] = []
        if not setup.ok:
            phase = "setup"
        elif not position.ok:
            phase = "position"
        else:
            phase = "hold"
        if self.reps is not None:
            phase = self._update_reps(t, features, side, setup, position, events, messages)

        judged = [m.rule.judged_from(setup.view) for m in self.monitors]
        # a hold under way (from the previous frame) makes the hold phase the "stretch" phase
        rule_phase = "stretch" if phase == "hold" and self.hold is not None and self.hold.started else phase
        results = [m.update(features.values[m.rule.feature], t,
                            engaged and ok_view and m.rule.phase.covers(rule_phase))
                   for m, ok_view in zip(self.monitors, judged)]
        unchecked = tuple(m.rule.id for m, ok_view in zip(self.monitors, judged) if not ok_view)
        # a fault stands until it is seen cleared: a moment when the joint is not visible does not end it
        faults = tuple(ActiveFault(m.rule.id, m.rule.cue, m.rule.severity_level, side)
                       for m, r in zip(self.monitors, results)
                       if r.active and (r.state is JointState.FAULT or (r.state is JointState.UNKNOWN and m.faulting)))
        messages += [Cue(m.rule.confirm, CueKind.CONFIRM, Severity.INFO)
                     for m, r in zip(self.monitors, results) if r.cleared and m.rule.confirm]

        holding = False
        stretch_cue = None
        hold_ended = None
        if self.hold is not None:
            # followed on every frame, so a moment out of position or out of view is bridged
            # like a hidden joint and the steadiness of a stretch keeps its history
            stretch = self.stretch.update(t, features)
            stretch_cue = stretch.cue if engaged else None
            form_ok = all(r.state is JointState.OK for m, r in zip(self.monitors, results)
                          if r.active and m.rule.stops_hold)
            # no time to a side about to change, or to a side not yet known
            passing = (engaged and stretch.ok and stretch.seen and form_ok
                       and not self.sides.pending and side != "unknown")
            done = len(self.hold.finished)
            # out of position (standing up, changing sides) ends a hold after the dropout limit;
            # a setup problem with the person still in position only pauses it
            hold_events = self.hold.update(t, side, present=pose is not None and position.ok, passing=passing)
            hold_ended = self.hold.finished[-1] if len(self.hold.finished) > done else None
            events += hold_events
            holding = self.hold.holding
            messages += [Cue(self.spec.cue_text("target_reached", target=f"{self.spec.hold.target_s:g}",
                                                side=_on_side(e)), CueKind.EVENT, Severity.MINOR)
                         for e in hold_events if e.startswith("target:")]

        if setup.cue is not None:
            ongoing = [setup.cue]
        elif position.cue is not None:
            ongoing = [position.cue]
        else:
            ongoing = self._fault_cues(faults, results, features, pose)
            if stretch_cue is not None:
                ongoing.append(stretch_cue)
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
            hold_ended=hold_ended,
            hold_open=self.hold.current if self.hold else None,
            unchecked=unchecked,
            joint_states=joint_states,
            angles_deg=angles,
        )

    def _forget_side_when_out(self, t: int, position: PositionResult) -> None:
        """Out of position for a while, the side is whatever this frame shows: on the way back in
        the person may have changed sides, and the side they settle on is taken at once."""
        if position.ok or not self.spec.position:
            self._out_since = None
            return
        if self._out_since is None:
            self._out_since = t
        if t - self._out_since >= SIDE_RESET_S * 1000.0:
            self.sides.reset()

    def _update_reps(self, t: int, features: Features, side: str, setup: SetupResult, position: PositionResult,
                     events: list[str], messages: list[Cue]) -> str:
        assert self.reps is not None and self.spec.reps is not None
        value = features.values[self.spec.reps.feature]
        if not (setup.ok and position.ok):
            if setup.ready:
                self.reps.arm(value, t)
            return "setup" if not setup.ok else "position"
        seen = self.sides.seen if self.spec.sides == "each" else "both"
        event = self.reps.update(value, t, seen)
        if event is not None:
            events.append(f"{event.kind}:{event.side}")
            if event.kind == "rep":
                n = self.reps.reps[event.side]
                text = self.spec.cue_text("rep_counted", count=n, side=_on_side(event.side))
            else:
                text = self.spec.cue_text("partial_rep")
            messages.append(Cue(text, CueKind.EVENT, Severity.MINOR))
        return self.reps.phase if self.reps.phase != "unknown" else "start"

    def _fault_cues(self, faults: tuple[ActiveFault, ...], results: list[RuleResult],
                    features: Features, pose: Pose | None) -> list[Cue]:
        cues = [Cue(f.cue, CueKind.FAULT, f.severity) for f in faults]
        for monitor, result in zip(self.monitors, results):
            if result.active and result.state is JointState.UNKNOWN:
                joints = feature_joints(monitor.rule.feature, features.roles)
                hidden = _first_hidden(joints, pose)
                cues.append(Cue(self.spec.cue_text("joint_hidden", joint=hidden), CueKind.SETUP, Severity.MINOR))
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

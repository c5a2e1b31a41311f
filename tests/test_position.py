"""Position conditions: "in the exercise position" gates hold time, faults and reps.

Known-answer sequences: standing -> getting into position -> hold -> standing
up. Hold time may only accrue inside the position, and faults only show there,
however badly the transitions break the form rules.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from engine_poses import front_pose, hide, side_pose

from formcheck.core.landmarks import Landmark as L
from formcheck.core.verdict import CueKind
from formcheck.dev.still import check_still
from formcheck.engine.position import PositionCheck, PositionCondition
from formcheck.engine.spec import Mode, PositionSpec, list_exercises, load_exercise
from formcheck.engine.tracker import ExerciseTracker
from formcheck.signal.features import compute_features

DT = 100  # ms per frame


def cond(**kw) -> PositionCondition:
    base = {"feature": "left_knee_angle_deg", "max_deg": 120, "hysteresis_deg": 10, "cue": "Kneel down",
            "enter_s": 0.2, "exit_s": 0.1}
    return PositionCondition(PositionSpec(**{**base, **kw}))


def run(c: PositionCondition, values) -> list[bool]:
    return [c.update(v, i * DT) for i, v in enumerate(values)]


# --------------------------------------------------------------------------- one condition


def test_starts_out_and_enters_after_enter_s_inside_by_the_hysteresis():
    c = cond()
    # 115 is inside the range but not by the 10 deg hysteresis: still out
    assert run(c, [180, 150, 115, 115, 115]) == [False] * 5
    c = cond()
    states = run(c, [180, 105, 105, 105, 105])
    assert states == [False, False, False, True, True]  # 0.2 s inside (frames at 100, 200, 300 ms)


def test_leaves_after_exit_s_outside_the_range_and_ignores_blips():
    c = cond()
    run(c, [100, 100, 100, 100])
    assert c.inside
    # in position, 118 is still inside (no margin once in); a one-frame blip outside is ignored
    assert run(c, [118, 125, 118, 118]) == [True] * 4
    c2 = cond()
    run(c2, [100] * 4)
    assert [c2.update(v, 1000 + i * DT) for i, v in enumerate([130, 130, 130])] == [True, False, False]


def test_unknown_value_keeps_the_state_for_a_moment_then_counts_as_out():
    c = cond()
    run(c, [100] * 4)
    # unknown from 400 ms: kept for 0.5 s, out from 900 ms
    assert [c.update(math.nan, 400 + i * DT) for i in range(8)] == [True] * 5 + [False] * 3
    c = cond()
    run(c, [100] * 4)
    assert [c.update(v, 400 + i * DT) for i, v in enumerate([math.nan] * 4 + [100] + [math.nan] * 4)] == [True] * 9
    c = cond()
    assert run(c, [math.nan] * 10) == [False] * 10


def test_several_features_every_visible_one_counts():
    c = cond(feature=["left_knee_angle_deg", "right_knee_angle_deg"])
    assert [c.update(v, i * DT) for i, v in enumerate([[100, math.nan]] * 4)][-1] is True  # far knee hidden
    assert c.update([100, 170], 500) is True and c.update([100, 170], 600) is False  # one knee straight: out


def test_position_check_without_conditions_is_always_in_position():
    check = PositionCheck(load_exercise("squat").position)
    result = check.update(0, compute_features(None))
    assert result.ok and result.cue is None


# --------------------------------------------------------------------------- the tracker


def kneel_pose(t_ms: int, flex: float, trunk: float = 0.0, far_visibility: float = 0.8):
    """Side view, both thighs vertical, both knees bent by ``flex`` (0 standing, 90 kneeling up)."""
    return side_pose(t_ms, trunk_deg=trunk, near_leg=(0.0, flex), far_leg=(0.0, flex), hip=(640, 300),
                     far_visibility=far_visibility)


def kneeling_session(fault_in_hold: bool = True):
    """3 s standing, 1 s kneeling down (folding forward on the way), 5 s kneeling up (with a 1.5 s
    forward fold in the middle when ``fault_in_hold``), 1 s standing up (folding forward), 3 s standing."""
    frames = []
    for i in range(30):
        frames.append((0.0, 0.0))
    for i in range(10):
        frames.append((90.0 * i / 10, 40.0 * math.sin(math.pi * i / 10)))
    for i in range(50):
        frames.append((90.0, 40.0 if fault_in_hold and 20 <= i < 35 else 0.0))
    for i in range(10):
        frames.append((90.0 * (1 - i / 10), 40.0 * math.sin(math.pi * i / 10)))
    for i in range(30):
        frames.append((0.0, 0.0))
    return [kneel_pose(k * DT, flex, trunk) for k, (flex, trunk) in enumerate(frames)]


def feed(tracker, poses):
    return [tracker.update(p, compute_features(p)) for p in poses]


def test_standing_is_not_the_position_no_hold_time_and_the_position_cue():
    """Standing passes every kneeling_backbend rule; it must still not time a hold."""
    tracker = ExerciseTracker(load_exercise("kneeling_backbend"))
    verdicts = feed(tracker, [kneel_pose(i * DT, 0.0) for i in range(60)])
    assert verdicts[-1].setup_ok and verdicts[-1].phase == "position"
    assert verdicts[-1].hold_s == {} and not any(v.holding for v in verdicts)
    assert verdicts[-1].cue.text == "Kneel up on both knees to start" and verdicts[-1].cue.kind is CueKind.SETUP
    assert all(v.faults == () for v in verdicts) and verdicts[-1].joint_states == {}


def test_hold_time_only_inside_the_position_and_no_faults_outside():
    tracker = ExerciseTracker(load_exercise("kneeling_backbend"))
    verdicts = feed(tracker, kneeling_session())
    phases = [v.phase for v in verdicts]
    # in position: knee angle below 105 from frame 39 (flex 81), + 0.2 s; out: above 115 from frame 93, + 0.1 s
    first_in = phases.index("hold")
    last_in = len(phases) - 1 - phases[::-1].index("hold")
    assert first_in == 41 and last_in == 93
    assert set(phases[:first_in]) <= {"setup", "position"} and set(phases[last_in + 1:]) == {"position"}
    assert not any(v.holding for v in verdicts[:first_in] + verdicts[last_in + 1:])
    # the forward fold in the hold is the one fault: raised after its 0.5 s debounce, cleared 0.5 s after
    faulty = [i for i, v in enumerate(verdicts) if v.faults]
    assert faulty and all(first_in <= i <= last_in for i in faulty)
    assert faulty[0] == 65 and {f.rule_id for i in faulty for f in verdicts[i].faults} == {"not_folding_forward"}
    assert faulty == list(range(faulty[0], faulty[-1] + 1))  # one episode
    # time in position: the fold is a minor fault, cued without stopping the clock
    assert verdicts[-1].hold_s["both"] == pytest.approx((93 - 41) * DT / 1000.0, abs=0.25)
    # folding forward while kneeling down and standing up (> 0.5 s past 15 deg) is not a fault
    assert all(v.faults == () for v in verdicts[last_in + 1:])


def test_without_position_gating_the_transitions_would_fault():
    """The same session judged by the rules alone (no [[position]]): standing accrues hold time and the
    fold while standing up is reported. This is what the position conditions prevent."""
    spec = load_exercise("kneeling_backbend").model_copy(update={"position": []})
    verdicts = feed(ExerciseTracker(spec), kneeling_session(fault_in_hold=False))
    assert verdicts[29].hold_s.get("both", 0.0) > 1.0  # standing timed as a hold
    assert any(v.faults for v in verdicts[90:])


def test_position_cue_then_hold_then_position_cue_again():
    tracker = ExerciseTracker(load_exercise("kneeling_backbend"))
    verdicts = feed(tracker, kneeling_session(fault_in_hold=False))
    assert verdicts[25].cue.text == "Kneel up on both knees to start"
    assert verdicts[70].cue is None or verdicts[70].cue.kind is not CueKind.SETUP
    assert verdicts[-1].cue.text == "Kneel up on both knees to start"
    events = [e for v in verdicts for e in v.events]
    assert events.count("hold_start:both") == 1
    assert verdicts[-1].hold_s == verdicts[95].hold_s  # nothing accrues once out of position


def test_kneeling_upright_is_not_yet_the_camel():
    """Camel's position is kneeling up; its stretch is the arch back with the hands at the heels."""
    tracker = ExerciseTracker(load_exercise("camel"))
    verdicts = feed(tracker, [kneel_pose(i * DT, 0.0 if i < 20 else 90.0) for i in range(60)])
    assert verdicts[-1].phase == "hold" and not verdicts[-1].holding and verdicts[-1].hold_s == {}
    assert verdicts[-1].cue.text == "Reach back for your heels, one hand at a time"


def test_far_knee_hidden_the_near_knee_decides():
    tracker = ExerciseTracker(load_exercise("kneeling_backbend"))
    poses = [kneel_pose(i * DT, 0.0 if i < 20 else 90.0) for i in range(60)]
    poses = [hide(p, L.LEFT_KNEE, L.LEFT_ANKLE) for p in poses]  # facing right: the left leg is the far one
    verdicts = feed(tracker, poses)
    assert verdicts[10].phase == "position" and verdicts[-1].phase == "hold" and verdicts[-1].holding


def test_short_lapse_out_of_position_pauses_the_hold():
    tracker = ExerciseTracker(load_exercise("kneeling_backbend"))
    flex = [0.0] * 20 + [90.0] * 30 + [40.0] * 4 + [90.0] * 30  # 0.4 s half up, then back down
    verdicts = feed(tracker, [kneel_pose(i * DT, f) for i, f in enumerate(flex)])
    assert any(v.phase == "position" for v in verdicts[50:56])
    assert len(tracker.hold.finished) == 0 and tracker.hold.current is not None  # resumed, not restarted
    assert verdicts[-1].hold_s["both"] == pytest.approx((30 + 30 - 2 - 6) * DT / 1000.0, abs=0.3)


def test_reps_wait_for_the_position():
    spec = load_exercise("squat")
    never = spec.model_copy(update={"position": [PositionSpec(feature="hips_vs_feet_deg", min_deg=90,
                                                              cue="Stand on your head")]})
    depths = [0.0] * 15 + (list(np.linspace(0, 95, 10)) + list(np.linspace(95, 0, 10)) + [0.0] * 5) * 2
    poses = [front_pose(i * DT, depth_deg=d) for i, d in enumerate(depths)]
    gated = feed(ExerciseTracker(never), poses)
    assert gated[-1].reps == {} and {v.phase for v in gated[15:]} == {"position"}
    assert gated[-1].cue.text == "Stand on your head"
    assert feed(ExerciseTracker(spec), poses)[-1].reps == {"both": 2}


def test_check_still_reports_the_position():
    spec = load_exercise("kneeling_backbend")
    kneeling = check_still(spec, kneel_pose(0, 90.0))
    assert kneeling.position == {"position[0]": "pass"} and kneeling.position_ok and kneeling.hold_ok
    standing = check_still(spec, kneel_pose(0, 0.0))
    assert standing.position == {"position[0]": "fail"} and not standing.hold_ok
    assert standing.position_cue == "Kneel up on both knees to start"
    assert all(state == "pass" for state in standing.rules.values())  # the rules alone would pass standing


def test_standing_is_out_of_position_for_every_hold_exercise():
    """Standing still in the camera's view is never the position of a catalogue hold."""
    for spec in list_exercises():
        if spec.mode is not Mode.HOLD:
            continue
        pose = front_pose(0) if spec.camera.view.value == "front" else side_pose(0)
        assert not check_still(spec, pose).position_ok, spec.id


def half_kneeling(t_ms: int, back: str):
    kneel, front = (-22.0, 100.0), (85.0, 85.0)  # hips shifted forward of the kneeling knee
    near, far = (kneel, front) if back == "near" else (front, kneel)
    return side_pose(t_ms, near_leg=near, far_leg=far, hip=(640, 400))


def test_side_is_taken_afresh_after_standing_up_between_sides():
    """Right side, stand up for 2 s, left side: the new side is timed from the moment the person is in
    position, not after the usual side-switch confirmation."""
    tracker = ExerciseTracker(load_exercise("hip_flexor_stretch"))
    poses = ([half_kneeling(i * DT, "near") for i in range(40)]
             + [side_pose((40 + i) * DT, hip=(640, 300)) for i in range(20)]  # standing, feet together
             + [half_kneeling((60 + i) * DT, "far") for i in range(40)])
    verdicts = feed(tracker, poses)
    assert verdicts[39].side == "right" and verdicts[-1].side == "left"
    start = next(i for i, v in enumerate(verdicts) if v.holding and v.side == "left")
    assert start <= 60 + 3  # in position after 0.2 s; no 0.6 s side switch to wait for
    assert verdicts[-1].hold_s["left"] == pytest.approx((40 - 3) * DT / 1000.0, abs=0.15)
    assert all(v.faults == () for v in verdicts)


def test_a_steady_condition_waits_for_the_turning_to_stop():
    """A twist is held once the person stops turning: 20 -> 45 deg over 2 s is winding in."""
    condition = PositionCondition(PositionSpec(feature="torso_twist_abs_deg", min_deg=20, max_rate_per_s=8,
                                               cue="Turn, then stay"))
    states = []
    for i in range(60):  # 10 fps: winding in for 2 s, then still for 4 s
        twist = 20.0 + 25.0 * min(i, 20) / 20
        states.append(condition.update(twist, i * DT))
    first_in = states.index(True)
    assert 20 < first_in <= 20 + 5 + 2 + 1  # the 0.5 s window past the last turn, then enter_s 0.2
    assert all(states[first_in:])


def test_steadiness_is_optional_and_must_be_positive():
    with pytest.raises(ValueError, match="greater than 0"):
        PositionSpec(feature="torso_twist_abs_deg", min_deg=20, max_rate_per_s=0, cue="Turn, then stay")

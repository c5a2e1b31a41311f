"""Scripted performances of every catalogue exercise, good and with injected faults.

Each builder returns a ``Performance``: walk in, get into position, hold or
repeat, on both sides where the exercise is one-sided (the performer stands
up, turns round and does the other side, keeping the leg the exercise's camera
guidance puts near facing the camera both times), and stand up again. Faults
are injected with exact timing.

Angles follow ``skeleton.BodyPose``: the first side is done with the right
leg forward (``_pose(..., front="r")``), the second is its mirror image.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .motion import FaultTruth, Performance, Script
from .skeleton import BodyPose

__all__ = ["PERFORMANCES", "build", "performance_names", "VARIANTS"]

STAND = BodyPose()
VARIANTS = ("good", "fault")


@dataclass(frozen=True)
class Timing:
    """Durations in seconds; samples are short, so holds are a few seconds."""

    settle_s: float = 0.6  # standing still at the start and end
    into_s: float = 1.2  # standing -> position
    hold_s: float = 3.0
    out_s: float = 1.0
    turn_s: float = 0.8
    fault_ramp_s: float = 0.3
    fault_dwell_s: float = 2.0
    fault_recover_s: float = 0.4
    wind_s: float = 1.5  # settled in the position -> wound into a twist (people turn slowly)


T = Timing()


def _other(side: str) -> str:
    return "left" if side == "right" else "right"


WALK_IN_M = 0.8
STEP_S = 0.45


def _walk_in(end: BodyPose, *, seed: int, distance_m: float = WALK_IN_M, steps: int = 3) -> Script:
    """A script that starts ``distance_m`` behind ``end`` (along the way it faces) and walks to it."""
    start = end.with_(x_m=end.x_m - distance_m)
    s = Script(start, seed=seed)
    stride = distance_m / steps
    for k in range(steps):
        step = BodyPose(x_m=start.x_m + (k + 0.5) * stride).with_(
            l_hip_flex=22, l_knee_flex=12, r_hip_flex=-14, r_knee_flex=28, r_ankle_plantar=15,
            r_shoulder_flex=18, r_elbow_flex=25, l_shoulder_flex=-14)
        s.move(step if k % 2 == 0 else step.mirrored().with_(x_m=step.x_m), STEP_S)
    return s.move(end, STEP_S)


def _hold(s: Script, side: str, hold_s: float, faulty: BodyPose | None, fault: str, rule: str,
          move_in_s: float = T.into_s) -> None:
    """Hold the position just reached (in ``move_in_s``, left in ``T.out_s``) for ``hold_s`` in good
    form, plus a fault episode part-way when given."""
    with s.holding(side, move_in_s=move_in_s, move_out_s=T.out_s):
        if faulty is None:
            s.stay(hold_s)
            return
        first = round(hold_s * 0.4, 2)
        s.stay(first)
        s.fault(fault, rule, side, faulty, ramp_s=T.fault_ramp_s, dwell_s=T.fault_dwell_s,
                recover_s=T.fault_recover_s)
        s.stay(hold_s - first)


def _one_sided_hold(exercise: str, variant: str, position_right: BodyPose, faulty_right: BodyPose | None, *,
                    fault: str, rule: str, side_of_right: str, view: str, seed: int, hold_s: float = T.hold_s,
                    fault_side: str = "first", near_leg: str = "front", description: str,
                    known_failure: dict[str, str] | None = None,
                    approach_right: BodyPose | None = None) -> Performance:
    """Stand, hold on the right-forward side, turn round, hold the mirror side, stand.

    ``side_of_right``: the side the tracker should report for ``position_right``
    (e.g. "left" when the exercise names the side by the back leg).
    ``fault_side``: which hold gets the fault ("first", "second" or "both").
    ``near_leg``: in a side view, the leg the exercise's camera guidance puts
    nearest the camera ("front": the right-forward leg; "back": the other one).
    The performer turns to keep that leg near on both sides, as a person
    following the guidance would.
    ``known_failure``: variant -> why the real pose model fails that clip (see ``Performance``).
    ``approach_right``: a pose taken first (e.g. seated upright), from which the performer winds
    into ``position_right`` over ``T.wind_s`` (a twist is turned into slowly).
    """
    if near_leg not in ("front", "back"):
        raise ValueError(f"near_leg must be 'front' or 'back', got '{near_leg}'")
    s = _walk_in(STAND, seed=seed)
    s.stay(T.settle_s)
    # The side camera stands on the performer's right at yaw 0 (camera.VIEW_AZIMUTH_DEG).
    yaws = (0.0, 0.0) if view != "side" else ((0.0, 180.0) if near_leg == "front" else (180.0, 0.0))
    if yaws[0]:
        s.move(STAND.with_(yaw_deg=yaws[0]), T.turn_s).stay(T.settle_s)
    for k, (pos, faulty, side, yaw) in enumerate((
        (position_right, faulty_right, side_of_right, yaws[0]),
        (position_right.mirrored(), faulty_right.mirrored() if faulty_right else None, _other(side_of_right),
         yaws[1]),
    )):
        if k == 1:
            s.move(STAND.with_(yaw_deg=yaws[0]), T.out_s)
            if yaw != yaws[0]:
                s.move(STAND.with_(yaw_deg=yaw), T.turn_s)
        move_in_s = T.into_s
        if approach_right is not None:
            approach = approach_right if k == 0 else approach_right.mirrored()
            s.move(approach.with_(yaw_deg=yaw), T.into_s)
            move_in_s = T.wind_s
        s.move(pos.with_(yaw_deg=yaw), move_in_s)
        inject = variant == "fault" and faulty is not None and fault_side in ("both", ("first", "second")[k])
        _hold(s, side, hold_s, faulty.with_(yaw_deg=yaw) if inject else None, fault, rule, move_in_s)
    s.move(STAND.with_(yaw_deg=yaws[1]), T.out_s).stay(T.settle_s)
    return Performance(f"{exercise}-{variant}", exercise, view, description, s,
                       known_failure=(known_failure or {}).get(variant))


def _two_sided_hold(exercise: str, variant: str, position: BodyPose, faulty: BodyPose | None, *, fault: str,
                    rule: str, view: str, seed: int, hold_s: float = 2 * T.hold_s, description: str) -> Performance:
    s = _walk_in(STAND, seed=seed)
    s.stay(T.settle_s).move(position, T.into_s)
    _hold(s, "both", hold_s, faulty if variant == "fault" else None, fault, rule)
    s.move(STAND, T.out_s).stay(T.settle_s)
    return Performance(f"{exercise}-{variant}", exercise, view, description, s)


# --------------------------------------------------------------------------- holds

def hip_flexor_stretch(variant: str, seed: int = 0) -> Performance:
    """Half-kneeling, right foot forward (stretching the left hip); fault: arching the lower back."""
    pos = BodyPose(trunk_lean_deg=2).with_(
        r_hip_flex=88, r_knee_flex=88, l_hip_flex=-28, l_knee_flex=76, l_ankle_plantar=75,
        both_shoulder_flex=28, both_elbow_flex=55)
    faulty = pos.with_(lumbar_arch_deg=34, trunk_lean_deg=-4, head_pitch_deg=5, l_hip_flex=-4, l_knee_flex=86)
    return _one_sided_hold("hip_flexor_stretch", variant, pos, faulty, fault="arched_lower_back",
                           rule="not_leaning_back", side_of_right="left", view="side", seed=seed,
                           description="half-kneeling hip flexor stretch; fault: leaning back from the lower back")


def low_lunge(variant: str, seed: int = 0) -> Performance:
    """Low lunge, back knee down; fault: front knee drives past the toes."""
    pos = BodyPose(trunk_lean_deg=12).with_(
        r_hip_flex=78, r_knee_flex=80, l_hip_flex=-38, l_knee_flex=45, l_ankle_plantar=70,
        both_shoulder_flex=35, both_elbow_flex=40)
    faulty = pos.with_(r_hip_flex=92, r_knee_flex=136, r_ankle_plantar=-32, l_hip_flex=-34, l_knee_flex=40)
    return _one_sided_hold("low_lunge", variant, pos, faulty, fault="knee_past_toes", rule="front_knee_over_ankle",
                           side_of_right="right", view="side", seed=seed,
                           description="low lunge with the back knee down; fault: front knee past the toes")


#: Diagnosed pose-model failures (MediaPipe's landmarks compared with the truth's xy_px; the engine
#: passes these clips on exact landmarks, ``make_samples --check``). Remove a marker when its clip passes.
PIGEON_KNOWN_FAILURES = {
    "good": "MediaPipe swaps the left/right leg labels as the performer settles into the left-side pigeon "
            "(both knees and ankles put on the other leg, visibility > 0.75), so the side reads 'right' "
            "for a while and the hold clock waits for it to settle (~1 s lost)",
    "fault": "MediaPipe swaps the left/right leg labels at the start of the right-side hold and misplaces "
             "both legs (100-200 px off) around the bent-back-knee episode, so the right-side hold "
             "is counted on the left side",
}
QUAD_KNOWN_FAILURES = {
    "fault": "MediaPipe misplaces both ankles and heels in the right-side hold in good form (80-135 px off, "
             "the lifted foot read near the floor) and gives the standing knee visibility ~0.4, so the "
             "lifted-leg features are unknown and the hold clock stops; it reads the same pose correctly "
             "in standing_quad_stretch-good (another look) and during the knee-forward fault",
}


def pigeon(variant: str, seed: int = 0) -> Performance:
    """Pigeon, right shin across the front; fault: the back knee bends (back leg not long).

    The catalogue's "front knee in line with the hip" needs a front view; the
    exercise file asks for a side view, where the back leg is what can be judged,
    with the camera on the side of the back leg (the far leg is hidden behind the
    folded front shin, and the pose model then loses it). The performer turns for
    the second side to keep the back leg near the camera."""
    pos = BodyPose(trunk_lean_deg=5).with_(
        r_hip_flex=80, r_hip_abd=12, r_hip_rot=70, r_knee_flex=105, r_ankle_plantar=30,
        l_hip_flex=-80, l_hip_abd=2, l_knee_flex=6, l_ankle_plantar=85,
        both_shoulder_flex=12, both_shoulder_abd=22, both_elbow_flex=5)
    faulty = pos.with_(l_knee_flex=70, l_ankle_plantar=40)
    return _one_sided_hold("pigeon", variant, pos, faulty, fault="back_knee_bent", rule="back_leg_long",
                           side_of_right="right", view="side", seed=seed, near_leg="back",
                           description="pigeon pose; fault: the back knee bends",
                           known_failure=PIGEON_KNOWN_FAILURES)


def standing_quad_stretch(variant: str, seed: int = 0) -> Performance:
    """Standing on the left leg, right heel to the buttock; fault: the lifted knee drifts forward."""
    pos = BodyPose(trunk_lean_deg=2).with_(
        r_hip_flex=-4, r_knee_flex=150, r_ankle_plantar=40, l_hip_flex=0,
        r_shoulder_flex=-40, r_elbow_flex=50, r_shoulder_abd=10, l_shoulder_abd=35, l_elbow_flex=5)
    faulty = pos.with_(r_hip_flex=38, trunk_lean_deg=8)
    return _one_sided_hold("standing_quad_stretch", variant, pos, faulty, fault="knee_forward",
                           rule="knees_together", side_of_right="right", view="side", seed=seed,
                           description="standing quad stretch; fault: lifted knee drifts forward, trunk tips",
                           known_failure=QUAD_KNOWN_FAILURES)


def seated_twist(variant: str, seed: int = 0) -> Performance:
    """Seated cross-legged twist to the left; fault: the shoulders turn back to face forward."""
    pos = BodyPose(trunk_lean_deg=4, trunk_twist_deg=60, head_yaw_deg=25).with_(
        both_hip_flex=80, both_hip_abd=40, both_hip_rot=85, both_knee_flex=135, both_ankle_plantar=20,
        r_shoulder_flex=50, r_shoulder_abd=5, r_elbow_flex=30, l_shoulder_flex=-30, l_shoulder_abd=20,
        l_elbow_flex=10)
    faulty = pos.with_(trunk_twist_deg=3, head_yaw_deg=0)
    return _one_sided_hold("seated_twist", variant, pos, faulty, fault="not_rotating", rule="shoulders_turned",
                           hold_s=T.hold_s + 0.5,  # the steady-twist window takes the first half second
                           side_of_right="left", view="front", seed=seed, approach_right=faulty,
                           description="seated cross-legged twist; fault: the shoulders turn back to the front")


def camel(variant: str, seed: int = 0) -> Performance:
    """Camel from kneeling: hips over knees, chest lifted and arched, hands to heels; fault: hips sink back."""
    pos = BodyPose(trunk_lean_deg=-18, lumbar_arch_deg=48, head_pitch_deg=0).with_(
        both_hip_flex=-6, both_knee_flex=84, both_ankle_plantar=75, both_shoulder_flex=-55, both_elbow_flex=5,
        both_shoulder_abd=14)
    faulty = pos.with_(both_hip_flex=28, both_knee_flex=118, trunk_lean_deg=-30, lumbar_arch_deg=30)
    return _two_sided_hold("camel", variant, pos, faulty, fault="hips_behind_knees", rule="thighs_vertical",
                           view="side", seed=seed, description="camel pose; fault: hips sink back behind the knees")


def kneeling_backbend(variant: str, seed: int = 0) -> Performance:
    """Kneeling backbend, arms overhead; fault: hips drift back instead of staying over the knees."""
    pos = BodyPose(trunk_lean_deg=-6, lumbar_arch_deg=26, head_pitch_deg=-10).with_(
        both_hip_flex=-4, both_knee_flex=86, both_ankle_plantar=75, both_shoulder_flex=165, both_elbow_flex=15,
        both_shoulder_abd=8)
    faulty = pos.with_(both_hip_flex=30, both_knee_flex=120, trunk_lean_deg=-26)
    return _two_sided_hold("kneeling_backbend", variant, pos, faulty, fault="hips_behind_knees",
                           rule="hips_over_knees", view="side", seed=seed,
                           description="kneeling backbend; fault: hips drift back behind the knees")


def resting_squat(variant: str, seed: int = 0) -> Performance:
    """Deep resting squat, heels down; fault: heels lift (weight tips onto the toes)."""
    pos = BodyPose(trunk_lean_deg=32).with_(
        both_hip_flex=118, both_hip_abd=14, both_knee_flex=145, both_ankle_plantar=-32,
        both_shoulder_flex=65, both_elbow_flex=80)
    # Heels about 50 deg up, on the balls of the feet. A 30 deg lift is real too, but at 640x480 the
    # feet are ~30 px long and MediaPipe reads such a lift at about half its size (heel_lift_ratio
    # ~0.13 for 0.27 true, against the rule's 0.12) and keeps reading ~0.1 for a second after the
    # heels are down: the fault must be one the model can see.
    faulty = pos.with_(both_ankle_plantar=18)
    return _two_sided_hold("resting_squat", variant, pos, faulty, fault="heels_up", rule="heels_down",
                           view="side", seed=seed, description="resting deep squat; fault: heels lift off the floor")


# --------------------------------------------------------------------------- reps

SQUAT_BOTTOM = BodyPose(trunk_lean_deg=38).with_(
    both_hip_flex=105, both_knee_flex=118, both_ankle_plantar=-28, both_shoulder_flex=85, both_elbow_flex=5)
SQUAT_SHALLOW = BodyPose(trunk_lean_deg=20).with_(
    both_hip_flex=64, both_knee_flex=80, both_ankle_plantar=-18, both_shoulder_flex=70, both_elbow_flex=5)


SQUAT_VALGUS = SQUAT_BOTTOM.with_(both_hip_abd=1, both_hip_rot=-22)


def squat(variant: str, seed: int = 0) -> Performance:
    """Bodyweight squats, front view: good = 3 full reps; fault = a full rep, one with the
    knees caving in, a full rep, then a shallow one (partial, not counted)."""
    s = _walk_in(STAND.with_(both_hip_abd=7), seed=seed)
    s.stay(T.settle_s + 0.4)
    kinds = ["full"] * 3 if variant == "good" else ["full", "valgus", "full", "shallow"]
    for kind in kinds:
        t0 = s.t
        if kind == "shallow":
            s.rep("both", SQUAT_SHALLOW.with_(both_hip_abd=7), down_s=0.8, pause_s=0.3, up_s=0.8, partial=True)
        else:
            bottom = SQUAT_VALGUS if kind == "valgus" else SQUAT_BOTTOM.with_(both_hip_abd=7)
            s.rep("both", bottom, down_s=1.0, pause_s=0.4, up_s=0.9)
            if kind == "valgus":
                s.truth.faults.append(FaultTruth("knees_cave_in", "knees_out", "both", round(t0, 3), round(s.t, 3)))
        s.stay(0.5)
    s.stay(T.settle_s)
    desc = "bodyweight squats" + ("" if variant == "good" else "; faults: knees cave in on rep 2, rep 4 too shallow")
    return Performance(f"squat-{variant}", "squat", "front", desc, s)


LUNGE_BOTTOM = BodyPose(trunk_lean_deg=4).with_(
    r_hip_flex=82, r_knee_flex=88, l_hip_flex=-22, l_knee_flex=100, l_ankle_plantar=55,
    both_shoulder_flex=5, both_elbow_flex=70, both_shoulder_abd=25)
LUNGE_LEANING = LUNGE_BOTTOM.with_(trunk_lean_deg=38, both_shoulder_flex=40)


def lunge(variant: str, seed: int = 0) -> Performance:
    """Reverse lunges, 3 per side (right leg forward first); fault: trunk pitches forward on two reps."""
    s = _walk_in(STAND, seed=seed)
    s.stay(T.settle_s + 0.4)
    for k, (side, yaw) in enumerate((("right", 0.0), ("left", 180.0))):
        if k == 1:
            s.move(STAND.with_(yaw_deg=yaw), T.turn_s).stay(0.6)
        for i in range(3):
            bottom = LUNGE_BOTTOM if side == "right" else LUNGE_BOTTOM.mirrored()
            leaning = variant == "fault" and i == 1
            if leaning:
                bottom = LUNGE_LEANING if side == "right" else LUNGE_LEANING.mirrored()
            t0 = s.t
            s.rep(side, bottom.with_(yaw_deg=yaw), down_s=1.0, pause_s=0.5, up_s=0.9)
            if leaning:
                s.truth.faults.append(FaultTruth("trunk_forward", "torso_upright", side, round(t0, 3), round(s.t, 3)))
            s.stay(0.4)
    s.stay(T.settle_s)
    desc = "reverse lunges, 3 per side" + ("" if variant == "good" else "; fault: trunk pitches forward")
    return Performance(f"lunge-{variant}", "lunge", "side", desc, s)


PERFORMANCES: dict[str, Callable[[str, int], Performance]] = {
    "hip_flexor_stretch": hip_flexor_stretch,
    "pigeon": pigeon,
    "low_lunge": low_lunge,
    "camel": camel,
    "kneeling_backbend": kneeling_backbend,
    "resting_squat": resting_squat,
    "standing_quad_stretch": standing_quad_stretch,
    "seated_twist": seated_twist,
    "squat": squat,
    "lunge": lunge,
}


def build(exercise: str, variant: str = "good", seed: int = 0) -> Performance:
    """The scripted performance of ``exercise`` ("good" or "fault")."""
    if exercise not in PERFORMANCES:
        raise ValueError(f"unknown exercise '{exercise}'; known: {', '.join(PERFORMANCES)}")
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, got '{variant}'")
    return PERFORMANCES[exercise](variant, seed)


def performance_names() -> list[str]:
    return [f"{e}-{v}" for e in PERFORMANCES for v in VARIANTS]

"""RepCounter on angle traces with known rep counts."""

from __future__ import annotations

import math

import numpy as np
import pytest

from formcheck.engine.reps import RepCounter
from formcheck.engine.spec import RepSpec

SQUAT = RepSpec(feature="thigh_depth_deg", enter_deg=70, exit_deg=35, dead_band_deg=8, min_rep_s=0.8)
LUNGE = RepSpec(feature="front_knee_angle_deg", enter_deg=110, exit_deg=155, dead_band_deg=5, min_rep_s=0.8)


def trace(*segments: tuple[float, float, float], fps: float = 30.0) -> list[tuple[int, float]]:
    """Piecewise-linear (from, to, seconds) segments -> [(t_ms, value)]."""
    out, t = [], 0.0
    for start, end, secs in segments:
        n = max(1, int(round(secs * fps)))
        for i in range(n):
            out.append((int(round(t * 1000)), start + (end - start) * i / n))
            t += 1 / fps
    out.append((int(round(t * 1000)), segments[-1][1]))
    return out


def count(counter: RepCounter, samples, side: str = "both"):
    events = [counter.update(v, t, side) for t, v in samples]
    return [e for e in events if e is not None]


def test_empty_and_idle():
    c = RepCounter(SQUAT)
    assert count(c, []) == []
    assert count(c, trace((0, 5, 3.0))) == []
    assert c.reps == {} and c.phase == "start"


def test_three_reps():
    rep = [(0, 95, 1.0), (95, 0, 1.0), (0, 0, 0.5)]
    c = RepCounter(SQUAT)
    events = count(c, trace((0, 0, 0.5), *rep * 3))
    assert [e.kind for e in events] == ["rep"] * 3
    assert c.reps == {"both": 3}
    assert events[0].end_ms - events[0].start_ms >= 800


def test_counted_on_return_not_at_depth():
    c = RepCounter(SQUAT)
    events = count(c, trace((0, 0, 0.3), (0, 95, 1.0), (95, 50, 0.5)))  # ends mid-ascent
    assert events == [] and c.reps == {} and c.phase == "bottom"


def test_partial_rep_counted_separately():
    c = RepCounter(SQUAT)
    events = count(c, trace((0, 0, 0.3), (0, 60, 0.8), (60, 0, 0.8), (0, 95, 1.0), (95, 0, 1.0)))
    assert [e.kind for e in events] == ["partial", "rep"]
    assert c.partial_reps == {"both": 1} and c.reps == {"both": 1}


def test_dead_band_ignores_wobble_near_start():
    c = RepCounter(SQUAT)
    wobble = [(t, 30 + 10 * math.sin(t / 100)) for t in range(0, 5000, 33)]  # 20..40, under exit + dead band
    assert count(c, [(0, 0.0)] + wobble) == []
    assert c.partial_reps == {}


def test_noise_does_not_double_count():
    rng = np.random.default_rng(1)
    samples = trace((0, 0, 0.5), *[(0, 95, 1.0), (95, 0, 1.0), (0, 0, 0.5)] * 4)
    noisy = [(t, v + rng.normal(0, 3.0)) for t, v in samples]
    c = RepCounter(SQUAT)
    count(c, noisy)
    assert c.reps == {"both": 4} and c.partial_reps == {}


def test_too_fast_is_not_a_rep():
    c = RepCounter(SQUAT)
    events = count(c, trace((0, 0, 0.3), (0, 95, 0.2), (95, 0, 0.2), (0, 0, 0.3)))
    assert events == [] and c.reps == {}


def test_not_armed_until_start_seen():
    """Someone who appears already crouched is not counted until they stand first."""
    c = RepCounter(SQUAT)
    events = count(c, trace((90, 90, 0.5), (90, 0, 1.0), (0, 95, 1.0), (95, 0, 1.0)))
    assert c.reps == {"both": 1} and len(events) == 1


def test_dropouts_hold_state():
    c = RepCounter(SQUAT)
    samples = trace((0, 0, 0.3), (0, 95, 1.0), (95, 0, 1.0))
    samples = [(t, math.nan if 500 < t < 900 else v) for t, v in samples]
    count(c, samples)
    assert c.reps == {"both": 1}


def test_decreasing_angle_per_side():
    c = RepCounter(LUNGE)
    rep = [(175, 95, 1.0), (95, 175, 1.0)]
    count(c, trace((175, 175, 0.3), *rep), side="left")
    count(c, [(t + 10_000, v) for t, v in trace((175, 175, 0.3), *rep * 2)], side="right")
    assert c.reps == {"left": 1, "right": 2}


@pytest.mark.parametrize("fps", [5.0, 15.0, 60.0])
def test_frame_rate_independent(fps):
    c = RepCounter(SQUAT)
    count(c, trace((0, 0, 0.4), *[(0, 95, 1.2), (95, 0, 1.2), (0, 0, 0.4)] * 2, fps=fps))
    assert c.reps == {"both": 2}


def test_rep_side_is_decided_at_the_bottom():
    """Leg labels flip as the rep starts and ends (more flipped frames than bottom
    frames): the side is the one seen at the bottom."""
    c = RepCounter(LUNGE)
    samples = trace((175, 175, 0.3), (175, 95, 0.6), (95, 95, 0.1), (95, 175, 0.6), (175, 175, 0.3))
    events = []
    for t, v in samples:
        side = "right" if v <= LUNGE.enter_deg else "left"  # only the bottom frames see the true side
        e = c.update(v, t, side)
        if e is not None:
            events.append(e)
    assert [(e.kind, e.side) for e in events] == [("rep", "right")]


def test_rep_side_falls_back_to_the_whole_rep():
    c = RepCounter(LUNGE)
    samples = trace((175, 175, 0.3), (175, 95, 0.6), (95, 175, 0.6), (175, 175, 0.3))
    events = [e for e in (c.update(v, t, "left" if v > 150 else None) for t, v in samples) if e is not None]
    assert [(e.kind, e.side) for e in events] == [("rep", "left")]


def test_short_dip_is_wobble_not_a_partial_rep():
    """The front-knee angle dips for a few frames as the person steps back (or the
    legs' labels flip for a frame): no partial rep; the real rep still counts."""
    c = RepCounter(LUNGE)
    events = count(c, trace((175, 175, 0.3), (175, 140, 0.1), (140, 170, 0.1), (170, 95, 0.7), (95, 175, 0.7),
                            (175, 175, 0.3)), side="right")
    assert [(e.kind, e.side) for e in events] == [("rep", "right")]
    assert c.partial_reps == {}


def test_lunge_rep_side_survives_a_one_frame_leg_flip():
    """Tracker end to end: as each rep starts, MediaPipe swaps the leg labels for a
    couple of frames (depth and visibility following the labels, so they read as
    the other side) while the front-knee angle jitters (a quick dip and back as
    the foot leaves the floor). Reps stay on their side and none is partial."""
    from engine_poses import side_pose, swap_leg_labels

    from formcheck.engine.spec import load_exercise
    from formcheck.engine.tracker import ExerciseTracker
    from formcheck.signal.features import compute_features

    def lunge(t, flex, front="near"):
        legs = (max(0.0, flex * 0.9), flex), (-min(30.0, flex * 0.4), flex * 0.9)
        near, far = legs if front == "near" else legs[::-1]
        if flex == 0:
            near = far = (0.0, 5.0)
        return side_pose(t, facing=1, trunk_deg=3.0, near_leg=near, far_leg=far, hip=(640, 330))

    def model_swap(pose):
        """Labels swapped with visibility and depth following the labels: reads as the other leg in front."""
        swapped = swap_leg_labels(pose)
        return type(pose)(pose.t_ms, pose.image_size, swapped.xy_px, pose.visibility, pose.world_m)

    tracker = ExerciseTracker(load_exercise("lunge"))
    dt, t, poses = 100, 0, []
    for _ in range(15):
        poses.append(lunge(t, 0)); t += dt
    for front, n in (("near", 3), ("far", 2)):
        for _ in range(n):
            flexes = [5, 40, 45, 12] + list(np.linspace(15, 85, 9)) + list(np.linspace(85, 5, 10)) + [0] * 8
            for i, k in enumerate(flexes):
                pose = lunge(t, k, front)
                poses.append(model_swap(pose) if i in (1, 2, 21) else pose); t += dt
    verdicts = [tracker.update(p, compute_features(p)) for p in poses]
    assert verdicts[-1].reps == {"right": 3, "left": 2}
    assert verdicts[-1].partial_reps == {}


def test_split_squat_that_never_straightens_counts_every_rep():
    """The front knee comes back only to ~150 deg between reps (the file's exit is 155): the return
    is judged against the person's own top and this rep's depth, not a fixed angle."""
    c = RepCounter(LUNGE)
    rep = [(150, 85, 1.0), (85, 150, 1.0), (150, 150, 0.3)]
    count(c, trace((160, 160, 0.5), (160, 150, 0.3), *rep * 5), side="right")
    assert c.reps == {"right": 5} and c.partial_reps == {}


def test_shallow_attempt_among_full_reps_is_partial():
    c = RepCounter(LUNGE)
    full = [(160, 85, 1.0), (85, 160, 1.0), (160, 160, 0.3)]
    shallow = [(160, 130, 0.8), (130, 160, 0.8), (160, 160, 0.3)]
    count(c, trace((160, 160, 0.5), *full, *shallow, *full), side="left")
    assert c.reps == {"left": 2} and c.partial_reps == {"left": 1}


def test_shallow_dip_is_judged_on_its_own_size():
    """A partial squat that only just crosses the file's exit angle (as a front-view model may read a
    real shallow dip) is still one partial rep: it returns relative to its own depth."""
    c = RepCounter(SQUAT)
    count(c, trace((5, 5, 0.5), (5, 38, 0.6), (38, 5, 0.6), (5, 5, 0.5), (5, 95, 1.0), (95, 5, 1.0)))
    assert c.partial_reps == {"both": 1} and c.reps == {"both": 1}


def test_one_frame_glitch_neither_ends_a_rep_nor_sets_the_top():
    """A leg-label swap makes the knee angle jump for a frame; the median filter absorbs it."""
    c = RepCounter(LUNGE)
    samples = trace((160, 160, 0.5), (160, 85, 1.0), (85, 150, 1.0), (150, 150, 0.3), (150, 85, 1.0),
                    (85, 150, 1.0), (150, 150, 0.5))
    glitched = [(t, 178.0 if i in (40, 75) else v) for i, (t, v) in enumerate(samples)]
    count(c, glitched, side="left")
    assert c.reps == {"left": 2} and c.partial_reps == {}


def test_arms_after_standing_steady_short_of_the_files_start():
    """Someone who starts at 150 deg (never reaching the file's 155) is armed once steady there."""
    c = RepCounter(LUNGE)
    count(c, trace((150, 150, 1.0), (150, 85, 1.0), (85, 150, 1.0), (150, 150, 0.3)), side="left")
    assert c.reps == {"left": 1}

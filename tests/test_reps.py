"""RepCounter on angle traces with known rep counts."""

from __future__ import annotations

import math

import numpy as np
import pytest

from formcheck.exercise_spec import RepSpec
from formcheck.reps import RepCounter

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


def test_reset():
    c = RepCounter(SQUAT)
    count(c, trace((0, 0, 0.3), (0, 95, 1.0), (95, 0, 1.0)))
    c.reset()
    assert c.reps == {} and c.phase == "unknown"


@pytest.mark.parametrize("fps", [5.0, 15.0, 60.0])
def test_frame_rate_independent(fps):
    c = RepCounter(SQUAT)
    count(c, trace((0, 0, 0.4), *[(0, 95, 1.2), (95, 0, 1.2), (0, 0, 0.4)] * 2, fps=fps))
    assert c.reps == {"both": 2}

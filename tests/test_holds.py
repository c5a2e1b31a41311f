"""HoldTimer: accrual only while form passes, pause vs end, per-side totals, target event."""

from __future__ import annotations

import pytest

from formcheck.exercise_spec import HoldSpec
from formcheck.holds import HoldTimer

SPEC = HoldSpec(target_s=5, max_dropout_s=1.0, max_pause_s=3.0)


def run(timer: HoldTimer, frames, dt_ms: int = 100, t0: int = 0):
    """frames: iterable of (side, present, passing) per 100 ms frame; returns events with times."""
    events = []
    for i, (side, present, passing) in enumerate(frames):
        t = t0 + i * dt_ms
        events += [(t, e) for e in timer.update(t, side, present, passing)]
    return events


def good(n, side="left"):
    return [(side, True, True)] * n


def test_empty():
    timer = HoldTimer(SPEC)
    assert run(timer, []) == []
    assert timer.totals_s == {} and timer.current_s == 0.0


def test_accrues_only_while_passing():
    timer = HoldTimer(SPEC)
    run(timer, good(21) + [("left", True, False)] * 5 + good(11))
    # 20 intervals good, 5 bad frames, then 10 intervals good (the first good frame after a pause adds 0)
    assert timer.totals_s["left"] == pytest.approx(3.0)
    assert len(timer.holds) == 1  # a 0.5 s form break pauses, does not end, the hold


def test_target_event_once():
    timer = HoldTimer(SPEC)
    events = run(timer, good(80))
    targets = [(t, e) for t, e in events if e.startswith("target")]
    assert targets == [(5000, "target:left")]
    assert timer.holds[0].target_reached


def test_short_dropout_pauses():
    timer = HoldTimer(SPEC)
    events = run(timer, good(31) + [("left", False, False)] * 8 + good(31))
    assert timer.totals_s["left"] == pytest.approx(6.0)
    assert len(timer.holds) == 1
    assert [e for _, e in events if e.startswith("target")] == ["target:left"]


def test_long_dropout_ends_the_hold():
    timer = HoldTimer(SPEC)
    events = run(timer, good(31) + [("left", False, False)] * 15 + good(31))
    assert [e for _, e in events if not e.startswith("target")] == ["hold_start:left", "hold_end:left",
                                                                      "hold_start:left"]
    assert [h.good_form_s for h in timer.holds] == [pytest.approx(3.0), pytest.approx(3.0)]
    assert timer.totals_s["left"] == pytest.approx(6.0)  # per-side total keeps both
    assert not any(h.target_reached for h in timer.holds)


def test_long_form_break_ends_the_hold():
    timer = HoldTimer(SPEC)
    run(timer, good(11) + [("left", True, False)] * 35 + good(11))
    assert len(timer.holds) == 2


def test_per_side_totals_and_switch():
    timer = HoldTimer(SPEC)
    events = run(timer, good(21, "left") + good(31, "right"))
    assert timer.totals_s == {"left": pytest.approx(2.0), "right": pytest.approx(3.0)}
    assert "hold_end:left" in [e for _, e in events]
    assert [h.side for h in timer.holds] == ["left", "right"]


def test_reset():
    timer = HoldTimer(SPEC)
    run(timer, good(20))
    timer.reset()
    assert timer.totals_s == {} and timer.holds == [] and not timer.holding

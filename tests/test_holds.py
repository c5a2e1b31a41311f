"""HoldTimer: accrual only while in the stretch with good form, pause vs end, per-side totals,
target event, and the minimum hold (shorter passes are neither counted nor reported)."""

from __future__ import annotations

import pytest

from formcheck.engine.holds import HoldTimer
from formcheck.engine.spec import HoldSpec

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


def holds(timer: HoldTimer):
    """Finished holds plus the one under way."""
    return timer.finished + ([timer.current] if timer.current is not None else [])


def test_empty():
    timer = HoldTimer(SPEC)
    assert run(timer, []) == []
    assert timer.totals_s == {} and timer.current_s == 0.0


def test_accrues_only_while_passing():
    timer = HoldTimer(SPEC)
    run(timer, good(21) + [("left", True, False)] * 5 + good(11))
    # 20 intervals good, 5 bad frames, then 10 intervals good (the first good frame after a pause adds 0)
    assert timer.totals_s["left"] == pytest.approx(3.0)
    assert len(holds(timer)) == 1  # a 0.5 s form break pauses, does not end, the hold


def test_target_event_once():
    timer = HoldTimer(SPEC)
    events = run(timer, good(80))
    targets = [(t, e) for t, e in events if e.startswith("target")]
    assert targets == [(5000, "target:left")]


def test_short_dropout_pauses():
    timer = HoldTimer(SPEC)
    events = run(timer, good(31) + [("left", False, False)] * 8 + good(31))
    assert timer.totals_s["left"] == pytest.approx(6.0)
    assert len(holds(timer)) == 1
    assert [e for _, e in events if e.startswith("target")] == ["target:left"]


def test_long_dropout_ends_the_hold():
    timer = HoldTimer(SPEC)
    events = run(timer, good(31) + [("left", False, False)] * 15 + good(31))
    assert [e for _, e in events if not e.startswith("target")] == ["hold_start:left", "hold_end:left",
                                                                      "hold_start:left"]
    assert [h.good_form_s for h in holds(timer)] == [pytest.approx(3.0), pytest.approx(3.0)]
    assert timer.totals_s["left"] == pytest.approx(6.0)  # per-side total keeps both
    assert [h.start_s for h in holds(timer)] == [0.0, pytest.approx(4.6)]


def test_long_form_break_ends_the_hold():
    timer = HoldTimer(SPEC)
    run(timer, good(11) + [("left", True, False)] * 35 + good(11))
    assert len(holds(timer)) == 2


def test_per_side_totals_and_switch():
    timer = HoldTimer(SPEC)
    events = run(timer, good(21, "left") + good(31, "right"))
    assert timer.totals_s == {"left": pytest.approx(2.0), "right": pytest.approx(3.0)}
    assert "hold_end:left" in [e for _, e in events]
    assert [h.side for h in holds(timer)] == ["left", "right"]


def test_a_pass_shorter_than_the_minimum_is_not_a_hold():
    timer = HoldTimer(SPEC)  # min_hold_s defaults to 1 s
    events = run(timer, good(6) + [("left", True, False)] * 40 + good(16))
    assert [h.good_form_s for h in holds(timer)] == [pytest.approx(1.5)]
    assert timer.totals_s == {"left": pytest.approx(1.5)}
    assert [e for _, e in events] == ["hold_start:left"]  # announced once it counts


def test_pulses_in_and_out_of_the_stretch_make_one_hold():
    timer = HoldTimer(SPEC)
    pulse = good(13) + [("left", True, False)] * 25  # 1.2 s in, 2.5 s out, three times
    run(timer, pulse * 3)
    assert len(holds(timer)) == 1
    assert timer.totals_s["left"] == pytest.approx(3.6)

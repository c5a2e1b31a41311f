"""The one debounce the engine's judgements share."""

from __future__ import annotations

from formcheck.engine.debounce import Debounced


def test_takes_a_reading_only_once_it_has_held_for_the_delay():
    state = Debounced(False)
    assert [state.update(True, t, delay_ms=300) for t in (0, 100, 200, 300, 400)] == [False, False, False, True, True]
    assert not state.pending


def test_a_reading_that_agrees_again_forgets_the_pending_change():
    state = Debounced("left")
    state.update("right", 0, delay_ms=300)
    assert state.pending
    state.update("left", 100, delay_ms=300)
    assert not state.pending
    # the change is timed afresh from here
    assert [state.update("right", t, delay_ms=300) for t in (200, 400, 500)] == ["left", "left", "right"]


def test_a_new_candidate_restarts_the_clock():
    state = Debounced("unknown")
    state.update("side", 0, delay_ms=200)
    assert state.update("front", 150, delay_ms=200) == "unknown"
    assert state.update("front", 300, delay_ms=200) == "unknown"  # 150 ms of "front", not 300
    assert state.update("front", 350, delay_ms=200) == "front"


def test_the_delay_may_depend_on_the_direction():
    state = Debounced(False)
    t = 0
    while not state.value:  # getting in is slow
        t += 100
        state.update(True, t, delay_ms=500 if not state.value else 100)
    assert t == 600  # first True at 100, held 500 ms
    state.update(False, t + 100, delay_ms=100)
    assert state.update(False, t + 200, delay_ms=100) is False


def test_cancel_and_set():
    state = Debounced(1)
    state.update(2, 0, delay_ms=100)
    state.cancel()
    assert state.update(2, 100, delay_ms=100) == 1  # timed afresh after the cancel
    state.set(3)
    assert state.value == 3 and not state.pending

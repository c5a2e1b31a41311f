"""CueSelector: one cue, most severe first, shown >= 0.5 s, messages expire."""

from __future__ import annotations

import pytest

from formcheck.core.verdict import Cue, CueKind, Severity
from formcheck.engine.cues import CueSelector

MINOR = Cue("Lift your chest", CueKind.FAULT, Severity.MINOR)
MAJOR = Cue("Don't lean back", CueKind.FAULT, Severity.MAJOR)
CONFIRM = Cue("Good, back is neutral now", CueKind.CONFIRM, Severity.INFO)


def test_empty():
    assert CueSelector().update(0, []) is None


def test_most_severe_first():
    assert CueSelector().update(0, [MINOR, MAJOR]) == MAJOR


def test_minimum_show_time_prevents_flicker():
    sel = CueSelector(min_show_s=0.5)
    assert sel.update(0, [MINOR]) == MINOR
    assert sel.update(100, [MAJOR, MINOR]) == MINOR  # a more severe fault waits for the 0.5 s
    assert sel.update(300, []) == MINOR  # a fault that cleared after 0.3 s still shows
    assert sel.update(500, [MAJOR]) == MAJOR


def test_current_cue_kept_on_tie():
    sel = CueSelector()
    other = Cue("Knees out", CueKind.FAULT, Severity.MINOR)
    sel.update(0, [MINOR])
    assert sel.update(1000, [other, MINOR]) == MINOR


def test_confirmation_shown_then_expires():
    sel = CueSelector(min_show_s=0.5, message_s=1.5)
    sel.update(0, [MAJOR])
    assert sel.update(600, [], [CONFIRM]) == CONFIRM
    assert sel.update(1500, []) == CONFIRM
    assert sel.update(2200, []) is None


def test_fault_overrides_confirmation_after_min_show():
    sel = CueSelector()
    sel.update(0, [], [CONFIRM])
    assert sel.update(200, [MINOR]) == CONFIRM
    assert sel.update(600, [MINOR]) == MINOR


def test_raises_on_bad_parameters():
    with pytest.raises(ValueError, match="min_show_s"):
        CueSelector(min_show_s=-1)

"""RuleMonitor: min-only, max-only and range rules, hysteresis, debounce, unknown values, phases."""

from __future__ import annotations

import math

import pytest

from formcheck.core.verdict import JointState
from formcheck.engine.debounce import UNKNOWN_GRACE_S
from formcheck.engine.rules import RuleMonitor
from formcheck.engine.spec import Phase, RuleSpec


def rule(**kw) -> RuleSpec:
    base = dict(id="r", feature="trunk_lean_deg", cue="Fix it", debounce_s=0.0)
    base.update(kw)
    return RuleSpec(**base)


def run(monitor: RuleMonitor, values, dt_ms: int = 100):
    return [monitor.update(v, i * dt_ms) for i, v in enumerate(values)]


@pytest.mark.parametrize(
    "bounds, value, faulty",
    [
        (dict(min_deg=-10), -11, True),
        (dict(min_deg=-10), 50, False),
        (dict(max_deg=20), 21, True),
        (dict(max_deg=20), -90, False),
        (dict(min_deg=-10, max_deg=20), 0, False),
        (dict(min_deg=-10, max_deg=20), -10.5, True),
        (dict(min_deg=-10, max_deg=20), 25, True),
    ],
)
def test_rule_kinds(bounds, value, faulty):
    result = RuleMonitor(rule(**bounds)).update(value, 0)
    assert result.state is (JointState.FAULT if faulty else JointState.OK)


def test_ratio_rule():
    r = rule(feature="knee_to_ankle_width_ratio", min_ratio=0.8)
    assert RuleMonitor(r).update(0.7, 0).state is JointState.FAULT
    assert RuleMonitor(r).update(0.9, 0).state is JointState.OK


def test_debounce_ignores_short_violations():
    m = RuleMonitor(rule(max_deg=20, debounce_s=0.3))
    states = [r.state for r in run(m, [25, 25, 10, 25, 25, 25, 25, 25])]  # 100 ms frames
    # two bad frames (200 ms) then good: never raised; then bad from t=300: raised at t=600
    assert states[:6] == [JointState.OK] * 6
    assert states[6] is JointState.FAULT
    states = [r.state for r in run(RuleMonitor(rule(max_deg=20, debounce_s=0.3)), [25] * 6)]
    assert states.index(JointState.FAULT) == 3


def test_hysteresis_needs_a_clear_return():
    m = RuleMonitor(rule(max_deg=20, hysteresis_deg=5))
    results = run(m, [25, 19, 17, 14.9, 16])
    assert [r.state for r in results] == [JointState.FAULT, JointState.FAULT, JointState.FAULT,
                                          JointState.OK, JointState.OK]
    assert [r.cleared for r in results] == [False, False, False, True, False]


def test_noise_around_threshold_does_not_flicker():
    m = RuleMonitor(rule(max_deg=20, hysteresis_deg=3, debounce_s=0.2))
    values = [21, 19.5, 21, 19, 20.5, 19.8, 21.2, 19.6] * 5  # jitter around the bound
    results = run(m, values, dt_ms=33)
    states = [r.state for r in results]
    assert sum(a is not b for a, b in zip(states, states[1:])) <= 1


def test_unknown_value_keeps_fault_bridges_a_short_gap_then_reports_unknown():
    m = RuleMonitor(rule(max_deg=20))
    assert m.update(30, 0).state is JointState.FAULT
    r = m.update(math.nan, 100)
    assert r.state is JointState.FAULT and not r.cleared  # a hidden joint for a moment changes nothing
    r = m.update(math.nan, 100 + int(UNKNOWN_GRACE_S * 1000))
    assert r.state is JointState.UNKNOWN and not r.cleared
    assert m.update(30, 900).state is JointState.FAULT
    assert m.faulting


def test_inactive_phase_resets_and_never_faults():
    m = RuleMonitor(rule(max_deg=20, phase="bottom"))
    assert m.rule.phase is Phase.BOTTOM
    assert m.update(30, 0).state is JointState.FAULT
    r = m.update(30, 100, active=False)
    assert not r.active and r.state is JointState.OK
    assert not m.faulting


def test_phase_coverage():
    assert Phase.ACTIVE.covers("moving") and Phase.ACTIVE.covers("bottom") and not Phase.ACTIVE.covers("start")
    assert Phase.ANY.covers("hold") and Phase.ANY.covers("start")
    assert Phase.HOLD.covers("hold") and not Phase.HOLD.covers("setup")

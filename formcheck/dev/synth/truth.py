"""Expected results of a synthetic clip, from its script and its exact geometry.

Reps and hold intervals come straight from the script. A fault's onset is
when the true body (landmark-only poses, no model, no smoothing) first breaks
the exercise rule inside the scripted fault episode, and it lasts until the
body is back inside the rule's bounds; hold time is the time in position
and in the stretch (every ``[[stretch]]`` condition within its range) minus
the intervals of faults that stop the hold clock. Like the tracker, a rule counts only while the body is
in the exercise position (every ``[[position]]`` condition of the exercise
within its range) and, for reps, in the rule's phase. If a scripted fault
never breaks its rule there, the motion (or the exercise file) is wrong, and
``expected_result`` says so rather than writing a false answer.
"""

from __future__ import annotations

import math
from typing import Any

from ...engine.position import PositionCheck
from ...engine.spec import ExerciseSpec, RuleSpec, load_exercise
from ...signal.features import Features, compute_features
from .clip import SynthClip

__all__ = ["exact_series", "fault_intervals", "expected_result", "in_position", "MotionError", "DEFAULT_HOLD_TOLERANCE_S",
           "DEFAULT_ONSET_TOLERANCE_S"]

DEFAULT_HOLD_TOLERANCE_S = 0.5
DEFAULT_ONSET_TOLERANCE_S = 0.5
#: How long after a scripted fault episode its rule may take to clear.
CLEAR_SEARCH_S = 1.0


class MotionError(ValueError):
    """A scripted performance does not do what its truth says (e.g. a fault that breaks no rule)."""


def _violated(rule: RuleSpec, value: float) -> bool:
    lo, hi = rule.bounds
    if not math.isfinite(value):
        return False
    return (lo is not None and value < lo) or (hi is not None and value > hi)


def in_position(spec: ExerciseSpec, values: dict[str, float]) -> bool:
    """The body is in the exercise position: every position condition within its range."""
    return all(p.inside_all([values[name] for name in p.features]) for p in spec.position)


def _applies(spec: ExerciseSpec, rule: RuleSpec, values: dict[str, float]) -> bool:
    """Whether a rule is checked at this frame: in position, and for reps in the rule's phase
    (read from the rep feature)."""
    if not in_position(spec, values):
        return False
    if spec.reps is None:
        return True
    from ...engine.reps import RepCounter

    return rule.phase.covers(RepCounter(spec.reps).phase_of(values[spec.reps.feature]))


Series = list[tuple[int, Features]]


def exact_series(clip: SynthClip) -> Series:
    """(t_ms, features) of the true body in every frame: computed once, shared by the checks below."""
    return [(p.t_ms, compute_features(p)) for p in clip.poses()]


def fault_intervals(clip: SynthClip, spec: ExerciseSpec, series: Series | None = None) -> list[dict[str, Any]]:
    """Each scripted fault as it really happens: ``{rule, fault, side, onset_s, end_s}``.

    It starts when the true body first breaks the rule inside the scripted episode and
    lasts, as the rule says, until the body is back inside the bounds by the rule's
    hysteresis (looked for up to ``CLEAR_SEARCH_S`` after the episode)."""
    perf = clip.performance
    rules = {r.id: r for r in spec.rules}
    frames = [(t_ms / 1000.0, f.values) for t_ms, f in (series if series is not None else exact_series(clip))]
    out = []
    for fault in perf.truth.faults:
        if fault.rule not in rules:
            raise MotionError(f"{perf.name}: fault '{fault.fault}' names rule '{fault.rule}', "
                              f"not in {spec.id} (rules: {', '.join(rules)})")
        rule = rules[fault.rule]
        onset = next((t for t, values in frames
                      if fault.start_s <= t <= fault.end_s and _applies(spec, rule, values)
                      and _violated(rule, values[rule.feature])), None)
        if onset is None:
            raise MotionError(f"{perf.name}: the scripted fault '{fault.fault}' ({fault.start_s}-{fault.end_s} s) "
                              f"never breaks rule '{rule.id}' ({rule.feature} outside {rule.bounds}) "
                              f"while in position and in the rule's phase")
        end = onset
        for t, values in frames:
            if not onset <= t <= fault.end_s + CLEAR_SEARCH_S or not _applies(spec, rule, values):
                continue
            if rule.inside(values[rule.feature], rule.hysteresis):
                break
            end = t
        out.append({"rule": rule.id, "fault": fault.fault, "side": fault.side,
                    "onset_s": round(onset, 3), "end_s": round(end + 1.0 / clip.fps, 3)})
    return out


def out_of_stretch(clip: SynthClip, spec: ExerciseSpec, series: Series | None = None) -> list[tuple[float, float]]:
    """Intervals when the true body is not in the stretch, as the exercise file defines it
    (ranges, hysteresis, enter and exit times, steadiness: ``position.PositionCheck``
    applied to the exact landmarks)."""
    out: list[tuple[float, float]] = []
    dt_s = 1.0 / clip.fps
    stretch = PositionCheck(spec.stretch)
    for t_ms, features in (series if series is not None else exact_series(clip)):
        if stretch.update(t_ms, features).ok:
            continue
        t_s = t_ms / 1000.0
        if out and abs(out[-1][1] - t_s) < 1.5 * dt_s:
            out[-1] = (out[-1][0], t_s + dt_s)
        else:
            out.append((t_s, t_s + dt_s))
    return out


def _merged(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for start, end in sorted(intervals):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def expected_result(clip: SynthClip, spec: ExerciseSpec | None = None, *,
                    hold_tolerance_s: float = DEFAULT_HOLD_TOLERANCE_S,
                    series: Series | None = None) -> dict[str, Any]:
    """The expected-result file's content (see samples/README.md for the format)."""
    perf = clip.performance
    spec = spec or load_exercise(perf.exercise)
    series = series if series is not None else exact_series(clip)
    faults = fault_intervals(clip, spec, series)
    truth = perf.truth
    expected: dict[str, Any] = {
        "exercise": perf.exercise,
        "description": perf.description,
        "source": f"synthetic: python -m formcheck.dev.synth.make_samples (performance {perf.name}, seed {clip.seed})",
    }
    if spec.mode.value == "reps":
        sides = sorted(set(truth.reps) | set(truth.partial_reps))
        expected["reps"] = {s: truth.reps.get(s, 0) for s in sides}
        expected["partial_reps"] = {s: truth.partial_reps.get(s, 0) for s in sides}
    else:
        stops = {r.id for r in spec.rules if r.stops_hold}
        bad = [(f["onset_s"], f["end_s"]) for f in faults if f["rule"] in stops] + out_of_stretch(clip, spec, series)
        hold_s = truth.hold_s(_merged(bad))
        expected["hold_s"] = {side: round(v, 2) for side, v in hold_s.items()}
        expected["hold_tolerance_s"] = hold_tolerance_s
    expected["faults"] = [{"rule": f["rule"], "side": f["side"], "onset_s": f["onset_s"],
                           "note": f"{f['fault']} until {f['end_s']} s"} for f in faults]
    expected["onset_tolerance_s"] = DEFAULT_ONSET_TOLERANCE_S
    if perf.known_failure:
        expected["known_failure"] = perf.known_failure
    return expected

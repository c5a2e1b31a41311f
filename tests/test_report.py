"""Report building from verdict streams with known holds and faults."""

from __future__ import annotations

import io
import json
import math

import jsonschema
import pytest

from formcheck.core.verdict import ActiveFault, FrameVerdict, Severity
from formcheck.engine.holds import HoldTimer
from formcheck.engine.spec import HoldSpec
from formcheck.outputs.report import (
    REPORT_SCHEMA_PATH,
    ReportBuilder,
    TimelineWriter,
    write_json,
)

ARCH = ActiveFault("trunk_upright", "Tuck your pelvis", Severity.MAJOR, "left")


def verdicts(spec, hold_spec=HoldSpec(target_s=30, max_pause_s=1.0)):
    """Frames at 10 fps from (seconds, in the stretch, side, faults) segments, with the holds of a
    real ``HoldTimer`` on them (breaks up to 1 s pause a hold, longer ones end it)."""
    timer = HoldTimer(hold_spec)
    t_ms, out = 0, []
    for seconds, holding, side, faults in spec:
        for _ in range(int(seconds * 10)):
            done = len(timer.finished)
            timer.update(t_ms, side, present=True, passing=holding)
            out.append(FrameVerdict(t_ms=t_ms, pose_found=True, setup_ok=True, view="side", side=side,
                                    phase="hold", faults=faults, holding=timer.holding, hold_s=timer.totals_s,
                                    hold_ended=timer.finished[-1] if len(timer.finished) > done else None,
                                    hold_open=timer.current))
            t_ms += 100
    return out


def build(frames):
    builder = ReportBuilder("hip_flexor_stretch", "full", source="clip.mp4")
    for v in frames:
        builder.add(v)
    return builder.build()


def test_hold_survives_short_break_and_splits_on_long_one():
    report = build(verdicts([
        (1, False, "left", ()), (3, True, "left", ()), (0.5, False, "left", ()), (2, True, "left", ()),
        (2, False, "left", ()), (1.5, True, "left", ()),
    ]))
    assert len(report["holds"]) == 2
    first, second = report["holds"]
    assert first["side"] == "left"
    assert first["good_form_s"] == pytest.approx(4.8, abs=0.11)  # the first frame after a break adds nothing
    assert first["start_s"] == pytest.approx(1.0, abs=0.11)
    assert first["end_s"] == pytest.approx(6.4, abs=0.11)
    assert second["good_form_s"] == pytest.approx(1.4, abs=0.11)
    assert report["sides"]["left"]["hold_s"] == pytest.approx(6.2, abs=0.11)


def test_side_change_closes_the_hold():
    report = build(verdicts([(2, True, "left", ()), (2, True, "right", ())]))
    assert [h["side"] for h in report["holds"]] == ["left", "right"]
    assert report["sides"]["right"]["hold_s"] == pytest.approx(1.9, abs=0.11)


def test_a_pass_through_the_stretch_is_not_a_hold():
    report = build(verdicts([(0.6, True, "left", ()), (3, False, "left", ()), (2, True, "left", ())]))
    assert [round(h["good_form_s"], 1) for h in report["holds"]] == [1.9]
    assert report["sides"]["left"]["hold_s"] == pytest.approx(1.9, abs=0.11)


def test_fault_intervals_open_and_close():
    report = build(verdicts([(1, True, "left", ()), (1.5, False, "left", (ARCH,)), (1, True, "left", ()),
                             (0.5, False, "left", (ARCH,))]))
    assert [(f["rule"], f["start_s"], f["end_s"]) for f in report["faults"]] == [
        ("trunk_upright", 1.0, 2.4), ("trunk_upright", 3.5, 3.9)]
    assert report["faults"][0]["cue"] == "Tuck your pelvis"


def test_report_matches_schema_and_counts_frames():
    frames = verdicts([(1, True, "left", ())])
    frames.append(FrameVerdict(t_ms=1000, pose_found=False, setup_ok=False, view="unknown", side="unknown",
                               phase="setup"))
    report = build(frames)
    schema = json.loads(REPORT_SCHEMA_PATH.read_text())
    jsonschema.validate(report, schema)
    assert (report["frames"], report["frames_with_pose"], report["duration_s"]) == (11, 10, 1.0)


def test_empty_report_is_valid_and_says_no_person():
    report = ReportBuilder(None, "lite").build()
    jsonschema.validate(report, json.loads(REPORT_SCHEMA_PATH.read_text()))
    assert report["frames"] == 0 and report["person_detected"] is False and report["sides"] == {}


def test_timeline_rows_blank_unknown_features():
    from formcheck.signal.features import Features

    stream = io.StringIO()
    writer = TimelineWriter(stream, ["a_deg", "b_deg"])
    v = verdicts([(0.1, False, "left", (ARCH,))])[0]
    writer.add(v, Features(t_ms=0, values={"a_deg": 12.345, "b_deg": math.nan}))
    header, row = stream.getvalue().strip().splitlines()
    assert header.endswith("a_deg,b_deg")
    assert row.endswith("12.35,")
    assert "trunk_upright:left" in row


def test_write_json_is_atomic(tmp_path):
    path = tmp_path / "report.json"
    write_json(path, {"a": 1})
    assert json.loads(path.read_text()) == {"a": 1}
    assert not list(tmp_path.glob("*.part"))


def test_rules_not_checked_from_the_view_are_counted():
    frames = [FrameVerdict(t_ms=100 * i, pose_found=True, setup_ok=i >= 5, view="side", side="both",
                           phase="start", unchecked=("knees_out", "hips_level")) for i in range(25)]
    report = build(frames)
    assert report["not_checked_s"] == {"hips_level": pytest.approx(2.0), "knees_out": pytest.approx(2.0)}
    assert build(frames[:3])["not_checked_s"] == {}

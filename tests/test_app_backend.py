"""The app's pure helpers: settings, upload checks, sample clips, chart and table data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from formcheck.app import backend
from formcheck.core.errors import InputError
from formcheck.engine.spec import list_exercises, load_exercise


def test_rtc_configuration_default_has_no_ice_servers() -> None:
    assert backend.rtc_configuration({}) == {"iceServers": []}
    assert backend.rtc_configuration({"FORMCHECK_ICE_SERVERS": "  "}) == {"iceServers": []}


def test_rtc_configuration_from_env() -> None:
    servers = [{"urls": ["stun:stun.example.org:3478"]}, {"urls": "turn:t.example.org", "username": "u",
                                                          "credential": "c"}]
    assert backend.rtc_configuration({"FORMCHECK_ICE_SERVERS": json.dumps(servers)}) == {"iceServers": servers}


@pytest.mark.parametrize("raw, message", [
    ("stun:x", "not valid JSON"),
    ('{"urls": "stun:x"}', "must be a JSON list"),
    ('[{"url": "stun:x"}]', "must be a JSON list"),
])
def test_rtc_configuration_rejects_bad_env(raw: str, message: str) -> None:
    with pytest.raises(InputError, match=f"FORMCHECK_ICE_SERVERS: {message}"):
        backend.rtc_configuration({"FORMCHECK_ICE_SERVERS": raw})


def test_upload_cap() -> None:
    assert backend.upload_cap_mb({}) == backend.DEFAULT_UPLOAD_MB == 200
    assert backend.upload_cap_mb({"FORMCHECK_UPLOAD_MB": "50"}) == 50
    for bad in ("0", "-3", "lots"):
        with pytest.raises(InputError, match="FORMCHECK_UPLOAD_MB: must be a whole number"):
            backend.upload_cap_mb({"FORMCHECK_UPLOAD_MB": bad})


def test_check_upload() -> None:
    backend.check_upload("clip.MOV", 10, cap_mb=1)
    with pytest.raises(InputError, match=r"notes.txt: not a video file type we read \(use one of: mp4"):
        backend.check_upload("notes.txt", 10, cap_mb=1)
    with pytest.raises(InputError, match="big.mp4: 2.0 MB is over the 1 MB upload limit"):
        backend.check_upload("big.mp4", 2 * 1024 * 1024, cap_mb=1)
    with pytest.raises(InputError, match="empty.mp4: the file is empty"):
        backend.check_upload("empty.mp4", 0, cap_mb=1)


def test_save_upload_uses_a_safe_name(tmp_path: Path) -> None:
    path = backend.save_upload("../../etc/my clip;rm.mp4", b"data", tmp_path / "in", cap_mb=1)
    assert path.parent == tmp_path / "in"
    assert path.name == "my_clip_rm.mp4"
    assert path.read_bytes() == b"data"
    with pytest.raises(InputError):
        backend.save_upload("x.exe", b"data", tmp_path / "in", cap_mb=1)


def test_sample_clips(tmp_path: Path) -> None:
    (tmp_path / "b.mp4").write_bytes(b"")
    (tmp_path / "b.expected.json").write_text(json.dumps({"exercise": "squat", "reps": {"both": 3}}))
    (tmp_path / "a.mov").write_bytes(b"")
    (tmp_path / "a.expected.json").write_text("{not json")
    (tmp_path / "notes.txt").write_text("")
    clips = backend.sample_clips(tmp_path)
    assert [c.path.name for c in clips] == ["a.mov", "b.mp4"]
    assert (clips[0].exercise, clips[0].expected, clips[0].label) == (None, None, "a.mov")
    assert (clips[1].exercise, clips[1].label) == ("squat", "b.mp4 (squat)")
    assert backend.sample_clips(tmp_path / "missing") == []


def test_bundled_samples_name_their_exercise() -> None:
    clips = backend.sample_clips()
    if not clips:
        pytest.skip("no bundled sample clips yet")
    from formcheck.engine.spec import exercise_ids

    assert {c.exercise for c in clips} <= set(exercise_ids())


REPORT = {
    "exercise": "squat", "duration_s": 10.0,
    "sides": {"right": {"reps": 1, "partial_reps": 0, "hold_s": 0.0},
              "left": {"reps": 2, "partial_reps": 1, "hold_s": 3.04}},
    "faults": [{"rule": "knees_out", "cue": "Knees out", "side": "both", "start_s": 4.25, "end_s": 5.75}],
}


def test_tables() -> None:
    assert backend.side_table(REPORT) == [
        {"side": "left", "reps": 2, "partial reps": 1, "held (s)": 3.0},
        {"side": "right", "reps": 1, "partial reps": 0, "held (s)": 0.0},
    ]
    assert backend.fault_intervals(REPORT) == [
        {"what was wrong": "knees out", "side": "both", "from (s)": 4.25, "to (s)": 5.75, "for (s)": 1.5,
         "what to fix": "Knees out"}
    ]
    assert backend.side_table({}) == [] and backend.fault_intervals({}) == []
    holds = {"holds": [{"side": "left", "start_s": 1.0, "end_s": 9.0, "good_form_s": 7.46}]}
    assert backend.hold_rows(holds) == [{"side": "left", "from (s)": 1.0, "to (s)": 9.0, "good form (s)": 7.5}]


def test_feature_label_is_plain_words_with_units() -> None:
    assert backend.feature_label("back_thigh_from_vertical_deg") == "back thigh from vertical (°)"
    assert backend.feature_label("knee_to_ankle_width_ratio") == "knee-to-ankle width ratio"
    assert backend.feature_label("thigh_depth_deg") == "thigh depth (°)"
    from formcheck.signal.features import FEATURES

    for name in FEATURES:
        assert "_" not in backend.feature_label(name), name


def test_exercise_name_and_local_time(monkeypatch: pytest.MonkeyPatch) -> None:
    import time
    from datetime import datetime, timezone

    specs = {spec.id: spec for spec in list_exercises()}
    assert backend.exercise_name("squat", specs) == "Bodyweight squat"
    assert backend.exercise_name("gone_exercise", specs) == "gone exercise"
    monkeypatch.setenv("TZ", "XYZ-2")  # POSIX: local time is UTC+2
    time.tzset()
    try:
        assert backend.local_time_text(datetime(2026, 11, 30, 14, 5, tzinfo=timezone.utc)) == "Mon 30 Nov, 16:05"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_feature_charts_take_thresholds_from_the_spec() -> None:
    squat = load_exercise("squat")
    charts = backend.feature_charts(squat, ["thigh_depth_deg", "knee_to_ankle_width_ratio", "hips_vs_feet_deg"])
    assert [c.feature for c in charts] == ["thigh_depth_deg", "knee_to_ankle_width_ratio", "hips_vs_feet_deg"]
    depth, knees, hips = charts
    assert depth.thresholds == (("rep starts", squat.reps.enter_deg), ("rep counts", squat.reps.exit_deg))
    assert depth.rules == () and depth.label == "thigh depth (°)"
    assert knees.thresholds == (("knees out: lowest allowed", 0.75),) and knees.rules == ("knees_out",)
    assert knees.label == "knee-to-ankle width ratio"
    assert hips.thresholds == (("hips level: highest allowed", 20.0),) and hips.rules == ("hips_level",)
    assert [c.feature for c in backend.feature_charts(squat, ["thigh_depth_deg"])] == ["thigh_depth_deg"]
    assert backend.feature_charts(None, ["thigh_depth_deg"]) == []


def test_spec_texts_and_rule_rows() -> None:
    squat = load_exercise("squat")
    assert backend.camera_setup_text(squat) == f"Front view. {squat.camera.setup}"
    assert backend.instructions_text(squat).splitlines()[0] == f"1. {squat.instructions[0]}"
    rows = backend.rule_rows(squat)
    assert [r["allowed"] for r in rows] == ["≥ 0.75", "≤ 20°"]
    assert rows[0]["what you will hear"] == "Push your knees out over your toes"
    assert rows[0]["what is measured"] == "knee-to-ankle width ratio" and rows[0]["when"] == "during each rep"
    for spec in list_exercises():
        spec_rows = backend.rule_rows(spec)
        assert len(spec_rows) == len(spec.rules)
        for row in spec_rows:  # no raw feature id, rule id or phase name reaches the page
            assert not any("_" in str(cell) for cell in row.values()), row
            assert "_deg" not in str(row) and "_ratio" not in str(row)


def test_position_rows_list_every_condition() -> None:
    for spec in list_exercises():
        rows = backend.position_rows(spec)
        assert len(rows) == len(spec.position)
        for row in rows:
            assert row["in position when"] and row["what you will hear until then"]
            assert "_" not in row["what is measured"], row
    camel = backend.position_rows(load_exercise("camel"))
    assert camel[0]["what is measured"] == "left knee angle (°), right knee angle (°)"
    assert camel[0]["in position when"] == "≤ 115°"

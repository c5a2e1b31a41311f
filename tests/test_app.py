"""Each page's logic through Streamlit's AppTest (no browser; the WebRTC component is faked).

The live page gets a fake ``webrtc_streamer`` that pushes frames through the
page's own frame callback, as streamlit-webrtc's worker thread would, and a
stub pipeline session, so the page's wiring (board, status, summary, history)
is tested without a camera or a model. The review page runs the real analysis.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("streamlit_webrtc", reason="streamlit-webrtc is not installed (pip install -e .[app])")

import av  # noqa: E402
import streamlit_webrtc  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from formcheck.core.verdict import Cue, CueKind, FrameVerdict  # noqa: E402
from formcheck.outputs.history import History  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # the pages import app_pages.common, as under `streamlit run`
SHARED_SQUATS = REPO.parent / "shared" / "data" / "tfjs" / "pose_squats.mp4"
TIMEOUT_S = 120


class StubLiveFrame:
    def __init__(self, rgb: np.ndarray, verdict: FrameVerdict) -> None:
        self.annotated_rgb = rgb
        self.verdict = verdict
        self.latency_ms = 1.0


class StubSession:
    """Counts a rep every 2 frames and paints the frame (the 'overlay')."""

    def __init__(self, exercise: str | None) -> None:
        self.exercise = exercise
        self.frames = 0

    def process(self, rgb: np.ndarray, t_ms: int, captured_at: float | None = None) -> StubLiveFrame:
        self.frames += 1
        out = rgb.copy()
        out[:10] = (255, 0, 0)
        verdict = FrameVerdict(t_ms=t_ms, pose_found=True, setup_ok=True, view="front", side="both",
                               phase="up", reps={"both": self.frames // 2},
                               cue=Cue("Keep your chest up", CueKind.FAULT))
        return StubLiveFrame(out, verdict)

    def summary(self) -> dict[str, Any]:
        return {"exercise": self.exercise, "model": "lite", "duration_s": 3.0, "frames": self.frames,
                "frames_with_pose": self.frames, "sides": {"both": {"reps": self.frames // 2, "partial_reps": 0,
                                                                    "hold_s": 0.0}},
                "reps": self.frames // 2, "holds": [],
                "faults": [{"rule": "trunk", "cue": "Keep your chest up", "side": "both", "start_s": 0.5,
                            "end_s": 1.0}]}

    def reset(self) -> None:
        self.frames = 0


class FakeState:
    def __init__(self, plays: int) -> None:
        self._plays = plays

    @property
    def playing(self) -> bool:
        if self._plays > 0:
            self._plays -= 1
            return True
        return False


class FakeCtx:
    def __init__(self, plays: int) -> None:
        self.state = FakeState(plays)


class FakeStreamer:
    """Stands in for ``webrtc_streamer``: records its arguments and plays frames when asked."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.frames_to_send = 0
        self.plays = 0
        self.returned: list[np.ndarray] = []

    def __call__(self, **kwargs: Any) -> FakeCtx:
        self.calls.append(kwargs)
        callback = kwargs["video_frame_callback"]
        sent, deadline = 0, time.monotonic() + 30
        while sent < self.frames_to_send and time.monotonic() < deadline:
            frame = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")
            out = callback(frame).to_ndarray(format="rgb24")
            if out[0, 0, 0] == 255:  # processed (not passed back while the session loads)
                self.returned.append(out)
                sent += 1
            else:
                time.sleep(0.01)
        plays, self.plays, self.frames_to_send = self.plays, 0, 0
        return FakeCtx(plays)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Any]:
    history = tmp_path / "history.sqlite3"
    monkeypatch.setenv("FORMCHECK_HISTORY", str(history))
    monkeypatch.setenv("FORMCHECK_SAMPLES_DIR", str(tmp_path / "samples"))
    (tmp_path / "samples").mkdir()
    fake = FakeStreamer()
    monkeypatch.setattr(streamlit_webrtc, "webrtc_streamer", fake)
    import app_pages.common

    app_pages.common.history.clear()
    monkeypatch.setattr(app_pages.common, "live_session_factory",
                        lambda exercise, side, model: (lambda: StubSession(exercise)))
    return {"history": history, "streamer": fake, "samples": tmp_path / "samples", "tmp": tmp_path}


def app(page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(REPO / "streamlit_app.py"), default_timeout=TIMEOUT_S)
    at.run()
    if page:
        at.switch_page(page).run()
    return at


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info]
    parts += [e.value for e in at.error] + [s.value for s in at.success] + [w.value for w in at.warning]
    return "\n".join(str(p) for p in parts)


# --- live ---------------------------------------------------------------------------------------------


def test_live_page_setup_and_webrtc_configuration(env: dict[str, Any]) -> None:
    at = app()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Live"
    [call] = env["streamer"].calls
    assert call["rtc_configuration"] == {"iceServers": []}  # no public STUN by default
    assert call["async_processing"] is False  # sync: each frame goes back at once; the board drops stale ones
    assert call["media_stream_constraints"]["audio"] is False
    exercise = at.selectbox(key="live_exercise")
    assert exercise.value is None and exercise.placeholder == "Choose an exercise"  # nothing preselected
    assert exercise.options[0] == "Pose only (no exercise)"
    exercise.set_value("camel").run()
    assert any("Camera:" in i.value for i in at.info)  # how to place the camera, before START
    assert "press STOP, then START again" in texts(at)


def test_live_page_ice_servers_from_env(env: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    servers = [{"urls": ["turn:turn.example.org:3478"], "username": "u", "credential": "p"}]
    monkeypatch.setenv("FORMCHECK_ICE_SERVERS", json.dumps(servers))
    app()
    assert env["streamer"].calls[-1]["rtc_configuration"] == {"iceServers": servers}


def test_live_page_bad_ice_servers_is_a_message(env: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORMCHECK_ICE_SERVERS", "stun:oops")
    at = app()
    assert not at.exception
    assert "FORMCHECK_ICE_SERVERS: not valid JSON" in texts(at)
    assert env["streamer"].calls[-1]["rtc_configuration"] == {"iceServers": []}


def test_the_chosen_exercise_is_kept_across_pages(env: dict[str, Any]) -> None:
    at = app()
    at.selectbox(key="live_exercise").set_value("squat").run()
    at.switch_page("app_pages/review.py").run()
    at.radio(key="review_source").set_value("Upload a video").run()
    assert at.selectbox(key="review_exercise_").value == "squat"
    at.selectbox(key="review_exercise_").set_value("camel").run()
    at.switch_page("app_pages/live.py").run()
    assert at.selectbox(key="live_exercise").value == "camel"


def test_live_page_query_param_preselects_exercise(env: dict[str, Any]) -> None:
    at = AppTest.from_file(str(REPO / "streamlit_app.py"), default_timeout=TIMEOUT_S)
    at.query_params["exercise"] = "squat"
    at.run()
    assert at.selectbox(key="live_exercise").value == "squat"


def test_live_session_shows_status_then_summary_and_saves(env: dict[str, Any]) -> None:
    at = app()
    at.selectbox(key="live_exercise").set_value("squat").run()
    streamer = env["streamer"]
    streamer.frames_to_send, streamer.plays = 6, 3  # START: frames flow, the page polls 2 times
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(streamer.returned) == 6  # every frame came back through the pipeline
    status = texts(at)
    assert "**Reps:** 3" in status and "Keep your chest up" in status
    assert "frames 6 (6 with a person)" in status

    at.run()  # STOP: the next run sees the stream ended
    assert "Last session: Bodyweight squat" in [s.value for s in at.subheader]  # names the exercise
    assert any("Saved to history (session 1)" in s.value for s in at.success)
    assert [m.value for m in at.metric if m.label == "Reps"] == ["3"]
    assert not [m for m in at.metric if "hold" in m.label.lower()]  # a rep exercise: no "Hold 0.0 s"
    [record] = History(env["history"]).list()
    assert (record.source, record.exercise, record.reps, record.n_faults) == ("live", "squat", 3, 1)

    at.run()  # a rerun does not save the same session twice
    assert len(History(env["history"]).list()) == 1


def test_live_hold_exercise_summary_shows_no_reps(env: dict[str, Any]) -> None:
    at = app()
    at.selectbox(key="live_exercise").set_value("camel").run()
    env["streamer"].frames_to_send, env["streamer"].plays = 2, 1
    at.run()
    at.run()
    labels = [m.label for m in at.metric]
    assert "Good-form hold" in labels and "Reps" not in labels, labels
    assert all("reps" not in t.value.columns for t in at.table), [list(t.value.columns) for t in at.table]


def _show_hold_review() -> None:
    from types import SimpleNamespace

    from app_pages import common
    from formcheck.engine.spec import load_exercise

    report = {"duration_s": 12.0, "frames": 120, "frames_with_pose": 120,
              "sides": {"left": {"reps": 0, "partial_reps": 0, "hold_s": 9.5}},
              "holds": [{"side": "left", "start_s": 1.0, "end_s": 11.0, "good_form_s": 9.5}],
              "faults": [{"rule": "hips_forward", "cue": "Push your hips forward", "side": "left",
                          "start_s": 2.0, "end_s": 2.5}]}
    result = SimpleNamespace(report=report, video_path=None, timeline_path=None, report_path=None)
    common.show_review(result, "clip.mp4", load_exercise("camel"))


def test_review_of_a_hold_exercise_shows_hold_not_reps(env: dict[str, Any]) -> None:
    at = AppTest.from_function(_show_hold_review, default_timeout=TIMEOUT_S).run()
    assert not at.exception, [e.value for e in at.exception]
    labels = [m.label for m in at.metric]
    assert "Reps" not in labels and [m.value for m in at.metric if m.label == "Good-form hold"] == ["9.5 s"]
    headers = [list(t.value.columns) + [t.value.index.name] for t in at.table]
    assert ["held (s)", "side"] in headers, headers
    assert any("what to fix" in h and "what was wrong" in h for h in headers), headers
    assert not any(c.endswith("_s") or c in ("reps", "partial reps") for h in headers for c in h if c), headers


def test_live_pose_only_session_is_not_saved(env: dict[str, Any]) -> None:
    at = app()
    at.selectbox(key="live_exercise").select_index(0).run()  # "Pose only"
    env["streamer"].frames_to_send, env["streamer"].plays = 2, 1
    at.run()
    at.run()
    assert "Not saved to history" in texts(at)
    assert History(env["history"]).list() == []


# --- review -------------------------------------------------------------------------------------------


def test_review_bad_sample_is_a_message_and_app_keeps_working(env: dict[str, Any]) -> None:
    (env["samples"] / "broken.mp4").write_text("not a video at all\n" * 20)
    (env["samples"] / "broken.expected.json").write_text(json.dumps({"exercise": "squat", "reps": {"both": 3}}))
    at = app("app_pages/review.py")
    assert at.radio(key="review_source").value == "Bundled sample clip"
    assert at.selectbox(key="review_clip").value.path.name == "broken.mp4"
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    [error] = at.error
    assert error.value.startswith("broken.mp4 could not be analysed:")
    at.switch_page("app_pages/exercises.py").run()  # the app still works
    assert at.title[0].value == "Exercises"


def _blank_video(path: Path, frames: int = 15) -> Path:
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        for _ in range(frames):
            frame = av.VideoFrame.from_ndarray(np.full((240, 320, 3), 128, np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def test_review_known_failure_sample_says_so(env: dict[str, Any]) -> None:
    _blank_video(env["samples"] / "pigeon-fault.mp4")
    reason = "MediaPipe puts the back knee on the front leg in this view."
    (env["samples"] / "pigeon-fault.expected.json").write_text(
        json.dumps({"exercise": "pigeon", "hold_s": {"left": 3}, "known_failure": reason}))
    at = app("app_pages/review.py")
    assert [i.value for i in at.info if reason in i.value], [i.value for i in at.info]


def test_review_video_without_a_person_is_a_message(env: dict[str, Any]) -> None:
    _blank_video(env["samples"] / "empty-room.mp4")
    at = app("app_pages/review.py")
    exercise = at.selectbox(key="review_exercise_empty-room.mp4")
    assert exercise.value is None and at.button[0].disabled  # no expected file: nothing preselected
    exercise.set_value("squat").run()
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    [error] = at.error
    assert error.value.startswith("empty-room.mp4: no person was found in the video.")
    assert not [s for s in at.subheader if s.value.startswith("Results")]
    assert History(env["history"]).list() == []


def test_review_upload_checks(env: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORMCHECK_UPLOAD_MB", "1")
    at = app("app_pages/review.py")
    assert at.radio(key="review_source").value == "Upload a video"  # no samples in the folder
    uploader = at.file_uploader[0]
    assert "up to 1 MB" in uploader.label
    assert set(uploader.allowed_type) >= {".mp4", ".mov"} or set(uploader.allowed_type) >= {"mp4", "mov"}
    uploader.set_value(("big.mp4", b"\0" * (2 * 1024 * 1024), "video/mp4"))
    at.run()
    at.selectbox(key="review_exercise_").set_value("squat").run()
    at.button[0].click().run()
    assert "over the 1 MB upload limit" in texts(at)
    at.file_uploader[0].set_value(("notes.mp4", b"hello, not a video", "video/mp4"))
    at.run()
    at.button[0].click().run()
    assert not at.exception
    assert "notes.mp4 could not be analysed" in at.error[0].value
    assert History(env["history"]).list() == []


@pytest.mark.slow
def test_review_sample_shows_results_and_saves(env: dict[str, Any]) -> None:
    if not SHARED_SQUATS.is_file():
        pytest.skip(f"real clip not present at {SHARED_SQUATS}")
    shutil.copy(SHARED_SQUATS, env["samples"] / "squats.mp4")  # a tmp folder, not the repository
    (env["samples"] / "squats.expected.json").write_text(json.dumps({"exercise": "squat", "reps": {"both": 2}}))
    at = app("app_pages/review.py")
    assert at.selectbox(key="review_exercise_squats.mp4").value == "squat"
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert "Results: squats.mp4" in [s.value for s in at.subheader]
    assert [m.value for m in at.metric if m.label == "Reps"] == ["2"]  # 2 complete reps, then the clip ends
    assert not [m for m in at.metric if "hold" in m.label.lower()]  # a rep exercise: no "Hold 0.0 s"
    downloads = {d.label for d in at.get("download_button")}
    assert downloads == {"Download report.json", "Download timeline.csv", "Download annotated.mp4"}
    assert at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart"), "no feature chart"
    assert at.get("video"), "no annotated video"
    assert History(env["history"]).list() == []  # a bundled sample: kept only when asked
    at.button(key="review_save").click().run()
    [record] = History(env["history"]).list()
    assert (record.source, record.label, record.reps) == ("review", "squats.mp4", 2)
    assert not [b for b in at.button if b.key == "review_save"]  # saved once


# --- exercises and history ------------------------------------------------------------------------------


def test_exercises_page_lists_catalogue_with_setup_and_rules(env: dict[str, Any]) -> None:
    from formcheck.engine.spec import list_exercises

    at = app("app_pages/exercises.py")
    assert not at.exception
    labels = [e.label for e in at.expander]
    specs = list_exercises()
    assert len(labels) == len(specs)
    for spec in specs:
        assert any(spec.name in label for label in labels), spec.name
    body = texts(at)
    assert body.count("**Camera:**") == len(specs)
    assert len(at.table) == sum(1 for s in specs if s.rules) + sum(1 for s in specs if s.position)
    assert body.count("**Getting into position**") == sum(1 for s in specs if s.position)


def test_history_page_empty_then_list_and_delete(env: dict[str, Any]) -> None:
    at = app("app_pages/history.py")
    assert any("No sessions yet" in i.value for i in at.info)
    store = History(env["history"])
    report = StubSession("squat").summary()
    first = store.save(report, source="live")
    store.save(dict(report, exercise="camel"), source="review", label="clip.mp4")
    at.run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["exercise"]) == ["Camel pose", "Bodyweight squat"]  # names, never ids
    assert not any("_" in c for c in table.columns), list(table.columns)
    assert len(at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")) == 2
    at.selectbox(key="history_exercise").set_value("squat").run()  # filter by exercise
    assert list(at.dataframe[0].value["exercise"]) == ["Bodyweight squat"]
    at.selectbox(key="history_exercise").set_value(None).run()
    at.selectbox(key="history_session").set_value(first).run()
    at.button(key="history_delete").click().run()
    assert len(store.list()) == 2 and any("for good?" in w.value for w in at.warning)  # asks first
    at.button(key="history_delete_cancel").click().run()
    assert len(store.list()) == 2
    at.button(key="history_delete").click().run()
    at.button(key="history_delete_confirm").click().run()
    assert [r.exercise for r in store.list()] == ["camel"]
    assert list(at.dataframe[0].value["exercise"]) == ["Camel pose"]


def test_false_starts_are_not_kept(env: dict[str, Any]) -> None:
    from formcheck.app import backend

    report = {**StubSession("squat").summary(), "frames": 30, "frames_with_pose": 30}
    assert backend.worth_keeping(report)
    assert not backend.worth_keeping({**report, "duration_s": backend.MIN_SAVED_S - 0.5})
    assert not backend.worth_keeping({**report, "exercise": None})
    assert not backend.worth_keeping({**report, "frames_with_pose": 0})

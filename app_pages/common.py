"""Streamlit pieces shared by the pages (rendering only; logic lives in ``formcheck``)."""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from formcheck.app import backend
from formcheck.app.live_board import LiveSnapshot
from formcheck.core.errors import FormcheckError
from formcheck.engine.spec import ExerciseSpec, list_exercises
from formcheck.outputs.history import History


@st.cache_resource
def history() -> History:
    """One store per server process (path from FORMCHECK_HISTORY or the per-user default)."""
    return History()


@st.cache_resource
def _exercises() -> dict[str, ExerciseSpec]:
    return {spec.id: spec for spec in list_exercises()}


def exercise_specs() -> dict[str, ExerciseSpec]:
    try:
        return _exercises()
    except FormcheckError as exc:
        st.error(f"The exercise catalogue could not be loaded: {exc}")
        return {}


#: The exercise last chosen on any page. Streamlit forgets a widget's value when its page is left,
#: so the choice is kept under a key of its own and offered again on every page.
CHOSEN_EXERCISE = "chosen_exercise"


def chosen_exercise(specs: dict[str, ExerciseSpec]) -> str | None:
    """A link's ``?exercise=`` first, then the exercise chosen last; None until one is chosen."""
    for wanted in (st.query_params.get("exercise"), st.session_state.get(CHOSEN_EXERCISE)):
        if wanted in specs:
            return wanted
    return None


def remember_exercise(widget_key: str) -> None:
    """on_change of an exercise picker: keep the choice for the other pages."""
    st.session_state[CHOSEN_EXERCISE] = st.session_state.get(widget_key)


def camera_setup(spec: ExerciseSpec) -> None:
    """How to place the camera and do the exercise, before the camera starts."""
    st.info(f"**Camera:** {backend.camera_setup_text(spec)}", icon=":material/photo_camera:")
    with st.expander("How to do it"):
        st.markdown(backend.instructions_text(spec))


def live_session_factory(exercise: str | None, side: str, model: str) -> Callable[[], Any]:
    def make() -> Any:
        from formcheck.session.live import LiveSession

        return LiveSession(exercise, model=model, side=side)

    return make


def live_status_line(snap: LiveSnapshot) -> str:
    """The line the page shows (and the browser test reads) while the camera runs."""
    v = snap.verdict
    parts = [f"**Reps:** {snap.reps}", f"**Hold:** {snap.hold_s:.1f} s"]
    if v is not None:
        parts.append(f"**Phase:** {v.phase}")
        if v.cue is not None:
            parts.append(f"**Cue:** {v.cue.text}")
    stats = [f"frames {snap.frames} ({snap.frames_with_pose} with a person)"]
    if snap.fps is not None:
        stats.append(f"{snap.fps:.1f} fps")
    if snap.proc_ms_median is not None:
        stats.append(f"processing {snap.proc_ms_median:.0f} ms median, {snap.proc_ms_p95:.0f} ms p95")
    if snap.frame_size is not None:
        stats.append(f"{snap.frame_size[0]}x{snap.frame_size[1]}")
    return " · ".join(parts) + "  \n" + " · ".join(stats)


def save_live_summary(summary: dict[str, Any] | None, state: MutableMapping[str, Any]) -> None:
    """Keep the ended session's summary for display and store it in the history."""
    if summary is None:
        return
    state["live_last_summary"] = summary
    state["live_last_saved_id"] = None
    if not backend.worth_keeping(summary):
        return  # pose only, nobody in view, or a false start of a few seconds
    try:
        state["live_last_saved_id"] = history().save(summary, source="live")
    except (FormcheckError, ValueError) as exc:
        st.error(f"The session could not be saved to history: {exc}")


def _styled(frame: pd.DataFrame) -> Any:
    """Numbers as people read them: at most 2 decimals."""
    return frame.style.format(precision=2)


def _own_measure(rows: list[dict[str, Any]], spec: ExerciseSpec | None) -> list[dict[str, Any]]:
    """Per-side rows with only the exercise's own measure: reps for a rep exercise, hold for a hold."""
    drop = {"held (s)"} if spec is not None and spec.mode == "reps" else {"reps", "partial reps"}
    if spec is None:
        drop = {"held (s)", "reps", "partial reps"}
    return [{k: v for k, v in row.items() if k not in drop} for row in rows]


def _measure_metric(col: Any, rows: list[dict[str, Any]], spec: ExerciseSpec | None) -> None:
    """Reps for a rep exercise, good-form hold for a hold exercise, nothing for pose only."""
    if spec is None:
        return
    if spec.mode == "reps":
        col.metric("Reps", sum(r["reps"] for r in rows))
    else:
        col.metric("Good-form hold", f"{sum(r['held (s)'] for r in rows):.1f} s")


def show_live_summary(summary: dict[str, Any] | None, saved_id: int | None) -> None:
    if not summary:
        return
    spec = exercise_specs().get(summary.get("exercise") or "")
    st.subheader(f"Last session: {spec.name}" if spec else "Last session: pose only")
    cols = st.columns(3)
    cols[0].metric("Duration", f"{summary.get('duration_s', 0):.0f} s")
    rows = backend.side_table(summary)
    _measure_metric(cols[1], rows, spec)
    cols[2].metric("Faults", len(summary.get("faults", [])))
    if rows and spec is not None:
        st.table(_styled(pd.DataFrame(_own_measure(rows, spec)).set_index("side")))
    faults = backend.fault_intervals(summary)
    if faults:
        st.table(_styled(pd.DataFrame(faults).set_index("what was wrong")))
    if saved_id is not None:
        st.success(f"Saved to history (session {saved_id}).")
    else:
        st.caption("Not saved to history (no exercise was selected).")


def show_review(result: Any, label: str, spec: ExerciseSpec | None) -> None:
    """An analysis: video, headline numbers, charts, tables and downloads."""
    report = result.report
    st.subheader(f"Results: {label}")
    rows = backend.side_table(report)
    cols = st.columns(3)
    cols[0].metric("Duration", f"{report.get('duration_s', 0):.1f} s")
    _measure_metric(cols[1], rows, spec)
    cols[2].metric("Frames with a person", f"{report.get('frames_with_pose', 0)} / {report.get('frames', 0)}")

    if result.video_path is not None and Path(result.video_path).is_file():
        st.video(str(result.video_path))

    timeline = None
    if result.timeline_path is not None and Path(result.timeline_path).is_file():
        timeline = pd.read_csv(result.timeline_path)
        show_feature_charts(timeline, report, spec)

    if spec is not None:
        st.markdown("**Per side**")
        empty = [{"side": "-", "reps": 0, "partial reps": 0, "held (s)": 0.0}]
        st.table(_styled(pd.DataFrame(_own_measure(rows or empty, spec)).set_index("side")))
    holds = backend.hold_rows(report)
    if holds:
        st.markdown("**Holds**")
        st.table(_styled(pd.DataFrame(holds).set_index("side")))
    st.markdown("**Faults**")
    faults = backend.fault_intervals(report)
    if faults:
        st.table(_styled(pd.DataFrame(faults).set_index("what was wrong")))
    else:
        st.caption("No form faults found.")

    cols = st.columns(3)
    downloads = [("report.json", result.report_path, "application/json"),
                 ("timeline.csv", result.timeline_path, "text/csv"),
                 ("annotated.mp4", result.video_path, "video/mp4")]
    for col, (name, path, mime) in zip(cols, downloads):
        if path is not None and Path(path).is_file():
            col.download_button(f"Download {name}", Path(path).read_bytes(), file_name=name, mime=mime,
                                key=f"download_{name}")


def show_feature_charts(timeline: pd.DataFrame, report: dict[str, Any], spec: ExerciseSpec | None) -> None:
    import altair as alt

    features = backend.timeline_feature_columns(list(timeline.columns))
    charts = backend.feature_charts(spec, features)
    if not charts:
        return
    st.markdown("**Key angles over time** (dashed: limits; shaded: when the form was off)")
    faults = report.get("faults", [])
    for chart in charts:
        data = timeline[["t_s", chart.feature]].dropna()
        if data.empty:
            continue
        line = alt.Chart(data).mark_line().encode(
            x=alt.X("t_s:Q", title="time (s)"), y=alt.Y(f"{chart.feature}:Q", title=chart.label))
        layers = [line]
        if chart.thresholds:
            th = pd.DataFrame([{"limit": lbl, "value": v} for lbl, v in chart.thresholds])
            layers.append(alt.Chart(th).mark_rule(strokeDash=[6, 4]).encode(
                y="value:Q", color=alt.Color("limit:N", legend=alt.Legend(orient="bottom"))))
        spans = [{"start_s": f["start_s"], "end_s": f["end_s"], "what was wrong": backend.plain_id(f["rule"]),
                  "side": f["side"], "what to fix": f["cue"]} for f in faults if f["rule"] in chart.rules]
        if spans:
            layers.insert(0, alt.Chart(pd.DataFrame(spans)).mark_rect(opacity=0.25, color="#d62728").encode(
                x="start_s:Q", x2="end_s:Q", tooltip=["what was wrong", "side", "what to fix"]))
        st.altair_chart(alt.layer(*layers).properties(title=chart.label), width="stretch", height=300)


# Chrome holds received video in a jitter buffer sized from the arrival jitter: ~150 ms here,
# most of the capture-to-overlay time. Asking for no extra buffering (jitterBufferTarget = 0,
# or the older playoutDelayHint) on the live video's receiver removes it. streamlit-webrtc does
# not expose the receiver, so this patches RTCPeerConnection in its (same-origin) iframe
# before START creates the connection. Browsers without these properties ignore it.
# (The script runs in the page itself; ``window.parent`` is then the page too.)
_LOW_LATENCY_JS = """
<script>
(() => {
  function patch(win) {
    if (!win || !win.RTCPeerConnection || win.__formcheckLowLatency) return;
    win.__formcheckLowLatency = true;
    const proto = win.RTCPeerConnection.prototype;
    const original = proto.setRemoteDescription;
    proto.setRemoteDescription = async function (...args) {
      const result = await original.apply(this, args);
      for (const receiver of this.getReceivers()) {
        if (!receiver.track || receiver.track.kind !== 'video') continue;
        try {
          if ('jitterBufferTarget' in receiver) receiver.jitterBufferTarget = 0;
          else receiver.playoutDelayHint = 0;
        } catch (e) { /* not supported: keep the browser's default */ }
      }
      return result;
    };
  }
  function scan() {
    try {
      for (const f of window.parent.document.querySelectorAll("iframe[title*='streamlit_webrtc']")) {
        try { patch(f.contentWindow); } catch (e) { /* not reachable */ }
      }
    } catch (e) { /* parent not reachable */ }
  }
  if (window.__formcheckLowLatencyScan) return;  // the page re-renders this on every rerun
  window.__formcheckLowLatencyScan = true;
  scan();
  setInterval(scan, 250);
})();
</script>
"""


def low_latency_playback() -> None:
    """Ask the browser not to buffer the returned live video (see ``_LOW_LATENCY_JS``)."""
    st.html(_LOW_LATENCY_JS, unsafe_allow_javascript=True)

"""History: saved sessions, a chart of reps and hold time per exercise per day, delete."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from app_pages import common
from formcheck.app import backend
from formcheck.core.errors import FormcheckError

st.title("History")

specs = common.exercise_specs()


def name(exercise: str) -> str:
    return backend.exercise_name(exercise, specs)


try:
    store = common.history()
    done = sorted({r.exercise for r in store.list()}, key=name)
except FormcheckError as exc:
    st.error(str(exc))
    st.stop()
st.caption(f"Stored in {store.path}")
if not done:
    st.info("No sessions yet: finish a live session or review a video and it appears here.")
    st.stop()

only = st.selectbox("Exercise", done, index=None, placeholder="All exercises", format_func=name,
                    key="history_exercise")
records = store.list(exercise=only)
totals = store.daily_totals(exercise=only)


daily = pd.DataFrame([{"day": t.day.isoformat(), "exercise": name(t.exercise), "reps": t.reps,
                       "held (s)": round(t.hold_s, 1), "sessions": t.sessions} for t in totals])
left, right = st.columns(2)
for col, field, title in ((left, "held (s)", "Good-form hold time (s) per day"), (right, "reps", "Reps per day")):
    col.altair_chart(
        alt.Chart(daily).mark_bar().encode(
            x=alt.X("day:O", title="day"), y=alt.Y(f"{field}:Q", title=field.replace(" (s)", " (seconds)")),
            color="exercise:N", xOffset="exercise:N", tooltip=["day", "exercise", field, "sessions"],
        ).properties(title=title),
        width="stretch", height=300,
    )

table = pd.DataFrame([{
    "session": r.id, "when": backend.local_time_text(r.started_at), "from": r.source,
    "exercise": name(r.exercise), "video": r.label, "length (s)": round(r.duration_s, 1), "reps": r.reps,
    "partial reps": r.partial_reps, "held (s)": round(r.hold_s, 1), "faults": r.n_faults,
} for r in records])
st.dataframe(table, hide_index=True, width="stretch")

by_id = {r.id: r for r in records}
chosen = st.selectbox("Session", list(by_id), key="history_session",
                      format_func=lambda i: f"{i}: {name(by_id[i].exercise)} ({backend.local_time_text(by_id[i].started_at)})")
if chosen is not None:
    with st.expander("Report"):
        st.json(by_id[chosen].report)
    if st.session_state.get("history_confirm") != chosen:
        if st.button("Delete this session", key="history_delete"):
            st.session_state["history_confirm"] = chosen
            st.rerun()
    else:  # a deleted session cannot be brought back: ask first
        st.warning(f"Delete session {chosen} ({name(by_id[chosen].exercise)}) for good?")
        yes, no = st.columns(2)
        if yes.button("Delete", type="primary", key="history_delete_confirm"):
            store.delete(chosen)
            st.session_state.pop("history_confirm")
            st.toast(f"Session {chosen} deleted")
            st.rerun()
        if no.button("Keep it", key="history_delete_cancel"):
            st.session_state.pop("history_confirm")
            st.rerun()

"""Exercises: the catalogue, how to place the camera, and what each rule checks."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import common
from formcheck.app import backend

st.title("Exercises")
st.caption("Each exercise is a data file; the checks below are exactly what the live and review pages apply.")

specs = common.exercise_specs()
if not specs:
    st.info("No exercises are installed.")
for spec in specs.values():
    per_side = " per side" if spec.sides == "each" else ""
    goal = f"hold {spec.hold.target_s:g} s{per_side}" if spec.hold else f"reps{per_side}"
    with st.expander(f"**{spec.name}** · {goal}"):
        st.markdown(f"**Camera:** {backend.camera_setup_text(spec)}")
        st.markdown("**How to do it**")
        st.markdown(backend.instructions_text(spec))
        if spec.reps:
            st.markdown(f"**Counting:** a rep starts when the {backend.feature_label(spec.reps.feature)} "
                        f"passes {spec.reps.enter_deg:g}° and counts on the way back past {spec.reps.exit_deg:g}°; "
                        "a rep that never reaches depth is partial.")
        positions = backend.position_rows(spec)
        if positions:
            st.markdown("**Getting into position** (nothing is timed or judged until all of these hold)")
            st.table(pd.DataFrame(positions))
        rows = backend.rule_rows(spec)
        if rows:
            st.markdown("**What is checked**")
            st.table(pd.DataFrame(rows).set_index("check"))

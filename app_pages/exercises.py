"""Exercises: the catalogue, how to place the camera, and what each rule checks."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from formcheck import webapp
from app_pages import common

st.title("Exercises")
st.caption("Each exercise is a data file; the checks below are exactly what the live and review pages apply.")

specs = common.exercise_specs()
if not specs:
    st.info("No exercises are installed.")
for spec in specs.values():
    data = spec.data
    mode = data.get("mode", "")
    if mode == "hold" and data.get("hold"):
        goal = f"hold {data['hold']['target_s']:g} s" + (" per side" if data.get("sides") == "each" else "")
    elif mode == "reps":
        goal = "reps" + (" per side" if data.get("sides") == "each" else "")
    else:
        goal = mode
    with st.expander(f"**{spec.name}** · {goal}"):
        st.markdown(f"**Camera:** {webapp.camera_setup_text(data)}")
        st.markdown("**How to do it**")
        st.markdown(webapp.instructions_text(data))
        if data.get("reps"):
            reps = data["reps"]
            st.markdown(f"**Counting:** a rep starts past {reps['enter_deg']:g} deg of `{reps['feature']}` "
                        f"and counts on the return past {reps['exit_deg']:g} deg; "
                        "a rep that never reaches depth is partial.")
        positions = webapp.position_rows(data)
        if positions:
            st.markdown("**Getting into position** (nothing is timed or judged until all of these hold)")
            st.table(pd.DataFrame(positions))
        rows = webapp.rule_rows(data)
        if rows:
            st.markdown("**What is checked**")
            st.table(pd.DataFrame(rows).set_index("rule"))

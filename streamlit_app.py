"""formcheck in the browser: ``streamlit run streamlit_app.py``.

A thin shell: every page calls the library (``formcheck.session.live``,
``formcheck.session.offline``, ``formcheck.outputs.history``, ``formcheck.app.backend``).
"""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="formcheck", page_icon=":material/accessibility_new:", layout="wide")

PAGES = [
    st.Page("app_pages/live.py", title="Live", icon=":material/videocam:", default=True),
    st.Page("app_pages/review.py", title="Review a video", icon=":material/movie:"),
    st.Page("app_pages/exercises.py", title="Exercises", icon=":material/menu_book:"),
    st.Page("app_pages/history.py", title="History", icon=":material/history:"),
]

st.navigation(PAGES).run()

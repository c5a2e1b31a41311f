"""Live: the laptop camera through WebRTC, processed frame by frame by a LiveSession."""

from __future__ import annotations

import time

import streamlit as st
from streamlit_webrtc import WebRtcMode, webrtc_streamer

from app_pages import common
from formcheck.app import backend, live_board
from formcheck.app.live_board import NO_FRAME_RETRY_S, LiveBoard, LiveSnapshot
from formcheck.core.errors import FormcheckError

st.title("Live")
st.caption("Stretch in front of your camera: skeleton, angles, rep counter or hold timer and one cue at a time.")

specs = common.exercise_specs()
choices = [None, *specs]
chosen = common.chosen_exercise(specs)  # a link's ?exercise=squat, or the one chosen on another page
col_ex, col_side, col_model = st.columns([3, 1, 1])
exercise_id = col_ex.selectbox(
    "Exercise", choices, format_func=lambda i: "Pose only (no exercise)" if i is None else specs[i].name,
    index=choices.index(chosen) if chosen is not None else None, placeholder="Choose an exercise",
    key="live_exercise", on_change=common.remember_exercise, args=("live_exercise",),
)
side = col_side.selectbox("Side", ["auto", "left", "right"], key="live_side",
                          help="The working side of a one-sided stretch; auto picks it from your position.")
model = col_model.selectbox("Model", ["full", "lite"], key="live_model",
                            help="full (default) is right more often and keeps up with the camera: measured "
                                 "live on 2 cores over 9 sample and real clips (benchmarks/live_models.py), "
                                 "full got 47 of 50 checks right with the model taking 26 ms (p95) a frame; "
                                 "lite 32 of 52 at 20 ms, missing holds. Choose lite only if frames are "
                                 "being skipped.")
if exercise_id is not None:
    common.camera_setup(specs[exercise_id])

# One board per browser session; the frame callback only ever touches the board.
config = (exercise_id, side, model)
board: LiveBoard | None = st.session_state.get("live_board")
if board is None:
    board = st.session_state["live_board"] = LiveBoard(common.live_session_factory(*config))
    st.session_state["live_config"] = config
elif st.session_state.get("live_config") != config:
    common.save_live_summary(board.finish(), st.session_state)  # a running session is ended, not lost
    board.configure(common.live_session_factory(*config))
    st.session_state["live_config"] = config
board.warm_up()  # load the model now, not on the video thread


try:
    rtc_configuration = backend.rtc_configuration()
except FormcheckError as exc:
    st.error(str(exc))
    rtc_configuration = {"iceServers": []}

ctx = webrtc_streamer(
    key="formcheck-live",
    mode=WebRtcMode.SENDRECV,
    rtc_configuration=rtc_configuration,
    media_stream_constraints={"video": {"width": {"ideal": 1280}, "height": {"ideal": 720}}, "audio": False},
    video_frame_callback=live_board.video_frame_callback(board),  # event loop thread: no st.* inside
    # Sync: each processed frame goes back at once (async holds it until the next camera frame
    # arrives: +1-2 frames of latency). The board runs the model on its own thread, waits for it
    # only briefly and drops frames while it is busy or when they are stale, so a slow model
    # never builds a queue (see formcheck/app/live_board).
    async_processing=False,
)
common.low_latency_playback()
st.caption(
    f"Press START and allow the camera. If no video comes back within {NO_FRAME_RETRY_S:.0f} seconds, "
    "press STOP, then START again (the connection occasionally fails to start the first time). "
    "Press STOP to end the session: its summary is shown below and saved to History."
)

status = st.empty()


def show_status(snap: LiveSnapshot, waiting_s: float) -> None:
    with status.container():
        if snap.errors:
            st.error(f"The pipeline failed on a frame: {snap.errors[-1]}")
        if snap.frames == 0:
            if snap.loading:
                st.info("Loading the pose model...")
            elif waiting_s > NO_FRAME_RETRY_S:
                st.warning("No video has arrived yet. Press STOP, then START again.")
            else:
                st.info("Connecting to the camera...")
            return
        st.markdown(common.live_status_line(snap))
        if snap.dropped:
            st.caption(f"{snap.dropped} late camera frames skipped (the model is slower than the camera); "
                       "choose the lite model to keep up.")


if ctx.state.playing:
    started = st.session_state.setdefault("live_playing_since", time.monotonic())
    while ctx.state.playing:
        show_status(board.snapshot(), time.monotonic() - started)
        time.sleep(0.25)
else:
    st.session_state.pop("live_playing_since", None)
    if board.has_session():
        common.save_live_summary(board.finish(), st.session_state)

common.show_live_summary(st.session_state.get("live_last_summary"), st.session_state.get("live_last_saved_id"))

"""Review: analyse a recorded video (an upload or a bundled sample) with the offline pipeline."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import streamlit as st

from app_pages import common
from formcheck.app import backend
from formcheck.core.errors import FormcheckError
from formcheck.io.video import VIDEO_EXTENSIONS

st.title("Review a video")
st.caption("An annotated video, the key angles over time with thresholds and faults, reps and holds per side.")

try:
    cap_mb = backend.upload_cap_mb()
except FormcheckError as exc:
    st.error(str(exc))
    cap_mb = backend.DEFAULT_UPLOAD_MB
specs = common.exercise_specs()
clips = backend.sample_clips()

source = st.radio("Video", ["Upload a video", "Bundled sample clip"], horizontal=True, key="review_source",
                  index=0 if not clips else 1)
video_path: Path | None = None
label = ""
default_exercise = common.chosen_exercise(specs)
upload = None
if source == "Upload a video":
    upload = st.file_uploader(
        f"Video file, up to {cap_mb} MB ({', '.join(VIDEO_EXTENSIONS)})",
        type=list(VIDEO_EXTENSIONS), max_upload_size=cap_mb, key="review_upload",
    )
else:
    if not clips:
        st.warning(f"No sample clips found in {backend.samples_dir()}.")
    clip = st.selectbox("Sample clip", clips, format_func=lambda c: c.label, key="review_clip")
    if clip is not None:
        video_path, label = clip.path, clip.path.name
        default_exercise = clip.exercise or default_exercise
        if clip.expected is not None and clip.expected.known_failure:
            st.info(f"A known failure of the pose model: {clip.expected.known_failure} "
                    "Its results below are wrong in that way.")

ids = list(specs)
col_ex, col_model = st.columns([3, 1])
exercise_id = col_ex.selectbox(  # never a guess: analysing as the wrong exercise gives confident nonsense
    "Exercise in the video", ids, format_func=lambda i: specs[i].name, placeholder="Choose the exercise",
    index=ids.index(default_exercise) if default_exercise in ids else None, key=f"review_exercise_{label}",
    on_change=common.remember_exercise, args=(f"review_exercise_{label}",),
)
model = col_model.selectbox("Model", ["full", "lite"], key="review_model",
                            help="full is the most accurate that runs at video speed; lite is faster.")

if st.button("Analyse", type="primary", disabled=exercise_id is None or (upload is None and video_path is None)):
    st.session_state.pop("review", None)
    if previous := st.session_state.pop("review_workdir", None):
        shutil.rmtree(previous, ignore_errors=True)  # one analysis kept per browser session
    work = Path(tempfile.mkdtemp(prefix="formcheck-review-"))
    st.session_state["review_workdir"] = str(work)
    try:
        if upload is not None:
            label = upload.name
            video_path = backend.save_upload(upload.name, upload.getvalue(), work / "input", cap_mb)
        bar = st.progress(0.0, text="Starting the analysis...")

        def progress(done: int, total: int | None) -> None:
            if total:
                bar.progress(min(1.0, done / total), text=f"Analysing frame {done} of {total}")
            else:
                bar.progress(0.0, text=f"Analysing frame {done}")

        from formcheck.session.offline import analyze_video

        result = analyze_video(video_path, exercise=exercise_id, model=model, out_dir=work / "out",
                               progress=progress)
        bar.progress(1.0, text="Done")
    except FormcheckError as exc:
        reason = str(exc).replace(f"{video_path}: ", "").replace(str(video_path), label) if video_path else str(exc)
        st.session_state["review_error"] = f"{label or 'The video'} could not be analysed: {reason}"
    else:
        if result.report.get("frames_with_pose", 0) == 0:
            st.session_state["review_error"] = (
                f"{label}: no person was found in the video. Film the whole body, well lit, "
                "with the camera placed as the exercise describes (see Exercises).")
        else:
            st.session_state.pop("review_error", None)
            # Your own videos are your practice and go to the history; a bundled sample only when asked.
            st.session_state["review"] = {"result": result, "label": label, "exercise": exercise_id,
                                          "saved": False, "sample": upload is None}


def save_review(review: dict) -> None:
    try:
        common.history().save(review["result"].report, source="review", label=review["label"])
        review["saved"] = True
    except (FormcheckError, ValueError) as exc:
        st.warning(f"Not saved to history: {exc}")


if error := st.session_state.get("review_error"):
    st.error(error)
if review := st.session_state.get("review"):
    keep = backend.worth_keeping(review["result"].report)
    if keep and not review["sample"] and not review["saved"]:
        save_review(review)
    common.show_review(review["result"], review["label"], specs.get(review["exercise"]))
    if keep and review["sample"] and not review["saved"]:
        st.button("Save to history", key="review_save", on_click=save_review, args=(review,),
                  help="Reviews of the bundled samples are not kept unless you ask.")

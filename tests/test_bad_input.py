"""The bad-input corpus: every kind of bad or awkward input a user (or a hostile one) gives the CLI.

Each case builds its input at test time (tests/bad_inputs.py), runs the real
``formcheck`` command with a timeout (a hang fails), and checks the exit code,
that stderr is formcheck's own lines and never a traceback or MediaPipe's
logs, and what is left on disk. Signals are sent to a real run mid-analysis.
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import av
import bad_inputs as make
import pytest
from conftest import REPO
from filelock import FileLock

from formcheck.outputs.folder import LOCK_NAME, STAGING_NAME

SAMPLE = REPO / "samples" / "squat-good.mp4"  # 12 s, a person doing 3 squats
TIMEOUT_S = 120


@dataclass
class Run:
    """What to run, and what must come of it."""

    argv: list[str]
    code: int
    says: str = ""  # in the one stderr line of a failure; a successful run says nothing on stderr
    check: Callable[[], None] | None = None  # what must be on disk (or stdout) afterwards
    env: dict[str, str] = field(default_factory=dict)
    shell_tail: str = ""  # e.g. "| head -c 10": run through the shell
    limit_file_bytes: int | None = None  # RLIMIT_FSIZE: the disk "fills up" at this size
    stdout_lines: list[str] = field(default_factory=list)


CASES: dict[str, Callable[[Path], Run]] = {}


def case(fn: Callable[[Path], Run]) -> Callable[[Path], Run]:
    CASES[fn.__name__] = fn
    return fn


def formcheck_argv(*args: object) -> list[str]:
    return [sys.executable, "-m", "formcheck", *map(str, args)]


def execute(run: Run, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, **run.env}
    argv = formcheck_argv(*run.argv)

    def limit() -> None:
        if run.limit_file_bytes is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (run.limit_file_bytes, run.limit_file_bytes))

    if run.shell_tail:
        command = " ".join(f"'{a}'" for a in argv) + " " + run.shell_tail + "; exit ${PIPESTATUS[0]}"
        return subprocess.run(["bash", "-c", command], capture_output=True, text=True, cwd=cwd, env=env,
                              timeout=TIMEOUT_S)
    return subprocess.run(argv, capture_output=True, text=True, cwd=cwd, env=env, timeout=TIMEOUT_S,
                          preexec_fn=limit)


def assert_clean(result: subprocess.CompletedProcess, run: Run) -> None:
    assert result.returncode == run.code, f"exit {result.returncode}, want {run.code}\n{result.stderr}"
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert all(line.startswith("formcheck: ") for line in lines), f"stray stderr lines:\n{result.stderr}"
    if run.code == 0:
        assert not lines, result.stderr
    elif run.says or run.code not in (1, 141):  # a failed check speaks in its table; a closed pipe, not at all
        assert len(lines) == 1 and run.says in lines[0], result.stderr


def report(out: Path) -> dict:
    return json.loads((out / "report.json").read_text())


def no_staging_left(out: Path) -> None:
    assert not (out / STAGING_NAME).exists()


def nothing_written(out: Path) -> Callable[[], None]:
    def check() -> None:
        assert not (out / "report.json").exists()
        assert not out.exists() or not [p for p in out.iterdir() if p.name != LOCK_NAME]
    return check


def analysed(out: Path, *, person: bool | None = None, video: bool = True, **expected) -> Callable[[], None]:
    """A complete result: the report names exactly the files beside it, each readable."""
    def check() -> None:
        data = report(out)
        assert data["frames"] > 0
        for key, value in expected.items():
            assert data[key] == value, (key, data[key])
        if person is not None:
            assert data["person_detected"] is person
        names = set(data["outputs"].values())
        assert names == {p.name for p in out.iterdir() if not p.name.startswith(".")}
        assert ("annotated.mp4" in names) is video
        if video:
            with av.open(str(out / "annotated.mp4")) as container:
                assert sum(1 for _ in container.decode(video=0)) > 0
        no_staging_left(out)
    return check


# --- videos that cannot be used ------------------------------------------------------------------

@case
def missing_video(tmp: Path) -> Run:
    return Run(["analyze", tmp / "nope.mp4", "--out", tmp / "o"], 3, "no such file", nothing_written(tmp / "o"))


@case
def empty_video(tmp: Path) -> Run:
    (tmp / "zero.mp4").write_bytes(b"")
    return Run(["analyze", tmp / "zero.mp4", "--out", tmp / "o"], 3, "empty", nothing_written(tmp / "o"))


@case
def folder_as_video(tmp: Path) -> Run:
    (tmp / "clip.mp4").mkdir()
    return Run(["analyze", tmp / "clip.mp4"], 3, "is a folder")


@case
def dev_zero_as_video(tmp: Path) -> Run:
    return Run(["analyze", "/dev/zero", "--out", tmp / "o"], 3, "not a regular file")


@case
def fifo_as_video(tmp: Path) -> Run:
    return Run(["analyze", make.fifo(tmp / "pipe.mp4"), "--out", tmp / "o"], 3, "not a regular file")


@case
def text_named_mp4(tmp: Path) -> Run:
    (tmp / "notes.mp4").write_text("shopping list\n" * 100)
    return Run(["analyze", tmp / "notes.mp4", "--out", tmp / "o"], 3, "not a readable video")


@case
def random_bytes_video(tmp: Path) -> Run:
    (tmp / "noise.mov").write_bytes(random.Random(0).randbytes(50_000))  # seeded: the same bytes every run
    return Run(["analyze", tmp / "noise.mov", "--out", tmp / "o"], 3, "not a readable video")


@case
def header_only_video(tmp: Path) -> Run:
    clip = make.cut(SAMPLE, tmp / "head.mp4", 0.001)
    return Run(["analyze", clip, "--out", tmp / "o"], 3, "contains no video stream", nothing_written(tmp / "o"))


@case
def audio_only_file(tmp: Path) -> Run:
    return Run(["analyze", make.write_audio_only(tmp / "voice.wav")], 3, "no video stream")


@case
def video_over_size_limit(tmp: Path) -> Run:
    return Run(["analyze", make.sparse(tmp / "huge.mp4", 3 * 1024**3), "--out", tmp / "o"], 3,
               "over the 2048 MB limit", nothing_written(tmp / "o"))


@case
def video_name_too_long(tmp: Path) -> Run:
    return Run(["analyze", tmp / ("a" * 300 + ".mp4")], 3, "File name too long")


@case
def tiny_video(tmp: Path) -> Run:
    clip = make.write_video(tmp / "tiny.mp4", size=(8, 8))
    return Run(["analyze", clip, "--out", tmp / "o"], 3, "too small", nothing_written(tmp / "o"))


@case
def two_pixel_video(tmp: Path) -> Run:
    clip = make.write_video(tmp / "dot.mkv", fmt="matroska", codec="ffv1", size=(2, 2))
    return Run(["analyze", clip, "--out", tmp / "o"], 3, "too small")


# --- awkward videos that must be analysed ------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(make.CODECS))
def test_every_codec_and_pixel_format_is_analysed(tmp_path, name):
    fmt, codec, pix_fmt = make.CODECS[name]
    clip = make.write_video(tmp_path / name, fmt=fmt, codec=codec, pix_fmt=pix_fmt)
    out = tmp_path / "o"
    run = Run(["analyze", clip, "--exercise", "squat", "--out", out, "-q"], 0,
              check=analysed(out, person=False, frames=6))
    assert_result(run, tmp_path)


@case
def odd_size_video(tmp: Path) -> Run:
    clip = make.write_video(tmp / "odd.mkv", fmt="matroska", codec="ffv1", size=(33, 47))
    return Run(["analyze", clip, "--out", tmp / "o", "-q"], 0, check=analysed(tmp / "o", person=False))


@case
def one_frame_video(tmp: Path) -> Run:
    clip = make.write_video(tmp / "one.mp4", times_ms=[0])
    return Run(["analyze", clip, "-e", "squat", "--out", tmp / "o", "-q"], 0,
               check=analysed(tmp / "o", person=False, frames=1))


@case
def no_person_in_view(tmp: Path) -> Run:
    clip = make.write_video(tmp / "room.mp4", size=(320, 240))
    out = tmp / "o"

    def check() -> None:
        analysed(out, person=False)()
        assert report(out)["reps"] == 0
    return Run(["analyze", clip, "-e", "squat", "--out", out, "-q"], 0, check=check,
               stdout_lines=["no person was found"])


@case
def timestamps_jump_back(tmp: Path) -> Run:
    out = tmp / "o"

    def check() -> None:
        analysed(out, timestamp_jumps=1)()
        assert report(out)["duration_s"] == pytest.approx(2.9, abs=0.05)  # 30 frames at 10 fps, not squeezed
    return Run(["analyze", make.write_spliced(tmp / "joined.ts"), "--out", out, "-q"], 0, check=check,
               stdout_lines=["clock jumps backwards"])


@case
def variable_frame_rate(tmp: Path) -> Run:
    clip = make.write_video(tmp / "vfr.mp4", times_ms=[0, 33, 66, 150, 400, 433, 1000])
    return Run(["analyze", clip, "--out", tmp / "o", "-q"], 0,
               check=analysed(tmp / "o", duration_s=1.0, frames=7))


@case
def rotated_phone_video(tmp: Path) -> Run:
    clip = make.write_video(tmp / "phone.mp4", size=(96, 64), rotation=90)
    out = tmp / "o"

    def check() -> None:
        analysed(out)()
        assert (report(out)["video"]["width"], report(out)["video"]["height"]) == (64, 96)
    return Run(["analyze", clip, "--out", out, "-q"], 0, check=check)


@case
def truncated_video(tmp: Path) -> Run:
    clip = make.cut(SAMPLE, tmp / "cut.mp4", 0.4)
    return Run(["analyze", clip, "-e", "squat", "--out", tmp / "o", "-q"], 0,
               check=analysed(tmp / "o", truncated=True, person=True),
               stdout_lines=["the video ends early"])


@case
def unicode_and_spaces_in_names(tmp: Path) -> Run:
    folder = tmp / "my vidéos ☺"
    folder.mkdir()
    clip = make.write_video(folder / "étirement du soir.mp4")
    return Run(["analyze", clip, "--out", folder / "résultats", "-q"], 0, check=analysed(folder / "résultats"))


# --- exercise files ------------------------------------------------------------------------------

@case
def unknown_exercise_id(tmp: Path) -> Run:
    clip = make.write_video(tmp / "room.mp4")
    return Run(["analyze", clip, "--exercise", "handstand", "--out", tmp / "o"], 1, "unknown exercise 'handstand'",
               nothing_written(tmp / "o"))


@case
def exercise_id_too_long(tmp: Path) -> Run:
    return Run(["analyze", SAMPLE, "--exercise", "a" * 300, "--out", tmp / "o"], 1, "unknown exercise")


@case
def exercise_file_is_dev_zero(tmp: Path) -> Run:
    return Run(["exercises", "check", "/dev/zero"], 1, "not a regular file")


@case
def exercise_file_is_fifo(tmp: Path) -> Run:
    return Run(["analyze", SAMPLE, "--exercise", make.fifo(tmp / "squat.toml"), "--out", tmp / "o"], 1,
               "not a regular file", nothing_written(tmp / "o"))


@case
def exercise_file_is_folder(tmp: Path) -> Run:
    (tmp / "squat.toml").mkdir()
    return Run(["exercises", "check", tmp / "squat.toml"], 1, "is a folder")


@case
def exercise_file_huge(tmp: Path) -> Run:
    return Run(["exercises", "check", make.sparse(tmp / "big.toml", 1024**3)], 1, "over the")


@case
def exercise_file_nested_deep(tmp: Path) -> Run:
    return Run(["exercises", "check", make.deep_toml(tmp / "deep.toml")], 1, "nested too deeply")


@case
def exercise_file_nan_limit(tmp: Path) -> Run:
    text = (REPO / "formcheck/engine/exercises/squat.toml").read_text()
    path = tmp / "nan.toml"
    path.write_text(text.replace("max_deg = ", "max_deg = nan #", 1))
    return Run(["exercises", "check", path], 1, "finite number")


@case
def exercise_file_not_utf8(tmp: Path) -> Run:
    (tmp / "latin1.toml").write_bytes("name = 'Étirement'\n".encode("latin-1"))
    return Run(["exercises", "check", tmp / "latin1.toml"], 1, "not UTF-8")


@case
def exercise_file_not_toml(tmp: Path) -> Run:
    return Run(["exercises", "check", REPO / "README.md"], 1, "not valid TOML")


@case
def exercise_file_unknown_key(tmp: Path) -> Run:
    text = (REPO / "formcheck/engine/exercises/squat.toml").read_text()
    (tmp / "typo.toml").write_text(text + "\nrepz = 3\n")
    return Run(["exercises", "check", tmp / "typo.toml"], 1, "repz")


@case
def exercise_file_missing(tmp: Path) -> Run:
    return Run(["analyze", SAMPLE, "--exercise", tmp / "nope.toml"], 1, "no such file")


# --- where the results go ----------------------------------------------------------------------

@case
def out_is_a_file(tmp: Path) -> Run:
    (tmp / "a_file").write_text("x")
    return Run(["analyze", make.write_video(tmp / "room.mp4"), "--out", tmp / "a_file" / "out"], 4,
               "cannot create the output folder")


@case
def out_in_proc(tmp: Path) -> Run:
    return Run(["analyze", make.write_video(tmp / "room.mp4"), "--out", "/proc/formcheck-out"], 4,
               "cannot create the output folder")


@case
def out_name_too_long(tmp: Path) -> Run:
    return Run(["analyze", make.write_video(tmp / "room.mp4"), "--out", tmp / ("o" * 300)], 4, "File name too long")


@case
def report_json_is_a_folder(tmp: Path) -> Run:
    (tmp / "o" / "report.json").mkdir(parents=True)
    return Run(["analyze", make.write_video(tmp / "room.mp4"), "--out", tmp / "o"], 4, "report.json is a folder")


@case
def timeline_csv_is_a_folder(tmp: Path) -> Run:
    (tmp / "o" / "timeline.csv").mkdir(parents=True)
    return Run(["analyze", make.write_video(tmp / "room.mp4"), "--out", tmp / "o"], 4, "timeline.csv is a folder")


@case
def annotated_mp4_is_a_folder_one_frame(tmp: Path) -> Run:
    (tmp / "o" / "annotated.mp4").mkdir(parents=True)
    clip = make.write_video(tmp / "one.mp4", times_ms=[0])
    return Run(["analyze", clip, "--out", tmp / "o"], 4, "annotated.mp4 is a folder")


def _old_result(tmp: Path) -> tuple[Path, dict[str, bytes]]:
    """A complete earlier result in ``tmp/o``, and its files' contents."""
    out = tmp / "o"
    subprocess.run(formcheck_argv("analyze", make.write_video(tmp / "old.mp4"), "--out", out, "-q"), check=True,
                   capture_output=True, timeout=TIMEOUT_S)
    return out, {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and p.name != LOCK_NAME}


def unchanged(out: Path, before: dict[str, bytes]) -> Callable[[], None]:
    def check() -> None:
        assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and p.name != LOCK_NAME} == before
        no_staging_left(out)
    return check


@case
def disk_full_keeps_old_result(tmp: Path) -> Run:
    out, before = _old_result(tmp)
    return Run(["analyze", SAMPLE, "--out", out, "-q"], 4, "cannot write the results", unchanged(out, before),
               limit_file_bytes=100_000)


@case
def another_run_writing_the_folder(tmp: Path) -> Run:
    out, before = _old_result(tmp)
    lock = FileLock(out / LOCK_NAME)
    lock.acquire()  # released when this test process's case ends (the run below comes first)
    return Run(["analyze", SAMPLE, "--out", out, "-q"], 4, "another formcheck run is writing here",
               check=lambda: (unchanged(out, before)(), lock.release()))


@case
def rerun_without_video_removes_old_video(tmp: Path) -> Run:
    out, _ = _old_result(tmp)
    assert (out / "annotated.mp4").exists()
    return Run(["analyze", make.write_video(tmp / "new.mp4"), "--out", out, "--no-video", "-q"], 0,
               check=analysed(out, video=False))


@case
def json_into_closed_pipe(tmp: Path) -> Run:
    return Run(["analyze", make.write_video(tmp / "room.mp4"), "--out", tmp / "o", "--json", "-q"], 141,
               shell_tail="| true", check=analysed(tmp / "o"))


@case
def json_into_full_device(tmp: Path) -> Run:
    return Run(["analyze", make.write_video(tmp / "room.mp4"), "--out", tmp / "o", "--json", "-q"], 4,
               "cannot write to standard output", shell_tail="> /dev/full", check=analysed(tmp / "o"))


# --- the model files -------------------------------------------------------------------------------

def _models_with(tmp: Path, content: bytes) -> dict[str, str]:
    models = tmp / "models"
    shutil.copytree(REPO / "formcheck/io/models", models)
    (models / "pose_landmarker_full.task").write_bytes(content)
    return {"FORMCHECK_MODELS_DIR": str(models)}


@case
def damaged_model(tmp: Path) -> Run:
    data = (REPO / "formcheck/io/models/pose_landmarker_full.task").read_bytes()[:100_000]
    return Run(["analyze", make.write_video(tmp / "room.mp4"), "--out", tmp / "o"], 3, "model file is damaged",
               nothing_written(tmp / "o"), env=_models_with(tmp, data))


@case
def empty_model(tmp: Path) -> Run:
    return Run(["analyze", make.write_video(tmp / "room.mp4"), "--out", tmp / "o"], 3, "model file is damaged",
               env=_models_with(tmp, b""))


@case
def model_not_built(tmp: Path) -> Run:
    return Run(["analyze", make.write_video(tmp / "room.mp4"), "--model", "heavy", "--out", tmp / "o"], 3,
               "build it with", env={"FORMCHECK_MODELS_DIR": str(tmp)})


# --- regression runs -------------------------------------------------------------------------------

@case
def regress_expected_not_utf8(tmp: Path) -> Run:
    (tmp / "clip.expected.json").write_bytes(b'{"exercise": "\xff\xfe"}')
    make.write_video(tmp / "clip.mp4")
    return Run(["regress", tmp, "-q"], 1, stdout_lines=["not UTF-8"])


@case
def regress_expected_is_fifo(tmp: Path) -> Run:
    make.fifo(tmp / "clip.expected.json")
    make.write_video(tmp / "clip.mp4")
    return Run(["regress", tmp, "-q"], 1, stdout_lines=["not a regular file"])


# --- live --------------------------------------------------------------------------------------------

@case
def live_source_with_long_gap(tmp: Path) -> Run:
    clip = make.write_video(tmp / "gap.mp4", times_ms=[0, 100, 200, 6200, 6300])
    return Run(["live", "--source", clip, "--no-window", "--json"], 0, stdout_lines=['"frames": 5'])


@case
def live_source_missing(tmp: Path) -> Run:
    return Run(["live", "--source", tmp / "nope.mp4", "--no-window"], 3, "no such file")


@case
def live_without_display(tmp: Path) -> Run:
    return Run(["live", "--source", make.write_video(tmp / "room.mp4")], 3, "no display",
               env={"DISPLAY": "", "WAYLAND_DISPLAY": ""})


@case
def live_camera_absent(tmp: Path) -> Run:
    return Run(["live", "--camera", "57", "--no-window"], 3, "camera 57 could not be opened")


# --- usage -------------------------------------------------------------------------------------------

@case
def unknown_model_choice(tmp: Path) -> Run:
    return Run(["analyze", "--model", "medium", SAMPLE], 2, "")


def assert_result(run: Run, tmp: Path) -> None:
    result = execute(run, tmp)
    if run.code == 2:  # argparse's usage lines
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    else:
        assert_clean(result, run)
    for line in run.stdout_lines:
        assert line in result.stdout, result.stdout
    if run.check is not None:
        run.check()


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input(tmp_path, name):
    assert_result(CASES[name](tmp_path), tmp_path)


# --- signals -----------------------------------------------------------------------------------------

def _start_and_wait_for_progress(out: Path, *args: object) -> subprocess.Popen:
    """An analysis of the sample, once it has written a few frames (so a signal lands mid-run)."""
    process = subprocess.Popen(formcheck_argv("analyze", SAMPLE, "-e", "squat", "--out", out, "-q", *args),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    timeline = out / STAGING_NAME / "timeline.csv"
    deadline = time.monotonic() + TIMEOUT_S
    while not (timeline.exists() and timeline.stat().st_size > 5_000):
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.05)
    return process


@pytest.mark.parametrize("signum,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_stop_signal_keeps_partial_results(tmp_path, signum, code):
    out = tmp_path / "o"
    process = _start_and_wait_for_progress(out)
    process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=TIMEOUT_S)
    assert process.returncode == code, stderr
    assert "Traceback" not in stderr and stderr.strip().splitlines() == [
        f"formcheck: interrupted; results so far are in {out}"]
    data = report(out)
    assert data["interrupted"] is True and 0 < data["frames"] < 178
    analysed(out, interrupted=True)()
    assert "frames" in stdout


def test_sigkill_of_a_rerun_leaves_the_old_result_whole(tmp_path):
    out, before = _old_result(tmp_path)
    process = _start_and_wait_for_progress(out)
    process.kill()
    process.communicate(timeout=TIMEOUT_S)
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and p.name != LOCK_NAME} == before
    # The next run clears what the killed one left and is not locked out by it.
    again = execute(Run(["analyze", make.write_video(tmp_path / "new.mp4"), "--out", out, "-q"], 0), tmp_path)
    assert again.returncode == 0, again.stderr
    analysed(out)()


def test_stderr_closed_still_gives_the_exit_code(tmp_path):
    """Started with ``2>&-`` (no stderr at all): the message has nowhere to go, the exit code still tells."""
    command = " ".join(f"'{a}'" for a in formcheck_argv("analyze", tmp_path / "nope.mp4")) + " 2>&-"
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=TIMEOUT_S)
    assert result.returncode == 3 and "Traceback" not in result.stdout + result.stderr

"""The command line end to end, with the real model: outputs and exit codes (bad input: test_bad_input.py)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import jsonschema
import numpy as np
import pytest

from formcheck.io.video import VideoReader, VideoWriter
from formcheck.outputs.report import REPORT_SCHEMA_PATH


def formcheck(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "formcheck", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=600)


def assert_clean_error(result, code, pattern):
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("formcheck:")]
    assert len(lines) == 1 and pattern in lines[0], result.stderr


@pytest.fixture(scope="module")
def empty_room(tmp_path_factory):
    """A short clip with no person in it."""
    path = tmp_path_factory.mktemp("clips") / "empty_room.mp4"
    rng = np.random.default_rng(0)
    with VideoWriter(path, 320, 240, fps=10) as writer:
        for i in range(15):
            room = np.full((240, 320, 3), 180, np.uint8)
            room[160:] = (120, 100, 80)
            writer.write(room + rng.integers(0, 5, room.shape, dtype=np.uint8), i * 100)
    return path


def test_version_and_help():
    assert formcheck("--version").stdout.startswith("formcheck ")
    result = formcheck("--help")
    assert result.returncode == 0
    for command in ("analyze", "live", "exercises", "regress", "exit codes"):
        assert command in result.stdout
    assert formcheck().returncode == 2


def test_bad_usage_exits_2():
    result = formcheck("analyze", "--model", "medium", "x.mp4")
    assert result.returncode == 2 and "invalid choice" in result.stderr


def test_video_with_no_person_reports_it(empty_room, tmp_path):
    out = tmp_path / "out"
    result = formcheck("analyze", empty_room, "--exercise", "squat", "--out", out, "-q")
    assert result.returncode == 0, result.stderr
    assert "no person was found" in result.stdout
    report = json.loads((out / "report.json").read_text())
    assert report["person_detected"] is False and report["frames"] == 15 and report["reps"] == 0
    assert all(json.loads(line)["pose"] is None for line in (out / "landmarks.jsonl").read_text().splitlines())


def test_truncated_video_is_analysed_as_far_as_readable(shared_data, tmp_path):
    clip = tmp_path / "squats.mp4"
    with VideoWriter(clip, 360, 640, fps=5) as writer:  # faststart: index first, so a cut file still opens
        for frame in VideoReader(shared_data / "tfjs/pose_squats.mp4"):
            writer.write(frame.rgb[::2, ::2], frame.t_ms)
    data = clip.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * 0.6)])
    out = tmp_path / "out"
    result = formcheck("analyze", cut, "--model", "lite", "--out", out, "-q", "--no-video")
    assert result.returncode == 0, result.stderr
    assert "truncated" in result.stdout
    report = json.loads((out / "report.json").read_text())
    assert report["truncated"] is True and 10 < report["frames"] < 65 and report["frames_with_pose"] > 10


def test_analyze_real_squats_writes_all_outputs(shared_data, tmp_path):
    out = tmp_path / "out"
    result = formcheck("analyze", shared_data / "tfjs/pose_squats.mp4", "--exercise", "squat", "--out", out,
                       "--json", "-q")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    jsonschema.validate(report, json.loads(REPORT_SCHEMA_PATH.read_text()))
    assert json.loads((out / "report.json").read_text()) == report
    assert report["exercise"] == "squat" and report["frames"] == 65 and report["frames_with_pose"] == 65
    assert report["reps"] == 2
    rows = list(csv.DictReader((out / "timeline.csv").open()))
    assert len(rows) == 65 and float(rows[-1]["t_s"]) == pytest.approx(12.8)
    assert len((out / "landmarks.jsonl").read_text().splitlines()) == 65
    video = VideoReader(out / "annotated.mp4")
    assert (video.info.width, video.info.height) == (540, 960)  # scaled to 960 px on the long side
    assert sum(1 for _ in video) == 65


def test_malformed_exercise_file_is_refused_before_any_work(empty_room, tmp_path):
    bad = tmp_path / "my_squat.toml"
    bad.write_text('id = "my_squat"\nname = "My squat"\nmode = "sideways"\n')
    out = tmp_path / "o"
    result = formcheck("analyze", empty_room, "--exercise", bad, "--out", out)
    assert_clean_error(result, 1, "my_squat.toml")
    assert "mode" in result.stderr
    assert not out.exists()

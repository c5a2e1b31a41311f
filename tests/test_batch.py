"""``formcheck batch``: many videos on a local process pool or on Ray, one sessions.csv, resumable.

The real model runs over three short clips cut from the samples (plus a damaged file and an
empty room), once on the pool; the resume, list and interrupt tests reuse that run's folder so
each of them analyses at most a clip or two.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import bad_inputs
import pytest

from formcheck.core.errors import InputError
from formcheck.io.video import VideoReader, VideoWriter
from formcheck.session.batch import BatchSettings, analyse, expand_inputs
from formcheck.session.offline import analyze_video

REPO = Path(__file__).resolve().parent.parent
#: Short clips (3 s at 15 fps) of different people and moves, so a worker's second clip is unlike its first.
CLIPS = {"squat-good": "squat-good.mp4", "squat-fault": "squat-fault.mp4", "lunge-good": "lunge-good.mp4"}
CLIP_FRAMES = 45


def formcheck(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "formcheck", *map(str, args)], capture_output=True, text=True,
                          timeout=600, **kwargs)


def rows(out: Path) -> dict[str, dict]:
    with open(out / "sessions.csv", newline="") as file:
        return {Path(row["video"]).name: row for row in csv.DictReader(file)}


def report(out: Path, folder: str) -> dict:
    return json.loads((out / folder / "report.json").read_text())


def mtimes(out: Path) -> dict[str, int]:
    return {p.parent.name: p.stat().st_mtime_ns for p in out.glob("*/report.json")}


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("clips")
    for name, sample in CLIPS.items():
        with VideoReader(REPO / "samples" / sample) as reader, \
                VideoWriter(folder / f"{name}.mp4", reader.info.width, reader.info.height, fps=15) as writer:
            for frame in itertools.islice(reader, CLIP_FRAMES):
                writer.write(frame.rgb, frame.t_ms)
    (folder / "broken.mp4").write_bytes(b"this is not a video\n" * 50)
    bad_inputs.write_video(folder / "empty-room.mp4")
    (folder / "notes.txt").write_text("not a video: a folder's other files are left out\n")
    return folder


@pytest.fixture(scope="module")
def direct(clips, tmp_path_factory) -> dict[str, dict]:
    """What ``analyze`` gives each good clip on its own."""
    out = tmp_path_factory.mktemp("direct")
    return {name: analyze_video(clips / f"{name}.mp4", exercise="squat", out_dir=out / name,
                                write_video=False).report for name in CLIPS}


@pytest.fixture(scope="module")
def pool_run(clips, tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    out = tmp_path_factory.mktemp("batch") / "out"
    result = formcheck("batch", clips, "--exercise", "squat", "--out", out, "--no-video", "-q", "--workers", "2")
    return result, out


def test_pool_gives_a_row_per_video_and_the_reports_analyze_gives(pool_run, direct):
    result, out = pool_run
    assert result.returncode == 1, result.stderr  # some videos had errors
    assert "5 videos: 3 ok, 2 with errors" in result.stdout
    got = rows(out)
    assert set(got) == {"broken.mp4", "empty-room.mp4", *(f"{name}.mp4" for name in CLIPS)}
    assert got["broken.mp4"]["error"].startswith("not a readable video") and got["broken.mp4"]["status"] == "error"
    assert got["empty-room.mp4"]["error"] == "no person was found in this video"
    for name, expected in direct.items():
        row = got[f"{name}.mp4"]
        assert (row["status"], row["exercise"], row["folder"], row["error"]) == ("ok", "squat", name, "")
        assert (int(row["frames"]), int(row["reps"]), int(row["faults"])) == (
            CLIP_FRAMES, expected["reps"], len(expected["faults"]))
        assert report(out, name) == expected  # what analyze gives, whichever worker ran it


def test_rerun_skips_the_finished_videos(clips, pool_run, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(pool_run[1], out)
    interrupted = report(out, "squat-fault")
    interrupted["interrupted"] = True
    (out / "squat-fault" / "report.json").write_text(json.dumps(interrupted))
    before = mtimes(out)

    result = formcheck("batch", clips, "--exercise", "squat", "--out", out, "--no-video", "-q")
    assert result.returncode == 1, result.stderr
    assert "(3 done by an earlier run)" in result.stdout  # two good clips and the empty room
    after = mtimes(out)
    assert {name for name in before if after[name] != before[name]} == {"squat-fault"}
    assert report(out, "squat-fault")["interrupted"] is False
    assert rows(out) == rows(pool_run[1])


def test_a_csv_list_gives_each_video_its_exercise(clips, pool_run, tmp_path):
    out, lists = tmp_path / "out", tmp_path / "lists"
    shutil.copytree(pool_run[1], out)
    lists.mkdir()
    there = os.path.relpath(clips, lists)  # paths in a list are relative to the list
    (lists / "videos.csv").write_text(f"path,exercise\n{there}/squat-good.mp4,squat\n"
                                      f"{there}/lunge-good.mp4,lunge\n\n{there}/squat-fault.mp4,\n")
    before = mtimes(out)

    result = formcheck("batch", lists / "videos.csv", "--exercise", "squat", "--out", out, "--no-video", "-q")
    assert result.returncode == 0, result.stderr
    assert set(rows(out)) == {"squat-good.mp4", "lunge-good.mp4", "squat-fault.mp4"}
    assert rows(out)["lunge-good.mp4"]["exercise"] == "lunge" and report(out, "lunge-good")["exercise"] == "lunge"
    after = mtimes(out)
    assert {name for name in ("squat-good", "squat-fault", "lunge-good") if after[name] != before[name]} == \
        {"lunge-good"}  # the exercise changed: analysed again; the others were done


def test_sigterm_stops_the_batch_and_keeps_its_rows(clips, tmp_path):
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "formcheck", "batch", clips, "--exercise", "squat", "--out", out,
                             "--no-video", "-q", "--workers", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.monotonic() + 120
    while not (out / "sessions.csv").exists() or len(rows(out)) < 2:  # the two bad files come first
        assert proc.poll() is None and time.monotonic() < deadline, "the batch ended before it could be stopped"
        time.sleep(0.1)
    workers = subprocess.run(["ps", "-o", "pid=", "--ppid", str(proc.pid)], capture_output=True, text=True).stdout
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 143, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert 2 <= len(rows(out)) < 5
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in workers.split()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers.split()), "a worker outlived the batch"


def test_inputs_expand_to_videos_each_once_with_unique_folders(clips, tmp_path):
    (tmp_path / "more").mkdir()
    shutil.copy(clips / "squat-good.mp4", tmp_path / "more" / "squat-good.MP4")
    jobs = expand_inputs([str(clips / "squat-*.mp4"), str(clips), str(tmp_path / "more"),
                          str(tmp_path / "missing.mp4")], "squat")
    assert [job.folder for job in jobs] == ["squat-fault", "squat-good", "broken", "empty-room", "lunge-good",
                                            "squat-good-2", "missing"]
    assert all(job.source.is_absolute() and job.exercise == "squat" for job in jobs)
    with pytest.raises(InputError, match="matches no video"):
        expand_inputs([str(clips / "*.mov")])
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no video files in this folder"):
        expand_inputs([str(tmp_path / "empty")])


def test_a_video_that_cannot_be_analysed_is_an_error_row_not_an_exception(tmp_path):
    (job,) = expand_inputs([str(tmp_path / "missing.mp4")], "squat")
    row = analyse(job, BatchSettings(out_dir=tmp_path / "out", write_video=False))
    assert (row.status, row.video, row.exercise) == ("error", str(tmp_path / "missing.mp4"), "squat")
    assert row.error == "no such file"  # the video column names it already


def test_the_local_pool_never_imports_ray():
    probe = "import sys, formcheck.cli.batch, formcheck.session.batch; print('ray' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "False", result.stderr


@pytest.fixture
def local_ray(monkeypatch):
    """A small local Ray instance for this test only: 2 CPUs, no dashboard, no usage report."""
    ray = pytest.importorskip("ray", reason="Ray is the 'cluster' extra: pip install -e '.[cluster]'")
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.mark.slow
def test_ray_gives_the_same_rows_and_reports_as_the_pool(local_ray, clips, pool_run, direct, tmp_path):
    from formcheck.cli import build_parser

    out = tmp_path / "out"
    args = build_parser().parse_args(["batch", str(clips), "--exercise", "squat", "--out", str(out),
                                      "--no-video", "-q", "--ray", "auto"])
    assert args.func(args) == 1
    assert local_ray.is_initialized()  # it joined the running instance, and left it running
    assert rows(out) == rows(pool_run[1])
    for name, expected in direct.items():
        assert report(out, name) == expected

"""The session history on a real SQLite file, including a process killed mid-session."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from formcheck.core.errors import OutputError
from formcheck.outputs.history import History, default_history_path


def report(exercise: str = "bodyweight_squat", *, reps: int = 0, partial: int = 0, hold_s: float = 0.0) -> dict:
    return {
        "exercise": exercise,
        "model": "lite",
        "duration_s": 42.0,
        "frames": 1260,
        "frames_with_pose": 1200,
        "sides": {"left": {"reps": reps, "partial_reps": partial, "hold_s": hold_s},
                  "right": {"reps": 1, "partial_reps": 0, "hold_s": 0.5}},
        "reps": [],
        "holds": [],
        "faults": [{"rule": "trunk_lean", "cue": "chest up", "side": "both", "start_s": 1.0, "end_s": 2.0}],
    }


NOON = datetime(2026, 3, 14, 12, 0, tzinfo=timezone.utc)


def test_save_list_get_roundtrip(tmp_path: Path) -> None:
    store = History(tmp_path / "h.sqlite3")
    sid = store.save(report(reps=3, partial=1, hold_s=2.0), source="live", started_at=NOON, label="cam")
    [rec] = store.list()
    assert rec.id == sid
    assert rec.started_at == NOON
    assert (rec.source, rec.exercise, rec.label) == ("live", "bodyweight_squat", "cam")
    assert (rec.reps, rec.partial_reps, rec.hold_s, rec.n_faults) == (4, 1, 2.5, 1)
    assert rec.report == report(reps=3, partial=1, hold_s=2.0)
    assert store.get(sid) == rec
    assert store.get(sid + 100) is None


def test_persists_across_instances(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "dir" / "h.sqlite3"
    History(path).save(report(), source="review")
    assert len(History(path).list()) == 1


def test_list_newest_first_filter_and_limit(tmp_path: Path) -> None:
    store = History(tmp_path / "h.sqlite3")
    for i in range(3):
        store.save(report("camel_pose"), source="live", started_at=NOON + timedelta(minutes=i))
    store.save(report("pigeon_pose"), source="live", started_at=NOON + timedelta(minutes=10))
    assert [r.exercise for r in store.list()][0] == "pigeon_pose"
    camel = store.list(exercise="camel_pose")
    assert len(camel) == 3
    assert camel[0].started_at > camel[1].started_at > camel[2].started_at
    assert len(store.list(limit=2)) == 2


def test_delete(tmp_path: Path) -> None:
    store = History(tmp_path / "h.sqlite3")
    a = store.save(report(), source="live")
    b = store.save(report(), source="live")
    assert store.delete(a) is True
    assert store.delete(a) is False
    assert [r.id for r in store.list()] == [b]


def test_daily_totals_per_exercise_per_day(tmp_path: Path) -> None:
    store = History(tmp_path / "h.sqlite3")
    store.save(report("squat", reps=2), source="live", started_at=NOON)
    store.save(report("squat", reps=3), source="review", started_at=NOON + timedelta(hours=1))
    store.save(report("squat", reps=5), source="live", started_at=NOON + timedelta(days=1))
    store.save(report("camel", hold_s=30.0), source="live", started_at=NOON)
    totals = store.daily_totals()
    day0 = NOON.astimezone().date()
    assert [(t.day, t.exercise, t.sessions, t.reps) for t in totals] == [
        (day0, "camel", 1, 1),
        (day0, "squat", 2, 2 + 3 + 2),  # right side adds 1 rep per report
        (day0 + timedelta(days=1), "squat", 1, 6),
    ]
    assert totals[0].hold_s == pytest.approx(30.5)
    assert [t.exercise for t in store.daily_totals(exercise="camel")] == ["camel"]


def test_empty_store(tmp_path: Path) -> None:
    store = History(tmp_path / "h.sqlite3")
    assert store.list() == []
    assert store.daily_totals() == []


def test_rejects_bad_input(tmp_path: Path) -> None:
    store = History(tmp_path / "h.sqlite3")
    with pytest.raises(ValueError, match="source: must be one of"):
        store.save(report(), source="camera")
    bad = report()
    del bad["sides"]
    with pytest.raises(ValueError, match="missing key 'sides'"):
        store.save(bad, source="live")
    assert store.list() == []


def test_unwritable_path_is_output_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(OutputError, match="cannot open the session history"):
        History(blocker / "h.sqlite3")


def test_default_path_env_and_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FORMCHECK_HISTORY", str(tmp_path / "x.sqlite3"))
    assert default_history_path() == tmp_path / "x.sqlite3"
    monkeypatch.delenv("FORMCHECK_HISTORY")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_history_path() == tmp_path / "data" / "formcheck" / "history.sqlite3"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert default_history_path() == Path.home() / ".local" / "share" / "formcheck" / "history.sqlite3"


CHILD = textwrap.dedent(
    """
    import sqlite3, sys, time
    from formcheck.outputs.history import History
    sys.path.insert(0, {tests!r})
    from test_history import report
    store = History({path!r})
    for i in range(3):
        store.save(report(reps=i), source="live")
    # a session still being written when the process dies: an open transaction
    conn = sqlite3.connect({path!r})
    conn.execute("BEGIN")
    conn.execute(
        "INSERT INTO sessions (started_at, source, exercise, duration_s, reps, partial_reps,"
        " hold_s, n_faults, report_json) VALUES ('2026-01-01T00:00:00+00:00','live','x',1,1,0,0,0,'{{}}')"
    )
    print("saved", flush=True)
    time.sleep(60)
    """
)


def test_killed_process_loses_nothing_saved(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    script = CHILD.format(path=str(path), tests=str(Path(__file__).parent))
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "saved"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    store = History(path)
    records = store.list()
    assert sorted(r.reps for r in records) == [1, 2, 3]  # each also has 1 rep on the right side
    assert all(r.exercise != "x" for r in records)  # the unfinished write left nothing
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    store.save(report(), source="review")  # and the file is still writable
    assert len(store.list()) == 4

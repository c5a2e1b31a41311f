"""Session history: finished live sessions and reviewed videos, in one SQLite file.

Every write is one transaction on its own connection (WAL journal, full sync),
so a process killed at any moment loses nothing it has already saved and never
leaves a half-written session behind. Connections are short-lived, so one
``History`` may be used from any thread (Streamlit runs each rerun on its own).

The file defaults to ``$FORMCHECK_HISTORY`` or, when unset,
``$XDG_DATA_HOME/formcheck/history.sqlite3`` (``~/.local/share/...``).
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from ..core.errors import OutputError

__all__ = ["History", "SessionRecord", "DailyTotal", "default_history_path", "SOURCES", "ENV_VAR"]

ENV_VAR = "FORMCHECK_HISTORY"
SOURCES = ("live", "review")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at    TEXT    NOT NULL,          -- ISO 8601, UTC
    source        TEXT    NOT NULL CHECK (source IN ('live', 'review')),
    exercise      TEXT    NOT NULL,
    label         TEXT    NOT NULL DEFAULT '', -- e.g. the uploaded file name
    duration_s    REAL    NOT NULL,
    reps          INTEGER NOT NULL,
    partial_reps  INTEGER NOT NULL,
    hold_s        REAL    NOT NULL,
    n_faults      INTEGER NOT NULL,
    report_json   TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_exercise_started ON sessions (exercise, started_at);
"""


def default_history_path() -> Path:
    """``$FORMCHECK_HISTORY``, else the per-user data folder (XDG), never the repository."""
    if env := os.environ.get(ENV_VAR):
        return Path(env).expanduser()
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "formcheck" / "history.sqlite3"


@dataclass(frozen=True)
class SessionRecord:
    id: int
    started_at: datetime  # timezone-aware, UTC
    source: str  # "live" | "review"
    exercise: str
    label: str
    duration_s: float
    reps: int  # complete reps, all sides
    partial_reps: int
    hold_s: float  # good-form hold seconds, all sides
    n_faults: int  # fault intervals in the report
    report: dict[str, Any]  # the full report.json / live summary as saved


@dataclass(frozen=True)
class DailyTotal:
    day: date  # local calendar day
    exercise: str
    sessions: int
    reps: int
    hold_s: float


def _totals(report: dict[str, Any]) -> tuple[int, int, float]:
    """Complete reps, partial reps and hold seconds summed over the report's sides."""
    sides = report["sides"]
    reps = sum(int(s.get("reps", 0)) for s in sides.values())
    partial = sum(int(s.get("partial_reps", 0)) for s in sides.values())
    hold_s = sum(float(s.get("hold_s", 0.0)) for s in sides.values())
    return reps, partial, hold_s


class History:
    """The session store. ``path=None`` uses :func:`default_history_path`."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path).expanduser() if path is not None else default_history_path()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as conn:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise OutputError(f"{self.path}: cannot open the session history: {exc}") from exc

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=10.0)
        try:
            conn.execute("PRAGMA synchronous=FULL")
            conn.row_factory = sqlite3.Row
            yield conn
        finally:
            conn.close()

    def save(
        self,
        report: dict[str, Any],
        *,
        source: str,
        started_at: datetime | None = None,
        label: str = "",
    ) -> int:
        """Store one finished session (a report.json-shaped dict); returns its id.

        The row is committed before this returns: a crash afterwards cannot lose it.
        """
        if source not in SOURCES:
            raise ValueError(f"source: must be one of {SOURCES}, got {source!r}")
        for key in ("exercise", "duration_s", "sides"):
            if key not in report:
                raise ValueError(f"report: missing key {key!r}")
        started_at = (started_at or datetime.now(timezone.utc)).astimezone(timezone.utc)
        reps, partial, hold_s = _totals(report)
        row = (
            started_at.isoformat(timespec="seconds"),
            source,
            str(report["exercise"]),
            label,
            float(report["duration_s"]),
            reps,
            partial,
            hold_s,
            len(report.get("faults", ())),
            json.dumps(report, sort_keys=True),
        )
        with self._connect() as conn, conn:  # the inner `with conn` is the transaction
            cur = conn.execute(
                "INSERT INTO sessions (started_at, source, exercise, label, duration_s, reps,"
                " partial_reps, hold_s, n_faults, report_json) VALUES (?,?,?,?,?,?,?,?,?,?)",
                row,
            )
            return int(cur.lastrowid)

    def list(self, *, exercise: str | None = None, limit: int | None = None) -> list[SessionRecord]:
        """Sessions, newest first; optionally one exercise only."""
        sql = "SELECT * FROM sessions"
        args: list[Any] = []
        if exercise is not None:
            sql += " WHERE exercise = ?"
            args.append(exercise)
        sql += " ORDER BY started_at DESC, id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(int(limit))
        with self._connect() as conn:
            return [_record(row) for row in conn.execute(sql, args)]

    def get(self, session_id: int) -> SessionRecord | None:
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM sessions WHERE id = ?", (int(session_id),)).fetchone()
        return _record(row) if row is not None else None

    def delete(self, session_id: int) -> bool:
        """Remove one session; False when there was no such session."""
        with self._connect() as conn, conn:
            cur = conn.execute("DELETE FROM sessions WHERE id = ?", (int(session_id),))
            return cur.rowcount > 0

    def daily_totals(self, *, exercise: str | None = None) -> list[DailyTotal]:
        """Per exercise per local calendar day: sessions, reps and hold seconds, oldest first."""
        totals: dict[tuple[date, str], list[float]] = {}
        for rec in self.list(exercise=exercise):
            key = (rec.started_at.astimezone().date(), rec.exercise)
            acc = totals.setdefault(key, [0, 0, 0.0])
            acc[0] += 1
            acc[1] += rec.reps
            acc[2] += rec.hold_s
        return [
            DailyTotal(day=day, exercise=ex, sessions=int(n), reps=int(reps), hold_s=float(hold))
            for (day, ex), (n, reps, hold) in sorted(totals.items())
        ]


def _record(row: sqlite3.Row) -> SessionRecord:
    return SessionRecord(
        id=row["id"],
        started_at=datetime.fromisoformat(row["started_at"]),
        source=row["source"],
        exercise=row["exercise"],
        label=row["label"],
        duration_s=row["duration_s"],
        reps=row["reps"],
        partial_reps=row["partial_reps"],
        hold_s=row["hold_s"],
        n_faults=row["n_faults"],
        report=json.loads(row["report_json"]),
    )

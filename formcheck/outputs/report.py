"""Turn the per-frame verdict stream into a session report and a timeline.

The same builder serves a file analysis and a live session, so a clip reviewed
offline reports what the person saw live. The report's shape is documented by
``formcheck/outputs/schemas/report.schema.json``.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ..core.verdict import FrameVerdict, HoldRecord
from ..signal.features import Features

__all__ = ["ReportBuilder", "TimelineWriter", "REPORT_SCHEMA_PATH", "write_json"]

REPORT_SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "report.schema.json"

@dataclass
class _OpenFault:
    rule: str
    cue: str
    side: str
    start_s: float
    last_s: float


class ReportBuilder:
    """Accumulates verdicts frame by frame; ``build()`` can be called at any time.

    Holds are the tracker's own (``holds.HoldTimer``: the live timer and the
    report share one definition); faults are intervals during which a
    (debounced) fault stayed active.
    """

    def __init__(self, exercise: str | None, model: str, source: str | None = None) -> None:
        self.exercise = exercise
        self.model = model
        self.source = source
        self.reset()

    def reset(self) -> None:
        self.frames = 0
        self.frames_with_pose = 0
        self._first_s: float | None = None
        self._last_s = 0.0
        self._last: FrameVerdict | None = None
        self._holds: list[dict[str, Any]] = []
        self._faults: list[dict[str, Any]] = []
        self._not_checked_s: dict[str, float] = {}
        self._open_faults: dict[tuple[str, str], _OpenFault] = {}

    def add(self, verdict: FrameVerdict) -> None:
        t_s = verdict.t_ms / 1000
        if self._first_s is None:
            self._first_s = t_s
        self.frames += 1
        self.frames_with_pose += int(verdict.pose_found)
        if verdict.hold_ended is not None:
            self._holds.append(_hold_dict(verdict.hold_ended))
        if verdict.setup_ok and self._last is not None:
            for rule in verdict.unchecked:
                self._not_checked_s[rule] = self._not_checked_s.get(rule, 0.0) + t_s - self._last_s
        self._track_faults(verdict, t_s)
        self._last, self._last_s = verdict, t_s

    def _track_faults(self, verdict: FrameVerdict, t_s: float) -> None:
        active = {(f.rule_id, f.side): f for f in verdict.faults}
        for key in list(self._open_faults):
            if key not in active:
                self._close_fault(key)
        for key, fault in active.items():
            open_fault = self._open_faults.get(key)
            if open_fault is None:
                self._open_faults[key] = _OpenFault(fault.rule_id, fault.cue, fault.side, t_s, t_s)
            else:
                open_fault.last_s = t_s

    def _close_fault(self, key: tuple[str, str]) -> None:
        fault = self._open_faults.pop(key)
        self._faults.append({
            "rule": fault.rule,
            "cue": fault.cue,
            "side": fault.side,
            "start_s": round(fault.start_s, 3),
            "end_s": round(max(fault.last_s, self._last_s), 3),
        })

    def build(self, **extra: Any) -> dict[str, Any]:
        """The report so far, with open holds and faults closed at the last frame."""
        holds = list(self._holds)
        faults = list(self._faults)
        if self._last is not None and self._last.hold_open is not None:
            holds.append(_hold_dict(self._last.hold_open))
        for f in self._open_faults.values():
            faults.append({"rule": f.rule, "cue": f.cue, "side": f.side,
                           "start_s": round(f.start_s, 3), "end_s": round(self._last_s, 3)})
        faults.sort(key=lambda f: (f["start_s"], f["rule"]))
        last = self._last
        sides_seen = set()
        if last is not None:
            sides_seen = set(last.reps) | set(last.partial_reps) | set(last.hold_s)
        sides = {
            side: {
                "reps": last.reps.get(side, 0),
                "partial_reps": last.partial_reps.get(side, 0),
                "hold_s": round(last.hold_s.get(side, 0.0), 3),
            }
            for side in sorted(sides_seen)
        } if last is not None else {}
        duration = self._last_s - (self._first_s or 0.0)
        report: dict[str, Any] = {
            "formcheck_report": 1,
            "exercise": self.exercise,
            "model": self.model,
            "source": self.source,
            "duration_s": round(duration, 3),
            "frames": self.frames,
            "frames_with_pose": self.frames_with_pose,
            "person_detected": self.frames_with_pose > 0,
            "sides": sides,
            "reps": sum(s["reps"] for s in sides.values()),
            "holds": holds,
            "faults": faults,
            "not_checked_s": {rule: round(secs, 3) for rule, secs in sorted(self._not_checked_s.items())},
        }
        report.update(extra)
        return report


class TimelineWriter:
    """One CSV row per frame: time, state, faults and every feature (blank when unknown)."""

    STATE_COLUMNS = ("t_s", "pose_found", "setup_ok", "view", "side", "phase", "reps", "hold_s", "holding",
                     "faults", "cue")

    def __init__(self, stream: IO[str], feature_names: list[str]) -> None:
        self._features = list(feature_names)
        self._writer = csv.writer(stream)
        self._writer.writerow([*self.STATE_COLUMNS, *self._features])

    def add(self, verdict: FrameVerdict, features: Features) -> None:
        side = verdict.side
        self._writer.writerow([
            f"{verdict.t_ms / 1000:.3f}",
            int(verdict.pose_found),
            int(verdict.setup_ok),
            verdict.view,
            side,
            verdict.phase,
            sum(verdict.reps.values()),
            f"{sum(verdict.hold_s.values()):.2f}",
            int(verdict.holding),
            ";".join(f"{f.rule_id}:{f.side}" for f in verdict.faults),
            verdict.cue.text if verdict.cue else "",
            *(_fmt(features.values.get(name, math.nan)) for name in self._features),
        ])


def _hold_dict(hold: HoldRecord) -> dict[str, Any]:
    return {"side": hold.side, "start_s": round(hold.start_s, 3), "end_s": round(hold.end_s, 3),
            "good_form_s": round(hold.good_form_s, 3)}


def _fmt(value: float) -> str:
    return "" if value is None or math.isnan(value) else f"{value:.2f}"


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write atomically: a crash mid-write never leaves a half report behind."""
    tmp = path.with_suffix(path.suffix + ".part")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    tmp.replace(path)

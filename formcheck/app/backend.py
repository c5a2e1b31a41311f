"""Pure helpers behind the Streamlit pages: settings, upload checks, sample clips, chart data.

Nothing here imports Streamlit; the pages stay thin and this is tested on its own.

Settings (environment variables):

- ``FORMCHECK_ICE_SERVERS``: JSON list of ICE servers for remote use, e.g.
  ``[{"urls": ["stun:stun.example.org:3478"]}]``. Unset: none, which is what
  works on localhost with no internet (no public STUN server is tried).
- ``FORMCHECK_UPLOAD_MB``: the review upload cap in MB (default 200).
- ``FORMCHECK_SAMPLES_DIR``: the bundled clips (default: the repository's ``samples/``).
- ``FORMCHECK_HISTORY``: the session history file (see :mod:`formcheck.outputs.history`).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..core.errors import InputError
from ..dev.regress import EXPECTED_SUFFIX, Expected, load_expected
from ..engine.spec import ExerciseSpec, PositionSpec, RuleSpec
from ..io.video import VIDEO_EXTENSIONS

__all__ = [
    "VIDEO_EXTENSIONS",
    "DEFAULT_UPLOAD_MB",
    "rtc_configuration",
    "upload_cap_mb",
    "check_upload",
    "save_upload",
    "SampleClip",
    "samples_dir",
    "sample_clips",
    "feature_label",
    "plain_id",
    "when_text",
    "fault_intervals",
    "side_table",
    "hold_rows",
    "exercise_name",
    "local_time_text",
    "rule_rows",
    "position_rows",
    "instructions_text",
]

DEFAULT_UPLOAD_MB = 200
_REPO = Path(__file__).resolve().parents[2]


def rtc_configuration(env: dict[str, str] | None = None) -> dict[str, Any]:
    """The WebRTC configuration: no ICE servers unless ``FORMCHECK_ICE_SERVERS`` names some."""
    env = os.environ if env is None else env
    raw = env.get("FORMCHECK_ICE_SERVERS", "").strip()
    if not raw:
        return {"iceServers": []}
    try:
        servers = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputError(f"FORMCHECK_ICE_SERVERS: not valid JSON ({exc.msg})") from exc
    if not isinstance(servers, list) or not all(isinstance(s, dict) and "urls" in s for s in servers):
        raise InputError('FORMCHECK_ICE_SERVERS: must be a JSON list like [{"urls": ["stun:host:3478"]}]')
    return {"iceServers": servers}


def upload_cap_mb(env: dict[str, str] | None = None) -> int:
    env = os.environ if env is None else env
    raw = env.get("FORMCHECK_UPLOAD_MB", "")
    if not raw:
        return DEFAULT_UPLOAD_MB
    if not raw.isdigit() or int(raw) < 1:
        raise InputError(f"FORMCHECK_UPLOAD_MB: must be a whole number of MB >= 1, got {raw!r}")
    return int(raw)


def check_upload(name: str, size_bytes: int, cap_mb: int) -> None:
    """Refuse an upload by name and size before anything is written or decoded."""
    ext = Path(name).suffix.lower().lstrip(".")
    if ext not in VIDEO_EXTENSIONS:
        raise InputError(
            f"{name}: not a video file type we read (use one of: {', '.join(VIDEO_EXTENSIONS)})"
        )
    if size_bytes > cap_mb * 1024 * 1024:
        raise InputError(f"{name}: {size_bytes / 1024 / 1024:.1f} MB is over the {cap_mb} MB upload limit")
    if size_bytes == 0:
        raise InputError(f"{name}: the file is empty")


def save_upload(name: str, data: bytes, dest_dir: Path, cap_mb: int) -> Path:
    """Check an upload and write it under ``dest_dir`` with a safe file name."""
    check_upload(name, len(data), cap_mb)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).name).lstrip(".") or "upload.mp4"
    dest_dir.mkdir(parents=True, exist_ok=True)
    path = dest_dir / safe
    path.write_bytes(data)
    return path


@dataclass(frozen=True)
class SampleClip:
    path: Path
    expected: Expected | None  # from the clip's .expected.json (None without a valid one)

    @property
    def exercise(self) -> str | None:
        return self.expected.exercise if self.expected is not None else None

    @property
    def label(self) -> str:
        return f"{self.path.name} ({self.exercise})" if self.exercise else self.path.name


def samples_dir(env: dict[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get("FORMCHECK_SAMPLES_DIR") or _REPO / "samples")


def sample_clips(folder: Path | None = None) -> list[SampleClip]:
    """The bundled clips with their expected results (``clip.expected.json`` beside ``clip.mp4``)."""
    folder = samples_dir() if folder is None else folder
    if not folder.is_dir():
        return []
    clips = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower().lstrip(".") not in VIDEO_EXTENSIONS or not path.is_file():
            continue
        expected_path = path.with_name(path.stem + EXPECTED_SUFFIX)
        expected = None
        if expected_path.is_file():
            try:
                expected = load_expected(expected_path)
            except InputError:
                expected = None  # offered as a plain clip; `formcheck regress` names the problem
        clips.append(SampleClip(path=path, expected=expected))
    return clips


# --- plain words for people: every feature, rule, phase and column the pages show -------------------


def feature_label(name: str) -> str:
    """A feature as a person reads it, with its unit: ``back_thigh_from_vertical_deg`` ->
    "back thigh from vertical (°)", ``knee_to_ankle_width_ratio`` -> "knee-to-ankle width ratio".

    One rule for every feature: the name without its unit suffix, words joined by spaces (``_to_``
    by hyphens), then " (°)" for an angle; a ratio keeps the word "ratio" (it has no unit)."""
    from ..signal.features import FEATURES

    feature = FEATURES.get(name)
    unit = feature.unit if feature is not None else name.rsplit("_", 1)[-1]
    stem = name[: -len(unit) - 1] if unit == "deg" and name.endswith("_deg") else name
    words = stem.replace("_to_", "-to-").replace("_", " ")
    return f"{words} (°)" if unit == "deg" else words


def plain_id(identifier: str) -> str:
    """A rule id as words: ``knees_out`` -> "knees out"."""
    return identifier.replace("_", " ")


_WHEN = {"any": "all the time", "hold": "while holding", "stretch": "once in the stretch",
         "start": "standing at the top", "moving": "on the way down and up", "bottom": "at the bottom",
         "active": "during each rep"}


def when_text(phase: str) -> str:
    """When a rule is checked, in words."""
    return _WHEN.get(phase, phase)


def exercise_name(exercise: str, specs: dict[str, ExerciseSpec]) -> str:
    """An exercise id as its name (the id itself for one no longer in the catalogue)."""
    spec = specs.get(exercise)
    return spec.name if spec is not None else plain_id(exercise)


def local_time_text(moment: datetime) -> str:
    """A stored (UTC) time in this machine's local time, as people write it: "Mon 30 Nov, 14:05"."""
    local = moment.astimezone()
    return f"{local:%a} {local.day} {local:%b, %H:%M}"


#: A session shorter than this is a false start (a wrong exercise picked, a camera test), not practice.
MIN_SAVED_S = 3.0


def worth_keeping(report: dict[str, Any]) -> bool:
    """Whether a session belongs in the history: an exercise, a person found, and long enough."""
    return (report.get("exercise") is not None and report.get("frames_with_pose", 0) > 0
            and report.get("duration_s", 0.0) >= MIN_SAVED_S)


def fault_intervals(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The report's fault intervals as table rows, with their length."""
    return [
        {"what was wrong": plain_id(f["rule"]), "side": f["side"], "from (s)": f["start_s"],
         "to (s)": f["end_s"], "for (s)": round(f["end_s"] - f["start_s"], 2), "what to fix": f["cue"]}
        for f in report.get("faults", [])
    ]


def side_table(report: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per side: complete reps, partial reps, good-form hold seconds."""
    return [
        {"side": side, "reps": s.get("reps", 0), "partial reps": s.get("partial_reps", 0),
         "held (s)": round(float(s.get("hold_s", 0.0)), 1)}
        for side, s in sorted(report.get("sides", {}).items())
    ]


def hold_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The report's holds as table rows."""
    return [{"side": h["side"], "from (s)": h["start_s"], "to (s)": h["end_s"],
             "good form (s)": round(float(h.get("good_form_s", 0.0)), 1)} for h in report.get("holds", [])]


# --- exercise specs as text and table rows for the pages ---------------------------------------------


def camera_setup_text(spec: ExerciseSpec) -> str:
    return f"{spec.camera.view.value.capitalize()} view. {spec.camera.setup}"


def instructions_text(spec: ExerciseSpec) -> str:
    return "\n".join(f"{i}. {step}" for i, step in enumerate(spec.instructions, 1))


def _allowed(item: RuleSpec | PositionSpec) -> str:
    """The allowed range in words a table shows as written (a leading ">" would be a Markdown quote)."""
    lo, hi = item.bounds
    unit = "°" if item.unit == "deg" else ""
    if lo is not None and hi is not None:
        return f"{lo:g}{unit} to {hi:g}{unit}"
    return f"≥ {lo:g}{unit}" if lo is not None else f"≤ {hi:g}{unit}"


def rule_rows(spec: ExerciseSpec) -> list[dict[str, Any]]:
    """What each rule checks, as table rows: what is measured, allowed range, when, how serious, cue."""
    return [{"check": plain_id(rule.id), "what is measured": feature_label(rule.feature),
             "allowed": _allowed(rule), "when": when_text(rule.phase.value), "how serious": rule.severity,
             "what you will hear": rule.cue} for rule in spec.rules]


def position_rows(spec: ExerciseSpec) -> list[dict[str, Any]]:
    """The conditions that define being in the exercise position, as table rows."""
    return [{"what is measured": ", ".join(feature_label(f) for f in cond.features),
             "in position when": _allowed(cond), "what you will hear until then": cond.cue}
            for cond in spec.position]


@dataclass(frozen=True)
class FeatureChart:
    """One key feature to plot over time, with the thresholds the spec applies to it."""

    feature: str
    label: str  # the feature in plain words (chart title and axis)
    thresholds: tuple[tuple[str, float], ...]  # (label, value in the feature's unit)
    rules: tuple[str, ...]  # rule ids acting on this feature (their fault intervals are shaded)


def feature_charts(spec: ExerciseSpec | None, timeline_columns: list[str]) -> list[FeatureChart]:
    """The features the spec's rep counter and rules use that the timeline has, in spec order."""
    if spec is None:
        return []
    charts: dict[str, tuple[list[tuple[str, float]], list[str]]] = {}
    if spec.reps is not None:
        charts[spec.reps.feature] = ([("rep starts", spec.reps.enter_deg),
                                      ("rep counts", spec.reps.exit_deg)], [])
    for rule in spec.rules:
        thresholds, rules = charts.setdefault(rule.feature, ([], []))
        rules.append(rule.id)
        for bound, value in zip(("lowest allowed", "highest allowed"), rule.bounds):
            if value is not None:
                thresholds.append((f"{plain_id(rule.id)}: {bound}", float(value)))
    return [FeatureChart(feature, feature_label(feature), tuple(thresholds), tuple(rules))
            for feature, (thresholds, rules) in charts.items() if feature in timeline_columns]


def timeline_feature_columns(columns: list[str]) -> list[str]:
    """Timeline columns that hold features (everything after the state columns)."""
    from ..outputs.report import TimelineWriter

    return [c for c in columns if c not in TimelineWriter.STATE_COLUMNS]

"""Regression over a folder of clips with expected results.

Every video ``<name>.<ext>`` with a ``<name>.expected.json`` beside it is
analysed and its report compared with the expected file (format in
``samples/README.md``):

- reps: exact, per side (and partial reps, when the file lists them);
- hold seconds: per side, within ``hold_tolerance_s`` (default 0.5 s);
- faults: each expected fault found (same rule, same side when given) with its
  onset within ``onset_tolerance_s`` (default 0.5 s); no other fault reported
  (except rules listed in ``allowed_rules``).

A clip whose expected file carries ``"known_failure": "<reason>"`` is a
diagnosed failure of the pose model (the reason says what it gets wrong):
failing, it shows as ``XFAIL`` and does not fail the run; passing, it shows
as ``XPASS`` (time to remove the marker), which does not fail the run either.

A report's fault ``start_s`` is when the fault was *shown*, i.e. after the
rule's ``debounce_s``; the detected onset compared with the file's
``onset_s`` (when the body broke the rule) is ``start_s - debounce_s``.
"""

from __future__ import annotations

import fnmatch
import json
import time
import xml.etree.ElementTree as ET
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from ..core.errors import ExitCode, FormcheckError, InputError, Interrupted
from ..core.files import read_small_text
from ..engine.spec import ExerciseSpec, load_exercise
from ..io.video import VIDEO_EXTENSIONS

__all__ = [
    "EXPECTED_SUFFIX", "MAX_EXPECTED_BYTES", "Expected", "ExpectedFault", "Check", "ClipResult",
    "RegressionInterrupted", "load_expected", "parse_expected", "compare", "find_clips", "run_regression",
    "format_table", "summary_line", "junit_xml",
]

EXPECTED_SUFFIX = ".expected.json"
MAX_EXPECTED_BYTES = 1_000_000  # real expected files are a few hundred bytes: anything this big is a mistake
DEFAULT_HOLD_TOLERANCE_S = 0.5
DEFAULT_ONSET_TOLERANCE_S = 0.5
_KEYS = {"exercise", "video", "reps", "partial_reps", "hold_s", "hold_tolerance_s", "holds", "faults",
         "onset_tolerance_s", "allowed_rules", "known_failure", "description", "source", "notes"}
_HOLD_KEYS = {"side", "start_s", "end_s"}
_FAULT_KEYS = {"rule", "side", "onset_s", "note"}


@dataclass(frozen=True)
class ExpectedFault:
    rule: str
    onset_s: float
    side: str | None = None  # None: any side


@dataclass(frozen=True)
class Expected:
    exercise: str  # an exercise id, or a path to an exercise file (relative to the expected file)
    reps: dict[str, int] | None = None
    partial_reps: dict[str, int] | None = None
    hold_s: dict[str, float] | None = None
    hold_tolerance_s: float = DEFAULT_HOLD_TOLERANCE_S
    faults: tuple[ExpectedFault, ...] = ()
    onset_tolerance_s: float = DEFAULT_ONSET_TOLERANCE_S
    allowed_rules: tuple[str, ...] = ()
    known_failure: str | None = None  # why the pose model is known to fail this clip
    holds: tuple[tuple[str, float, float], ...] = ()  # (side, start_s, end_s) of each hold seen in the clip


def _fail(where: str, message: str) -> InputError:
    return InputError(f"{where}: {message}")


def _side_map(value: Any, where: str, key: str, kind: type) -> dict:
    if not isinstance(value, dict) or not value:
        raise _fail(where, f"{key}: must be a table of side -> {kind.__name__}, e.g. {{\"left\": 3}}")
    out = {}
    for side, n in value.items():
        if side not in ("left", "right", "both"):
            raise _fail(where, f"{key}.{side}: side must be left, right or both")
        if isinstance(n, bool) or not isinstance(n, (int, float)) or (kind is int and n != int(n)) or n < 0:
            raise _fail(where, f"{key}.{side}: must be a non-negative {'integer' if kind is int else 'number'}")
        out[side] = kind(n)
    return out


def _positive(data: dict, key: str, default: float, where: str) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise _fail(where, f"{key}: must be a number of seconds > 0")
    return float(value)


def _list(data: dict, key: str, where: str) -> list:
    """``data[key]`` (default empty), refused unless a list: iterating a number would be a TypeError traceback."""
    value = data.get(key, [])
    if not isinstance(value, list):
        raise _fail(where, f"{key}: must be a list of tables")
    return value


def parse_expected(data: Any, where: str = "<expected>") -> Expected:
    """Validate an expected-result mapping; errors name the file and the key."""
    if not isinstance(data, dict):
        raise _fail(where, "must be a JSON object")
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise _fail(where, f"{unknown[0]}: unknown key (allowed: {', '.join(sorted(_KEYS))})")
    exercise = data.get("exercise")
    if not isinstance(exercise, str) or not exercise:
        raise _fail(where, "exercise: required, an exercise id (e.g. \"squat\") or a path to an exercise file")
    if not any(k in data for k in ("reps", "hold_s", "faults")):
        raise _fail(where, "nothing to check: give at least one of reps, hold_s, faults")
    faults = []
    for i, f in enumerate(_list(data, "faults", where)):
        key = f"faults[{i}]"
        if not isinstance(f, dict):
            raise _fail(where, f"{key}: must be a table with rule and onset_s")
        bad = sorted(set(f) - _FAULT_KEYS)
        if bad:
            raise _fail(where, f"{key}.{bad[0]}: unknown key (allowed: {', '.join(sorted(_FAULT_KEYS))})")
        if not isinstance(f.get("rule"), str):
            raise _fail(where, f"{key}.rule: required, a rule id from the exercise file")
        onset = f.get("onset_s")
        if isinstance(onset, bool) or not isinstance(onset, (int, float)) or onset < 0:
            raise _fail(where, f"{key}.onset_s: required, seconds from the start of the clip (>= 0)")
        side = f.get("side")
        if side not in (None, "left", "right", "both"):
            raise _fail(where, f"{key}.side: must be left, right or both (or omitted: any side)")
        faults.append(ExpectedFault(f["rule"], float(onset), side))
    allowed = data.get("allowed_rules", [])
    if not isinstance(allowed, list) or not all(isinstance(r, str) for r in allowed):
        raise _fail(where, "allowed_rules: must be a list of rule ids")
    holds = []
    for i, h in enumerate(_list(data, "holds", where)):
        key = f"holds[{i}]"
        if not isinstance(h, dict) or set(h) != _HOLD_KEYS:
            raise _fail(where, f"{key}: must be a table with exactly side, start_s and end_s")
        if h["side"] not in ("left", "right", "both") or not all(
                isinstance(h[k], (int, float)) and not isinstance(h[k], bool) for k in ("start_s", "end_s")) or (
                not 0 <= h["start_s"] < h["end_s"]):
            raise _fail(where, f"{key}: side left|right|both and 0 <= start_s < end_s (seconds)")
        holds.append((h["side"], float(h["start_s"]), float(h["end_s"])))
    known = data.get("known_failure")
    if known is not None and (not isinstance(known, str) or not known.strip()):
        raise _fail(where, "known_failure: must be a non-empty reason (what the pose model gets wrong)")
    return Expected(
        exercise=exercise,
        reps=_side_map(data["reps"], where, "reps", int) if "reps" in data else None,
        partial_reps=_side_map(data["partial_reps"], where, "partial_reps", int) if "partial_reps" in data else None,
        hold_s=_side_map(data["hold_s"], where, "hold_s", float) if "hold_s" in data else None,
        hold_tolerance_s=_positive(data, "hold_tolerance_s", DEFAULT_HOLD_TOLERANCE_S, where),
        faults=tuple(faults),
        onset_tolerance_s=_positive(data, "onset_tolerance_s", DEFAULT_ONSET_TOLERANCE_S, where),
        allowed_rules=tuple(allowed),
        known_failure=known,
        holds=tuple(holds),
    )


def load_expected(path: str | Path) -> Expected:
    """Read and validate an expected file; whatever is wrong with it is an InputError naming it."""
    path = Path(path)
    return parse_expected(_read_json(path), str(path))


def _no_constant(name: str) -> None:
    """json's parse_constant hook: NaN and Infinity are not JSON (and int(inf) would crash a check)."""
    raise ValueError(f"{name} is not a JSON value")


def _read_json(path: Path) -> Any:
    """The JSON value in an expected file (InputError naming the file for anything wrong with it)."""
    text = read_small_text(path, max_bytes=MAX_EXPECTED_BYTES)
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    except ValueError as exc:  # NaN / Infinity, an integer too long to convert
        raise InputError(f"{path}: not valid JSON ({exc})") from None
    except RecursionError:
        raise InputError(f"{path}: not valid JSON (nested too deeply)") from None


# --------------------------------------------------------------------------- comparison


@dataclass(frozen=True)
class Check:
    """One compared quantity of one clip."""

    name: str  # e.g. "reps[left]", "hold_s[right]", "fault not_leaning_back", "unexpected fault"
    expected: str
    got: str
    ok: bool


def _side_value(report: dict, side: str, key: str) -> float:
    return report.get("sides", {}).get(side, {}).get(key, 0)


def _fmt_s(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".") if x != int(x) else f"{int(x)}"


def compare(expected: Expected, report: dict, spec: ExerciseSpec | None = None) -> list[Check]:
    """Every check of a report against the expected result (``spec`` gives each rule's debounce)."""
    checks: list[Check] = []
    sides_reported = set(report.get("sides", {}))
    for key, wanted in (("reps", expected.reps), ("partial_reps", expected.partial_reps)):
        if wanted is None:
            continue
        for side in sorted(set(wanted) | sides_reported):
            exp, got = wanted.get(side, 0), int(_side_value(report, side, key))
            if side not in wanted and got == 0:
                continue
            checks.append(Check(f"{key}[{side}]", str(exp), str(got), exp == got))
    if expected.hold_s is not None:
        tol = expected.hold_tolerance_s
        for side in sorted(set(expected.hold_s) | sides_reported):
            exp, got = expected.hold_s.get(side, 0.0), float(_side_value(report, side, "hold_s"))
            if side not in expected.hold_s and got <= tol:
                continue
            checks.append(Check(f"hold_s[{side}]", f"{_fmt_s(exp)}±{_fmt_s(tol)}", _fmt_s(round(got, 2)),
                                abs(exp - got) <= tol + 1e-9))
    checks += _compare_holds(expected, report.get("holds", []))
    checks += _compare_faults(expected, report.get("faults", []), spec)
    return checks


def _compare_holds(expected: Expected, reported: list[dict]) -> list[Check]:
    """Each hold seen in the clip is found in the report: a reported hold on that side that
    overlaps it (the seconds are compared by ``hold_s``; this checks the timing)."""
    checks = []
    for side, start, end in expected.holds:
        found = [h for h in reported if h["side"] == side and h["start_s"] < end and h["end_s"] > start]
        got = ", ".join(f"{_fmt_s(h['start_s'])}-{_fmt_s(h['end_s'])}" for h in found) or "none"
        checks.append(Check(f"hold {side} {_fmt_s(start)}-{_fmt_s(end)}s", "overlapping hold", got, bool(found)))
    return checks


def _debounce_s(spec: ExerciseSpec | None, rule_id: str) -> float:
    if spec is None:
        return 0.0
    return next((r.debounce_s for r in spec.rules if r.id == rule_id), 0.0)


def _compare_faults(expected: Expected, reported: list[dict], spec: ExerciseSpec | None) -> list[Check]:
    checks = []
    unused = list(range(len(reported)))
    tol = expected.onset_tolerance_s
    for want in sorted(expected.faults, key=lambda f: f.onset_s):
        label = f"fault {want.rule}" + (f"[{want.side}]" if want.side else "")
        candidates = [i for i in unused if reported[i].get("rule") == want.rule
                      and (want.side is None or reported[i].get("side") == want.side)]
        onsets = {i: float(reported[i]["start_s"]) - _debounce_s(spec, want.rule) for i in candidates}
        best = min(candidates, key=lambda i: abs(onsets[i] - want.onset_s), default=None)
        exp_text = f"onset {_fmt_s(want.onset_s)}±{_fmt_s(tol)}s"
        if best is None:
            checks.append(Check(label, exp_text, "not reported", False))
            continue
        ok = abs(onsets[best] - want.onset_s) <= tol + 1e-9
        if ok:
            unused.remove(best)
        checks.append(Check(label, exp_text, f"onset {onsets[best]:.2f}s", ok))
    for i in unused:
        fault = reported[i]
        if fault.get("rule") in expected.allowed_rules:
            continue
        checks.append(Check(f"unexpected fault {fault.get('rule')}[{fault.get('side')}]", "none",
                            f"{_fmt_s(float(fault['start_s']))}-{_fmt_s(float(fault['end_s']))}s", False))
    return checks


# --------------------------------------------------------------------------- running


@dataclass
class ClipResult:
    clip: Path
    expected_path: Path
    checks: list[Check] = field(default_factory=list)
    error: str | None = None  # the clip could not be analysed
    elapsed_s: float = 0.0
    report: dict | None = None
    known_failure: str | None = None  # from the expected file: a diagnosed pose-model failure
    skipped: str | None = None  # why the clip was not run (its video is kept elsewhere and was not found)

    @property
    def passed(self) -> bool:
        """It ran and every check matched (whatever the known-failure marker says)."""
        return self.skipped is None and self.error is None and all(c.ok for c in self.checks)

    @property
    def status(self) -> str:
        """"ok", "FAIL", "XFAIL" (known failure, failing), "XPASS" (known failure, passing) or
        "SKIP" (video not found). A clip that cannot be analysed at all is "FAIL" even when marked."""
        if self.skipped is not None:
            return "SKIP"
        if self.known_failure is None or self.error is not None:
            return "ok" if self.passed else "FAIL"
        return "XPASS" if self.passed else "XFAIL"

    @property
    def ok(self) -> bool:
        """Does not fail the run: passed, or a known failure (XFAIL / XPASS)."""
        return self.status != "FAIL"

    @property
    def name(self) -> str:
        return self.clip.name


def find_clips(directory: str | Path, video_dirs: Iterable[str | Path] = ()) -> list[tuple[Path, Path]]:
    """(video, expected file) pairs in ``directory``, sorted by name.

    An expected file naming its ``video`` (clips that may not be redistributed are kept
    outside the repository) finds it beside itself or in ``video_dirs``; when it is in
    none of them the pair names it beside the expected file and the clip is skipped.
    Otherwise the video has the expected file's stem and must be beside it: a missing
    one is an error (a typo would otherwise silently drop a check). An expected file that
    cannot be read is paired with its stem's video, or the bare stem when there is none:
    whether it names a video is unknown, and its clip's error row says what is wrong."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(f"{directory}: not a folder")
    dirs = (directory, *map(Path, video_dirs))
    return [(_video_for(expected, dirs), expected) for expected in sorted(directory.glob(f"*{EXPECTED_SUFFIX}"))]


def _video_for(expected: Path, dirs: tuple[Path, ...]) -> Path:
    """The video of one expected file (``find_clips``); ``dirs[0]`` is the expected file's folder."""
    stem = expected.name[: -len(EXPECTED_SUFFIX)]
    videos = [dirs[0] / f"{stem}.{ext}" for ext in VIDEO_EXTENSIONS if (dirs[0] / f"{stem}.{ext}").is_file()]
    try:
        named = _named_video(expected)
    except InputError:
        return videos[0] if videos else dirs[0] / stem
    if named is not None:
        found = [d / named for d in dirs if (d / named).is_file()]
        return found[0] if found else dirs[0] / named
    if not videos:
        raise InputError(f"{expected}: no video named {stem}.{{{','.join(VIDEO_EXTENSIONS)}}} beside it")
    return videos[0]


def _named_video(expected: Path) -> str | None:
    """The file name in the expected file's ``video`` key (None when absent)."""
    data = _read_json(expected)
    video = data.get("video") if isinstance(data, dict) else None
    return Path(video).name if isinstance(video, str) and video else None


def resolve_spec(exercise: str, expected_path: Path, overrides: dict[str, ExerciseSpec]) -> ExerciseSpec:
    """The exercise for a clip: an override with that id, a file path relative to the expected file, or an id."""
    if exercise in overrides:
        return overrides[exercise]
    if exercise.endswith(".toml"):
        spec = load_exercise(expected_path.parent / exercise)
    else:
        spec = load_exercise(exercise)
    return overrides.get(spec.id, spec)


Analyze = Callable[[Path, ExerciseSpec, str], dict]


class RegressionInterrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM stopped a run: the clips finished before it, and how many were not run
    (the one being analysed included). A KeyboardInterrupt, so a caller that does not look
    for it stops as on any Ctrl-C; ``exit_code`` is the interruption's (130, or 143 for SIGTERM)."""

    def __init__(self, results: list[ClipResult], not_run: int, exit_code: ExitCode) -> None:
        super().__init__(f"interrupted: {not_run} of {len(results) + not_run} clips not run")
        self.results = results
        self.not_run = not_run
        self.exit_code = exit_code


def _analyse_clip(video: Path, spec: ExerciseSpec, model: str, out_dir: Path | None) -> dict:
    """One clip's report, usually in a worker process (with ``out_dir``: its files kept in ``out_dir/<clip>/``)."""
    from ..session.offline import analyze_video

    out = out_dir / video.stem if out_dir is not None else None
    return analyze_video(video, exercise=spec, model=model, out_dir=out, write_video=False).report


class _PoolAnalyzer:
    """The real pipeline in local worker processes, every clip submitted up front: the run keeps
    every core busy (one analysis uses about one), and the table still fills in clip order."""

    def __init__(self, out_dir: Path | None, workers: int) -> None:
        from ..session.batch import default_workers, worker_pool

        self._out_dir = out_dir
        self._pool = worker_pool(min(workers, default_workers()))
        self._futures: dict[Path, Future] = {}

    def submit(self, video: Path, expected_path: Path, model: str, overrides: dict[str, ExerciseSpec]) -> None:
        """Start a clip early if it can run; one that cannot is reported by :func:`_run_clip`."""
        try:
            spec = resolve_spec(load_expected(expected_path).exercise, expected_path, overrides)
        except FormcheckError:
            return
        if video.is_file():
            self._futures[video] = self._pool.submit(_analyse_clip, video, spec, model, self._out_dir)

    def __call__(self, video: Path, spec: ExerciseSpec, model: str) -> dict:
        future = self._futures.pop(video, None) or self._pool.submit(_analyse_clip, video, spec, model,
                                                                     self._out_dir)
        return future.result()

    def close(self) -> None:
        """Stop the workers; clips still queued (the run was stopped) are dropped, not waited for."""
        from ..session.batch import stop_workers

        if self._futures:
            stop_workers(self._pool)
        else:
            self._pool.shutdown()


def run_regression(directory: str | Path, *, model: str = "full", only: str | None = None,
                   exercise_files: list[str | Path] = (), analyze: Analyze | None = None,
                   out_dir: str | Path | None = None, video_dirs: Iterable[str | Path] = (),
                   on_result: Callable[[ClipResult], None] | None = None) -> list[ClipResult]:
    """Analyse and compare every clip in ``directory`` (``only``: a glob on the clip name
    without extension, e.g. ``squat-*``).

    ``exercise_files`` replace the packaged exercise with the same id (to try a
    changed rule on every clip that uses it). ``out_dir`` keeps each clip's
    report.json, timeline.csv and landmarks.jsonl in ``out_dir/<clip>/``.
    ``video_dirs`` are searched for videos that expected files name (``find_clips``).
    ``analyze(video, spec, model) -> report dict`` replaces the real pipeline (tests), which
    otherwise runs in worker processes (:class:`_PoolAnalyzer`).

    Ctrl-C (or SIGTERM) stops the run: ``RegressionInterrupted`` carries the clips finished so far.
    """
    overrides = {spec.id: spec for spec in (load_exercise(Path(p)) for p in exercise_files)}
    results: list[ClipResult] = []
    pairs = [p for p in find_clips(directory, video_dirs) if only is None or fnmatch.fnmatchcase(p[0].stem, only)]
    if not pairs:
        raise InputError(f"{directory}: no clips with a {EXPECTED_SUFFIX} file"
                         + (f" matching '{only}'" if only else ""))
    pool = None
    keep = Path(out_dir) if out_dir is not None else None
    if analyze is None and len(pairs) > 1:
        analyze = pool = _PoolAnalyzer(keep, workers=len(pairs))
    elif analyze is None:  # one clip: starting worker processes would only add their start-up
        def analyze(video: Path, spec: ExerciseSpec, model: str) -> dict:
            return _analyse_clip(video, spec, model, keep)
    try:
        if pool is not None:
            for video, expected_path in pairs:
                pool.submit(video, expected_path, model, overrides)
        for video, expected_path in pairs:
            result = ClipResult(video, expected_path)
            _run_clip(result, analyze, model, overrides)
            results.append(result)
            if on_result is not None:
                on_result(result)
    except KeyboardInterrupt as exc:
        raise RegressionInterrupted(results, len(pairs) - len(results), Interrupted.exit_code_of(exc)) from exc
    finally:
        if pool is not None:
            pool.close()
    return results


def _run_clip(result: ClipResult, analyze: Analyze, model: str, overrides: dict[str, ExerciseSpec]) -> None:
    """Load the clip's expected file, analyse the clip and compare, filling ``result``.

    An unusable clip (broken expected file, unknown exercise, bad video) is an error row, so
    it does not hide the others' results; the expected file is loaded even when the video is
    missing, so a broken one is never hidden behind a SKIP. An interruption is not a clip
    failure: it propagates, including one the analysis caught to return a partial report."""
    t0 = time.perf_counter()
    try:
        expected = load_expected(result.expected_path)
        result.known_failure = expected.known_failure
        if result.clip.is_file():
            spec = resolve_spec(expected.exercise, result.expected_path, overrides)
            result.report = analyze(result.clip, spec, model)
            if result.report.get("interrupted"):  # an injected analyzer's partial report
                raise KeyboardInterrupt(f"{result.name}: analysis interrupted")
            result.checks = compare(expected, result.report, spec)
        else:
            result.skipped = f"video {result.clip.name} not found beside the expected file or in the video folders"
    except FormcheckError as exc:
        result.error = f"{type(exc).__name__}: {exc}"
    result.elapsed_s = time.perf_counter() - t0


# --------------------------------------------------------------------------- output


def _summary(checks: list[Check], attr: str) -> str:
    parts = []
    for c in checks:
        if c.name.startswith("unexpected"):
            if attr == "got":
                parts.append(f"{c.name.removeprefix('unexpected fault ')}@{c.got}")
            continue
        parts.append(f"{c.name}={getattr(c, attr)}")
    return "; ".join(parts)


def _state(r: ClipResult) -> str:
    return f"XFAIL ({r.known_failure})" if r.status == "XFAIL" else r.status


def summary_line(results: list[ClipResult]) -> str:
    """E.g. "22/24 clips passed, 2 known failures (XFAIL) in 91.0 s"."""
    passed = sum(r.passed for r in results)
    xfail = sum(r.status == "XFAIL" for r in results)
    xpass = sum(r.status == "XPASS" for r in results)
    failed = sum(r.status == "FAIL" for r in results)
    skipped = sum(r.status == "SKIP" for r in results)
    parts = [f"{passed}/{len(results) - skipped} clips passed"]
    if skipped:
        parts.append(f"{skipped} skipped (video not found)")
    if xfail:
        parts.append(f"{xfail} known failure{'s' if xfail != 1 else ''} (XFAIL)")
    if xpass:
        parts.append(f"{xpass} known failure{'s' if xpass != 1 else ''} passed (XPASS: remove the marker)")
    if (xfail or xpass) and failed:
        parts.append(f"{failed} failed")
    total_s = sum(r.elapsed_s for r in results)
    return ", ".join(parts) + f" in {total_s:.1f} s"


def format_table(results: list[ClipResult], not_run: int | None = None) -> str:
    """A plain-text table: clip, expected, got, pass. Its cells are cut to keep it readable, so
    every error's full reason and every failing check (known failures' too, marked XFAIL) is
    listed under it. ``not_run``: the run was interrupted with that many clips not run."""
    rows = [("clip", "expected", "got", "pass")]
    for r in results:
        if r.error:
            rows.append((r.name, "", f"ERROR {r.error}", "FAIL"))
            continue
        if r.skipped:
            rows.append((r.name, "", r.skipped, "SKIP"))
            continue
        rows.append((r.name, _summary(r.checks, "expected"), _summary(r.checks, "got"), _state(r)))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    widths = [min(w, cap) for w, cap in zip(widths, (40, 70, 70))]
    lines = []
    for k, row in enumerate(rows):
        cells = [_clip(row[i], widths[i]).ljust(widths[i]) for i in range(3)]
        lines.append("  ".join(cells + [row[3]]))
        if k == 0:
            lines.append("  ".join("-" * w for w in widths) + "  ----")
    for r in results:
        if r.error:
            lines.append(f"  {r.name}: ERROR {r.error}")
        mark = " (XFAIL)" if r.status == "XFAIL" else ""
        for c in r.checks:
            if not c.ok:
                lines.append(f"  {r.name}{mark}: {c.name}: expected {c.expected}, got {c.got}")
    lines.append(summary_line(results))
    if not_run is not None:
        lines.append(f"interrupted: {not_run} of {len(results) + not_run} clips not run")
    return "\n".join(lines)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def junit_xml(results: list[ClipResult], *, name: str = "formcheck.dev.regress") -> str:
    """JUnit XML: one test case per clip, failures listing the mismatched checks."""
    suite = ET.Element("testsuite", name=name, tests=str(len(results)),
                       failures=str(sum(1 for r in results if r.error is None and not r.ok)),
                       errors=str(sum(1 for r in results if r.error is not None)),
                       skipped=str(sum(1 for r in results if r.status in ("XFAIL", "SKIP"))),
                       time=f"{sum(r.elapsed_s for r in results):.3f}")
    for r in results:
        case = ET.SubElement(suite, "testcase", classname=name, name=r.name, time=f"{r.elapsed_s:.3f}")
        if r.error is not None:
            ET.SubElement(case, "error", message=r.error).text = r.error
        elif r.skipped is not None:
            ET.SubElement(case, "skipped", message=r.skipped)
        elif r.status == "XFAIL":
            bad = [f"{c.name}: expected {c.expected}, got {c.got}" for c in r.checks if not c.ok]
            ET.SubElement(case, "skipped", message=f"known failure: {r.known_failure}").text = "\n".join(bad)
        elif not r.ok:
            bad = [f"{c.name}: expected {c.expected}, got {c.got}" for c in r.checks if not c.ok]
            ET.SubElement(case, "failure", message=bad[0]).text = "\n".join(bad)
        out = "\n".join(f"{c.name}: expected {c.expected}, got {c.got} [{'ok' if c.ok else 'FAIL'}]" for c in r.checks)
        ET.SubElement(case, "system-out").text = out
    ET.indent(suite)
    return ET.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"

"""Which model to use live: lite against full, for speed and for getting the clips right.

    python benchmarks/live_models.py [--repeat 2] [--models lite full] [--only GLOB]

Each clip is played into a ``LiveSession`` through ``LatestFrameGrabber(paced=True)``,
exactly as ``formcheck live --source CLIP`` does: the video is paced to its own clock like a
camera, and frames that arrive while the model is still busy are dropped. So a slower model
sees fewer frames, and that shows in its results as well as in its speed.

Clips: ``samples/hip_flexor_stretch-good.mp4``, ``samples/squat-good.mp4`` and the real clips
of ``tests/real_clips/*.expected.json`` found in ``../shared/data/real`` or
``~/.cache/formcheck-real`` (absent ones are skipped). The models take turns clip by clip,
and swap who goes first on every repeat, so load on the machine falls on both alike.

Per model, over all clips and repeats:
  fps          frames processed per second of video played (the source runs at 24-30 fps)
  dropped      share of the source's frames skipped because the model was busy
  model p50/p95  the pose model call alone (``PoseEstimator.estimate``), ms
  c2o p50/p95    capture to finished overlay (grabber's capture time to ``process()`` returning), ms
  c2o - model    p95 difference: the budget is 15 ms
  checks       the live summary compared with each clip's expected file
               (``formcheck.dev.regress.compare``: reps, hold seconds, holds, faults)
  reps/holds   the same, only the reps and hold checks
  clips        clips with every check right
"""

from __future__ import annotations

import argparse
import fnmatch
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from formcheck.dev.regress import (
    Check,
    compare,
    find_clips,
    load_expected,
    resolve_spec,
)
from formcheck.engine.spec import ExerciseSpec
from formcheck.io.camera import LatestFrameGrabber
from formcheck.io.video import VideoReader
from formcheck.session.live import LiveSession

REPO = Path(__file__).resolve().parent.parent
SAMPLES = (REPO / "samples" / "hip_flexor_stretch-good.mp4", REPO / "samples" / "squat-good.mp4")
REAL_EXPECTED = REPO / "tests" / "real_clips"
REAL_VIDEO_DIRS = (REPO.parent / "shared" / "data" / "real", Path.home() / ".cache" / "formcheck-real")
BUDGET_MS = 15.0


@dataclass(frozen=True)
class Clip:
    name: str
    video: Path
    expected_path: Path

    @property
    def known_failure(self) -> str | None:
        return load_expected(self.expected_path).known_failure


@dataclass
class Run:
    clip: Clip
    model: str
    video_s: float
    source_frames: int
    model_ms: list[float]
    overlay_ms: list[float]
    checks: list[Check] = field(default_factory=list)


def clips(only: str | None) -> list[Clip]:
    found = [Clip(v.stem, v, v.with_name(v.stem + ".expected.json")) for v in SAMPLES]
    dirs = [d for d in REAL_VIDEO_DIRS if d.is_dir()]
    for video, expected in find_clips(REAL_EXPECTED, dirs):
        if video.is_file():
            found.append(Clip(expected.name.removesuffix(".expected.json"), video, expected))
        else:
            print(f"skipped {expected.name}: {video.name} not found in {', '.join(map(str, dirs))}", file=sys.stderr)
    return [c for c in found if only is None or fnmatch.fnmatch(c.name, only)]


def run_clip(clip: Clip, spec: ExerciseSpec, model: str) -> Run:
    session = LiveSession(spec, model=model)
    model_ms: list[float] = []
    estimate = session._estimator.estimate  # timed alone: the model call, without smoothing or drawing

    def timed_estimate(rgb, t_ms):
        start = time.perf_counter()
        pose = estimate(rgb, t_ms)
        model_ms.append((time.perf_counter() - start) * 1000)
        return pose

    session._estimator.estimate = timed_estimate
    overlay_ms: list[float] = []
    last_t_ms = 0
    with VideoReader(clip.video) as reader:
        counted = _Counted(iter(reader))
        grabber = LatestFrameGrabber(counted, paced=True)  # as formcheck/cli/live.py
        try:
            while (item := grabber.get()) is not None:
                frame, captured_at = item
                session.process(frame.rgb, frame.t_ms, captured_at)
                overlay_ms.append((time.monotonic() - captured_at) * 1000)
                last_t_ms = frame.t_ms
        finally:
            session.close()
    summary = session.summary()
    run = Run(clip, model, max(last_t_ms, counted.last_t_ms) / 1000, counted.n, model_ms, overlay_ms)
    run.checks = compare(load_expected(clip.expected_path), summary, spec)
    return run


class _Counted:
    """The source's frames, counted (to know how many the grabber dropped)."""

    def __init__(self, frames) -> None:
        self._frames = frames
        self.n = 0
        self.last_t_ms = 0

    def __iter__(self):
        for frame in self._frames:
            self.n += 1
            self.last_t_ms = frame.t_ms
            yield frame


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def _is_count_or_hold(check: Check) -> bool:
    return check.name.startswith(("reps[", "partial_reps[", "hold_s[", "hold "))


def report(runs: list[Run], models: list[str], repeat: int) -> str:
    lines = [f"{'model':6} {'fps':>5} {'dropped':>7} {'model p50/p95':>14} {'c2o p50/p95':>13} "
             f"{'c2o-model p95':>13} {'checks':>9} {'reps/holds':>10} {'clips':>7}"]
    for model in models:
        mine = [r for r in runs if r.model == model]
        model_ms = [x for r in mine for x in r.model_ms]
        overlay_ms = [x for r in mine for x in r.overlay_ms]
        processed = sum(len(r.overlay_ms) for r in mine)
        source = sum(r.source_frames for r in mine)
        fps = processed / sum(r.video_s for r in mine)
        checks = [c for r in mine for c in r.checks]
        counts = [c for c in checks if _is_count_or_hold(c)]
        clips_ok = sum(all(c.ok for c in r.checks) for r in mine)
        gap = _pct(overlay_ms, 95) - _pct(model_ms, 95)
        lines.append(
            f"{model:6} {fps:5.1f} {1 - processed / source:7.0%} "
            f"{_pct(model_ms, 50):6.1f}/{_pct(model_ms, 95):5.1f} ms "
            f"{_pct(overlay_ms, 50):5.1f}/{_pct(overlay_ms, 95):5.1f} ms "
            f"{gap:+8.1f} ms{'' if gap <= BUDGET_MS else ' !'} "
            f"{sum(c.ok for c in checks):>3}/{len(checks):<3} "
            f"{sum(c.ok for c in counts):>4}/{len(counts):<3} "
            f"{clips_ok:>3}/{len(mine):<3}")
    lines.append(f"(totals over {repeat} repeat(s); c2o = capture to finished overlay; "
                 f"'!' marks a c2o p95 more than {BUDGET_MS:g} ms over the model p95)")
    lines.append("")
    names = list(dict.fromkeys(r.clip.name for r in runs))
    width = max(map(len, names))
    lines.append(f"{'clip':{width}}  " + "  ".join(f"{m + ' checks':>17}" for m in models) + "   failed checks")
    for name in names:
        cells, failed = [], []
        for model in models:
            mine = [r for r in runs if r.model == model and r.clip.name == name]
            ok = sum(c.ok for r in mine for c in r.checks)
            total = sum(len(r.checks) for r in mine)
            fps = statistics.median(len(r.overlay_ms) / r.video_s for r in mine) if mine else float("nan")
            cells.append(f"{ok:>3}/{total:<3} {fps:4.1f} fps")
            failed += sorted({f"{model}: {c.name} (want {c.expected}, got {c.got})"
                              for r in mine for c in r.checks if not c.ok})
        known = next((r.clip.known_failure for r in runs if r.clip.name == name), None)
        lines.append(f"{name:{width}}  " + "  ".join(f"{c:>17}" for c in cells)
                     + ("   (known failure)" if known else ""))
        lines += [f"{'':{width}}    - {f}" for f in failed]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=2, help="passes over the clips (default: 2)")
    parser.add_argument("--models", nargs="+", default=["lite", "full"], help="models to compare (default: lite full)")
    parser.add_argument("--only", metavar="GLOB", help="only clips whose name matches")
    args = parser.parse_args()

    chosen = clips(args.only)
    specs = {c.name: resolve_spec(load_expected(c.expected_path).exercise, c.expected_path, {}) for c in chosen}
    runs: list[Run] = []
    for rep in range(args.repeat):
        order = args.models if rep % 2 == 0 else args.models[::-1]
        for clip in chosen:
            for model in order:
                run = run_clip(clip, specs[clip.name], model)
                runs.append(run)
                print(f"  [{rep + 1}/{args.repeat}] {clip.name} {model}: {len(run.overlay_ms)}/{run.source_frames} "
                      f"frames, model p95 {_pct(run.model_ms, 95):.0f} ms, c2o p95 {_pct(run.overlay_ms, 95):.0f} ms, "
                      f"{sum(c.ok for c in run.checks)}/{len(run.checks)} checks", file=sys.stderr, flush=True)
    print(report(runs, args.models, args.repeat))


if __name__ == "__main__":
    main()

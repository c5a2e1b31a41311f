"""Rebuild ``samples/``: one good and one faulty synthetic clip per catalogue exercise.

    python -m formcheck.dev.synth.make_samples [--out samples] [--only 'squat-*'] [--seed N] [--check]

For every clip it writes ``<name>.mp4`` (H.264), ``<name>.truth.json`` (the
script's truth and every landmark's true 2D position per frame) and
``<name>.expected.json`` (what ``formcheck regress`` checks). The output is
deterministic: the same code renders the same frames and truth (and, in
practice, the same mp4 bytes).

``--check`` skips rendering and instead runs the engine on the landmark-only
poses (no pixels, no model) and compares with the expected results: a fast
way to see whether a motion and an exercise file agree.

``--seed N`` (default 0: the clips in ``samples/``) renders every clip with
another look and sway (each clip's seed shifted by ``SEED_STEP * N``), the same
performances and expected results derived the same way: a check that verdicts
do not hang on one rendering (``tests/test_margin.py``).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import sys
import time
from pathlib import Path

from ...engine.spec import load_exercise
from ...session.offline import analyze_poses
from ..regress import EXPECTED_SUFFIX, ClipResult, compare, format_table, parse_expected
from .clip import SynthClip
from .exercises import PERFORMANCES, VARIANTS, build
from .truth import exact_series, expected_result, fault_intervals

__all__ = ["sample_clips", "write_sample", "main"]

FPS = 15.0
SIZE = (640, 480)
#: ``--seed N`` shifts every clip's seed by ``SEED_STEP * N``: past the largest seed of ``samples/``,
#: so no other rendering seed gives a clip the look of a committed sample.
SEED_STEP = 100


#: Extra clips of good performances filmed from a less tidy camera: (exercise, name suffix, seed, camera).
CAMERA_VARIATIONS = (
    ("squat", "high-camera", 40, {"camera_height_m": 1.5}),
    ("squat", "oblique", 41, {"azimuth_offset_deg": -20.0}),
    ("camel", "oblique", 42, {"azimuth_offset_deg": -25.0}),
    ("hip_flexor_stretch", "oblique", 43, {"azimuth_offset_deg": 15.0}),
)


def sample_clips(seed: int = 0) -> dict[str, SynthClip]:
    """The clips in samples/ by name: every exercise good and faulty, each with its own
    look, plus a few good ones filmed from a higher or oblique camera.

    ``seed``: the rendering seed (0: ``samples/``); another seed gives every clip
    another look and sway (same performances, same camera variations)."""
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    shift = SEED_STEP * seed
    clips = {}
    for i, exercise in enumerate(PERFORMANCES):
        for j, variant in enumerate(VARIANTS):
            s = shift + 2 * i + j
            clips[f"{exercise}-{variant}"] = SynthClip(build(exercise, variant, seed=s), seed=s, fps=FPS, size=SIZE)
    for exercise, suffix, base_seed, camera in CAMERA_VARIATIONS:
        s = shift + base_seed
        clips[f"{exercise}-good-{suffix}"] = SynthClip(build(exercise, "good", seed=s), seed=s, fps=FPS,
                                                       size=SIZE, **camera)
    return clips


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=1) + "\n")


def write_sample(name: str, clip: SynthClip, out: Path) -> Path:
    """Render ``clip`` to ``out/<name>.mp4`` with its truth and expected-result files beside it."""
    spec = load_exercise(clip.performance.exercise)
    series = exact_series(clip)
    expected = expected_result(clip, spec, series=series)
    video, _ = clip.write(out / f"{name}.mp4",
                          extra_truth={"fault_intervals": fault_intervals(clip, spec, series)})
    _write_json(out / f"{name}{EXPECTED_SUFFIX}", expected)
    return video


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m formcheck.dev.synth.make_samples", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, help="output folder (default: samples; required with --seed N > 0)")
    parser.add_argument("--only", metavar="GLOB", help="only clips whose name matches, e.g. 'squat-*'")
    parser.add_argument("--seed", type=int, default=0, metavar="N",
                        help="rendering seed (default 0: the clips in samples/); another N gives every clip "
                             "another look and sway")
    parser.add_argument("--check", action="store_true",
                        help="no rendering: run the engine on landmark-only poses and compare with the expected results")
    args = parser.parse_args(argv)
    if args.seed < 0:
        parser.error("--seed must be >= 0")
    if args.out is None:
        if args.seed and not args.check:
            parser.error(f"--seed {args.seed} needs --out DIR (samples/ holds the seed-0 clips)")
        args.out = Path("samples")
    clips = {n: c for n, c in sample_clips(args.seed).items() if args.only is None or fnmatch.fnmatchcase(n, args.only)}
    if not clips:
        parser.error(f"no sample matches '{args.only}'")
    args.out.mkdir(parents=True, exist_ok=True)
    results = []
    for name, clip in clips.items():
        t0 = time.perf_counter()
        if args.check:
            expected = expected_result(clip)
            report = analyze_poses(clip.poses(), clip.performance.exercise)
            result = ClipResult(Path(name), Path(name + EXPECTED_SUFFIX), report=report)
            result.checks = compare(parse_expected(expected, name), report, load_exercise(expected["exercise"]))
            result.elapsed_s = time.perf_counter() - t0
            results.append(result)
            continue
        size_kb = write_sample(name, clip, args.out).stat().st_size / 1024
        print(f"{name}: {clip.n_frames} frames, {size_kb:.0f} KB, {time.perf_counter() - t0:.1f} s", flush=True)
    if args.check:
        print(format_table(results))
        return 0 if all(r.ok for r in results) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

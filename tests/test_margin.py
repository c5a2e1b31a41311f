"""Verdicts must not hang on noise (slow: the real pose model over rendered clips).

Two checks that a verdict has a margin, i.e. does not depend on the exact pixels:

1. every clip in ``samples/`` copied with each frame perturbed by seeded uniform
   integer noise in [-2, +2] grey levels per pixel and channel (clipped to
   0..255), written losslessly (raw RGB in .mov) with the same timestamps,
   beside a copy of its expected file: every verdict must be the one of the
   original clip, run beside it (pass stays pass, fail stays fail; a
   known-failure clip may come out XFAIL or XPASS, reported);
2. the sample performances rendered with a second rendering seed (another look
   and sway, ``make_samples --seed``), their expected files derived the same
   way ``make_samples`` does: every clip must pass (known failures only where
   the generator marks them).

About 3.5 minutes on 2 cores (the worker process writes the next clip, and runs the
original, while this one runs the model on the noisy copy); nothing is kept unless asked.
A failure lists the checks that flipped. ``formcheck regress DIR --only NAME
--out OUT`` on a kept copy (``FORMCHECK_MARGIN_KEEP=DIR``) gives the timeline
of every feature per frame to see which threshold the verdict sits on.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import time
import warnings
import zlib
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from formcheck.dev.regress import (
    EXPECTED_SUFFIX,
    ClipResult,
    find_clips,
    format_table,
    run_regression,
)

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"

NOISE_SEED = 20250
NOISE_AMPLITUDE = 2  # grey levels, uniform integers in [-2, +2]
SECOND_SEED = 1  # make_samples --seed 1

#: Second-seed clips: every exercise good and faulty (not the four camera variations). Rendering runs at
#: ~120 fps and the full model at ~60-80 fps here, so the 20 clips (~4700 frames) fit the time budget.
SECOND_SEED_CLIPS = tuple(f"{e}-{v}" for e in ("squat", "lunge", "hip_flexor_stretch", "camel", "resting_squat",
                                                 "pigeon", "low_lunge", "kneeling_backbend", "standing_quad_stretch",
                                                 "seated_twist") for v in ("good", "fault"))


def _model_or_skip() -> None:
    from formcheck.io.model import ModelMissingError, model_path

    try:
        model_path("full")
    except ModelMissingError as exc:
        pytest.skip(str(exc))


def _keep(results_dir: Path, name: str) -> None:
    """With FORMCHECK_MARGIN_KEEP=DIR, keep the generated clips in DIR/<name> to look at them."""
    keep = os.environ.get("FORMCHECK_MARGIN_KEEP")
    if keep:
        dest = Path(keep) / name
        shutil.rmtree(dest, ignore_errors=True)
        shutil.copytree(results_dir, dest)


# --------------------------------------------------------------------------- lossless noisy copies


def _noisy_copy(src: str, dst: str, seed: int) -> int:
    """Write ``dst`` (.mov, raw RGB): every frame of ``src`` as the pipeline reads it (RGB,
    container times) plus uniform integer noise, at the same times. Returns the frame count.

    Raw RGB rather than FFV1 or H.264 RGB at qp 0 (PyAV has all three here): those decode
    at ~110 fps and ~70 fps on noisy 640x480 frames, slower than the pose model, while
    raw decodes at thousands; the ~190 MB a clip is deleted once the clip is analysed."""
    import av

    from formcheck.io.video import VideoReader

    rng = np.random.default_rng(seed)
    times = []
    with VideoReader(src) as reader, av.open(dst, mode="w", format="mov") as out:
        stream = out.add_stream("rawvideo", rate=Fraction(reader.info.fps).limit_denominator(1000))
        stream.width, stream.height = reader.info.width, reader.info.height
        stream.pix_fmt = "rgb24"
        stream.time_base = Fraction(1, 1000)
        stream.codec_context.time_base = Fraction(1, 1000)
        first = None
        for frame in reader:
            noise = rng.integers(-NOISE_AMPLITUDE, NOISE_AMPLITUDE + 1, frame.rgb.shape, dtype=np.int16)
            noisy = np.clip(frame.rgb.astype(np.int16) + noise, 0, 255).astype(np.uint8)
            if first is None:
                first = noisy
            av_frame = av.VideoFrame.from_ndarray(noisy, format="rgb24")
            av_frame.pts = frame.t_ms
            av_frame.time_base = Fraction(1, 1000)
            times.append(frame.t_ms)
            for packet in stream.encode(av_frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    # Lossless and on time: the first frame reads back exactly, every frame at its source time.
    with VideoReader(dst) as check:
        frame = next(iter(check))
        assert frame.t_ms == times[0] and np.array_equal(frame.rgb, first), f"{dst}: not lossless"
    with av.open(dst) as container:
        stream = container.streams.video[0]
        pts = sorted(round(float(p.pts * p.time_base) * 1000) for p in container.demux(stream) if p.pts is not None)
    assert pts == times, f"{dst}: timestamps changed"
    return len(times)


def _prepared_and_regressed(folder: Path, jobs: list[tuple[str, object, tuple]], *,
                            delete_after: str | None = None) -> tuple[list[tuple[ClipResult, object]], float]:
    """Run ``fn(*args)`` for each ``(stem, fn, args)`` in a worker process (it writes the clip
    ``<stem>.*`` and its expected file in ``folder``, and may return something, e.g. the
    original clip's result) while this process runs the regression on the clips already
    written: the worker's part overlaps with the model here (two cores).
    ``delete_after``: a video extension whose file is removed once its clip is analysed.
    Returns ``(result, fn's return)`` in job order and the wall time."""
    t0 = time.perf_counter()
    out = []
    pending: deque = deque()
    todo = iter(jobs)
    # spawn: the pose model may already run threads in this process (fork would copy them mid-state).
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        while True:
            while len(pending) < 2 and (job := next(todo, None)) is not None:  # at most 2 clips ahead
                stem, fn, args = job
                pending.append((stem, pool.submit(fn, *args)))
            if not pending:
                break
            stem, future = pending.popleft()
            extra = future.result()
            [result] = run_regression(folder, only=stem)
            out.append((result, extra))
            if delete_after and not os.environ.get("FORMCHECK_MARGIN_KEEP"):
                (folder / f"{stem}{delete_after}").unlink()
                (folder / f"{stem}{EXPECTED_SUFFIX}").unlink()
    return out, time.perf_counter() - t0


def _failing_checks(r: ClipResult) -> str:
    if r.error:
        return f"  {r.name}: ERROR {r.error}"
    return "\n".join(f"  {r.name}: {c.name}: expected {c.expected}, got {c.got}" for c in r.checks if not c.ok)


def _report_known(results: list[ClipResult], what: str) -> None:
    for r in results:
        if r.status in ("XFAIL", "XPASS"):
            warnings.warn(f"{what}: known-failure clip {r.name} is {r.status}"
                          + (f":\n{_failing_checks(r)}" if r.status == "XFAIL" else ""), stacklevel=2)


def _noisy_job(video: Path, expected: Path, folder: Path) -> ClipResult:
    """Write the noisy copy of ``video`` and its expected file in ``folder``; return the
    original clip's regression result (run here, beside the noisy copy's in the test process)."""
    _noisy_copy(str(video), str(folder / f"{video.stem}.mov"), zlib.crc32(video.stem.encode()) ^ NOISE_SEED)
    shutil.copy(expected, folder / expected.name)  # after the video: find_clips wants both
    [original] = run_regression(video.parent, only=video.stem)
    return original


def _verdict(r: ClipResult) -> str:
    """pass / fail; a known failure's XFAIL and XPASS count as one verdict (both allowed)."""
    if r.status in ("XFAIL", "XPASS"):
        return "known failure"
    return "pass" if r.status == "ok" else r.status.lower()


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="samples/ not generated")
def test_noisy_copies_keep_every_verdict(tmp_path):
    """±2 grey levels of noise (lossless) changes no verdict of samples/: each clip's verdict
    on its noisy copy is the one on the original (run side by side, same engine)."""
    _model_or_skip()
    pairs = find_clips(SAMPLES)
    assert len(pairs) >= 20
    pairs_out, wall_s = _prepared_and_regressed(
        tmp_path, [(video.stem, _noisy_job, (video, expected, tmp_path)) for video, expected in pairs],
        delete_after=".mov")
    noisy = [r for r, _ in pairs_out]
    original = [o for _, o in pairs_out]
    print(f"\nsamples/ originals:\n{format_table(original)}")
    print(f"\nnoisy copies (noise seed {NOISE_SEED}, ±{NOISE_AMPLITUDE} grey levels; both runs {wall_s:.0f} s):")
    print(format_table(noisy))
    _keep(tmp_path, "noisy")
    _report_known(noisy, "noisy copy")
    assert [r.clip.stem for r in noisy] == [video.stem for video, _ in pairs]
    assert not [r.name for r in noisy + original if r.status == "SKIP"], "a clip was not analysed"
    flipped, both_fail = [], []
    for r, o in zip(noisy, original):
        if _verdict(r) != _verdict(o):
            flipped.append(f"{r.clip.stem}: {o.status} on the original, {r.status} with noise\n"
                           + "\n".join(filter(None, (_failing_checks(o), _failing_checks(r)))))
        elif _verdict(r) == "fail":
            both_fail.append(r.clip.stem)
        if _verdict(r) == "known failure" and r.status != o.status:
            warnings.warn(f"known-failure clip {r.clip.stem}: {o.status} on the original, {r.status} with noise")
    if both_fail:  # the same verdict: not this test's business (test_regress fails on them)
        warnings.warn(f"fail on the original and with noise alike: {', '.join(both_fail)}")
    assert not flipped, "verdicts changed by ±2 grey levels of noise:\n" + "\n".join(flipped)


# --------------------------------------------------------------------------- a second rendering seed


#: Second-seed clips the pose model demonstrably gets wrong (diagnosed against the rendered truth),
#: reported but not failed; a clip here that passes is reported too (time to remove it).
SECOND_SEED_MODEL_FAILURES = {
    "hip_flexor_stretch-fault": "while the performer leans back, MediaPipe puts the kneeling (left) knee "
                                "33-40 px (~0.4 torso lengths) from where it is, at visibility 0.4-0.8, so the "
                                "back thigh reads ~+26 deg instead of -4 and back_knee_under_hip fires too",
}


def _render(name: str, seed: int, out: Path) -> None:
    """``make_samples --seed SEED --only NAME --out OUT``: the clip, its truth and expected file."""
    from formcheck.dev.synth.make_samples import sample_clips, write_sample

    write_sample(name, sample_clips(seed)[name], out)


def test_second_rendering_seed_passes(tmp_path):
    """The performances rendered with another look and sway pass like samples/ does."""
    _model_or_skip()
    done, wall_s = _prepared_and_regressed(
        tmp_path, [(name, _render, (name, SECOND_SEED, tmp_path)) for name in SECOND_SEED_CLIPS])
    results = [r for r, _ in done]
    print(f"\nrendering seed {SECOND_SEED} ({len(results)} clips, {wall_s:.0f} s):")
    print(format_table(results))
    _keep(tmp_path, f"seed{SECOND_SEED}")
    _report_known(results, f"rendering seed {SECOND_SEED}")
    failed = [r for r in results if not r.ok or r.status == "SKIP"]
    for r in results:
        if r.clip.stem in SECOND_SEED_MODEL_FAILURES:
            state = "still fails" if r in failed else "passes now: remove it from SECOND_SEED_MODEL_FAILURES"
            warnings.warn(f"{r.clip.stem} (known model failure, {SECOND_SEED_MODEL_FAILURES[r.clip.stem]}): {state}")
    failed = [r for r in failed if r.clip.stem not in SECOND_SEED_MODEL_FAILURES]
    assert not failed, f"rendering seed {SECOND_SEED}: clips that fail:\n" + "\n".join(map(_failing_checks, failed))

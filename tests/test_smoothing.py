"""Smoothing on synthetic signals with known answers (and one real 5 fps track)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from formcheck.core.pose import Pose
from formcheck.signal.smoothing import OneEuroFilter, PoseSmoother, smooth_pose_track

FPS = 30.0
NOISE_H = 0.005  # MediaPipe-like jitter at rest, in image heights (~2.4 px at 480 p)


def rms(a: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(a))))


def make_pose(t_ms: int, xy: np.ndarray | tuple[float, float], size: tuple[int, int] = (640, 480),
              world: float = 0.0) -> Pose:
    xy_px = np.broadcast_to(np.asarray(xy, dtype=float), (33, 2)).copy()
    return Pose(t_ms=t_ms, image_size=size, xy_px=xy_px, visibility=np.full(33, 0.9),
                world_m=np.full((33, 3), world))


def track(xy_by_frame: np.ndarray, fps: float = FPS) -> list[Pose | None]:
    """Poses whose 33 landmarks all follow the (n, 2) pixel trace, plus a per-landmark offset."""
    offsets = np.stack([np.arange(33) * 3.0, np.arange(33) * 2.0], axis=1)
    return [
        Pose(t_ms=int(round(1000 * k / fps)), image_size=(640, 480), xy_px=xy_by_frame[k] + offsets,
             visibility=np.full(33, 0.9), world_m=np.tile(xy_by_frame[k, 0] / 480, (33, 3)))
        for k in range(len(xy_by_frame))
    ]


def xy_of(poses: list[Pose | None], lm: int = 0) -> np.ndarray:
    offsets = np.array([lm * 3.0, lm * 2.0])
    return np.stack([p.xy_px[lm] - offsets for p in poses if p is not None])


# --- OneEuroFilter ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"min_cutoff_hz": 0.0}, "min_cutoff_hz must be > 0"),
        ({"min_cutoff_hz": -1.0}, "min_cutoff_hz must be > 0"),
        ({"min_cutoff_hz": float("nan")}, "min_cutoff_hz must be > 0"),
        ({"beta": -0.1}, "beta must be >= 0"),
        ({"d_cutoff_hz": 0.0}, "d_cutoff_hz must be > 0"),
    ],
)
def test_one_euro_raises(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        OneEuroFilter(**kwargs)


def test_one_euro_first_sample_at_t0_passes_through() -> None:
    f = OneEuroFilter(1.0, 0.0)
    assert f(np.array([5.0, 7.0]), 0.0).tolist() == [5.0, 7.0]
    second = f(np.array([6.0, 7.0]), 1 / FPS)
    # alpha at 1 Hz, 30 fps = 1 / (1 + 30 / (2 pi)) = 0.1732
    assert second[0] == pytest.approx(5.0 + 0.1732, abs=1e-3)
    assert f.last_t_s == pytest.approx(1 / FPS)


def test_one_euro_any_shape_and_scalar() -> None:
    f = OneEuroFilter(1.0, 0.5)
    for k in range(3):
        out = f(np.ones((33, 3)) * k, k / FPS)
    assert out.shape == (33, 3)
    g = OneEuroFilter(1.0, 0.5)
    assert g(2.0, 0.0).shape == ()
    with pytest.raises(ValueError, match="shape changed"):
        f(np.ones(3), 1.0)


def test_one_euro_duplicate_and_backwards_timestamps() -> None:
    f = OneEuroFilter(1.0, 0.0)
    f(0.0, 0.0)
    a = f(1.0, 0.1)
    assert f(100.0, 0.1) == a  # duplicate timestamp: ignored
    assert f(42.0, 0.05) == 42.0  # backwards: a new stream, reset
    assert f.last_t_s == 0.05


def test_one_euro_nan_holds_last_value() -> None:
    f = OneEuroFilter(1.0, 0.0)
    f(np.array([np.nan, 1.0]), 0.0)
    out = f(np.array([2.0, np.nan]), 0.1)
    assert out.tolist() == [2.0, 1.0]  # first finite value passes through; a NaN holds
    out = f(np.array([2.0, 3.0]), 0.2)
    assert np.isfinite(out).all() and 1.0 < out[1] < 3.0


def test_one_euro_reduces_jitter_at_rest() -> None:
    rng = np.random.default_rng(1)
    f = OneEuroFilter(0.5, 8.0, vector_axis=-1)
    noise = rng.normal(0, NOISE_H, (300, 2))
    out = np.stack([f(noise[k], k / FPS) for k in range(300)])
    assert rms(out[30:]) < 0.4 * rms(noise[30:])


def test_one_euro_step_lag() -> None:
    step = np.r_[np.zeros(30), np.full(30, 0.3)]

    def frames_to_90(beta: float) -> int:
        f = OneEuroFilter(0.5, beta)
        out = np.array([f(step[k], k / FPS) for k in range(60)])
        return int(np.argmax(out[30:] >= 0.27))

    assert frames_to_90(8.0) <= 1  # the tuned live default follows a fast move within a frame
    assert frames_to_90(0.0) >= 20  # without the speed term: ~0.7 s of lag


def test_one_euro_ramp_lag() -> None:
    t = np.arange(200) / FPS
    f = OneEuroFilter(0.5, 8.0, vector_axis=-1)
    truth = np.stack([t * 1.0, np.zeros_like(t)], axis=1)  # 1 image height per second
    out = np.stack([f(truth[k], t[k]) for k in range(200)])
    assert np.abs(out[60:, 0] - truth[60:, 0]).mean() < 0.5 / FPS  # under half a frame of motion


# --- PoseSmoother ----------------------------------------------------------------------------------


def test_pose_smoother_passes_none_and_keeps_metadata() -> None:
    s = PoseSmoother()
    assert s(None) is None
    p = make_pose(0, (100.0, 200.0))
    out = s(p)
    assert out is not None and out.t_ms == 0 and out.image_size == (640, 480)
    np.testing.assert_allclose(out.xy_px, p.xy_px)


def test_pose_smoother_reduces_pixel_jitter() -> None:
    rng = np.random.default_rng(2)
    s = PoseSmoother()
    errors_in, errors_out = [], []
    for k in range(150):
        noisy = np.array([320.0, 240.0]) + rng.normal(0, NOISE_H * 480, 2)
        out = s(make_pose(int(k * 1000 / FPS), noisy))
        if k >= 30:
            errors_in.append(noisy - [320, 240])
            errors_out.append(out.xy_px[0] - [320, 240])
    assert rms(np.array(errors_out)) < 0.4 * rms(np.array(errors_in))


def test_pose_smoother_resets_after_gap() -> None:
    def after_absence(gap_ms: int) -> float:
        s = PoseSmoother(reset_after_s=0.5)
        for k in range(30):
            s(make_pose(k * 33, (100.0, 100.0)))
        s(None)
        out = s(make_pose(29 * 33 + gap_ms, (500.0, 100.0)))
        return float(out.xy_px[0, 0])

    assert after_absence(800) == 500.0  # re-entry: no drag from the old position
    assert after_absence(100) < 499.0  # a short dropout: still filtered


def test_pose_smoother_resets_on_image_size_change() -> None:
    s = PoseSmoother()
    s(make_pose(0, (100.0, 100.0)))
    out = s(make_pose(33, (300.0, 300.0), size=(1280, 720)))
    assert out.xy_px[0].tolist() == [300.0, 300.0]


def test_pose_smoother_is_resolution_independent() -> None:
    rng = np.random.default_rng(3)
    trace = np.cumsum(rng.normal(0, 0.01, (60, 2)), axis=0) + 0.5
    small, large = PoseSmoother(), PoseSmoother()
    for k in range(60):
        a = small(make_pose(k * 33, trace[k] * 480, size=(640, 480)))
        b = large(make_pose(k * 33, trace[k] * 960, size=(1280, 960)))
    np.testing.assert_allclose(a.xy_px * 2, b.xy_px, rtol=1e-9)


# --- smooth_pose_track -----------------------------------------------------------------------------


def sine_track(n: int = 150, fps: float = FPS, seed: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """1 Hz, 60 px movement (a slow rep) plus 3 px noise; returns (truth, noisy)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / fps
    truth = np.stack([300 + 60 * np.sin(2 * np.pi * 1.0 * t), 200 + 30 * np.cos(2 * np.pi * 1.0 * t)], axis=1)
    return truth, truth + rng.normal(0, 3.0, truth.shape)


def test_track_empty_and_all_none() -> None:
    assert smooth_pose_track([]) == []
    assert smooth_pose_track([None, None]) == [None, None]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"cutoff_hz": 0}, "cutoff_hz must be > 0"),
        ({"order": 0}, "order must be >= 1"),
        ({"max_gap_s": -1}, "max_gap_s must be >= 0"),
        ({"outlier_frac": 0}, "outlier_frac must be > 0"),
        ({"median_window_s": -0.1}, "median_window_s must be >= 0"),
    ],
)
def test_track_raises(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        smooth_pose_track([], **kwargs)


def test_track_reduces_noise() -> None:
    truth, noisy = sine_track()
    out = smooth_pose_track(track(noisy))
    assert len(out) == len(noisy)
    for lm in (0, 25, 32):
        # 6 Hz of a 15 Hz band kept: white noise falls to ~sqrt(6 / 15) = 0.63 of its RMS
        assert rms(xy_of(out, lm) - truth) < 0.7 * rms(noisy - truth)
    gentle = smooth_pose_track(track(noisy), cutoff_hz=2.0)
    assert rms(xy_of(gentle) - truth) < 0.45 * rms(noisy - truth)
    assert [p.t_ms for p in out] == [p.t_ms for p in track(noisy)]


def test_track_is_zero_phase() -> None:
    truth, noisy = sine_track(n=300)
    smoothed = xy_of(smooth_pose_track(track(noisy)))[:, 0] - 300
    ref = truth[:, 0] - 300
    lags = range(-5, 6)
    best = max(lags, key=lambda lag: float(np.dot(np.roll(smoothed, lag)[20:-20], ref[20:-20])))
    assert best == 0
    # a causal filter of the same kind would lag by ~2 frames on this signal; check the test can tell
    from scipy import signal

    causal = signal.sosfilt(signal.butter(4, 6.0, fs=FPS, output="sos"), noisy[:, 0] - 300)
    assert max(lags, key=lambda lag: float(np.dot(np.roll(causal, lag)[20:-20], ref[20:-20]))) < 0


def test_track_fills_short_gap_only() -> None:
    truth, noisy = sine_track()
    poses = track(noisy)
    short = list(poses)
    short[40:45] = [None] * 5  # 5 frames: 0.2 s between the poses either side
    out = smooth_pose_track(short)
    assert all(p is not None for p in out)
    assert [out[k].t_ms for k in range(40, 45)] == [poses[k].t_ms for k in range(40, 45)]
    # A straight line across this 0.2 s of a 1 Hz move is ~8 px off on average (11 px at the middle)
    # even without noise; the local fit does better than that with 3 px noise, over several noise draws.
    errors = []
    for seed in range(8):
        truth, noisy = sine_track(seed=seed)
        gappy: list[Pose | None] = list(track(noisy))
        gappy[40:45] = [None] * 5
        errors.append(np.linalg.norm(xy_of(smooth_pose_track(gappy)[40:45]) - truth[40:45], axis=1).mean())
    assert np.mean(errors) < 5.0 and max(errors) < 9.0

    long = list(poses)
    long[40:55] = [None] * 15  # 0.53 s: stays missing
    out = smooth_pose_track(long)
    assert out[40:55] == [None] * 15
    assert out[39] is not None and out[55] is not None


def test_track_segments_do_not_bleed_across_long_gaps() -> None:
    still_a = np.tile([100.0, 100.0], (30, 1))
    still_b = np.tile([500.0, 400.0], (30, 1))
    poses = track(np.concatenate([still_a, still_b]))
    poses[25:35] = [None] * 10  # 0.37 s gap between a person at A and one at B
    out = smooth_pose_track(poses)
    np.testing.assert_allclose(xy_of(out[:25]), still_a[:25], atol=1e-6)
    np.testing.assert_allclose(xy_of(out[35:]), still_b[5:], atol=1e-6)


def test_track_removes_outliers() -> None:
    truth, noisy = sine_track()
    poses = track(noisy)
    jumped = poses[70].xy_px.copy()
    jumped[25] += [150.0, -120.0]  # one landmark jumps ~190 px for one frame
    poses[70] = Pose(t_ms=poses[70].t_ms, image_size=(640, 480), xy_px=jumped,
                     visibility=poses[70].visibility, world_m=poses[70].world_m)
    out = smooth_pose_track(poses)
    err = np.linalg.norm(xy_of(out, 25) - truth, axis=1)
    assert err[70] < 6.0
    assert err[65:76].max() < 6.0  # and the spike did not smear into its neighbours


def test_track_low_frame_rate_and_short_runs() -> None:
    truth, noisy = sine_track(n=30, fps=5.0)  # 5 fps: Nyquist 2.5 Hz < the 6 Hz cutoff
    out = smooth_pose_track(track(noisy, fps=5.0))
    assert len(out) == 30 and all(np.isfinite(p.xy_px).all() for p in out)
    for n in (1, 2, 3, 5):
        short = track(noisy[:n], fps=5.0)
        out = smooth_pose_track(short)
        assert len(out) == n and all(p is not None and np.isfinite(p.xy_px).all() for p in out)


def test_track_tolerates_repeated_timestamps() -> None:
    truth, noisy = sine_track(n=40)
    poses = track(noisy)
    poses[10] = Pose(t_ms=poses[9].t_ms, image_size=(640, 480), xy_px=poses[10].xy_px,
                     visibility=poses[10].visibility, world_m=poses[10].world_m)
    out = smooth_pose_track(poses)
    assert out[10].t_ms == poses[9].t_ms and all(np.isfinite(p.xy_px).all() for p in out)


def test_track_real_5fps_squat_clip(shared_data) -> None:
    """The tfjs golden BlazePose track (720x1280, 5 fps): smoothing moves points only a little."""
    frames = json.loads((shared_data / "tfjs" / "pose_squats.full.json").read_text())
    poses: list[Pose | None] = [
        Pose(t_ms=200 * k, image_size=(720, 1280), xy_px=np.asarray(f)[:, :2], visibility=np.ones(33),
             world_m=np.zeros((33, 3)))
        for k, f in enumerate(frames)
    ]
    out = smooth_pose_track(poses)
    assert len(out) == len(poses) == 65
    moved = np.linalg.norm(np.stack([p.xy_px for p in out]) - np.stack([p.xy_px for p in poses]), axis=-1)
    assert np.isfinite(moved).all()
    assert np.median(moved) < 5.0  # at 5 fps the low-pass is near its Nyquist clamp: gentle


def test_track_3fps_clip_is_one_segment() -> None:
    truth, noisy = sine_track(n=20, fps=3.0)
    poses = track(noisy, fps=3.0)
    poses[10] = None  # one dropped frame at 3 fps: 0.67 s, more than 1.5 frames, stays missing
    out = smooth_pose_track(poses)
    assert out[10] is None and all(p is not None for k, p in enumerate(out) if k != 10)
    # without the drop, the 0.33 s steps (above max_gap_s) do not split the clip into single frames
    smooth = smooth_pose_track(track(noisy, fps=3.0), cutoff_hz=0.5)
    assert rms(xy_of(smooth) - truth) != pytest.approx(rms(noisy - truth))


def test_visibility_hysteresis_keeps_a_joint_hovering_at_the_threshold():
    from formcheck.signal.smoothing import VisibilityHysteresis

    gate = VisibilityHysteresis(enter=0.5, leave=0.35)
    seen = []
    for i, v in enumerate([0.3, 0.55, 0.47, 0.52, 0.4, 0.36, 0.34, 0.45, 0.5]):
        pose = make_pose(33 * i, (100.0, 100.0))
        vis = np.full(33, 0.9)
        vis[0] = v
        out = gate(Pose(pose.t_ms, pose.image_size, pose.xy_px, vis, pose.world_m))
        seen.append(bool(out.visibility[0] >= 0.5))
        assert out.visibility[1] == pytest.approx(0.9)  # clearly visible landmarks pass unchanged
    assert seen == [False, True, True, True, True, True, False, False, True]
    assert gate(None) is None
    with pytest.raises(ValueError, match="leave <= enter"):
        VisibilityHysteresis(enter=0.3, leave=0.5)

"""Landmark smoothing: One Euro filter for live use, zero-phase low-pass offline.

Live frames go through :class:`PoseSmoother` (causal, one frame at a time, a
few microseconds per call). A recorded video goes through
:class:`LookaheadSmoother`, which holds each pose for about half a second and
smooths the window around it with :func:`smooth_pose_track` (zero-phase: it
sees the future, so it has no lag), in one pass with flat memory.
:class:`VisibilityHysteresis` then keeps a joint whose visibility hovers at
the threshold from flickering between seen and unseen. Thresholds downstream
act on the smoothed values.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Generic, TypeVar

import numpy as np

from ..core.pose import Pose

__all__ = ["OneEuroFilter", "PoseSmoother", "smooth_pose_track", "LookaheadSmoother", "VisibilityHysteresis",
           "import_filters"]


def import_filters() -> None:
    """Import SciPy's filters (~0.75 s, most of a run's start-up). They are imported where they are
    used, so live use and the quick commands never pay for them, and a video analysis can call this
    on a thread of its own to overlap the import with loading the pose model."""
    from scipy import ndimage, signal  # noqa: F401

T = TypeVar("T")


def _alpha(cutoff_hz: np.ndarray | float, dt_s: float) -> np.ndarray | float:
    """Smoothing factor of a first-order low-pass with ``cutoff_hz`` sampled every ``dt_s``."""
    tau_s = 1.0 / (2.0 * math.pi * cutoff_hz)
    return 1.0 / (1.0 + tau_s / dt_s)


class OneEuroFilter:
    """One Euro filter (Casiez, Roussel and Vogel, CHI 2012) on arrays of any shape.

    A first-order low-pass whose cutoff rises with the speed of the signal:
    ``cutoff_hz = min_cutoff_hz + beta * |speed|``. Slow signals are smoothed
    hard (no jitter at rest); fast ones are followed closely (little lag).

    Parameters
    ----------
    min_cutoff_hz : float
        Cutoff frequency at rest, in Hz (> 0). Lower removes more jitter
        but lags more on slow moves.
    beta : float
        Speed coefficient (>= 0), in Hz per (signal unit / s): how much the
        cutoff rises with speed. Higher reduces lag on fast moves. Depends on
        the signal's unit (px, m, ...), so scale the signal or beta together.
    d_cutoff_hz : float
        Cutoff of the low-pass on the speed estimate, in Hz (> 0).
    vector_axis : int or None
        None (the reference filter): each element adapts to its own speed.
        An axis (e.g. -1 for (33, 2) points): the speed is the Euclidean norm
        along that axis, so x and y of one point share one cutoff and the
        filter does not depend on the direction of motion.

    Notes
    -----
    A NaN element holds its last filtered value (or stays NaN until its
    first finite value, which passes through). Timestamps are in seconds and
    may start at 0. A sample whose timestamp
    equals the previous one is a duplicate: the previous output is returned
    and the state is unchanged. A timestamp earlier than the previous one
    means a new stream (a clip restarted, a clock reset): the filter resets
    and starts again from that sample.
    """

    def __init__(
        self,
        min_cutoff_hz: float = 1.0,
        beta: float = 0.0,
        d_cutoff_hz: float = 1.0,
        *,
        vector_axis: int | None = None,
    ) -> None:
        if not (math.isfinite(min_cutoff_hz) and min_cutoff_hz > 0):
            raise ValueError(f"min_cutoff_hz must be > 0 (in Hz), got {min_cutoff_hz!r}")
        if not (math.isfinite(beta) and beta >= 0):
            raise ValueError(f"beta must be >= 0 (in Hz per signal unit/s), got {beta!r}")
        if not (math.isfinite(d_cutoff_hz) and d_cutoff_hz > 0):
            raise ValueError(f"d_cutoff_hz must be > 0 (in Hz), got {d_cutoff_hz!r}")
        self.min_cutoff_hz = float(min_cutoff_hz)
        self.beta = float(beta)
        self.d_cutoff_hz = float(d_cutoff_hz)
        self.vector_axis = vector_axis
        self.reset()

    def reset(self) -> None:
        """Forget the past: the next sample is passed through unchanged."""
        self._x: np.ndarray | None = None
        self._dx: np.ndarray | None = None
        self._t_s: float | None = None

    @property
    def last_t_s(self) -> float | None:
        """Timestamp of the last accepted sample in seconds, None after a reset."""
        return self._t_s

    def __call__(self, value: np.ndarray | float, t_s: float) -> np.ndarray:
        """Filter one sample taken at ``t_s`` seconds; returns a new array."""
        x = np.asarray(value, dtype=float)
        t_s = float(t_s)
        if self._x is not None and x.shape != self._x.shape:
            raise ValueError(f"value shape changed from {self._x.shape} to {x.shape}; call reset() first")
        if self._t_s is not None and t_s < self._t_s:
            self.reset()
        if self._x is None or self._t_s is None:
            self._x = x.copy()
            self._dx = np.zeros_like(x)
            self._t_s = t_s
            return self._x.copy()
        dt_s = t_s - self._t_s
        if dt_s == 0.0:
            return self._x.copy()
        fresh = ~np.isfinite(self._x)  # never seen a finite value: take the new one as is
        if fresh.any():
            self._x = np.where(fresh, x, self._x)
            self._dx = np.where(fresh, 0.0, self._dx)
        x = np.where(np.isfinite(x), x, self._x)  # a missing (NaN) element holds its last value
        dx = (x - self._x) / dt_s
        self._dx = self._dx + _alpha(self.d_cutoff_hz, dt_s) * (dx - self._dx)
        if self.vector_axis is None:
            speed = np.abs(self._dx)
        else:
            speed = np.linalg.norm(self._dx, axis=self.vector_axis, keepdims=True)
        a = _alpha(self.min_cutoff_hz + self.beta * speed, dt_s)
        self._x = self._x + a * (x - self._x)
        self._t_s = t_s
        return self._x.copy()


class PoseSmoother:
    """Live smoothing of whole poses with One Euro filters, one call per frame.

    Image points are filtered in units of the image height (so the same
    settings work at 640x480 and 720x1280), each landmark as one 2D point;
    world points in metres; visibility with a plain, light low-pass (so a
    landmark that drops out is noticed within ~0.1 s).

    ``None`` (nobody detected) is passed through. When nobody has been seen
    for longer than ``reset_after_s``, or the image size changes, the filters
    reset, so a person re-entering is not dragged from the old position.

    Tuning (30 fps, synthetic; ``tests/test_smoothing.py`` checks the
    figures): Gaussian noise of 0.005 image heights per axis (~2.4 px at
    480 p, MediaPipe's jitter at rest) on a still point, on a 0.1 h/s slow
    drift, on a 1 h/s ramp (a fast arm or squat) and on a 0.3 h step.
    ``min_cutoff_hz`` was set to 0.5 Hz (at rest, RMS jitter 0.005 -> ~0.0017 h,
    ~0.8 px at 480 p; lower cut-offs gained little), then ``beta`` raised
    until the lag on the fast ramp was under half a frame: ``beta = 8`` per
    image-height/s gives a mean error of ~0.014 h on the 1 h/s ramp (0.32 h
    with ``beta = 0``, 0.023 h with ``beta = 4``), ~0.005 h on the slow drift,
    and reaches 90 % of a step within 1 frame. ``d_cutoff_hz = 1.0`` as in
    the paper. World points share the cutoff and use
    ``world_beta = beta / 1.7`` (a person ~1.7 m tall fills ~1 image height).
    """

    def __init__(
        self,
        *,
        min_cutoff_hz: float = 0.5,
        beta: float = 8.0,
        d_cutoff_hz: float = 1.0,
        world_beta: float | None = None,
        visibility_cutoff_hz: float = 3.0,
        reset_after_s: float = 0.5,
    ) -> None:
        if not (math.isfinite(reset_after_s) and reset_after_s >= 0):
            raise ValueError(f"reset_after_s must be >= 0 (in s), got {reset_after_s!r}")
        world_beta = beta / 1.7 if world_beta is None else world_beta
        self._xy = OneEuroFilter(min_cutoff_hz, beta, d_cutoff_hz, vector_axis=-1)
        self._world = OneEuroFilter(min_cutoff_hz, world_beta, d_cutoff_hz, vector_axis=-1)
        self._visibility = OneEuroFilter(visibility_cutoff_hz, 0.0, d_cutoff_hz)
        self.reset_after_s = float(reset_after_s)
        self._image_size: tuple[int, int] | None = None

    def reset(self) -> None:
        for f in (self._xy, self._world, self._visibility):
            f.reset()
        self._image_size = None

    def __call__(self, pose: Pose | None) -> Pose | None:
        if pose is None:
            return None
        t_s = pose.t_ms / 1000.0
        last_t_s = self._xy.last_t_s
        if (
            self._image_size != tuple(pose.image_size)
            or (last_t_s is not None and t_s - last_t_s > self.reset_after_s)
        ):
            self.reset()
        self._image_size = tuple(pose.image_size)
        scale_px = float(pose.image_size[1]) or 1.0
        first = self._xy.last_t_s is None
        xy = self._xy(pose.xy_px / scale_px, t_s) * scale_px
        if first:
            xy = np.array(pose.xy_px, dtype=float)  # exactly the input, without the unit round trip
        world = self._world(pose.world_m, t_s)
        visibility = np.clip(self._visibility(pose.visibility, t_s), 0.0, 1.0)
        return Pose(t_ms=pose.t_ms, image_size=pose.image_size, xy_px=xy, visibility=visibility, world_m=world)


# --- offline -----------------------------------------------------------------------------------


def smooth_pose_track(
    poses: list[Pose | None],
    *,
    cutoff_hz: float = 6.0,
    order: int = 4,
    max_gap_s: float = 0.3,
    outlier_frac: float = 0.06,
    median_window_s: float = 0.2,
) -> list[Pose | None]:
    """Smooth a recorded track with no lag; fill short gaps; drop outliers.

    Parameters
    ----------
    poses : list of Pose or None
        One entry per frame, in order (None: nobody detected).
    cutoff_hz : float
        Low-pass cutoff in Hz (> 0) of a zero-phase Butterworth filter
        (``sosfiltfilt``) applied to every landmark coordinate. Clamped to
        0.9 x Nyquist of the real sample rate, so a 5 fps clip still works
        (with little smoothing).
    order : int
        Butterworth order (>= 1); the effective order is doubled by the
        forward-backward pass.
    max_gap_s : float
        Runs of None spanning at most this many seconds (between the poses
        either side; at least 1.5 frame intervals) are filled with
        interpolated poses; longer runs stay None and the track either side
        is smoothed as separate segments. An image size change also splits.
    outlier_frac : float
        A landmark further than this fraction of the image height from its
        median-filtered track is an outlier (a one-frame jump) and is replaced
        by interpolation from its good neighbours in time.
    median_window_s : float
        Length of that median filter in seconds (at least 3 samples).

    Returns
    -------
    list of Pose or None
        The same length as ``poses``; timestamps and image sizes unchanged;
        visibility unchanged (interpolated in filled frames).

    Warnings
    --------
    The filter assumes roughly even sampling: each segment is resampled to an
    even grid between its first and last timestamps, filtered, and sampled
    back. Segments of fewer than 4 poses are only outlier-checked and gap-filled.
    At low frame rates (5 fps) the median window is 3 frames (0.6 s), so a
    real one-frame excursion of more than ``outlier_frac`` (a fast swing of a
    hand at its turning point) is treated as an outlier and flattened.
    """
    if not (math.isfinite(cutoff_hz) and cutoff_hz > 0):
        raise ValueError(f"cutoff_hz must be > 0 (in Hz), got {cutoff_hz!r}")
    if order < 1:
        raise ValueError(f"order must be >= 1, got {order!r}")
    if not max_gap_s >= 0:
        raise ValueError(f"max_gap_s must be >= 0 (in s), got {max_gap_s!r}")
    if not outlier_frac > 0:
        raise ValueError(f"outlier_frac must be > 0 (fraction of the image height), got {outlier_frac!r}")
    if not median_window_s >= 0:
        raise ValueError(f"median_window_s must be >= 0 (in s), got {median_window_s!r}")

    out: list[Pose | None] = [None] * len(poses)
    for segment in _segments(poses, max_gap_s):
        smoothed = _smooth_segment(
            poses, segment, cutoff_hz=cutoff_hz, order=order,
            outlier_frac=outlier_frac, median_window_s=median_window_s,
        )
        for i, pose in zip(range(segment[0], segment[-1] + 1), smoothed):
            out[i] = pose
    return out


def _segments(poses: list[Pose | None], max_gap_s: float) -> list[list[int]]:
    """Indices of the poses in each segment; a segment breaks at a long gap or a size change.

    Two poses more than ``max_gap_s`` apart are in different segments, except
    that in a clip slower than ~5 fps the limit is 1.5 frame intervals, so a
    3 fps clip with no dropped frame stays one segment.
    """
    found = [(i, p) for i, p in enumerate(poses) if p is not None]
    steps_ms = [b.t_ms - a.t_ms for (i, a), (j, b) in zip(found, found[1:]) if j == i + 1]
    frame_s = float(np.median(steps_ms)) / 1000.0 if steps_ms else 0.0
    limit_s = max(max_gap_s, 1.5 * frame_s)
    segments: list[list[int]] = []
    for k, (i, pose) in enumerate(found):
        if k == 0:
            segments.append([])
        else:
            before = found[k - 1][1]
            gap_s = (pose.t_ms - before.t_ms) / 1000.0
            if gap_s > limit_s or tuple(pose.image_size) != tuple(before.image_size):
                segments.append([])
        segments[-1].append(i)
    return segments


def _smooth_segment(
    poses: list[Pose | None],
    found: list[int],
    *,
    cutoff_hz: float,
    order: int,
    outlier_frac: float,
    median_window_s: float,
) -> list[Pose]:
    """Smooth poses[found[0] .. found[-1]]; the Nones in between are filled."""
    first = poses[found[0]]
    assert first is not None
    idx = np.arange(found[0], found[-1] + 1)
    found_idx = np.asarray(found)
    t_found = np.array([poses[i].t_ms for i in found], dtype=float)  # type: ignore[union-attr]
    # Non-increasing timestamps (a camera hiccup) are nudged forward 1 ms each for the maths.
    t_found = _strictly_increasing(t_found)
    t_all = np.interp(idx, found_idx, t_found)  # frames of a gap: evenly spaced in time

    xy = np.stack([poses[i].xy_px for i in found]).astype(float)  # type: ignore[union-attr]
    world = np.stack([poses[i].world_m for i in found]).astype(float)  # type: ignore[union-attr]
    vis = np.stack([poses[i].visibility for i in found]).astype(float)  # type: ignore[union-attr]

    # 1. Outliers: a landmark far from its own median-filtered track.
    n = len(found)
    if n >= 3:
        dt_s = float(np.median(np.diff(t_found))) / 1000.0
        window = max(3, int(round(median_window_s / dt_s)) | 1) if dt_s > 0 else 3
        window = min(window, n if n % 2 else n - 1)
        from scipy import ndimage

        med = ndimage.median_filter(xy, size=(window, 1, 1), mode="nearest")
        dist_px = np.linalg.norm(xy - med, axis=-1)  # (n, 33)
        bad = dist_px > outlier_frac * float(first.image_size[1])
        for lm in np.flatnonzero(bad.any(axis=0)):
            good = ~bad[:, lm]
            if good.sum() < 2:
                continue
            for arr in (xy, world):
                for c in range(arr.shape[-1]):
                    arr[bad[:, lm], lm, c] = np.interp(t_found[bad[:, lm]], t_found[good], arr[good, lm, c])

    # 2. Gap filling: a local quadratic fit to the found frames either side of each gap.
    xy_all = _fill_rows(t_all, t_found, xy)
    world_all = _fill_rows(t_all, t_found, world)
    vis_all = _interp_rows(t_all, t_found, vis)

    # 3. Zero-phase low-pass on an even time grid.
    xy_all = _lowpass(t_all, xy_all, cutoff_hz, order)
    world_all = _lowpass(t_all, world_all, cutoff_hz, order)

    result = []
    for k, i in enumerate(idx):
        src = poses[i]
        t_ms = src.t_ms if src is not None else int(round(t_all[k]))
        result.append(
            Pose(t_ms=t_ms, image_size=first.image_size, xy_px=xy_all[k],
                 visibility=vis_all[k] if src is None else src.visibility, world_m=world_all[k])
        )
    return result


def _strictly_increasing(t_ms: np.ndarray) -> np.ndarray:
    out = t_ms.copy()
    for k in range(1, len(out)):
        if out[k] <= out[k - 1]:
            out[k] = out[k - 1] + 1.0
    return out


def _fill_rows(t_new: np.ndarray, t: np.ndarray, values: np.ndarray, context_s: float = 0.15) -> np.ndarray:
    """Values at ``t_new`` (a superset of ``t``): found rows kept, gaps filled by a local fit.

    Each gap gets a quadratic least-squares fit (linear with fewer points) to
    the found samples within ``context_s`` seconds (at least 2, up to 8) either
    side: it follows a bend that a straight line would cut, and averages the
    noise of the edge samples instead of copying it.
    """
    out = _interp_rows(t_new, t, values)
    if len(t) < 3:
        return out
    flat = values.reshape(len(t), -1)
    out_flat = out.reshape(len(t_new), -1)
    missing = ~np.isin(t_new, t)
    k = 0
    while k < len(t_new):
        if not missing[k]:
            k += 1
            continue
        end = k
        while end < len(t_new) and missing[end]:
            end += 1
        before = np.flatnonzero(t < t_new[k])
        after = np.flatnonzero(t > t_new[end - 1])
        near_before = before[t[before] >= t_new[k] - 1000 * context_s][-8:]
        near_after = after[t[after] <= t_new[end - 1] + 1000 * context_s][:8]
        use = np.concatenate([near_before if len(near_before) >= 2 else before[-2:],
                              near_after if len(near_after) >= 2 else after[:2]])
        if len(use) >= 3:
            t0 = t_new[k]
            deg = 2 if len(use) >= 4 else 1
            coef = np.polyfit((t[use] - t0) / 1000.0, flat[use], deg)
            x = (t_new[k:end] - t0) / 1000.0
            out_flat[k:end] = np.stack([x**p for p in range(deg, -1, -1)], axis=1) @ coef
        k = end
    return out_flat.reshape(out.shape)


def _interp_rows(t_new: np.ndarray, t: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Linear interpolation along axis 0 of ``values`` (n, ...) from times ``t`` to ``t_new``."""
    if len(t) == 1:
        return np.repeat(values, len(t_new), axis=0)
    flat = values.reshape(len(t), -1)
    out = np.empty((len(t_new), flat.shape[1]))
    for c in range(flat.shape[1]):
        out[:, c] = np.interp(t_new, t, flat[:, c])
    return out.reshape((len(t_new),) + values.shape[1:])


def _lowpass(t_ms: np.ndarray, values: np.ndarray, cutoff_hz: float, order: int) -> np.ndarray:
    """Zero-phase Butterworth along axis 0, resampled to an even grid and back."""
    n = len(t_ms)
    if n < 4 or t_ms[-1] <= t_ms[0]:
        return values
    fs_hz = 1000.0 * (n - 1) / (t_ms[-1] - t_ms[0])
    nyquist_hz = fs_hz / 2.0
    wn = min(cutoff_hz, 0.9 * nyquist_hz) / nyquist_hz
    from scipy import signal

    sos = signal.butter(order, wn, btype="low", output="sos")
    grid = np.linspace(t_ms[0], t_ms[-1], n)
    even = _interp_rows(grid, t_ms, values)
    # sosfiltfilt's default pad is 3 * (2 * n_sections + 1) samples; a short run pads what it can.
    padlen = min(3 * (2 * len(sos) + 1), n - 1)
    filtered = signal.sosfiltfilt(sos, even, axis=0, padlen=padlen)
    return _interp_rows(t_ms, grid, filtered)


class LookaheadSmoother(Generic[T]):
    """Streams ``smooth_pose_track`` with a bounded delay.

    A Butterworth ``filtfilt`` at ~6 Hz barely reaches past a few hundred
    milliseconds, so smoothing a window with ``lookahead_ms`` of context on
    each side gives (to within float noise at the window centre) what the
    whole-track filter gives, while only that window is ever held in memory.
    Each pose travels with a payload (e.g. the frame's pixels).
    """

    def __init__(self, lookahead_ms: int = 500, chunk_ms: int = 250) -> None:
        self.lookahead_ms = lookahead_ms
        self.chunk_ms = chunk_ms
        self._buffer: deque[tuple[int, Pose | None, T]] = deque()
        self._released = 0  # leading buffer entries already released (kept as context)

    def push(self, t_ms: int, pose: Pose | None, payload: T) -> list[tuple[int, Pose | None, Pose | None, T]]:
        self._buffer.append((t_ms, pose, payload))
        pending_from = self._buffer[self._released][0]
        if t_ms - pending_from < self.lookahead_ms + self.chunk_ms:
            return []
        return self._release(until_ms=t_ms - self.lookahead_ms)

    def flush(self) -> list[tuple[int, Pose | None, Pose | None, T]]:
        if self._released >= len(self._buffer):
            return []
        return self._release(until_ms=self._buffer[-1][0])

    def _release(self, until_ms: int) -> list[tuple[int, Pose | None, Pose | None, T]]:
        smoothed = smooth_pose_track([pose for _, pose, _ in self._buffer])
        out = []
        for i in range(self._released, len(self._buffer)):
            t_ms, raw, payload = self._buffer[i]
            if t_ms > until_ms:
                break
            out.append((t_ms, raw, smoothed[i], payload))
            self._released = i + 1
        last_released_ms = self._buffer[self._released - 1][0]
        while self._buffer and self._buffer[0][0] < last_released_ms - self.lookahead_ms:
            self._buffer.popleft()
            self._released -= 1
        return out


# --- visibility ----------------------------------------------------------------------------------


class VisibilityHysteresis:
    """Seen / not seen per landmark, with hysteresis, so a joint whose visibility hovers
    around the threshold (a foot half covered by a hand, the far heel in profile) does not
    flicker between known and unknown: once seen it stays seen until its visibility drops
    below ``leave``, and it is seen again only above ``enter``.

    The pose passed on carries the decision in its visibility: seen landmarks at least
    ``enter``, unseen ones below it, so every later stage reads one threshold
    (``features.VISIBILITY_MIN``). A frame without a pose forgets the state.
    """

    def __init__(self, enter: float = 0.5, leave: float = 0.35) -> None:
        if not 0.0 <= leave <= enter <= 1.0:
            raise ValueError(f"need 0 <= leave <= enter <= 1, got leave={leave!r}, enter={enter!r}")
        self.enter, self.leave = enter, leave
        self.reset()

    def reset(self) -> None:
        self._seen: np.ndarray | None = None

    def __call__(self, pose: Pose | None) -> Pose | None:
        if pose is None:
            self.reset()
            return None
        vis = np.asarray(pose.visibility, float)
        seen = vis >= (self.enter if self._seen is None else np.where(self._seen, self.leave, self.enter))
        self._seen = seen
        gated = np.where(seen, np.maximum(vis, self.enter), np.minimum(vis, np.nextafter(self.enter, 0.0)))
        return Pose(t_ms=pose.t_ms, image_size=pose.image_size, xy_px=pose.xy_px, visibility=gated,
                    world_m=pose.world_m)

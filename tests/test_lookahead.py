"""Streaming zero-phase smoothing gives what whole-track smoothing gives, with bounded delay."""

from __future__ import annotations

import numpy as np

from formcheck.core.pose import Pose
from formcheck.signal.smoothing import LookaheadSmoother, smooth_pose_track


def _track(n=300, fps=30, gap=(120, 125), seed=0):
    rng = np.random.default_rng(seed)
    base = rng.random((33, 2)) * 400 + 100
    poses = []
    for i in range(n):
        t_ms = round(i * 1000 / fps)
        if gap[0] <= i < gap[1]:
            poses.append(None)
            continue
        motion = 40 * np.sin(2 * np.pi * 0.7 * t_ms / 1000)
        xy = base + motion + rng.normal(0, 2.0, (33, 2))
        poses.append(Pose(t_ms=t_ms, image_size=(640, 480), xy_px=xy, visibility=np.full(33, 0.9),
                          world_m=np.zeros((33, 3))))
    return poses


def test_lookahead_smoothing_matches_whole_track_smoothing():
    poses = _track()
    whole = smooth_pose_track(poses)
    smoother: LookaheadSmoother[int] = LookaheadSmoother(lookahead_ms=500)
    released = []
    max_pending = 0
    for i, pose in enumerate(poses):
        released += smoother.push(round(i * 1000 / 30), pose, i)
        max_pending = max(max_pending, i + 1 - len(released))
    released += smoother.flush()
    assert [payload for *_, payload in released] == list(range(len(poses)))
    assert max_pending <= 30  # bounded delay: never more than ~lookahead + chunk of frames held
    diffs = [np.abs(s.xy_px - w.xy_px).max() for (_, _, s, _), w in zip(released, whole)
             if s is not None and w is not None]
    assert len(diffs) >= len(poses) - 5
    print(f"max difference to whole-track smoothing: {max(diffs):.3f} px")
    assert max(diffs) < 1.0


def test_lookahead_smoothing_releases_raw_pose_alongside():
    poses = _track(n=40, gap=(0, 0))
    smoother: LookaheadSmoother[None] = LookaheadSmoother()
    out = []
    for p in poses:
        out += smoother.push(p.t_ms, p, None)
    out += smoother.flush()
    assert all(raw is pose for (_, raw, _, _), pose in zip(out, poses))

"""Which angle source is closer to the truth: the 2D image angle (``xy_px``) or the one from ``world_m``?

    python benchmarks/angle_sources.py

formcheck's features are 2D image-plane angles. MediaPipe also gives metric 3D
"world" landmarks (hip-centred, camera axes: x right, y down, z away). This
benchmark decides, per quantity and camera view, which source to use:

1. Synthetic performer (exact 3D truth): squat, lunge and hip_flexor_stretch
   ("good"), filmed from the side, the front, 45 deg oblique, and the front from a
   high camera (1.6 m, pitched down 11-14 deg: world "down" is then not gravity),
   rendered at 4 fps (supersample 1) and run through the full model in VIDEO mode.
   Per (quantity, view): median / p90 absolute error vs the true 3D angle of the
   model's 2D and 3D angles, and of the same computed from perfect landmarks
   ("ideal": exact projection, exact camera-axes world), which is the error the
   source has by geometry alone; "deep": only frames where the true angle is far
   from standing (knee/hip < 140, thigh > 45, trunk/shin > 15). Model left/right labels are matched to the truth
   per joint pair first (labels are not what is measured here). Legs are split
   into near/far (true depth from the camera). A frame counts when every joint
   involved has visibility >= 0.5.
2. Real footage with known facts (no 3D truth): front-view squats and side-view
   split squats; values at each rep bottom (the lowest mid-hip within +-0.4 s of
   the listed time, median of +-2 frames) and at standing (highest mid-hip near the
   midpoints between bottoms, median over them; "top" of the split stance).

Quantities: knee = hip-knee-ankle interior angle; hip = shoulder-hip-knee interior
angle; thigh = hip->knee from hanging straight down (90 level); trunk = mid-hip ->
mid-shoulder from vertical; shin = knee->ankle from vertical. All unsigned, degrees.
"""

from __future__ import annotations

import sys
from pathlib import Path

import av
import numpy as np

from formcheck.core.landmarks import Landmark as L
from formcheck.dev.synth import SynthClip, build
from formcheck.io.model import PoseEstimator
from formcheck.signal.geometry import joint_angle_deg

FPS = 4.0
VIS = 0.5
PERFORMANCES = ("squat", "lunge", "hip_flexor_stretch")
VIEWS = {"side": {"view": "side"}, "front": {"view": "front"}, "oblique45": {"view": "three_quarter"},
         "front-hi": {"view": "front", "camera_height_m": 1.6}}
LEGS = {"left": (L.LEFT_SHOULDER, L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE),
        "right": (L.RIGHT_SHOULDER, L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE)}
PAIRS = [(L.LEFT_SHOULDER, L.RIGHT_SHOULDER), (L.LEFT_HIP, L.RIGHT_HIP), (L.LEFT_KNEE, L.RIGHT_KNEE),
         (L.LEFT_ANKLE, L.RIGHT_ANKLE)]
BODY = [L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_ELBOW, L.RIGHT_ELBOW, L.LEFT_WRIST, L.RIGHT_WRIST,
        L.LEFT_HIP, L.RIGHT_HIP, L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE]
#: "Deep" frames of a quantity: its true angle beyond this (knee/hip below, others above), where it matters.
DEEP = {"knee": -140.0, "hip": -140.0, "thigh": 45.0, "trunk": 15.0, "shin": 15.0}
TRUNK = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP)
REAL = Path("/root/.cache/formcheck-real")


def from_down(v: np.ndarray, down: np.ndarray) -> float:
    """Angle of vector ``v`` from the ``down`` direction, degrees [0, 180]."""
    return float(np.degrees(np.arccos(np.clip(v @ down / (np.linalg.norm(v) * np.linalg.norm(down)), -1, 1))))


def rotation_deg(p: np.ndarray, q: np.ndarray) -> tuple[float, float]:
    """Best-fit rotation taking points ``p`` onto ``q`` (Kabsch): its angle and its pitch (about x), degrees."""
    u, _, vt = np.linalg.svd((p - p.mean(0)).T @ (q - q.mean(0)))
    r = vt.T @ np.diag([1.0, 1.0, np.sign(np.linalg.det(vt.T @ u.T))]) @ u.T
    return (float(np.degrees(np.arccos(np.clip((np.trace(r) - 1) / 2, -1, 1)))),
            float(np.degrees(np.arctan2(r[2, 1], r[1, 1]))))


def angles(p: np.ndarray, down: np.ndarray) -> dict[tuple[str, str], tuple[float, tuple]]:
    """(quantity, leg) -> (angle, joints used); works on (33, 2) and (33, 3) points."""
    out = {}
    for leg, (s, h, k, a) in LEGS.items():
        out["knee", leg] = float(joint_angle_deg(p[h], p[k], p[a])), (h, k, a)
        out["hip", leg] = float(joint_angle_deg(p[s], p[h], p[k])), (s, h, k)
        out["thigh", leg] = from_down(p[k] - p[h], down), (h, k)
        out["shin", leg] = from_down(p[k] - p[a], -down), (k, a)
    mid_sh, mid_hip = (p[L.LEFT_SHOULDER] + p[L.RIGHT_SHOULDER]) / 2, (p[L.LEFT_HIP] + p[L.RIGHT_HIP]) / 2
    out["trunk", "-"] = from_down(mid_sh - mid_hip, -down), TRUNK
    return out


def match_labels(xy, vis, world, true_xy):
    """Swap each left/right pair (shoulders, hips, knees, ankles) whose model labels are the other way round."""
    xy, vis, world, swaps = xy.copy(), vis.copy(), world.copy(), 0
    for a, b in PAIRS:
        keep = np.linalg.norm(xy[a] - true_xy[a]) + np.linalg.norm(xy[b] - true_xy[b])
        if np.linalg.norm(xy[a] - true_xy[b]) + np.linalg.norm(xy[b] - true_xy[a]) < keep:
            swaps += 1
            for arr in (xy, vis, world):
                arr[[a, b]] = arr[[b, a]]
    return xy, vis, world, swaps


def synthetic() -> None:
    rows: dict[tuple[str, str], list] = {}  # (quantity, view) -> [truth, 2d, 3d, ideal 2d, ideal 3d]
    print(f"Synthetic performer, {FPS:g} fps, full model. Columns: median / p90 |error| (deg).")
    for view, kw in VIEWS.items():
        n_all = n_pose = n_swap = 0
        tilts = []
        for name in PERFORMANCES:
            clip = SynthClip(build(name, "good", seed=0), seed=0, fps=FPS, supersample=1, **kw)
            with PoseEstimator("full") as est:
                for t_ms, rgb, sk in clip.frames():
                    n_all += 1
                    pose = est.estimate(rgb, t_ms)
                    if pose is None:
                        continue
                    n_pose += 1
                    ideal = clip.pose_of(t_ms, sk)
                    xy, vis, world, swaps = match_labels(pose.xy_px, pose.visibility, pose.world_m, ideal.xy_px)
                    n_swap += swaps > 0
                    depth = clip.camera.to_camera(sk.landmarks)[:, 2]
                    near = min(LEGS, key=lambda leg: depth[list(LEGS[leg][1:])].mean())
                    truth = angles(sk.landmarks, np.array([0.0, -1.0, 0.0]))
                    tilts.append(rotation_deg(world[BODY], ideal.world_m[BODY]))
                    srcs = [angles(xy, np.array([0.0, 1.0])), angles(world, np.array([0.0, 1.0, 0.0])),
                            angles(ideal.xy_px, np.array([0.0, 1.0])), angles(ideal.world_m, np.array([0.0, 1.0, 0.0]))]
                    for (q, leg), (value, joints) in truth.items():
                        if min(vis[j] for j in joints) < VIS:
                            continue
                        label = q if leg == "-" else f"{q} {'near' if leg == near else 'far'}"
                        rows.setdefault((label, view), []).append([value] + [s[q, leg][0] for s in srcs])
        tilt = np.median(tilts, axis=0)
        print(f"  {view:9}: {n_all} frames, pose in {n_pose}, left/right labels fixed in {n_swap}; world_m vs "
              f"true camera axes: best-fit rotation {tilt[0]:.0f} deg (pitch {tilt[1]:+.0f}), median")
    print("\n'truth': p5-p95 of the true angle; 'better': lower deep median (all-frame median if < 5 deep frames)")
    print(f"\n{'':31}{'all frames: median/p90':^42}  {'deep: median':^18}")
    print(f"{'quantity':11}{'view':10}{'n':>4}  {'truth':>7}  {'2D':>8}  {'3D':>8}  {'ideal2D':>8}  {'ideal3D':>8}  "
          f"{'n':>4}  {'2D':>3}  {'3D':>3}  better")
    for q in ("knee near", "knee far", "hip near", "hip far", "thigh near", "thigh far", "trunk",
              "shin near", "shin far"):
        for view in VIEWS:
            a = np.array(rows[q, view])
            err, limit = np.abs(a[:, 1:] - a[:, :1]), DEEP[q.split()[0]]
            deep = a[:, 0] * np.sign(limit) > limit
            med, p90 = np.median(err, axis=0), np.percentile(err, 90, axis=0)
            cells = "  ".join(f"{m:3.0f}/{p:<4.0f}" for m, p in zip(med, p90))
            dmed = np.median(err[deep, :2], axis=0) if deep.sum() >= 5 else np.full(2, np.nan)
            better = "2D" if (dmed if deep.sum() >= 5 else med)[:2] @ [1, -1] < 0 else "3D"
            lo, hi = np.percentile(a[:, 0], [5, 95])
            print(f"{q:11}{view:10}{len(a):>4}  {lo:3.0f}-{hi:<3.0f}  {cells}  {deep.sum():>4}  "
                  f"{dmed[0]:3.0f}  {dmed[1]:3.0f}  {better}")
        print()


def real_series(video: Path):
    """Per frame: t (s), image points, visibility, world points (NaN when no pose)."""
    ts, xy, vis, world = [], [], [], []
    with PoseEstimator("full") as est, av.open(str(video)) as container:
        for frame in container.decode(video=0):
            t_ms = int(round(frame.time * 1000))
            pose = est.estimate(frame.to_ndarray(format="rgb24"), t_ms)
            ts.append(t_ms / 1000)
            xy.append(pose.xy_px if pose else np.full((33, 2), np.nan))
            vis.append(pose.visibility if pose else np.zeros(33))
            world.append(pose.world_m if pose else np.full((33, 3), np.nan))
    return np.array(ts), np.array(xy), np.array(vis), np.array(world)


def real(name: str, bottoms: list[float], split: bool, expect: str) -> None:
    ts, xy, vis, world = real_series(REAL / name)
    facing = np.sign(np.nanmedian(xy[:, L.NOSE, 0] - (xy[:, L.LEFT_EAR, 0] + xy[:, L.RIGHT_EAR, 0]) / 2))
    legs = ("front", "back") if split else ("mean",)
    vals = np.full((len(ts), len(legs), 4), np.nan)  # thigh 2D, thigh 3D, knee 2D, knee 3D
    for i in range(len(ts)):
        per_leg = {}
        for leg in LEGS:
            a2, a3 = angles(xy[i], np.array([0.0, 1.0])), angles(world[i], np.array([0.0, 1.0, 0.0]))
            ok = lambda q: min(vis[i, j] for j in a2[q, leg][1]) >= VIS
            per_leg[leg] = [a[q, leg][0] if ok(q) else np.nan for q in ("thigh", "knee") for a in (a2, a3)]
        if split:  # roles by geometry: the front ankle is further along the way the performer faces
            front = max(LEGS, key=lambda leg: facing * xy[i, LEGS[leg][3], 0])
            vals[i] = [per_leg[front], per_leg["left" if front == "right" else "right"]]
        else:
            vals[i, 0] = np.nanmean([per_leg["left"], per_leg["right"]], axis=0)
    hip_y = (xy[:, L.LEFT_HIP, 1] + xy[:, L.RIGHT_HIP, 1]) / 2

    def at(t: float, lowest: bool) -> np.ndarray:
        idx = np.flatnonzero(np.abs(ts - t) <= 0.4)
        i = idx[np.nanargmax(hip_y[idx]) if lowest else np.nanargmin(hip_y[idx])]
        return np.nanmedian(vals[max(i - 2, 0):i + 3], axis=0)

    print(f"\n{name} ({'side' if split else 'front'} view, {len(ts)} frames). Expected: {expect}")
    head = "".join(f"  {leg + ' thigh':>12} {leg + ' knee':>12}" for leg in legs)
    print(f"{'':10}{head}\n{'':10}" + "  " + "  ".join(["   2D    3D      2D    3D "] * len(legs)))
    tops = [(a + b) / 2 for a, b in zip(bottoms, bottoms[1:])]
    rows = [(f"bottom {t:4.1f}", at(t, True)) for t in bottoms]
    rows.append(("top" if split else "standing", np.median([at(t, False) for t in tops], axis=0)))
    for label, v in rows:
        print(f"{label:10}" + "".join(f"  {r[0]:5.0f} {r[1]:5.0f}   {r[2]:5.0f} {r[3]:5.0f}" for r in v))


def main() -> int:
    synthetic()
    real("nowva_squats.mp4", [1.2, 3.6, 6.0, 8.5, 11.0], False,
         "thigh ~80-100 at the bottoms, ~0-15 standing; knee: mean of legs")
    # Bottoms after 19.6 s were read off this clip's 2D front-thigh peaks.
    real("nowva_split_squat.mp4", [1.8, 4.6, 7.4, 10.4, 13.4, 16.6, 19.6, 22.6, 25.4, 28.4, 31.2], True,
         "front thigh ~80-95, front knee ~85-100 at the bottoms")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Figures over all sample clips: how the checker does against the synthetic ground truth.

    python benchmarks/synth_figures.py [samples] [--model full] [--json out.json]

Runs the regression over every clip (the same code as ``formcheck regress``,
also keeping each clip's raw landmarks) and reports:

- rep-count exact rate (per clip and side), hold-time error (mean, max),
- fault precision / recall / F1 and onset error (matching as in ``formcheck regress``),
- MediaPipe landmark error against the rendered truth (12 body joints, px at 640x480,
  and as a fraction of the torso length), detection rate,
- the wall time of the run on this machine,
- the same figures with the pose model replaced by the exact landmarks
  ("engine only"), which separates rule/tracker errors from pose-model errors.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from formcheck.core.landmarks import BODY_JOINTS, Landmark
from formcheck.dev.regress import ClipResult, run_regression
from formcheck.engine.spec import ExerciseSpec

J = [int(j) for j in BODY_JOINTS]


def _analyze_keeping_landmarks(work: Path, store: dict[str, Path]):
    from formcheck.session.offline import analyze_video

    def analyze(video: Path, spec: ExerciseSpec, model: str) -> dict:
        out = work / video.stem
        result = analyze_video(video, exercise=spec, model=model, out_dir=out, write_video=False)
        store[video.stem] = result.landmarks_path
        return result.report

    return analyze


def _landmark_only_analyze():
    from formcheck.dev.synth.make_samples import sample_clips
    from formcheck.session.offline import analyze_poses

    clips = sample_clips()
    return lambda video, spec, model: analyze_poses(clips[video.stem].poses(), spec)


def landmark_errors(landmarks_path: Path, truth_path: Path) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Per-frame median body-joint error (px), the same as a fraction of the true torso length,
    frames with a pose, frames in all."""
    truth = json.loads(truth_path.read_text())
    true_xy = {f["t_ms"]: np.array(f["xy_px"]) for f in truth["frames"]}
    times = sorted(true_xy)
    errs, rel, found, total = [], [], 0, 0
    for line in landmarks_path.read_text().splitlines():
        rec = json.loads(line)
        total += 1
        if rec["pose"] is None:
            continue
        found += 1
        t = min(times, key=lambda x: abs(x - rec["t_ms"]))  # container times are rounded to the ms
        got, want = np.array(rec["pose"]["xy_px"]), true_xy[t]
        e = np.linalg.norm(got[J] - want[J], axis=1)
        torso = np.linalg.norm((want[Landmark.LEFT_SHOULDER] + want[Landmark.RIGHT_SHOULDER]) / 2
                               - (want[Landmark.LEFT_HIP] + want[Landmark.RIGHT_HIP]) / 2)
        errs.append(float(np.median(e)))
        rel.append(float(np.median(e)) / torso)
    return np.array(errs), np.array(rel), found, total


def score(results: list[ClipResult]) -> dict:
    reps_ok = reps_n = 0
    hold_err: list[float] = []
    tp = fp = fn = 0
    onset_err: list[float] = []
    for r in results:
        if r.error:
            continue
        for c in r.checks:
            if c.name.startswith("reps["):
                reps_n += 1
                reps_ok += c.ok
            elif c.name.startswith("hold_s["):
                exp = float(c.expected.split("±")[0])
                hold_err.append(abs(float(c.got) - exp))
            elif c.name.startswith("unexpected fault"):
                fp += 1
            elif c.name.startswith("fault "):
                if c.ok:
                    tp += 1
                    onset_err.append(abs(float(c.got.split()[1].rstrip("s")) - float(c.expected.split()[1].split("±")[0])))
                else:
                    fn += 1
                    if c.got != "not reported":
                        fp += 1  # reported, but too far from the expected onset
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / (tp + fn) if tp + fn else float("nan")
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else float("nan")
    return {
        "clips": len(results),
        "clips_passed": sum(r.passed for r in results),
        "known_failures": sum(r.status == "XFAIL" for r in results),
        "rep_count_exact": f"{reps_ok}/{reps_n}",
        "rep_count_exact_rate": reps_ok / reps_n if reps_n else float("nan"),
        "hold_error_s_mean": float(np.mean(hold_err)) if hold_err else float("nan"),
        "hold_error_s_max": float(np.max(hold_err)) if hold_err else float("nan"),
        "hold_within_tolerance": f"{sum(e <= 0.5 + 1e-9 for e in hold_err)}/{len(hold_err)}",
        "faults_tp_fp_fn": [tp, fp, fn],
        "fault_precision": precision,
        "fault_recall": recall,
        "fault_f1": f1,
        "onset_error_s_mean": float(np.mean(onset_err)) if onset_err else float("nan"),
        "onset_error_s_max": float(np.max(onset_err)) if onset_err else float("nan"),
    }


def _fmt(v) -> str:
    return f"{v:.2f}" if isinstance(v, float) else str(v)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", nargs="?", default="samples", type=Path)
    parser.add_argument("--model", default="full")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)

    store: dict[str, Path] = {}
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        results = run_regression(args.directory, model=args.model,
                                 analyze=_analyze_keeping_landmarks(Path(tmp), store))
        wall_s = time.perf_counter() - t0
        errs, rels, found, total = [], [], 0, 0
        per_clip = {}
        for r in results:
            truth = r.clip.with_name(r.clip.stem + ".truth.json")
            if r.clip.stem not in store or not truth.is_file():
                continue
            e, rel, f, n = landmark_errors(store[r.clip.stem], truth)
            errs.append(e)
            rels.append(rel)
            found += f
            total += n
            per_clip[r.clip.stem] = {"median_px": float(np.median(e)) if len(e) else None, "detected": f"{f}/{n}",
                                     "passed": r.passed, "status": r.status}
    t1 = time.perf_counter()
    engine_only = run_regression(args.directory, analyze=_landmark_only_analyze())
    engine_s = time.perf_counter() - t1

    all_err = np.concatenate(errs) if errs else np.array([])
    all_rel = np.concatenate(rels) if rels else np.array([])
    frames = sum(int(r.report.get("frames", 0)) for r in results if r.report)
    figures = {
        "model": args.model,
        "machine": f"{os.cpu_count()} cores",
        "pipeline": score(results),
        "engine_only": score(engine_only),
        "landmarks": {
            "frames_detected": f"{found}/{total}",
            "median_px": float(np.median(all_err)) if all_err.size else None,
            "mean_px": float(np.mean(all_err)) if all_err.size else None,
            "p90_px": float(np.percentile(all_err, 90)) if all_err.size else None,
            "max_px": float(np.max(all_err)) if all_err.size else None,
            "median_torso_fraction": float(np.median(all_rel)) if all_rel.size else None,
        },
        "timing": {"regression_wall_s": round(wall_s, 1), "frames": frames,
                   "fps": round(frames / wall_s, 1) if wall_s else None,
                   "engine_only_wall_s": round(engine_s, 1)},
        "per_clip": per_clip,
    }
    p, e, lm, tm = figures["pipeline"], figures["engine_only"], figures["landmarks"], figures["timing"]
    print(f"## Synthetic samples: {p['clips']} clips, model {args.model}, {figures['machine']}\n")
    print("| figure | MediaPipe + engine | exact landmarks + engine |\n|---|---|---|")
    for key, label in (("clips_passed", "clips passed"), ("known_failures", "known failures (XFAIL)"),
                       ("rep_count_exact", "rep count exact (clip x side)"),
                       ("hold_error_s_mean", "hold-time error mean (s)"), ("hold_error_s_max", "hold-time error max (s)"),
                       ("hold_within_tolerance", "holds within 0.5 s"), ("faults_tp_fp_fn", "faults TP / FP / FN"),
                       ("fault_precision", "fault precision"), ("fault_recall", "fault recall"),
                       ("fault_f1", "fault F1"), ("onset_error_s_mean", "onset error mean (s)"),
                       ("onset_error_s_max", "onset error max (s)")):
        print(f"| {label} | {_fmt(p[key])} | {_fmt(e[key])} |")
    print(f"\nMediaPipe ({args.model}) vs rendered truth, 12 body joints, per-frame median: "
          f"median {_fmt(lm['median_px'])} px, mean {_fmt(lm['mean_px'])} px, p90 {_fmt(lm['p90_px'])} px, "
          f"max {_fmt(lm['max_px'])} px (640x480; {_fmt(lm['median_torso_fraction'])} of the torso length); "
          f"frames with a pose {lm['frames_detected']}.")
    print(f"Regression run: {tm['regression_wall_s']} s for {tm['frames']} frames ({tm['fps']} frames/s) "
          f"on {figures['machine']}; engine only: {tm['engine_only_wall_s']} s.")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

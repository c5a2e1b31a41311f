"""The bundled models, checked against upstream golden landmarks on real people."""

from __future__ import annotations

import json

import numpy as np
import pytest

from formcheck.core.landmarks import BODY_JOINTS
from formcheck.io.model import ModelMissingError, PoseEstimator, model_path
from formcheck.io.video import VideoReader


def _read_rgb(path):
    import cv2

    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)


@pytest.mark.parametrize("variant,tolerance_px", [("full", 11.0), ("lite", 11.0)])
def test_bundle_matches_upstream_landmarks_on_photo(shared_data, variant, tolerance_px):
    expected = np.array(json.loads((shared_data / "tfjs/pose.expected_landmarks.json").read_text())["landmarks"])
    with PoseEstimator(variant) as estimator:
        pose = estimator.estimate(_read_rgb(shared_data / "tfjs/pose.jpg"), 0)
    assert pose is not None
    error = np.linalg.norm(pose.xy_px - expected, axis=1)
    print(f"{variant}: max {error.max():.2f} px, mean {error.mean():.2f} px")
    assert error.max() < tolerance_px


def test_full_bundle_tracks_squat_video_like_upstream(shared_data):
    golden = np.array(json.loads((shared_data / "tfjs/pose_squats.full.json").read_text()))[:, :, :2]
    joints = list(BODY_JOINTS)
    errors = []
    with PoseEstimator("full") as estimator:
        for frame in VideoReader(shared_data / "tfjs/pose_squats.mp4"):
            pose = estimator.estimate(frame.rgb, frame.t_ms)
            assert pose is not None, f"no pose at frame {frame.index}"
            errors.append(np.abs(pose.xy_px[joints] - golden[frame.index][joints]))
    errors = np.array(errors)
    within = (errors.max(axis=(1, 2)) <= 31).mean()
    print(f"frames within 31 px: {within:.1%}, median {np.median(errors):.1f} px, max {errors.max():.1f} px")
    assert len(errors) == 65
    assert within >= 0.95
    assert np.median(errors) < 8


def test_no_person_gives_none():
    rng = np.random.default_rng(0)
    noise = (rng.random((480, 640, 3)) * 40 + 100).astype(np.uint8)
    with PoseEstimator("lite") as estimator:
        assert estimator.estimate(noise, 0) is None
        assert estimator.estimate(np.zeros((480, 640, 3), np.uint8), 33) is None


def test_missing_heavy_model_says_how_to_build_it(tmp_path, monkeypatch):
    monkeypatch.setattr("formcheck.io.model.MODELS_DIR", tmp_path)
    with pytest.raises(ModelMissingError, match=r"python models/build_models.py heavy"):
        model_path("heavy")


def test_unknown_variant_is_rejected():
    with pytest.raises(ValueError, match="medium"):
        model_path("medium")

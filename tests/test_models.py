"""The committed bundles are exactly what models/build_models.py produces (checksums recorded)."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

MODELS = Path(__file__).resolve().parent.parent / "formcheck" / "io" / "models"


def _sums() -> dict[str, str]:
    lines = (MODELS / "SHA256SUMS").read_text().split("\n")
    return {name: digest for digest, name in (line.split() for line in lines if line.strip())}


@pytest.mark.parametrize("name", ["pose_landmarker_lite.task", "pose_landmarker_full.task"])
def test_bundle_checksum_and_layout(name):
    path = MODELS / name
    assert hashlib.sha256(path.read_bytes()).hexdigest() == _sums()[name]
    with zipfile.ZipFile(path) as zf:
        infos = {i.filename: i for i in zf.infolist()}
        assert set(infos) == {"pose_detector.tflite", "pose_landmarks_detector.tflite"}
        for info in infos.values():
            assert info.compress_type == zipfile.ZIP_STORED
            data_offset = info.header_offset + 30 + len(info.filename) + len(info.extra)
            assert data_offset % 16 == 0, "unaligned model data makes TFLite copy the weights"
            assert zf.read(info)[4:8] == b"TFL3"

"""Build MediaPipe pose landmarker bundles (``.task``) from registry packages.

The Tasks API only loads ``.task`` bundles, and the usual download host for
them is out of reach (and run-time downloads are banned anyway). The same
Apache-2.0 weights ship inside registry packages, but as raw TFLite files
without the metadata the Tasks API needs to normalise the input image, so this
script adds that metadata and zips the pair the way the Tasks API expects.

Sources (pinned by version and SHA-256, verified before use):
  * detector ``pose_detection.tflite`` from the ``mediapipe==0.10.21`` wheel
  * landmark models ``pose_landmark_{lite,full,heavy}.tflite`` from the npm
    package ``@mediapipe/pose@0.5.1675469404``

Usage::

    python models/build_models.py            # lite and full (the committed ones)
    python models/build_models.py heavy      # the heavy model, on demand

The output is byte-for-byte reproducible: fixed zip timestamps, stored entries.
"""

from __future__ import annotations

import argparse
import hashlib
import struct
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import flatbuffers
import numpy as np
from mediapipe.tasks.metadata import metadata_schema_py_generated as meta_fb
from mediapipe.tasks.metadata import schema_py_generated as tflite_fb

#: The bundles are package data of the model wrapper, so an installed formcheck carries them.
MODELS_DIR = Path(__file__).resolve().parent.parent / "formcheck" / "io" / "models"

WHEEL_SPEC = "mediapipe==0.10.21"
WHEEL_MEMBER = "mediapipe/modules/pose_detection/pose_detection.tflite"
NPM_SPEC = "@mediapipe/pose@0.5.1675469404"

SOURCE_SHA256 = {
    "pose_detection.tflite": "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c",
    "pose_landmark_lite.tflite": "f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61",
    "pose_landmark_full.tflite": "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
    "pose_landmark_heavy.tflite": "59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe",
}

VARIANTS = ("lite", "full", "heavy")
DETECTOR_INPUT = (224, 224)
LANDMARK_INPUT = (256, 256)
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
TENSOR_ALIGNMENT = 16
ZIPALIGN_EXTRA_ID = 0xD935


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _checked(name: str, data: bytes) -> bytes:
    expected = SOURCE_SHA256[name]
    if _sha256(data) != expected:
        sys.exit(f"{name}: SHA-256 {_sha256(data)} does not match the pinned {expected}")
    return data


def _image_tensor(name: str, size: tuple[int, int], mean: float, std: float) -> meta_fb.TensorMetadataT:
    image = meta_fb.ImagePropertiesT()
    image.colorSpace = meta_fb.ColorSpaceType.RGB
    content = meta_fb.ContentT()
    content.contentPropertiesType = meta_fb.ContentProperties.ImageProperties
    content.contentProperties = image
    norm = meta_fb.NormalizationOptionsT()
    norm.mean, norm.std = [mean], [std]
    unit = meta_fb.ProcessUnitT()
    unit.optionsType = meta_fb.ProcessUnitOptions.NormalizationOptions
    unit.options = norm
    stats = meta_fb.StatsT()
    stats.min, stats.max = [(0 - mean) / std], [(255 - mean) / std]
    tensor = meta_fb.TensorMetadataT()
    tensor.name = name
    tensor.description = f"RGB image {size[0]}x{size[1]}, normalised with mean {mean} and std {std}"
    tensor.content = content
    tensor.processUnits = [unit]
    tensor.stats = stats
    return tensor


def _feature_tensor(name: str) -> meta_fb.TensorMetadataT:
    content = meta_fb.ContentT()
    content.contentPropertiesType = meta_fb.ContentProperties.FeatureProperties
    content.contentProperties = meta_fb.FeaturePropertiesT()
    tensor = meta_fb.TensorMetadataT()
    tensor.name = name
    tensor.content = content
    return tensor


def _pack_aligned_buffer(buffer: tflite_fb.BufferT, builder: flatbuffers.Builder) -> int:
    """Pack a weight buffer on a 16-byte boundary so TFLite can map it without copying."""
    data = None
    if buffer.data is not None:
        raw = np.asarray(buffer.data, dtype=np.uint8).tobytes()
        builder.StartVector(1, len(raw), TENSOR_ALIGNMENT)
        builder.head -= len(raw)
        builder.Bytes[builder.head:builder.head + len(raw)] = raw
        builder.vectorNumElems = len(raw)
        data = builder.EndVector()
    tflite_fb.BufferStart(builder)
    if data is not None:
        tflite_fb.BufferAddData(builder, data)
    tflite_fb.BufferAddOffset(builder, buffer.offset)
    tflite_fb.BufferAddSize(builder, buffer.size)
    return tflite_fb.BufferEnd(builder)


def add_metadata(model: bytes, name: str, image: meta_fb.TensorMetadataT, n_outputs: int) -> bytes:
    """Attach TFLite metadata (image input with normalisation) to a raw model."""
    subgraph = meta_fb.SubGraphMetadataT()
    subgraph.inputTensorMetadata = [image]
    subgraph.outputTensorMetadata = [_feature_tensor(f"output_{i}") for i in range(n_outputs)]
    metadata = meta_fb.ModelMetadataT()
    metadata.name = name
    metadata.description = "MediaPipe BlazePose model; metadata added by formcheck models/build_models.py"
    metadata.license = "Apache-2.0"
    metadata.minParserVersion = "1.0.0"
    metadata.subgraphMetadata = [subgraph]
    builder = flatbuffers.Builder(1024)
    builder.Finish(metadata.Pack(builder), file_identifier=b"M001")
    metadata_bytes = bytes(builder.Output())

    tflite = tflite_fb.ModelT.InitFromObj(tflite_fb.Model.GetRootAsModel(model, 0))
    if len(tflite.subgraphs[0].outputs) != n_outputs:
        sys.exit(f"{name}: expected {n_outputs} outputs, found {len(tflite.subgraphs[0].outputs)}")
    buffer = tflite_fb.BufferT()
    buffer.data = list(metadata_bytes)
    tflite.buffers.append(buffer)
    entry = tflite_fb.MetadataT()
    entry.name = "TFLITE_METADATA"
    entry.buffer = len(tflite.buffers) - 1
    tflite.metadata = [m for m in (tflite.metadata or []) if m.name != "TFLITE_METADATA"] + [entry]
    tflite_fb.BufferT.Pack = _pack_aligned_buffer
    builder = flatbuffers.Builder(len(model) + 4096)
    builder.Finish(tflite.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def _fetch_sources(workdir: Path) -> tuple[Path, Path]:
    """Download the pinned wheel and npm tarball by package name."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
         "--platform", "manylinux_2_28_x86_64", "--python-version", "3.11",
         "--dest", str(workdir), WHEEL_SPEC],
        check=True,
    )
    subprocess.run(["npm", "pack", "--silent", NPM_SPEC], cwd=workdir, check=True, stdout=subprocess.DEVNULL)
    return next(workdir.glob("mediapipe-*.whl")), next(workdir.glob("mediapipe-pose-*.tgz"))


def _aligned_zip_entry(name: str, header_offset: int) -> zipfile.ZipInfo:
    """A stored zip entry whose data starts on a 16-byte boundary (like zipalign).

    The Tasks API maps the bundle and reads models in place; misaligned data
    makes TFLite copy every weight buffer at load time.
    """
    info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
    data_start = header_offset + 30 + len(name.encode()) + 4
    padding = -data_start % TENSOR_ALIGNMENT
    info.extra = struct.pack("<HH", ZIPALIGN_EXTRA_ID, padding) + bytes(padding)
    return info


def build(variants: list[str], out_dir: Path = MODELS_DIR) -> list[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        wheel, tarball = _fetch_sources(Path(tmp))
        with zipfile.ZipFile(wheel) as zf:
            detector_raw = _checked("pose_detection.tflite", zf.read(WHEEL_MEMBER))
        landmark_raw = {}
        with tarfile.open(tarball) as tf:
            for variant in variants:
                member = f"pose_landmark_{variant}.tflite"
                landmark_raw[variant] = _checked(member, tf.extractfile(f"package/{member}").read())

    detector = add_metadata(detector_raw, "pose_detector", _image_tensor("image", DETECTOR_INPUT, 127.5, 127.5), 2)
    written = []
    for variant in variants:
        landmarks = add_metadata(
            landmark_raw[variant], "pose_landmarks_detector",
            _image_tensor("image", LANDMARK_INPUT, 0.0, 255.0), 5,
        )
        path = out_dir / f"pose_landmarker_{variant}.task"
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
            for name, data in (("pose_detector.tflite", detector), ("pose_landmarks_detector.tflite", landmarks)):
                zf.writestr(_aligned_zip_entry(name, zf.fp.tell()), data)
        print(f"{path.name}  sha256 {_sha256(path.read_bytes())}  {path.stat().st_size} bytes")
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("variants", nargs="*", help=f"any of {', '.join(VARIANTS)} (default: lite full)")
    variants = parser.parse_args().variants or ["lite", "full"]
    unknown = sorted(set(variants) - set(VARIANTS))
    if unknown:
        parser.error(f"unknown variant {', '.join(unknown)}; choose from {', '.join(VARIANTS)}")
    build(variants)


if __name__ == "__main__":
    main()

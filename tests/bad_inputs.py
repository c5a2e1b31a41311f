"""Makes the bad and awkward inputs the corpus test feeds the CLI, at test time (nothing large committed).

Videos are encoded here with PyAV in the codecs, containers and pixel formats
people really send; broken files are cut or spliced from them; special files
(FIFOs, devices, sparse multi-gigabyte files) cost nothing on disk.
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path
from typing import Callable

import av
import numpy as np

#: (container format, codec, pixel format) of the generated clips; one file each.
CODECS = {
    "h264.mp4": ("mp4", "libx264", "yuv420p"),
    "h264-444.mkv": ("matroska", "libx264", "yuv444p"),
    "h264-10bit.mkv": ("matroska", "libx264", "yuv420p10le"),
    "hevc.mp4": ("mp4", "libx265", "yuv420p"),
    "vp9.webm": ("webm", "libvpx-vp9", "yuv420p"),
    "vp8.webm": ("webm", "libvpx", "yuv420p"),
    "av1.mkv": ("matroska", "libsvtav1", "yuv420p"),
    "mpeg4.avi": ("avi", "mpeg4", "yuv420p"),
    "mjpeg.avi": ("avi", "mjpeg", "yuvj420p"),
    "mpeg2.ts": ("mpegts", "mpeg2video", "yuv420p"),
    "prores.mov": ("mov", "prores", "yuv422p10le"),
    "ffv1-gray.mkv": ("matroska", "ffv1", "gray"),
    "huffyuv-rgb.avi": ("avi", "huffyuv", "rgb24"),
    "gif.gif": ("gif", "gif", "rgb8"),
}


def room(width: int, height: int, i: int = 0) -> np.ndarray:
    """An empty room: a wall, a floor and a little sensor noise (no person)."""
    rng = np.random.default_rng(i)
    image = np.full((height, width, 3), 180, np.uint8)
    image[height * 2 // 3:] = (120, 100, 80)
    return image + rng.integers(0, 5, image.shape, dtype=np.uint8)


def write_video(path: Path, *, fmt: str = "mp4", codec: str = "libx264", pix_fmt: str = "yuv420p",
                size: tuple[int, int] = (96, 72), times_ms: list[int] | None = None,
                rotation: int | None = None, faststart: bool = False,
                picture: Callable[[int, int, int], np.ndarray] = room) -> Path:
    """A short clip of ``picture(width, height, i)`` (an empty room) at the given frame times
    (default: 6 frames at 10 fps)."""
    times_ms = list(range(0, 600, 100)) if times_ms is None else times_ms
    width, height = size
    options = {"movflags": "+faststart"} if faststart else {}
    with av.open(str(path), "w", format=fmt, options=options) as container:
        stream = container.add_stream(codec, rate=30)
        stream.width, stream.height = width, height
        stream.pix_fmt = pix_fmt
        if codec == "libsvtav1":
            stream.options = {"preset": "12"}
        if fmt not in ("avi", "gif"):
            stream.time_base = Fraction(1, 1000)
        if fmt not in ("avi", "gif") and codec != "mpeg2video":  # MPEG-2 allows only broadcast rates
            stream.codec_context.time_base = Fraction(1, 1000)
        if rotation is not None:
            stream.set_display_rotation(rotation)
        frames = []
        for i, t in enumerate(times_ms):
            frame = av.VideoFrame.from_ndarray(picture(width, height, i), format="rgb24")
            if fmt in ("avi", "gif"):
                frame.pts = i
            else:
                frame.pts, frame.time_base = t, Fraction(1, 1000)
            frames.append(frame)
        _encode(container, stream, frames)
    return path


def write_audio_only(path: Path) -> Path:
    """A WAV file: a container PyAV opens happily, with no video stream in it."""
    with av.open(str(path), "w", format="wav") as container:
        stream = container.add_stream("pcm_s16le", rate=8000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 8000), np.int16), format="s16", layout="mono")
        frame.sample_rate = 8000
        _encode(container, stream, [frame])
    return path


def _encode(container: av.container.OutputContainer, stream: av.stream.Stream, frames: list) -> None:
    for frame in [*frames, None]:  # None flushes the encoder
        for packet in stream.encode(frame):
            container.mux(packet)


def write_spliced(path: Path) -> Path:
    """Two MPEG-TS recordings joined byte for byte (as ``cat a.ts b.ts`` does): the clock jumps back."""
    parts = [write_video(path.with_suffix(f".part{i}.ts"), fmt="mpegts", codec="mpeg2video",
                         times_ms=list(range(0, 1500, 100))) for i in range(2)]
    path.write_bytes(b"".join(p.read_bytes() for p in parts))
    for p in parts:
        p.unlink()
    return path


def cut(source: Path, path: Path, fraction: float) -> Path:
    """The first ``fraction`` of a file, as a download or a copy that broke off."""
    data = source.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])
    return path


def sparse(path: Path, size: int) -> Path:
    """A file that reports ``size`` bytes and takes no disk space."""
    with open(path, "wb") as file:
        file.truncate(size)
    return path


def fifo(path: Path) -> Path:
    """A named pipe: opening it for reading blocks until someone writes, which nobody will."""
    os.mkfifo(path)
    return path


def deep_toml(path: Path, depth: int = 5000) -> Path:
    path.write_text("a = " + "[" * depth + "]" * depth + "\n")
    return path

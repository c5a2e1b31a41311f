"""Video in/out with real encoded files: timestamps, rotation, truncation, bad input."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest

from formcheck.core.errors import InputError, OutputError
from formcheck.io.video import VideoReader, VideoWriter


def _write_clip(path, timestamps_ms, size=(64, 48), rotation=None, faststart=False, noise=False):
    """An H.264 clip with a white square at the top-left corner and given frame times.

    ``noise`` fills the rest with random pixels so frame data, not the index, fills the file.
    """
    rng = np.random.default_rng(0)
    options = {"movflags": "+faststart"} if faststart else {}
    with av.open(str(path), "w", format="mp4", options=options) as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.time_base = stream.codec_context.time_base = Fraction(1, 1000)
        if rotation is not None:
            stream.set_display_rotation(rotation)
        for t in timestamps_ms:
            img = np.zeros((size[1], size[0], 3), np.uint8)
            if noise:
                img[:] = rng.integers(0, 200, img.shape, dtype=np.uint8)
            img[:12, :12] = 255
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts, frame.time_base = t, Fraction(1, 1000)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def test_variable_frame_rate_keeps_container_timestamps(tmp_path):
    times = [0, 33, 66, 150, 400, 433, 1000]
    clip = _write_clip(tmp_path / "vfr.mp4", times)
    frames = list(VideoReader(clip))
    assert [f.t_ms for f in frames] == times
    assert [f.index for f in frames] == list(range(len(times)))


@pytest.mark.parametrize("rotation,corner", [(90, "bottom_left"), (-90, "top_right"), (180, "bottom_right")])
def test_rotation_metadata_is_applied(tmp_path, rotation, corner):
    clip = _write_clip(tmp_path / "rot.mp4", [0, 33], size=(64, 48), rotation=rotation)
    reader = VideoReader(clip)
    frame = next(iter(reader))
    expected_shape = (48, 64, 3) if rotation == 180 else (64, 48, 3)
    assert frame.rgb.shape == expected_shape
    assert (reader.info.width, reader.info.height) == (expected_shape[1], expected_shape[0])
    h, w = frame.rgb.shape[:2]
    corners = {"top_left": frame.rgb[:8, :8], "top_right": frame.rgb[:8, w - 8:],
               "bottom_left": frame.rgb[h - 8:, :8], "bottom_right": frame.rgb[h - 8:, w - 8:]}
    bright = max(corners, key=lambda k: corners[k].mean())
    assert bright == corner


def test_missing_empty_and_non_video_files_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        VideoReader(tmp_path / "absent.mp4")
    (tmp_path / "empty.mp4").write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        VideoReader(tmp_path / "empty.mp4")
    (tmp_path / "notes.mp4").write_text("this is a text file\n" * 50)
    with pytest.raises(InputError, match="not a readable video"):
        VideoReader(tmp_path / "notes.mp4")
    with pytest.raises(InputError, match="not a file"):
        VideoReader(tmp_path)


def test_oversized_file_is_refused_before_decoding(tmp_path):
    clip = _write_clip(tmp_path / "clip.mp4", [0, 33, 66])
    with pytest.raises(InputError, match="over the"):
        VideoReader(clip, max_bytes=100)


def test_truncated_video_yields_readable_frames_and_says_so(tmp_path):
    times = list(range(0, 3000, 33))
    clip = _write_clip(tmp_path / "full.mp4", times, size=(160, 120), faststart=True, noise=True)
    data = clip.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    reader = VideoReader(cut)
    frames = list(reader)
    assert 5 < len(frames) < len(times)
    assert reader.truncated
    whole = VideoReader(clip)
    assert len(list(whole)) == len(times)
    assert not whole.truncated


def test_writer_round_trip_is_h264_with_same_timestamps(tmp_path):
    out = tmp_path / "out.mp4"
    rng = np.random.default_rng(1)
    times = [0, 40, 80, 200, 240]
    with VideoWriter(out, 161, 121, fps=25) as writer:  # odd sizes are trimmed to even
        for t in times:
            writer.write(rng.integers(0, 255, (121, 161, 3), dtype=np.uint8), t)
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert (stream.codec_context.width, stream.codec_context.height) == (160, 120)
    assert [f.t_ms for f in VideoReader(out)] == times


def test_writer_into_missing_folder_is_output_error(tmp_path):
    with pytest.raises(OutputError, match="cannot write"):
        VideoWriter(tmp_path / "no" / "such" / "dir" / "x.mp4", 64, 48)


@pytest.mark.parametrize("opencv_yuv", [True, False])
def test_writer_keeps_colours(tmp_path, opencv_yuv):
    img = np.zeros((240, 320, 3), np.uint8)
    img[:, :160] = (200, 40, 40)
    img[:, 160:] = (30, 180, 90)
    with VideoWriter(tmp_path / "c.mp4", 320, 240, opencv_yuv=opencv_yuv) as writer:
        for i in range(3):
            writer.write(img, i * 33)
    back = next(iter(VideoReader(tmp_path / "c.mp4"))).rgb.astype(int)
    assert np.abs(back[120, 80] - (200, 40, 40)).max() <= 6
    assert np.abs(back[120, 240] - (30, 180, 90)).max() <= 6

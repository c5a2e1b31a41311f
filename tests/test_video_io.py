"""Video in/out with real encoded files: timestamps, rotation, truncation, bad input."""

from __future__ import annotations

import threading

import av
import bad_inputs
import numpy as np
import pytest

from formcheck.core.errors import InputError, OutputError
from formcheck.io.video import VideoReader, VideoWriter


def _write_clip(path, timestamps_ms, size=(64, 48), rotation=None, faststart=False, noise=False):
    """An H.264 clip with a white square at the top-left corner and given frame times.

    ``noise`` fills the rest with random pixels so frame data, not the index, fills the file.
    """
    rng = np.random.default_rng(0)

    def marked(width, height, i):
        img = np.zeros((height, width, 3), np.uint8)
        if noise:
            img[:] = rng.integers(0, 200, img.shape, dtype=np.uint8)
        img[:12, :12] = 255
        return img
    return bad_inputs.write_video(path, times_ms=timestamps_ms, size=size, rotation=rotation,
                                  faststart=faststart, picture=marked)


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


class _FailingStream:
    """The encoder's stream, failing as a full disk or a broken encoder does: on frame ``fail_at``
    (None: at the final flush)."""

    def __init__(self, stream, fail_at):
        self._stream, self._fail_at, self._frames = stream, fail_at, 0

    def encode(self, frame=None):
        if frame is None and self._fail_at is None or frame is not None and self._frames == self._fail_at:
            raise av.error.OSError(28, "No space left on device")
        self._frames += frame is not None
        return self._stream.encode(frame)

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _within(seconds, call):
    """Run ``call`` on a thread; what it raised, or fail if it hangs."""
    outcome = {}

    def target():
        try:
            call()
        except Exception as exc:
            outcome["error"] = exc
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "hung"
    return outcome.get("error")


@pytest.mark.parametrize("fail_at", [None, 0, 3])
def test_writer_failure_is_an_output_error_never_a_hang(tmp_path, fail_at):
    writer = VideoWriter(tmp_path / "x.mp4", 64, 48, queue_size=2)
    writer._stream = _FailingStream(writer._stream, fail_at)
    frame = np.zeros((48, 64, 3), np.uint8)

    def write_all_then_close():
        for t in range(0, 2000, 100):  # more frames than the queue holds after the encoder stopped
            writer.write(frame, t)
        writer.close()
    error = _within(20, write_all_then_close)
    assert isinstance(error, OutputError) and "No space left on device" in str(error)
    assert writer.failure == "No space left on device"
    assert _within(5, writer.close) is not None  # closing again still reports, still returns


def test_clock_jumping_back_runs_on_from_the_frame_before(tmp_path):
    reader = VideoReader(bad_inputs.write_spliced(tmp_path / "joined.ts"))
    times = [frame.t_ms for frame in reader]
    assert times == list(range(0, 3000, 100)) and reader.timestamp_jumps == 1


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

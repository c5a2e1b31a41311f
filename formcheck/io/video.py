"""Video in and out with PyAV (FFmpeg): streamed frames, container timestamps,
phone rotation honoured, browser-playable H.264 out.

Frames are yielded one at a time so memory stays flat however long the video
is. Timestamps come from the container, so variable-frame-rate phone videos
keep their real timing. A video that breaks off mid-way yields what is
readable and reports ``truncated`` instead of failing.
"""

from __future__ import annotations

import itertools
import queue
import threading
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Iterator

import av
import cv2
import numpy as np

from ..core.errors import InputError, OutputError
from ..core.files import regular_file_size
from .ahead import RunAhead, put_while

__all__ = ["Frame", "VideoInfo", "VideoReader", "VideoWriter", "MAX_INPUT_BYTES", "VIDEO_EXTENSIONS"]

#: Larger inputs are refused up front: a review clip is minutes, not hours.
MAX_INPUT_BYTES = 2 * 1024**3
#: File name extensions offered for upload and looked for beside expected files (any container PyAV reads works).
VIDEO_EXTENSIONS = ("mp4", "mov", "m4v", "avi", "mkv", "webm")
#: The pose model cannot find a person in a smaller picture, and the overlay has no room to draw.
MIN_SIDE_PX = 32


@dataclass(frozen=True, eq=False)
class Frame:
    rgb: np.ndarray  # (H, W, 3) uint8, rotation already applied
    t_ms: int  # presentation time from the container, first frame at 0
    index: int


@dataclass(frozen=True)
class VideoInfo:
    width: int  # as displayed, after rotation
    height: int
    fps: float  # average rate; timing uses per-frame timestamps, not this
    duration_s: float | None
    frame_count: int | None  # container's estimate, may be absent
    rotation_deg: int  # counterclockwise rotation applied to display frames


class VideoReader:
    """Iterate a video file's frames as RGB with container timestamps.

    After iteration, ``frames_read``, ``truncated`` and ``timestamp_jumps`` say how it went.
    """

    def __init__(self, path: str | Path, *, max_bytes: int = MAX_INPUT_BYTES, read_ahead: int = 2) -> None:
        """``read_ahead`` frames are decoded on a thread of their own (0: decode on the caller's):
        decoding and colour conversion (~3-6 ms a frame at 1080p) then overlap with the pose model."""
        self.path = Path(path)
        self.read_ahead = read_ahead
        self._ahead: RunAhead[Frame] | None = None
        size = regular_file_size(self.path)
        if size == 0:
            raise InputError(f"{self.path}: the file is empty (0 bytes)")
        if size > max_bytes:
            raise InputError(
                f"{self.path}: {size / 1024**2:.0f} MB is over the {max_bytes / 1024**2:.0f} MB limit; trim the video first"
            )
        try:
            self._container = av.open(str(self.path), mode="r")
        except (av.error.FFmpegError, UnicodeDecodeError) as exc:
            raise InputError(f"{self.path}: not a readable video ({_reason(exc)})") from None
        if not self._container.streams.video:
            self._container.close()
            raise InputError(f"{self.path}: contains no video stream")
        self._stream = self._container.streams.video[0]
        self._stream.thread_type = "AUTO"
        self.frames_read = 0
        self.truncated = False
        self.timestamp_jumps = 0
        # The display rotation rides on decoded frames, so peek at the first one.
        self._frames = self._decode()
        self._first = next(self._frames, None)
        if self._first is None:
            self.close()
            raise InputError(f"{self.path}: no decodable video frames")
        self.info = self._probe_info(self._first)
        if min(self.info.width, self.info.height) < MIN_SIDE_PX:
            self.close()
            raise InputError(f"{self.path}: the video is {self.info.width}x{self.info.height} pixels, too small "
                             f"to see a person in (at least {MIN_SIDE_PX} on each side)")

    def _probe_info(self, first: av.VideoFrame) -> VideoInfo:
        stream = self._stream
        rotation = int(round(first.rotation or 0))
        width, height = (first.height, first.width) if rotation % 180 else (first.width, first.height)
        duration = None
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif self._container.duration is not None:
            duration = self._container.duration / av.time_base
        rate = stream.average_rate or stream.guessed_rate or Fraction(30)
        return VideoInfo(
            width=width,
            height=height,
            fps=float(rate),
            duration_s=duration,
            frame_count=stream.frames or None,
            rotation_deg=rotation,
        )

    def __iter__(self) -> Iterator[Frame]:
        if self._first is None:
            raise RuntimeError("a VideoReader can be iterated once")
        frames = self._frames_in_order()
        if not self.read_ahead:
            return frames
        self._ahead = RunAhead(frames, self.read_ahead, "formcheck-decoder")
        return iter(self._ahead)

    def _frames_in_order(self) -> Iterator[Frame]:
        start_s: float | None = None
        last_t_ms = -1
        frame_ms = max(1, round(1000 / self.info.fps))
        frames = itertools.chain([self._first], self._frames)
        self._first = None
        try:
            for av_frame in frames:
                t_s = av_frame.time if av_frame.time is not None else self.frames_read / self.info.fps
                if start_s is None:
                    start_s = t_s
                t_ms = int(round((t_s - start_s) * 1000))
                if t_ms <= last_t_ms - frame_ms:
                    # The clock jumped back (spliced or badly muxed file): carry on one frame step
                    # later instead of squeezing what follows into a few milliseconds.
                    start_s -= (last_t_ms + frame_ms - t_ms) / 1000
                    t_ms = last_t_ms + frame_ms
                    self.timestamp_jumps += 1
                elif t_ms > last_t_ms >= 0:
                    frame_ms = t_ms - last_t_ms  # the file's own step, which the declared rate may not be
                t_ms = max(t_ms, last_t_ms + 1)
                last_t_ms = t_ms
                # Packed rows: FFmpeg pads each row (1080 px wide: 3264 bytes, not 3240), and the
                # pose model reads the buffer as packed, so the copy is made here, off the model's thread.
                rgb = np.ascontiguousarray(_rotate(av_frame.to_ndarray(format="rgb24"), self.info.rotation_deg))
                yield Frame(rgb=rgb, t_ms=t_ms, index=self.frames_read)
                self.frames_read += 1
        finally:
            self.close()
        self._check_complete(last_t_ms)

    def _decode(self) -> Iterator[av.VideoFrame]:
        """Decode until the end or the first unreadable packet (a truncated file)."""
        try:
            for packet in self._container.demux(self._stream):
                yield from packet.decode()
        except av.error.FFmpegError:
            self.truncated = True

    def _check_complete(self, last_t_ms: int) -> None:
        """A file cut short often demuxes 'cleanly' but ends well before its declared duration."""
        expected = self.info.duration_s
        if expected and last_t_ms / 1000 < expected - max(1.0, 3 / self.info.fps):
            self.truncated = True

    def close(self) -> None:
        """Stop decoding ahead (and wait for it) before the container goes."""
        if self._ahead is not None:
            self._ahead.close()
        self._container.close()

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _reason(exc: Exception) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return text.split(":")[-1].strip() if ":" in text else text


def _rotate(rgb: np.ndarray, rotation_deg: int) -> np.ndarray:
    k = (rotation_deg // 90) % 4
    return np.rot90(rgb, k) if k else rgb


class VideoWriter:
    """H.264 MP4 writer (plays in every browser) that encodes on its own thread.

    Encoding at 720p costs about as much as the pose model with x264's
    default preset; ``ultrafast`` is about 2x faster than ``veryfast`` here
    (~170 vs ~90 fps at 720x1280 on 2 cores) for a larger file, which suits a
    review video. Frames are handed over through a small bounded queue:
    inference and encoding overlap on two cores, and a slow encoder applies
    back-pressure instead of piling frames up in memory.
    """

    def __init__(self, path: str | Path, width: int, height: int, *, fps: float = 30.0,
                 preset: str = "ultrafast", crf: int = 23, queue_size: int = 8,
                 opencv_yuv: bool = True) -> None:
        """``opencv_yuv=False`` converts RGB to YUV with FFmpeg's (slower) converter
        instead. The sample clips were encoded that way and two of their verdicts
        sit close to a threshold, so regenerating them must keep it."""
        self.path = Path(path)
        if not self.path.parent.is_dir():
            raise OutputError(f"{self.path}: cannot write the video (folder {self.path.parent} does not exist)")
        try:
            # faststart puts the index first: browsers start playing before the download ends.
            self._container = av.open(str(self.path), mode="w", format="mp4", options={"movflags": "+faststart"})
        except (av.error.FFmpegError, OSError) as exc:
            raise OutputError(f"{self.path}: cannot write the video ({_reason(exc)})") from None
        # Millisecond time base: frames keep their source timestamps (VFR-safe).
        self._stream = self._container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1000))
        self._stream.width = width - width % 2
        self._stream.height = height - height % 2
        self._stream.pix_fmt = "yuv420p"
        self._stream.time_base = Fraction(1, 1000)
        self._stream.codec_context.time_base = Fraction(1, 1000)
        self._stream.options = {"preset": preset, "crf": str(crf)}
        self._opencv_yuv = opencv_yuv
        self._queue: queue.Queue[tuple[np.ndarray, int] | None] = queue.Queue(maxsize=queue_size)
        self._error: BaseException | None = None
        self._last_pts = -1
        self._thread = threading.Thread(target=self._run, name="formcheck-encoder", daemon=True)
        self._thread.start()

    def write(self, rgb: np.ndarray, t_ms: int) -> None:
        self._hand_over((rgb, t_ms))

    def _hand_over(self, item: tuple[np.ndarray, int] | None) -> None:
        """Queue an item for the encoder, unless the encoder has stopped (then nobody would take it)."""
        if not put_while(self._queue, item, self._thread.is_alive):
            self._raise_error()

    def _run(self) -> None:
        try:
            while (item := self._queue.get()) is not None:
                rgb, t_ms = item
                rgb = np.ascontiguousarray(rgb[: self._stream.height, : self._stream.width])
                if self._opencv_yuv:
                    # ~15x faster than libswscale from rgb24 (0.6 vs 9 ms at 720p).
                    frame = av.VideoFrame.from_ndarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420), format="yuv420p")
                else:
                    frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
                frame.pts = max(int(t_ms), self._last_pts + 1)
                frame.time_base = Fraction(1, 1000)
                self._last_pts = frame.pts
                for packet in self._stream.encode(frame):
                    self._container.mux(packet)
            for packet in self._stream.encode():
                self._container.mux(packet)
        except BaseException as exc:  # reported to the producer on its next write or close
            self._error = exc

    @property
    def failure(self) -> str | None:
        """Why encoding failed (e.g. "No space left on device"), or None."""
        return None if self._error is None else _reason(self._error)

    def _raise_error(self) -> None:
        if self._error is not None:
            raise OutputError(f"{self.path}: encoding failed ({self.failure})")

    def close(self) -> None:
        """Flush and finish the file; always closes, even after an encoding error."""
        try:
            if self._thread.is_alive():
                self._hand_over(None)
                self._thread.join()
        finally:
            try:
                self._container.close()
            except (av.error.FFmpegError, OSError) as exc:
                self._error = self._error or exc
        self._raise_error()

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

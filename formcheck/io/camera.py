"""Frames from a camera, or from a video file standing in for one, always the newest."""

from __future__ import annotations

import threading
import time
from typing import Iterator

from ..core.errors import InputError
from .video import Frame

__all__ = ["LatestFrameGrabber", "open_camera"]


class LatestFrameGrabber:
    """Reads frames on a thread and keeps only the newest one.

    A consumer slower than the source (the pose model on a slow laptop) then
    always gets the freshest frame: stale frames are dropped, so latency never
    builds up. A video file stands in for a camera by being paced to its own
    timestamps.
    """

    def __init__(self, frames: Iterator[Frame], *, paced: bool, stall_s: float = 10.0) -> None:
        self._frames = frames
        self._paced = paced
        self._stall_s = stall_s
        self._cond = threading.Condition()
        self._latest: tuple[Frame, float] | None = None
        self._done = False
        self._pacing = False  # waiting out a gap in a video file's own timestamps, not for the source
        self._error: BaseException | None = None
        self.dropped = 0
        self._thread = threading.Thread(target=self._run, name="formcheck-grabber", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        start = time.monotonic()
        try:
            for frame in self._frames:
                if self._paced:
                    self._pacing = True
                    time.sleep(max(0.0, start + frame.t_ms / 1000 - time.monotonic()))
                    self._pacing = False
                with self._cond:
                    if self._latest is not None:
                        self.dropped += 1
                    self._latest = (frame, time.monotonic())
                    self._cond.notify()
        except Exception as exc:  # handed to the consumer, which owns the error reporting
            self._error = exc
        finally:
            with self._cond:
                self._done = True
                self._cond.notify()

    def get(self) -> tuple[Frame, float] | None:
        """The newest frame and its capture time, or None once the source has ended.

        A camera that sends nothing for ``stall_s`` is an error; a video file
        whose timestamps pause for longer is waited for, as a camera would be.
        """
        with self._cond:
            while self._latest is None and not self._done:
                if not self._cond.wait(timeout=self._stall_s) and not self._pacing:
                    raise InputError(f"no frame from the camera for {self._stall_s:g} s "
                                     "(is it still connected and not in use by another app?)")
            if self._error is not None and self._latest is None:
                error, self._error = self._error, None
                raise error
            item, self._latest = self._latest, None
            return item


def open_camera(index: int) -> Iterator[Frame]:
    """Frames from a local camera through OpenCV, timestamped on arrival.

    The camera is opened here, not on first iteration, so a missing camera is
    reported to the caller rather than inside the grabber thread.
    """
    import cv2

    capture = cv2.VideoCapture(index)
    if not capture.isOpened():
        raise InputError(f"camera {index} could not be opened (is it connected and not in use by another app?)")

    def frames() -> Iterator[Frame]:
        start = time.monotonic()
        try:
            n = 0
            while True:
                ok, bgr = capture.read()
                if not ok:
                    return
                yield Frame(rgb=cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), t_ms=int((time.monotonic() - start) * 1000),
                            index=n)
                n += 1
        finally:
            capture.release()

    return frames()

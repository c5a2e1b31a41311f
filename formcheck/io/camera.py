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

    def __init__(self, frames: Iterator[Frame], *, paced: bool) -> None:
        self._frames = frames
        self._paced = paced
        self._cond = threading.Condition()
        self._latest: tuple[Frame, float] | None = None
        self._done = False
        self.dropped = 0
        self._thread = threading.Thread(target=self._run, name="formcheck-grabber", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        start = time.monotonic()
        try:
            for frame in self._frames:
                if self._paced:
                    time.sleep(max(0.0, start + frame.t_ms / 1000 - time.monotonic()))
                with self._cond:
                    if self._latest is not None:
                        self.dropped += 1
                    self._latest = (frame, time.monotonic())
                    self._cond.notify()
        finally:
            with self._cond:
                self._done = True
                self._cond.notify()

    def get(self, timeout_s: float = 5.0) -> tuple[Frame, float] | None:
        """The newest frame and its capture time, or None once the source has ended."""
        with self._cond:
            self._cond.wait_for(lambda: self._latest is not None or self._done, timeout=timeout_s)
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

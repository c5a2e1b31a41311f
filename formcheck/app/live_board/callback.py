"""The streamlit-webrtc frame callback: av.VideoFrame in and out, around a :class:`LiveBoard`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .board import LiveBoard

__all__ = ["video_frame_callback"]


def video_frame_callback(board: LiveBoard) -> Callable[[Any], Any]:
    """A streamlit-webrtc ``video_frame_callback`` feeding ``board``: av.VideoFrame in, out.

    It runs in the WebRTC receive path and touches nothing but the board. Each
    frame's timestamp is mapped to a capture time as it comes in, so a frame
    that waited behind a slow one is dropped (see :class:`LiveBoard`), and the
    frame going back is stamped with the time it leaves (:meth:`LiveBoard.send_time`).
    """
    import av

    def callback(frame: av.VideoFrame) -> av.VideoFrame:
        timed = frame.pts is not None and frame.time_base is not None
        captured_at = board.capture_time(frame.time) if timed else None
        rgb = board.process(frame.to_ndarray(format="rgb24"), captured_at)
        out = av.VideoFrame.from_ndarray(rgb, format="rgb24")
        if timed:
            sent = board.send_time()
            if sent is not None:
                # streamlit-webrtc's sync track copies the input frame's pts onto the output
                frame.pts = max(frame.pts, round(sent / frame.time_base))
            out.pts, out.time_base = frame.pts, frame.time_base
        return out

    return callback

"""The link between a browser video thread and the page that shows it.

The page runs streamlit-webrtc with ``async_processing=False``: the frame
callback runs in the server's event loop, and each returned frame is sent at
once (async processing sends a result only when the *next* camera frame
arrives, one or two frame intervals later). In that mode nothing drops frames
for us, and a callback that runs the model itself holds the event loop that
also moves every video packet: with a model slower than the camera, frames
queue and latency grows without bound (measured: 2.5-3 s after 12 s).

So the board runs the model on its own inference thread. The callback hands a
frame over and waits at most ``MAX_WAIT_S`` for the annotated result; if the
model is slower, the frame goes back with the last overlay painted on it and
the result shows on the next frames. A frame that arrives while the model is
busy, or that already waited longer than ``STALE_AFTER_S`` (its own timestamp
mapped to this clock by :meth:`LiveBoard.capture_time`), is dropped: it skips
the model and goes straight back, so a backlog drains instead of growing. The
dropped frames are counted.

The page script polls :meth:`LiveBoard.snapshot` to show counters and stats.
Nothing here imports Streamlit, so it is tested without it.

Modules, each guarding its own state: ``board`` (:class:`LiveBoard`, composing
the rest), ``protocol`` (what the board needs from a pipeline session),
``loader`` (building the session off the video thread), ``clock`` (stream
timestamps to the board's clock and back), ``worker`` (the inference thread),
``overlay`` (repainting the last overlay), ``stats`` (counts and
:class:`LiveSnapshot`), ``callback`` (the av.VideoFrame adapter).
"""

from .board import MAX_WAIT_S, STALE_AFTER_S, LiveBoard
from .callback import video_frame_callback
from .protocol import FrameLike, SessionLike
from .stats import NO_FRAME_RETRY_S, LiveSnapshot

__all__ = ["MAX_WAIT_S", "NO_FRAME_RETRY_S", "STALE_AFTER_S", "FrameLike", "LiveBoard", "LiveSnapshot",
           "SessionLike", "video_frame_callback"]

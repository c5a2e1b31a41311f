"""Mapping the browser's frame timestamps to the board's clock, and back for the frames sent back.

The board drops a frame that waited too long before processing, which needs
the frame's capture time on the board's clock; the browser stamps frames on
its own clock. The frames sent back are stamped with the time they leave, on
the browser's clock, so its jitter buffer does not wait for the slowest.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["StreamClock"]

#: How fast the "not waiting" baseline may rise (s per s): follows clock drift between browser and
#: server (well under 0.1 ms/s), never a backlog growing by a frame's wait at a time.
_BASELINE_CREEP = 0.002
_RESYNC_S = 1.0  # a timestamp jumping this much further than the wall clock, or a pause this long: a new stream


@dataclass
class _Stream:
    """The mapping for one stream (from START to STOP)."""

    baseline: float  # least (arrival - stream time) seen, rising only slowly
    last_stamp: float  # stream time of the newest frame
    last_arrival: float  # when it arrived, on the board's clock
    last_sent: float | None = None  # stream time given to the newest frame sent back

    def ended_before(self, stream_time_s: float, now: float) -> bool:
        """A frame stamped ``stream_time_s`` arriving ``now`` belongs to a new stream: its
        timestamp went backwards, jumped much further than the wall clock, or came after a pause."""
        ahead = (stream_time_s - self.last_stamp) - (now - self.last_arrival)
        return stream_time_s < self.last_stamp or ahead > _RESYNC_S or now - self.last_arrival > _RESYNC_S


class StreamClock:
    """Maps one video stream's timestamps to ``clock`` and back. Its own lock: the frame
    callback is its only caller in the app, but nothing else needs to know that.

    The mapping belongs to the stream, not to the pipeline session: ending a
    session (or changing the exercise) keeps it.
    """

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._stream: _Stream | None = None

    def capture_time(self, stream_time_s: float | None) -> float | None:
        """The clock reading at which a frame stamped ``stream_time_s`` (the frame's own
        timestamp, ``av.VideoFrame.time``) would have arrived had nothing delayed it;
        None for a frame without a timestamp.

        The stream's clock and this one differ by an unknown offset plus transport
        delay, so the baseline is the smallest (arrival - stream time) seen: a frame
        that did not wait. Call it as the frame comes in. The baseline rises by at
        most 2 ms a second, enough to follow drift between the two clocks but not a
        backlog (frames delayed more and more, e.g. packets left unread while the
        server's event loop runs the model), which then shows as stale frames. A
        timestamp going backwards or jumping much further than the wall clock, or a
        pause of over a second (a new stream after STOP/START), starts a new baseline.
        """
        if stream_time_s is None:
            return None
        now = self._clock()
        offset = now - stream_time_s
        with self._lock:
            stream = self._stream
            if stream is None or stream.ended_before(stream_time_s, now):
                stream = self._stream = _Stream(baseline=offset, last_stamp=stream_time_s, last_arrival=now)
            else:
                stream.baseline = min(offset, stream.baseline + _BASELINE_CREEP * (now - stream.last_arrival))
                stream.last_stamp, stream.last_arrival = stream_time_s, now
            return stream_time_s + stream.baseline

    def send_time(self) -> float | None:
        """The current time on the stream's clock, for the frame about to go back (None before
        :meth:`capture_time` has seen a timestamp); strictly increasing within a stream.

        A processed frame stamped with its capture time leaves 10-40 ms later than
        its stamp says, by a varying amount; the browser's jitter buffer then waits
        for the worst case on every frame. Stamped with the time it leaves, it is
        shown as soon as it arrives.
        """
        now = self._clock()
        with self._lock:
            stream = self._stream
            if stream is None:
                return None
            t = now - stream.baseline
            if stream.last_sent is not None:
                t = max(t, stream.last_sent + 1e-4)
            stream.last_sent = t
            return t

"""Building the pipeline session (loading the model) on a background thread.

streamlit-webrtc gives up on a frame callback that takes over 10 s, and a
model can take longer to load: the video thread must never wait for it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from .protocol import SessionLike
from .stats import describe_error

__all__ = ["SessionLoader"]


class SessionLoader:
    """Builds a session with ``factory`` once, in the background; its own lock, which
    the page script, the frame callback and the loading thread all take briefly."""

    def __init__(self, factory: Callable[[], SessionLike]) -> None:
        self._lock = threading.Lock()
        self._settled = threading.Condition(self._lock)  # notified when a load ends, built or failed
        self._factory = factory
        self._session: SessionLike | None = None
        self._thread: threading.Thread | None = None
        self._error: str | None = None

    def configure(self, factory: Callable[[], SessionLike]) -> None:
        """Build with ``factory`` from now on; the current session is forgotten, and a load
        still running for the old factory is ignored when it ends."""
        with self._lock:
            self._factory = factory
            self._session = None
            self._thread = None
            self._error = None

    def warm_up(self) -> None:
        """Start building the session in the background (idempotent)."""
        with self._lock:
            if self._session is not None or self._thread is not None:
                return
            thread = self._thread = threading.Thread(
                target=self._load, args=(self._factory,), name="formcheck-live-loader", daemon=True)
        thread.start()

    def _load(self, factory: Callable[[], SessionLike]) -> None:
        try:
            session, error = factory(), None
        except Exception as exc:  # noqa: BLE001 - shown on the page
            session, error = None, describe_error(exc)
        with self._lock:
            if self._factory is factory:  # not reconfigured meanwhile
                self._session, self._error = session, error
                self._settled.notify_all()

    def session(self) -> SessionLike | None:
        """The built session; None while loading, after a failure or before :meth:`warm_up`."""
        with self._lock:
            return self._session

    def status(self) -> tuple[bool, str | None]:
        """(still loading, why loading failed), read together."""
        with self._lock:
            return self._session is None and self._error is None, self._error

    def wait_ready(self, timeout_s: float) -> bool:
        """Build the session and wait for it (for tests and scripts); False on timeout or failure."""
        self.warm_up()
        with self._settled:
            self._settled.wait_for(lambda: self._session is not None or self._error is not None, timeout_s)
            return self._session is not None

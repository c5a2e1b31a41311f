"""Run an iterable ahead of its consumer on a thread of its own.

The stages of an analysis spend most of their time in C that lets go of the
GIL (PyAV decoding and converting colours, the pose model), so on two cores a
stage that runs ahead overlaps with the next one instead of waiting for it.
A bounded queue keeps memory flat: a fast stage waits for a slow one.
"""

from __future__ import annotations

import queue
import threading
from typing import Callable, Generic, Iterable, Iterator, TypeVar

__all__ = ["RunAhead", "put_while"]

T = TypeVar("T")


def put_while(ready: queue.Queue, item: object, going: Callable[[], bool]) -> bool:
    """Put ``item`` in a bounded queue, unless the other side stops taking (``going()`` turns false)
    while it is full: a plain ``put`` would then wait forever."""
    while going():
        try:
            ready.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


class _End:
    """Marks the end of the items (None can be an item)."""


class RunAhead(Generic[T]):
    """``items``, produced on a thread up to ``depth`` ahead; iterate it once.

    An error while producing is raised on the consuming side. :meth:`close`
    (from any thread) stops the producer within one item and waits for it, so
    whatever the items use (a decoder, a model) is free to be closed after.
    """

    def __init__(self, items: Iterable[T], depth: int, name: str) -> None:
        self._items = items
        self._ready: queue.Queue[T | _End | BaseException] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._produce, name=name, daemon=True)
        self._thread.start()

    def _hand_over(self, item: T | _End | BaseException) -> bool:
        return put_while(self._ready, item, lambda: not self._stop.is_set())

    def _produce(self) -> None:
        try:
            for item in self._items:
                if not self._hand_over(item):
                    return
            self._hand_over(_End())
        except BaseException as exc:  # raised again on the consuming side
            self._hand_over(exc)
        finally:
            close = getattr(self._items, "close", None)
            if close is not None:
                close()

    def __iter__(self) -> Iterator[T]:
        while True:
            try:
                item = self._ready.get(timeout=0.1)
            except queue.Empty:
                if self._stop.is_set() or not self._thread.is_alive() and self._ready.empty():
                    return
                continue
            if isinstance(item, _End):
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def close(self) -> None:
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join()

    def __enter__(self) -> RunAhead[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

"""The inference thread: the model runs here, never on the thread that moves video packets.

The model is slower than the camera, so frames must never queue for it: the
thread holds at most one job waiting, and a newer job replaces it.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

__all__ = ["WORKER_IDLE_S", "Job", "Worker"]

#: The thread ends after this long without a job, so a board (and its model) left behind by a
#: closed browser tab is not kept alive by its thread.
WORKER_IDLE_S = 10.0

R = TypeVar("R")


@dataclass(eq=False)
class Job(Generic[R]):
    """One task handed to the thread; ``result`` stays None if the task failed or was replaced."""

    task: Callable[[], R]
    result: R | None = None
    done: threading.Event = field(default_factory=threading.Event)

    def wait(self, timeout_s: float) -> bool:
        """Whether the job finished within ``timeout_s`` (``math.inf``: however long it takes)."""
        return self.done.wait(None if math.isinf(timeout_s) else timeout_s)


class Worker(Generic[R]):
    """One daemon thread running one job at a time, started on the first :meth:`submit`
    and ended after ``idle_s`` without a job (the next :meth:`submit` starts another).
    A task's own errors are its business: one that raises leaves ``result`` None and
    the thread running."""

    def __init__(self, idle_s: float = WORKER_IDLE_S) -> None:
        self.idle_s = idle_s
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._next: Job[R] | None = None  # waiting for the thread: at most one, the newest
        self._current: Job[R] | None = None  # taken by the thread
        self._thread: threading.Thread | None = None

    @property
    def thread(self) -> threading.Thread | None:
        """The running thread; None before the first job and once it has ended for lack of work."""
        with self._lock:
            return self._thread

    def busy(self) -> bool:
        """A job is waiting or running: a new one would have to wait for it."""
        with self._lock:
            return self._next is not None or (self._current is not None and not self._current.done.is_set())

    def submit(self, task: Callable[[], R]) -> Job[R]:
        """Hand ``task`` to the thread. A job still waiting is replaced, finished without a
        result: the thread always takes the newest."""
        job: Job[R] = Job(task)
        with self._lock:
            replaced, self._next = self._next, job
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="formcheck-live-inference", daemon=True)
                self._thread.start()
            self._wake.notify()
        if replaced is not None:
            replaced.done.set()
        return job

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._wake.wait_for(lambda: self._next is not None, timeout=self.idle_s):
                    self._thread = None  # in the lock, so a submit now starts a new thread
                    return
                job, self._next = self._next, None
                self._current = job
            try:
                job.result = job.task()
            except BaseException:  # noqa: BLE001 - the thread must survive; tasks record their own errors
                job.result = None
            finally:
                job.done.set()

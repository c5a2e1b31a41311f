"""An output folder one run owns and fills all at once.

A run writes its files into a hidden staging folder inside ``--out`` and moves
them in only when it has finished (or was interrupted and wrote what it had),
the report last. So a run killed half-way, or one that hit a full disk,
leaves the previous results as they were, and the report in the folder
always describes the files beside it. A lock file (released by the operating
system even when a run is killed) keeps a second run out of the folder.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Iterable

from filelock import FileLock, Timeout

from ..core.errors import OutputError

__all__ = ["OutputFolder", "claim_folder"]

LOCK_NAME = ".formcheck.lock"
STAGING_NAME = ".formcheck-partial"


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


def claim_folder(path: Path, lock_name: str, holder: str) -> FileLock:
    """Create ``path`` and hold its lock file ``lock_name``, or say that ``holder`` is writing there.
    The operating system releases the lock when the process ends, however it ends."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{path}: cannot create the output folder ({_why(exc)})") from None
    lock = FileLock(path / lock_name, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise OutputError(f"{path}: {holder} is writing here; wait for it or choose another --out") from None
    except OSError as exc:
        raise OutputError(f"{path}: cannot write the output folder ({_why(exc)})") from None
    return lock


class OutputFolder:
    """``names`` are every file a run may write, the report (the one that vouches for the rest) last."""

    def __init__(self, path: str | Path, names: Iterable[str]) -> None:
        self.path = Path(path)
        self.names = tuple(names)
        self._lock = claim_folder(self.path, LOCK_NAME, "another formcheck run")
        for name in self.names:
            if (self.path / name).is_dir():
                self._lock.release()
                raise OutputError(f"{self.path / name} is a folder; remove it or choose another --out")
        self.staging = self.path / STAGING_NAME
        try:
            shutil.rmtree(self.staging, ignore_errors=True)  # left by a run that was killed
            self.staging.mkdir()
        except OSError as exc:
            self._lock.release()
            raise OutputError(f"{self.path}: cannot write the output folder ({_why(exc)})") from None

    def staged(self, name: str) -> Path:
        """Where the run writes ``name`` until :meth:`commit`."""
        return self.staging / name

    def final(self, name: str) -> Path:
        return self.path / name

    def commit(self) -> None:
        """Move the finished files in, the report last, and remove an earlier run's files this run
        did not write (an old annotated.mp4 beside a report from a ``--no-video`` run)."""
        *others, report = self.names
        try:
            self.final(report).unlink(missing_ok=True)  # first: never an old report beside new files
            for name in others:
                if self.staged(name).exists():
                    os.replace(self.staged(name), self.final(name))
                else:
                    self.final(name).unlink(missing_ok=True)
            os.replace(self.staged(report), self.final(report))
        except OSError as exc:
            raise OutputError(f"{self.path}: cannot move the results in ({_why(exc)})") from None
        finally:
            self.close()

    def close(self) -> None:
        """Drop whatever was not committed and let the next run in."""
        shutil.rmtree(self.staging, ignore_errors=True)
        self._lock.release()

    def __enter__(self) -> OutputFolder:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._lock.is_locked:
            self.close()

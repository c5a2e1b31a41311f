"""Reading the small text files a user hands us (exercise files, expected results) without trusting them.

A path can name a FIFO that blocks forever, ``/dev/zero`` that never ends, a
folder, a name too long for the file system or gigabytes of text; each must
become one clear message before anything is read, never a hang or a traceback.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import FormcheckError, InputError

__all__ = ["read_small_text", "regular_file_size"]

_SPECIAL_FILES = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"),
                  (stat.S_ISSOCK, "a socket"))


def regular_file_size(path: str | Path, *, shown: str | None = None,
                      error: type[FormcheckError] = InputError) -> int:
    """The size of ``path`` if it is a regular file; opening a FIFO or a device would block or never end."""
    shown = shown or str(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise error(f"{shown}: no such file") from None
    except OSError as exc:
        raise error(f"{shown}: cannot read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(info.st_mode):
        raise error(f"{shown}: is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        kind = next((name for is_kind, name in _SPECIAL_FILES if is_kind(info.st_mode)), "a special file")
        raise error(f"{shown}: not a regular file ({kind})")
    return info.st_size


def read_small_text(path: str | Path, *, max_bytes: int, shown: str | None = None,
                    error: type[FormcheckError] = InputError) -> str:
    """The UTF-8 text of a regular file of at most ``max_bytes``; ``error`` says what is wrong with it."""
    shown = shown or str(path)
    size = regular_file_size(path, shown=shown, error=error)
    if size > max_bytes:
        raise error(f"{shown}: {size:,} bytes is over the {max_bytes:,}-byte limit for this kind of file")
    try:
        with open(path, "rb") as file:
            data = file.read(max_bytes + 1)
    except OSError as exc:
        raise error(f"{shown}: cannot read ({exc.strerror or exc})") from None
    if len(data) > max_bytes:  # grew since stat
        raise error(f"{shown}: over the {max_bytes:,}-byte limit for this kind of file")
    try:
        return data.decode("utf-8-sig")  # a BOM (some Windows editors write one) is not an error
    except UnicodeDecodeError as exc:
        raise error(f"{shown}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                    "save it as UTF-8") from None

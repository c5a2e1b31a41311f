"""The ``formcheck`` command: a thin shell; each subcommand lives in its own module.

Every subcommand module has ``add_parser(subparsers)`` which registers itself
with ``func=run``; ``run(args) -> int`` returns the exit code. Library errors
(``FormcheckError``) become one line on stderr and their exit code, never a
traceback.

Start-up stays light (``--version``, ``--help`` and ``exercises`` answer in well under half a second):
building the parser imports every subcommand module, so those import numpy, OpenCV, MediaPipe,
scipy and the sessions inside ``run()``, never at module level (``tests/test_startup.py``).
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
from typing import TextIO

from .. import __version__
from ..core.errors import ExitCode, FormcheckError, Interrupted, OutputError

COMMANDS = ("analyze", "live", "exercises", "regress", "batch")

EPILOG = """exit codes:
  0   success
  1   a check failed (regression mismatch, invalid exercise file, videos of a batch with errors)
  2   usage error
  3   input error (missing / unreadable / not a video, damaged model, no camera)
  4   output error (output folder not writable, disk full, another run writing it)
  130 interrupted by Ctrl-C (results so far are written)
  141 standard output closed early (e.g. piped into head)
  143 stopped by SIGTERM (results so far are written, as for Ctrl-C)
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="formcheck",
        description="Check stretching and exercise form from a camera or a video.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"formcheck {__version__}")
    parser.add_argument("--verbose", "-v", action="store_true",
                        help="show MediaPipe's own log lines and the full traceback of an unexpected error")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            continue
        module.add_parser(subparsers)
    return parser


def _keep_native_logs_off_the_terminal() -> None:
    """MediaPipe, TFLite and OpenCV log from C++ straight to file descriptor 2, at any time and from
    any thread ("Input tensor memory is not aligned", camera probing). Python's own stderr (our
    messages, the progress bar, a traceback) moves to a copy of the terminal, and descriptor 2
    itself goes to /dev/null, so only formcheck's lines are seen."""
    sys.stderr.flush()
    terminal = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    sys.stderr = open(terminal, "w", buffering=1, encoding=sys.stderr.encoding, errors="backslashreplace")


def _stop(signum: int, frame: object) -> None:
    raise Interrupted(signum)


class _Stdout:
    """Standard output that names itself when writing fails (a full disk or a closed pipe behind it)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._guard(self._stream.write, text)

    def flush(self) -> None:
        self._guard(self._stream.flush)

    def _guard(self, call, *args):
        try:
            return call(*args)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise OutputError(f"cannot write to standard output ({exc.strerror or exc})") from None

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def main(argv: list[str] | None = None) -> int:
    if sys.stderr is None:  # started with stderr closed (``2>&-``): messages go nowhere, quietly
        sys.stderr = sys.__stderr__ = open(os.devnull, "w")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return ExitCode.USAGE
    if args.verbose:
        from ..io.model import show_native_logs

        show_native_logs()
    elif sys.stderr is sys.__stderr__:  # our own process, stderr not redirected
        _keep_native_logs_off_the_terminal()
    # SIGTERM stops a run the way Ctrl-C does: partial results written, then its own exit code.
    handlers = {signum: signal.signal(signum, _stop) for signum in (signal.SIGINT, signal.SIGTERM)}
    real_stdout, sys.stdout = sys.stdout, _Stdout(sys.stdout)
    try:
        code = int(args.func(args))
        sys.stdout.flush()
        return code
    except FormcheckError as exc:
        return _fail(str(exc), exc.exit_code)
    except KeyboardInterrupt as exc:
        print("formcheck: interrupted", file=sys.stderr)
        return Interrupted.exit_code_of(exc)
    except BrokenPipeError:
        return ExitCode.BROKEN_PIPE
    except Exception as exc:
        if args.verbose:
            raise
        return _fail(f"unexpected error: {type(exc).__name__}: {exc} (run with --verbose for the details, "
                     "and please report it)", ExitCode.SOFTWARE)
    finally:
        sys.stdout = real_stdout
        _discard_unwritten(real_stdout)
        for signum, handler in handlers.items():  # main() may be called in-process (tests, scripts)
            signal.signal(signum, handler)


def _discard_unwritten(stream: TextIO) -> None:
    """After a failed write, Python's own flush at exit would fail again, with a traceback."""
    try:
        stream.flush()
    except OSError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())


def _fail(message: str, code: int) -> int:
    print(f"formcheck: error: {message}", file=sys.stderr)
    return int(code)

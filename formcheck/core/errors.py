"""Errors a user can act on; the CLI prints their message as one line and exits with their code."""

from __future__ import annotations

import signal
from enum import IntEnum

__all__ = ["ExitCode", "FormcheckError", "InputError", "Interrupted", "OutputError", "SpecError"]


class ExitCode(IntEnum):
    OK = 0
    CHECK_FAILED = 1  # a regression mismatch, an invalid exercise file
    USAGE = 2  # bad command line (argparse's own code)
    INPUT = 3  # the video / camera / file given cannot be used
    OUTPUT = 4  # the output folder cannot be written, or another run is writing it
    SOFTWARE = 70  # a bug in formcheck (sysexits' EX_SOFTWARE): please report it
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT), as shells report it
    BROKEN_PIPE = 141  # stdout closed by the reader (128 + SIGPIPE), e.g. ``| head``
    TERMINATED = 143  # SIGTERM (128 + SIGTERM), e.g. ``kill`` or a service manager stopping the run


class FormcheckError(Exception):
    exit_code: ExitCode = ExitCode.INPUT


class InputError(FormcheckError):
    """The input cannot be used: missing, not a video, empty, no camera."""

    exit_code = ExitCode.INPUT


class OutputError(FormcheckError):
    exit_code = ExitCode.OUTPUT


class SpecError(FormcheckError):
    """A malformed exercise file; the message names the file, the key and the problem."""

    exit_code = ExitCode.CHECK_FAILED


class Interrupted(KeyboardInterrupt):
    """A stop request by signal. A KeyboardInterrupt, so every place that keeps
    partial results on Ctrl-C does the same for SIGTERM; ``exit_code`` says which."""

    def __init__(self, signum: int = signal.SIGINT) -> None:
        super().__init__(signal.Signals(signum).name)
        self.exit_code = ExitCode.TERMINATED if signum == signal.SIGTERM else ExitCode.INTERRUPTED

    @staticmethod
    def exit_code_of(exc: KeyboardInterrupt) -> ExitCode:
        return getattr(exc, "exit_code", ExitCode.INTERRUPTED)

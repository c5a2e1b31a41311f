"""Errors a user can act on; the CLI prints their message as one line and exits with their code."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["ExitCode", "FormcheckError", "InputError", "OutputError", "SpecError"]


class ExitCode(IntEnum):
    OK = 0
    CHECK_FAILED = 1  # a regression mismatch, an invalid exercise file
    USAGE = 2  # bad command line (argparse's own code)
    INPUT = 3  # the video / camera / file given cannot be used
    OUTPUT = 4  # the output folder cannot be written
    INTERRUPTED = 130


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

"""The ``formcheck`` command: a thin shell; each subcommand lives in its own module.

Every subcommand module has ``add_parser(subparsers)`` which registers itself
with ``func=run``; ``run(args) -> int`` returns the exit code. Library errors
(``FormcheckError``) become one line on stderr and their exit code, never a
traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from .. import __version__
from ..core.errors import ExitCode, FormcheckError

COMMANDS = ("analyze", "live", "exercises", "regress")

EPILOG = """exit codes:
  0   success
  1   a check failed (regression mismatch, invalid exercise file)
  2   usage error
  3   input error (missing / unreadable / not a video, no camera)
  4   output error (output folder not writable)
  130 interrupted
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="formcheck",
        description="Check stretching and exercise form from a camera or a video.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"formcheck {__version__}")
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


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return ExitCode.USAGE
    try:
        return int(args.func(args))
    except FormcheckError as exc:
        print(f"formcheck: error: {exc}", file=sys.stderr)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        print("formcheck: interrupted", file=sys.stderr)
        return ExitCode.INTERRUPTED

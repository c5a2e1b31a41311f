"""``formcheck exercises``: list the exercises, or check a user's exercise file.

    formcheck exercises               # the catalogue
    formcheck exercises check FILE    # exit 0 valid, 1 invalid (one-line error)
    formcheck exercises features      # the feature names an exercise file may use
"""

from __future__ import annotations

import argparse
import sys

from ..core.errors import ExitCode, SpecError

__all__ = ["add_parser", "run"]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "exercises", help="list exercises or check an exercise file",
        description="List the exercise catalogue, check an exercise file, or list the feature names.")
    parser.add_argument("action", nargs="?", choices=("list", "check", "features"), default="list",
                        help="list (default) | check FILE | features")
    parser.add_argument("file", nargs="?", help="the exercise TOML file to check")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..engine.spec import (  # pydantic and numpy, not OpenCV or scipy
        list_exercises,
        load_exercise,
    )
    from ..signal.features import FEATURES

    if args.action == "check":
        if not args.file:
            print("formcheck: error: exercises check needs a FILE", file=sys.stderr)
            return ExitCode.USAGE
        try:
            spec = load_exercise(args.file if args.file.endswith(".toml") or "/" in args.file else f"./{args.file}")
        except SpecError as exc:
            print(f"formcheck: invalid: {exc}", file=sys.stderr)
            return ExitCode.CHECK_FAILED
        print(f"ok: {args.file}: '{spec.id}' ({spec.mode.value}, {len(spec.position)} position conditions, "
              f"{len(spec.rules)} rules)")
        return ExitCode.OK
    if args.action == "features":
        for name, feature in FEATURES.items():
            print(f"{name:34} {feature.description}")
        return ExitCode.OK
    for spec in list_exercises():
        target = (f"hold {spec.hold.target_s:g} s" if spec.hold else
                  f"reps on {spec.reps.feature}" if spec.reps else "")
        sides = "per side" if spec.sides == "each" else "both sides"
        print(f"{spec.id:22} {spec.name:32} {spec.camera.view.value:5} view  {target}, {sides}")
    return ExitCode.OK

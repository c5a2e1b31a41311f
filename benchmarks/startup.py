"""How long the command takes to start, and how long the pose models take to load.

    python benchmarks/startup.py [--runs 5]

Each line is the median (and the min-max) of ``--runs`` fresh processes, wall time in seconds:
  formcheck --version / --help / exercises   the whole command, as a person types it
  PoseEstimator("lite"|"full") first          a fresh interpreter constructing the estimator:
                                              importing MediaPipe plus building its two landmarkers
  PoseEstimator("lite"|"full") again          a second estimator in the same process (what the app
                                              and regress pay once MediaPipe is loaded)
The target for the three commands is under 0.5 s (issue 10); ``tests/test_startup.py``
checks the reason they are fast (no numpy, OpenCV, PyAV, scipy or MediaPipe loaded).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

COMMANDS = (["--version"], ["--help"], ["exercises"])

_MODEL_PROBE = """
import json, time
t0 = time.perf_counter()
from formcheck.io.model import PoseEstimator
first = PoseEstimator({variant!r})
t1 = time.perf_counter()
again = PoseEstimator({variant!r})
t2 = time.perf_counter()
first.close(); again.close()
print(json.dumps({{"first": t1 - t0, "again": t2 - t1}}))
"""


def _formcheck() -> list[str]:
    """The installed entry point beside this interpreter, else ``python -m formcheck``."""
    script = Path(sys.executable).parent / "formcheck"
    if script.is_file():
        return [str(script)]
    found = shutil.which("formcheck")
    return [found] if found else [sys.executable, "-m", "formcheck"]


def command_time(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(_formcheck() + argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def model_times(variant: str) -> dict[str, float]:
    proc = subprocess.run([sys.executable, "-c", _MODEL_PROBE.format(variant=variant)], capture_output=True,
                          text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _line(label: str, values: list[float]) -> str:
    return f"{label:38} {statistics.median(values):6.3f} s   ({min(values):.3f}-{max(values):.3f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per measurement (default: 5)")
    parser.add_argument("--no-models", action="store_true", help="only the commands")
    args = parser.parse_args()

    print(f"start-up, median of {args.runs} runs (wall time, min-max in brackets)")
    command_times: dict[str, list[float]] = {" ".join(argv): [] for argv in COMMANDS}
    for _ in range(args.runs):  # interleaved, so load on the machine affects each alike
        for argv in COMMANDS:
            command_times[" ".join(argv)].append(command_time(argv))
    for name, values in command_times.items():
        print(_line(f"formcheck {name}", values))
    if args.no_models:
        return
    loads: dict[str, dict[str, list[float]]] = {v: {"first": [], "again": []} for v in ("lite", "full")}
    for _ in range(args.runs):
        for variant, times in loads.items():
            for key, value in model_times(variant).items():
                times[key].append(value)
    for variant, times in loads.items():
        print(_line(f'PoseEstimator("{variant}") first', times["first"]))
        print(_line(f'PoseEstimator("{variant}") again', times["again"]))


if __name__ == "__main__":
    main()

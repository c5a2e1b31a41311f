"""Reproducible installs: the pinned versions, the README/CI commands, and a real (non-editable) wheel.

The slow test builds a wheel from a clean copy of the working tree, checks that it carries the
package data (pose models, exercise and cue files, report schema), installs it into a bare
folder and runs ``formcheck analyze`` from ``/`` against that copy, not the editable checkout.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLE, SAMPLE_EXERCISE = REPO / "samples" / "squat-good.mp4", "squat"

#: Not part of the source a wheel is built from (build outputs, caches, venvs, clips).
COPY_IGNORE = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
                                     ".ruff_cache", "test-artifacts", "out", "samples")


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins() -> dict[str, str]:
    pins = {}
    for line in (REPO / "constraints.txt").read_text("utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, version = line.partition("==")
        assert sep and version, f"constraints.txt: {line!r} is not NAME==VERSION"
        pins[_norm(name)] = version
    return pins


def _readme_command(section: str) -> str:
    text = (REPO / "README.md").read_text("utf-8")
    body = text.split(f"\n## {section}", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", body, re.S)
    assert block, f"README section {section!r} has no bash block"
    lines = [line for line in block.group(1).splitlines() if line.strip()]
    assert len(lines) == 1, f"README {section!r} command must be one line: {lines}"
    return lines[0]


def test_constraints_pin_every_dependency():
    pins = _pins()
    project = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["app"] + project["optional-dependencies"]["test"]
    for req in wanted:
        name = _norm(re.match(r"[A-Za-z0-9._-]+", req).group(0))
        assert name in pins, f"{req} (pyproject.toml) has no pin in constraints.txt"
    assert "formcheck" not in pins


def test_readme_commands_use_the_pins_and_ci_runs_the_readme_test_command():
    app, tests = _readme_command("Run the app"), _readme_command("Run the tests")
    for command in (app, tests):
        assert "pip install" in command and "-c constraints.txt" in command, command
    ci = (REPO / ".ci" / "run").read_text("utf-8").splitlines()
    marker = next(i for i, line in enumerate(ci) if "test command, verbatim" in line)
    assert ci[marker + 1].strip() == tests, ".ci/run must run the README's test command verbatim"


@pytest.mark.slow
def test_wheel_installs_and_analyzes_from_anywhere(tmp_path):
    # A clean copy, so stale build/ leftovers in the checkout cannot leak into (or hide from) the wheel.
    src, wheels, target, out = tmp_path / "src", tmp_path / "wheels", tmp_path / "site", tmp_path / "out"
    shutil.copytree(REPO, src, ignore=COPY_IGNORE)
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", wheels, src],
                           capture_output=True, text=True, timeout=900)
    assert build.returncode == 0, build.stdout + build.stderr
    (wheel,) = wheels.glob("formcheck-*.whl")

    names = set(zipfile.ZipFile(wheel).namelist())
    for variant in ("lite", "full"):
        assert f"formcheck/io/models/pose_landmarker_{variant}.task" in names
    assert "formcheck/io/models/SHA256SUMS" in names
    exercises = {Path(n).stem for n in names if re.fullmatch(r"formcheck/engine/exercises/[^/]+\.toml", n)}
    assert exercises == {p.stem for p in (REPO / "formcheck" / "engine" / "exercises").glob("*.toml")}
    assert {"formcheck/engine/cues.toml", "formcheck/outputs/schemas/report.schema.json",
            "formcheck/cli/__init__.py", "formcheck/__main__.py"} <= names
    assert not any(n.startswith(("tests/", "samples/", "models/")) for n in names), "only the package ships"

    install = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", target, wheel],
                             capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stdout + install.stderr

    # PYTHONPATH puts the installed copy ahead of site-packages (where the editable install's finder lives);
    # the script checks that it really is that copy before running the CLI, all in one process.
    env = {k: v for k, v in os.environ.items() if not k.startswith("FORMCHECK_")}
    env["PYTHONPATH"] = str(target)
    script = (
        "import sys, pathlib, formcheck\n"
        "from formcheck.io import model\n"
        "here, t = pathlib.Path(formcheck.__file__).resolve(), pathlib.Path(sys.argv[1]).resolve()\n"
        "if t not in here.parents or t not in pathlib.Path(model.MODELS_DIR).resolve().parents:\n"
        "    sys.exit(f'formcheck imported from {here} (models {model.MODELS_DIR}), not from {t}')\n"
        "from formcheck.cli import main\n"
        "sys.exit(main(sys.argv[2:]))\n"
    )
    run = subprocess.run([sys.executable, "-c", script, target, "analyze", SAMPLE, "--exercise", SAMPLE_EXERCISE,
                          "--out", out, "--no-video", "-q"],
                         capture_output=True, text=True, cwd="/", env=env, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads((out / "report.json").read_text("utf-8"))
    assert report["exercise"] == SAMPLE_EXERCISE
    assert report["frames"] > 0 and report["frames_with_pose"] > 0

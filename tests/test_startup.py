"""Start-up stays light: the parser and the quick commands never load the heavy libraries.

``formcheck --version``, ``--help`` and ``exercises`` answer in well under half a second
because building the parser imports every subcommand module, and those import numpy,
OpenCV, PyAV, scipy, MediaPipe and the sessions inside ``run()``. Each check runs in a
fresh interpreter (this one has long since imported everything) and reads ``sys.modules``;
the timings themselves are printed by ``benchmarks/startup.py``, not tested here.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

#: Never needed to build the parser, print the version or the help.
PARSER_NEVER = ("numpy", "scipy", "cv2", "av", "mediapipe", "tqdm", "pydantic")
#: Never needed to list or check exercise files (numpy and pydantic are).
EXERCISES_NEVER = ("scipy", "cv2", "av", "mediapipe")


def _loaded_after(code: str, watched: tuple[str, ...]) -> dict:
    """Run ``code`` in a fresh interpreter; its exit value and which of ``watched`` it imported."""
    probe = (f"import json, sys\n{code}\n"
             f"print('\\n' + json.dumps({{'code': code, 'loaded': sorted(m for m in {watched!r} if m in sys.modules)}}))\n")
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_building_the_parser_imports_no_heavy_library():
    found = _loaded_after("import formcheck.cli\nformcheck.cli.build_parser()\ncode = 0", PARSER_NEVER)
    assert found["loaded"] == []


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["analyze", "--help"], ["live", "--help"]])
def test_version_and_help_import_no_heavy_library(argv):
    found = _loaded_after("from formcheck.cli import main\ntry:\n    code = main(%r)\nexcept SystemExit as exc:\n"
                          "    code = exc.code" % argv, PARSER_NEVER)
    assert found == {"code": 0, "loaded": []}


@pytest.mark.parametrize("argv", [["exercises"], ["exercises", "features"]])
def test_exercises_imports_no_video_model_or_scipy(argv):
    found = _loaded_after(f"from formcheck.cli import main\ncode = main({argv!r})", EXERCISES_NEVER)
    assert found == {"code": 0, "loaded": []}


def test_the_probe_sees_a_heavy_import():
    """The check itself: a command that does load scipy is caught."""
    found = _loaded_after("import scipy.ndimage\ncode = 0", EXERCISES_NEVER)
    assert found["loaded"] == ["scipy"]


def test_python_dash_m_formcheck():
    proc = subprocess.run([sys.executable, "-m", "formcheck", "--version"], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0
    assert proc.stdout.startswith("formcheck ")

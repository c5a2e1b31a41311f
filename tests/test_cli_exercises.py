"""`formcheck exercises` end to end (in process and as a real subprocess)."""

from __future__ import annotations

import subprocess
import sys

from formcheck.cli import main
from formcheck.engine.spec import EXERCISES_DIR


def test_lists_the_catalogue(capsys):
    assert main(["exercises"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 10
    assert out[0].split()[0] == "camel"
    assert any(line.startswith("squat ") and "reps on thigh_depth_deg" in line for line in out)
    assert any(line.startswith("hip_flexor_stretch ") and "hold 30 s, per side" in line for line in out)


def test_lists_features(capsys):
    assert main(["exercises", "features"]) == 0
    out = capsys.readouterr().out
    assert "trunk_lean_deg" in out and "front_knee_angle_deg" in out


def test_check_valid_file(capsys):
    assert main(["exercises", "check", str(EXERCISES_DIR / "squat.toml")]) == 0
    assert "ok:" in capsys.readouterr().out


def test_check_invalid_file_one_line_no_traceback(tmp_path):
    bad = tmp_path / "mine.toml"
    bad.write_text((EXERCISES_DIR / "squat.toml").read_text().replace("max_deg = 20", "max_deg = 200"))
    proc = subprocess.run([sys.executable, "-m", "formcheck", "exercises", "check", str(bad)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [f"formcheck: invalid: {bad}: rules[1].max_deg: must be <= 180"]
    assert "Traceback" not in proc.stderr


def test_check_missing_file_and_missing_argument(tmp_path, capsys):
    assert main(["exercises", "check", str(tmp_path / "none.toml")]) == 1
    assert "none.toml: no such file" in capsys.readouterr().err
    assert main(["exercises", "check"]) == 2

"""The real-footage development set (tests/real_clips): expected results written from
watching each clip, checked with the real model through ``formcheck regress``.

The two CC0 clips live in ../shared/data/real and run wherever that folder is (CI
included); the five clips that may not be redistributed are fetched by hand into
``FORMCHECK_REAL_CLIPS`` (default ~/.cache/formcheck-real, see tests/real_clips/README.md)
and run when present. A clip whose video is absent is skipped, never failed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from formcheck.dev.regress import format_table, run_regression

pytestmark = pytest.mark.slow

REAL_CLIPS = Path(__file__).resolve().parent / "real_clips"
FETCHED = Path(os.environ.get("FORMCHECK_REAL_CLIPS", Path.home() / ".cache" / "formcheck-real"))
CC0_CLIPS = ("nowva_squats.mp4", "nowva_split_squat.mp4")


def test_real_development_clips_pass(shared_data):
    results = run_regression(REAL_CLIPS, video_dirs=[shared_data / "real", FETCHED])
    table = format_table(results)
    print(table)
    ran = {r.name for r in results if r.status != "SKIP"}
    assert set(CC0_CLIPS) <= ran, table  # the CC0 clips are always there with ../shared
    assert all(r.ok for r in results), table

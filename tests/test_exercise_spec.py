"""Exercise files: the catalogue loads; malformed files fail with file, key and problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from formcheck.core.errors import SpecError
from formcheck.core.landmarks import Landmark
from formcheck.engine.spec import (
    DEFAULT_CUES,
    EXERCISES_DIR,
    Mode,
    Phase,
    list_exercises,
    load_exercise,
)
from formcheck.signal.features import FEATURES

CATALOGUE = {"hip_flexor_stretch", "pigeon", "low_lunge", "camel", "kneeling_backbend", "resting_squat",
             "standing_quad_stretch", "seated_twist", "squat", "lunge"}

VALID = """
id = "my_stretch"
name = "My stretch"
mode = "hold"
instructions = ["Do it."]
required_landmarks = ["LEFT_HIP", "LEFT_KNEE"]

[camera]
views = ["side"]
setup = "Camera side-on at hip height."

[hold]
target_s = 20

[[rules]]
id = "upright"
feature = "trunk_lean_deg"
min_deg = -10
max_deg = 10
cue = "Stand tall"
"""


def write(tmp_path: Path, text: str, name: str = "my_stretch.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_whole_catalogue_loads():
    specs = list_exercises()
    assert {s.id for s in specs} == CATALOGUE
    for spec in specs:
        assert spec.rules, spec.id
        assert all(r.feature in FEATURES for r in spec.rules)
        assert all(isinstance(lm, Landmark) for lm in spec.landmarks)
        assert (spec.mode is Mode.REPS) == (spec.reps is not None)
        assert (spec.mode is Mode.HOLD) == (spec.hold is not None)


def test_catalogue_modes_and_sides():
    by_id = {s.id: s for s in list_exercises()}
    assert by_id["squat"].mode is Mode.REPS and by_id["lunge"].mode is Mode.REPS
    assert by_id["lunge"].sides == "each"
    assert by_id["hip_flexor_stretch"].side_from == "back"
    assert by_id["hip_flexor_stretch"].hold.target_s == 30
    assert abs(by_id["squat"].reps.enter_deg - by_id["squat"].reps.exit_deg) >= 30


def test_load_by_id_and_by_path(tmp_path):
    assert load_exercise("squat").id == "squat"
    assert load_exercise(EXERCISES_DIR / "camel.toml").id == "camel"
    spec = load_exercise(write(tmp_path, VALID))
    assert spec.rules[0].bounds == (-10, 10)
    assert spec.rules[0].phase is Phase.ANY


def test_unknown_id():
    with pytest.raises(SpecError, match=r"unknown exercise 'nope' \(known: camel, "):
        load_exercise("nope")


def test_missing_file(tmp_path):
    with pytest.raises(SpecError, match=r"missing.toml: no such file"):
        load_exercise(tmp_path / "missing.toml")


def test_bad_toml(tmp_path):
    with pytest.raises(SpecError, match=r"my_stretch.toml: not valid TOML"):
        load_exercise(write(tmp_path, "id = [\n"))


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("max_deg = 10", "max_deg = 200", r"my_stretch.toml: rules\[0\].max_deg: must be <= 180"),
        ('feature = "trunk_lean_deg"', 'feature = "trunk_leen_deg"',
         r"rules\[0\].feature: unknown feature 'trunk_leen_deg'"),
        ('"LEFT_KNEE"]', '"LEFT_KNE"]', r"required_landmarks\[1\]: unknown landmark 'LEFT_KNE'"),
        ('mode = "hold"', 'mode = "hodl"', r"my_stretch.toml: mode: Input should be 'hold' or 'reps'"),
        ('views = ["side"]', 'views = ["top"]', r"camera.views\[0\]: Input should be 'side', 'front' or 'oblique'"),
        ("target_s = 20", "target_s = -5", r"hold.target_s: Input should be greater than 0"),
        ("min_deg = -10", "min_ratio = -10", r"rules\[0\].min_ratio: feature 'trunk_lean_deg' is in deg"),
        ("min_deg = -10\nmax_deg = 10", "min_deg = 10\nmax_deg = -10", r"rules\[0\].max_deg: must be greater than min_deg"),
        ("min_deg = -10\nmax_deg = 10", "", r"rules\[0\].min_deg: give min_deg and/or max_deg"),
        ('cue = "Stand tall"', 'cue = "Stand tall"\ncolour = "red"', r"rules\[0\].colour: unknown key"),
        ('name = "My stretch"\n', "", r"my_stretch.toml: name: required key is missing"),
        ('cue = "Stand tall"', 'cue = "Stand tall"\nphase = "bottom"', r"rules\[0\].phase: 'bottom' not allowed in mode 'hold'"),
        ('cue = "Stand tall"', 'cue = "Stand tall"\nseverity = "fatal"', r"rules\[0\].severity: Input should be"),
        ('[hold]\ntarget_s = 20', "", r"hold: mode 'hold' needs a \[hold\] table"),
        ('mode = "hold"', 'mode = "hold"\nsides = "each"', r"side_from: sides 'each' needs side_from"),
    ],
)
def test_malformed_files_name_file_key_and_problem(tmp_path, old, new, message):
    assert old in VALID
    with pytest.raises(SpecError, match=message):
        load_exercise(write(tmp_path, VALID.replace(old, new, 1)))


def test_rep_thresholds_must_be_30_deg_apart(tmp_path):
    text = VALID.replace('mode = "hold"', 'mode = "reps"').replace(
        "[hold]\ntarget_s = 20", '[reps]\nfeature = "thigh_depth_deg"\nenter_deg = 60\nexit_deg = 40')
    with pytest.raises(SpecError, match=r"reps.exit_deg: must be at least 30 deg from enter_deg \(60\)"):
        load_exercise(write(tmp_path, text))
    ok = load_exercise(write(tmp_path, text.replace("exit_deg = 40", "exit_deg = 30")))
    assert ok.reps.exit_deg == 30


def test_rep_feature_must_be_an_angle(tmp_path):
    text = VALID.replace('mode = "hold"', 'mode = "reps"').replace(
        "[hold]\ntarget_s = 20", '[reps]\nfeature = "hip_below_knee_ratio"\nenter_deg = 60\nexit_deg = 20')
    with pytest.raises(SpecError, match=r"reps.feature: rep feature must be an angle"):
        load_exercise(write(tmp_path, text))


def test_duplicate_rule_ids(tmp_path):
    text = VALID + VALID[VALID.index("[[rules]]"):]
    with pytest.raises(SpecError, match=r"rules\[1\].id: duplicate rule id 'upright'"):
        load_exercise(write(tmp_path, text))


def test_bundled_id_must_match_file_name(tmp_path, monkeypatch):
    import formcheck.engine.spec as exercise_spec

    monkeypatch.setattr(exercise_spec, "EXERCISES_DIR", tmp_path.resolve())
    write(tmp_path, VALID, "other_name.toml")
    assert exercise_spec.exercise_ids() == ["other_name"]
    with pytest.raises(SpecError, match=r"id: 'my_stretch' must match the file name 'other_name'"):
        exercise_spec.load_exercise("other_name")


def test_several_problems_are_counted(tmp_path):
    text = VALID.replace("max_deg = 10", "max_deg = 200").replace('views = ["side"]', 'views = ["top"]')
    with pytest.raises(SpecError, match=r"\(and 1 more problem\)$"):
        load_exercise(write(tmp_path, text))


# --------------------------------------------------------------------------- position conditions

POSITION = """
[[position]]
feature = "left_knee_angle_deg"
max_deg = 120
hysteresis_deg = 10
cue = "Kneel down"
"""


def with_position(block: str = POSITION) -> str:
    return VALID.replace("[[rules]]", block.lstrip("\n") + "\n[[rules]]", 1)


def test_position_conditions_load_with_defaults(tmp_path):
    spec = load_exercise(write(tmp_path, with_position()))
    (cond,) = spec.position
    assert cond.features == ("left_knee_angle_deg",) and cond.bounds == (None, 120) and cond.hysteresis == 10
    assert cond.cue == "Kneel down" and cond.enter_s == 0.2 and cond.exit_s == 0.1
    assert load_exercise(write(tmp_path, VALID)).position == []  # optional: no conditions, always in position


def test_position_condition_over_several_features(tmp_path):
    text = with_position(POSITION.replace('"left_knee_angle_deg"', '["left_knee_angle_deg", "right_knee_angle_deg"]'))
    (cond,) = load_exercise(write(tmp_path, text)).position
    assert cond.features == ("left_knee_angle_deg", "right_knee_angle_deg") and cond.unit == "deg"
    assert cond.inside_all([100.0, float("nan")]) is True  # the visible one decides
    assert cond.inside_all([100.0, 130.0]) is False
    assert cond.inside_all([float("nan"), float("nan")]) is None


def test_position_conditions_allowed_in_reps_mode(tmp_path):
    text = with_position().replace('mode = "hold"', 'mode = "reps"').replace(
        "[hold]\ntarget_s = 20", '[reps]\nfeature = "thigh_depth_deg"\nenter_deg = 70\nexit_deg = 30')
    assert len(load_exercise(write(tmp_path, text)).position) == 1


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("max_deg = 120", "max_deg = 200", r"my_stretch.toml: position\[0\].max_deg: must be <= 180"),
        ('"left_knee_angle_deg"', '"left_knee_angel_deg"',
         r"my_stretch.toml: position\[0\].feature: unknown feature 'left_knee_angel_deg'"),
        ('"left_knee_angle_deg"', '["left_knee_angle_deg", "hip_below_knee_ratio"]',
         r"position\[0\].feature: features left_knee_angle_deg, hip_below_knee_ratio mix units"),
        ('"left_knee_angle_deg"', "[]", r"position\[0\].feature: must be a feature name or a list of 1 to 4"),
        ("max_deg = 120", "max_ratio = 1.2", r"position\[0\].max_ratio: feature 'left_knee_angle_deg' is in deg"),
        ("max_deg = 120\n", "", r"position\[0\].min_deg: give min_deg and/or max_deg"),
        ("max_deg = 120", "min_deg = 130\nmax_deg = 120", r"position\[0\].max_deg: must be greater than min_deg"),
        ("max_deg = 120", "min_deg = 100\nmax_deg = 120",
         r"position\[0\].hysteresis_deg: must be less than half the range \(10\)"),
        ('cue = "Kneel down"\n', "", r"position\[0\].cue: required key is missing"),
        ('cue = "Kneel down"', 'cue = "Kneel down"\ndebounce_s = 0.5', r"position\[0\].debounce_s: unknown key"),
        ('cue = "Kneel down"', 'cue = "Kneel down"\nenter_s = -1', r"position\[0\].enter_s: Input should be greater"),
        ('cue = "Kneel down"', 'cue = "Kneel down"\nexit_s = 9', r"position\[0\].exit_s: Input should be less"),
        ("[[position]]", "[position]", r"my_stretch.toml: position: Input should be a valid list"),
    ],
)
def test_malformed_position_tables_name_file_key_and_problem(tmp_path, old, new, message):
    text = with_position()
    assert old in text
    with pytest.raises(SpecError, match=message):
        load_exercise(write(tmp_path, text.replace(old, new, 1)))


def test_every_hold_exercise_declares_its_position():
    for spec in list_exercises():
        if spec.mode is Mode.HOLD:
            assert spec.position, f"{spec.id}: no [[position]] conditions"
            assert all(len(p.cue) >= 3 for p in spec.position)


def test_cues_reworded_in_the_exercise_file(tmp_path):
    spec = load_exercise(write(tmp_path, VALID + '\n[cues]\nstep_into_view = "Kom in beeld"\n'
                                               'target_reached = "{target} s klaar{side}"\n'))
    assert spec.cue_text("step_into_view") == "Kom in beeld"
    assert spec.cue_text("target_reached", target="20", side=" (left)") == "20 s klaar (left)"
    # a cue the file does not reword keeps the engine's own words
    assert spec.cue_text("hold_still") == DEFAULT_CUES["hold_still"]
    assert load_exercise("squat").cue_text("partial_rep") == "Go a little deeper next time"
    assert load_exercise("camel").cue_text("partial_rep") == DEFAULT_CUES["partial_rep"]


@pytest.mark.parametrize(
    "cues, message",
    [
        ('step_into_veiw = "Come closer"', r"cues: unknown cue 'step_into_veiw'"),
        ('rep_counted = "Rep {count} of {total}"', r"cues.rep_counted: unknown placeholder \{total\} \(allowed: count, side\)"),
        ('hold_still = "Stay {"', r"cues.hold_still: not a valid cue template"),
        ('hold_still = 5', r"cues.hold_still: Input should be a valid string"),
    ],
)
def test_malformed_cues_are_rejected(tmp_path, cues, message):
    with pytest.raises(SpecError, match=message):
        load_exercise(write(tmp_path, VALID + f"\n[cues]\n{cues}\n"))


def test_every_engine_cue_is_used_by_the_engine():
    """A cue in cues.toml that no code asks for could never be said: it would be dead text."""
    engine = Path(EXERCISES_DIR).parent
    source = "".join(p.read_text() for p in engine.glob("*.py"))
    assert [key for key in DEFAULT_CUES if f'"{key}"' not in source] == []

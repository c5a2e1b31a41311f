"""Exercise files (TOML) validated into typed specs at load time.

One file per exercise in ``formcheck/engine/exercises/``; a user's own file can be
checked with ``formcheck exercises check FILE``. Every error is a ``SpecError``
with one line naming the file, the key and the problem, e.g.
``exercises/squat.toml: rules[2].max_deg: must be <= 180``.

File layout (all keys are checked; unknown keys are rejected)::

    id = "squat"                  # lower_snake_case, unique
    name = "Bodyweight squat"
    mode = "reps"                 # hold | reps
    instructions = ["...", "..."]
    required_landmarks = ["LEFT_HIP", ...]   # Landmark enum names
    sides = "both"                # both (symmetric) | each (one side at a time)
    side_from = "none"            # none | front | back | support | lifted | twist

    [camera]
    views = ["front", "oblique"]  # side | front | oblique (30-60 deg off); recommended first
    setup = "Put the camera at hip height, ..."

    [reps]                        # only with mode = "reps"
    feature = "thigh_depth_deg"   # must end in _deg
    enter_deg = 75                # depth threshold (the bottom)
    exit_deg = 35                 # the start position (counting arms here); |enter - exit| >= 30;
                                  # a rep ends back most of the way to the person's own top
    dead_band_deg = 5             # excursion past exit before a rep has started
    min_rep_s = 0.8

    [hold]                        # only with mode = "hold"
    target_s = 30
    max_dropout_s = 1.0           # pose lost shorter than this pauses the hold
    max_pause_s = 5.0             # out of the stretch longer than this ends the hold
    min_hold_s = 1.0              # a shorter hold is not a hold (not counted, not reported)

    [[position]]                  # optional: what "in the exercise position" means
    feature = "left_knee_angle_deg"   # min_/max_/hysteresis_ keys as in [[rules]]
    max_deg = 125                 # in position while the value is in range
    hysteresis_deg = 10           # out of position, come this far inside to get in
    enter_s = 0.2                 # in range this long before it counts (default 0.2)
    exit_s = 0.1                  # out of range this long before it counts (default 0.1)
    cue = "Kneel up on both knees"    # shown while this is the first failing condition

    [[stretch]]                   # hold mode: what "in the stretch" means, beyond the position
    feature = "back_hip_flexion_deg"  # same keys as [[position]], plus max_rate_per_s
    max_deg = -15                 # the hold clock runs only while every stretch condition holds
    cue = "Shift your hips forward into the stretch"

    [[rules]]
    id = "knees_out"
    feature = "knee_to_ankle_width_ratio"   # a name from formcheck.signal.features
    min_ratio = 0.8               # min_/max_ with the feature's unit (deg|ratio)
    hysteresis_ratio = 0.05       # the value must come back this far inside to clear
    debounce_s = 0.3              # a fault must persist this long to show (and to clear)
    phase = "active"              # any | hold | stretch | start | moving | bottom | active
    cue = "Push your knees out over your toes"
    confirm = "Good, knees over toes"
    severity = "major"            # info | minor | major | safety
    views = ["front"]             # judged only from these views (default: all the exercise's)
    pauses_hold = true            # does this fault stop the hold clock (default: major and safety)

    [cues]                        # optional: the engine's own words (engine/cues.toml), reworded
    partial_rep = "Go a little deeper next time"

Position conditions gate everything else: until all of them pass (after
setup), the tracker is in the "position" phase and only cues the person into
the position; no hold time accrues, no rule is checked and no rep is counted.
They describe the gross position (kneeling, seated, in a lunge), loosely
enough that every form fault the rules should catch still counts as in
position; the rules judge the form inside it. Stretch conditions (hold
exercises) say when the person is actually in the stretch (kneeling upright
is the position of the hip-flexor stretch, the hips shifted forward is the
stretch): only then does hold time accrue.
"""

from __future__ import annotations

import math
import string
import tomllib
from enum import Enum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ..core.errors import SpecError
from ..core.files import read_small_text
from ..core.landmarks import Landmark
from ..core.verdict import Severity
from ..signal.features import FEATURES
from ..signal.roles import ROLES

__all__ = [
    "EXERCISES_DIR",
    "DEFAULT_CUES",
    "Mode",
    "View",
    "Phase",
    "RuleSpec",
    "PositionSpec",
    "RepSpec",
    "HoldSpec",
    "CameraSpec",
    "ExerciseSpec",
    "load_exercise",
    "list_exercises",
    "exercise_ids",
]

EXERCISES_DIR = Path(__file__).resolve().parent / "exercises"
#: The bundled files are 2-6 KB; anything this size is not an exercise file.
MAX_EXERCISE_FILE_BYTES = 256 * 1024
#: The engine's own words (getting into view, counting, timing); an exercise's ``[cues]`` rewords them.
DEFAULT_CUES: dict[str, str] = tomllib.loads((Path(__file__).resolve().parent / "cues.toml").read_text("utf-8"))
MIN_REP_SPAN_DEG = 30.0


class Mode(str, Enum):
    HOLD = "hold"
    REPS = "reps"


class View(str, Enum):
    """Camera views, by how far the body is turned from facing the camera
    (``geometry.view_of``): front < 30 deg, oblique 30-60 deg, side > 60 deg."""

    SIDE = "side"
    FRONT = "front"
    OBLIQUE = "oblique"


class Phase(str, Enum):
    """When a rule is checked. Rep phases: ``start`` (at the top), ``moving``
    (between the thresholds), ``bottom`` (past the depth threshold);
    ``active`` = moving or bottom. Hold mode: ``hold`` (in position) and
    ``stretch`` (a hold is under way: once the person has reached the stretch,
    until the hold ends), so a rule that says "you came out of the stretch"
    is not a fault while they are still winding into it.
    ``any`` = every phase once setup has passed."""

    ANY = "any"
    HOLD = "hold"
    STRETCH = "stretch"
    START = "start"
    MOVING = "moving"
    BOTTOM = "bottom"
    ACTIVE = "active"

    def covers(self, phase: str) -> bool:
        if self is Phase.ANY:
            return True
        if self is Phase.ACTIVE:
            return phase in ("moving", "bottom")
        if self is Phase.HOLD:
            return phase in ("hold", "stretch")
        return self.value == phase


_SEVERITY = {s.name.lower(): s for s in Severity}


def _lists(views: list[View], view: str) -> bool:
    """``view`` (a detected view's name, e.g. "side") is one of ``views``."""
    return any(v.value == view for v in views)
_DEG_LIMIT = 180.0


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class _RangeSpec(_Model):
    """A feature with an allowed range [min, max] (either bound may be omitted) and a hysteresis,
    in the feature's unit (``_deg`` or ``_ratio`` keys)."""

    feature: str
    min_deg: float | None = None
    max_deg: float | None = None
    min_ratio: float | None = None
    max_ratio: float | None = None
    hysteresis_deg: Annotated[float, Field(ge=0, le=45)] = 0.0
    hysteresis_ratio: Annotated[float, Field(ge=0, le=1)] = 0.0
    cue: Annotated[str, Field(min_length=3, max_length=120)]

    @field_validator("feature")
    @classmethod
    def _known_feature(cls, v: str | list[str]) -> str | list[str]:
        names = [v] if isinstance(v, str) else v
        for name in names:
            if name not in FEATURES:
                raise ValueError(f"unknown feature '{name}' (see `formcheck exercises features`)")
        units = {FEATURES[name].unit for name in names}
        if len(units) > 1:
            raise ValueError(f"features {', '.join(names)} mix units ({', '.join(sorted(units))}); use one unit")
        return v

    @field_validator("min_deg", "max_deg")
    @classmethod
    def _deg_range(cls, v: float | None) -> float | None:
        if v is not None and v > _DEG_LIMIT:
            raise ValueError(f"must be <= {_DEG_LIMIT:g}")
        if v is not None and v < -_DEG_LIMIT:
            raise ValueError(f"must be >= {-_DEG_LIMIT:g}")
        return v

    @model_validator(mode="after")
    def _bounds_match_unit(self) -> _RangeSpec:
        unit = self.unit
        other = "ratio" if unit == "deg" else "deg"
        for key in (f"min_{other}", f"max_{other}", f"hysteresis_{other}"):
            if getattr(self, key):
                raise ValueError(f"{key}: feature '{self.features[0]}' is in {unit}; use the _{unit} keys")
        lo, hi = self.bounds
        if lo is None and hi is None:
            raise ValueError(f"min_{unit}: give min_{unit} and/or max_{unit}")
        if lo is not None and hi is not None and lo >= hi:
            raise ValueError(f"max_{unit}: must be greater than min_{unit} ({lo:g})")
        if lo is not None and hi is not None and 2 * self.hysteresis >= hi - lo:
            raise ValueError(f"hysteresis_{unit}: must be less than half the range ({(hi - lo) / 2:g})")
        return self

    @property
    def features(self) -> tuple[str, ...]:
        """The feature(s) judged: one, or (position conditions) several read together."""
        return (self.feature,) if isinstance(self.feature, str) else tuple(self.feature)

    @property
    def unit(self) -> str:
        return FEATURES[self.features[0]].unit

    @property
    def bounds(self) -> tuple[float | None, float | None]:
        if self.unit == "deg":
            return self.min_deg, self.max_deg
        return self.min_ratio, self.max_ratio

    @property
    def hysteresis(self) -> float:
        return self.hysteresis_deg if self.unit == "deg" else self.hysteresis_ratio

    def inside(self, value: float, margin: float = 0.0) -> bool:
        """``value`` is within [min + margin, max - margin] (False when unknown).

        A margin of the hysteresis makes getting back into the range harder
        than staying in it, so a value on the edge does not flicker.
        """
        lo, hi = self.bounds
        return (math.isfinite(value) and (lo is None or value >= lo + margin)
                and (hi is None or value <= hi - margin))


class RuleSpec(_RangeSpec):
    """A form rule: a feature that must stay in [min, max] while the rule's phase lasts.

    ``views`` are the camera views the rule can be judged from (default: every view the
    exercise supports); from another view it is "not checked from this angle", never a
    fault. ``pauses_hold`` says whether the fault stops the hold clock (default: for
    major and safety faults, which defeat the stretch; a minor cue is only a cue).
    """

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    debounce_s: Annotated[float, Field(ge=0, le=5)] = 0.3
    phase: Phase = Phase.ANY
    confirm: Annotated[str, Field(min_length=3, max_length=120)] | None = None
    severity: Literal["info", "minor", "major", "safety"] = "minor"
    views: Annotated[list[View], Field(min_length=1)] | None = None
    pauses_hold: bool | None = None

    @property
    def severity_level(self) -> Severity:
        return _SEVERITY[self.severity]

    @property
    def stops_hold(self) -> bool:
        if self.pauses_hold is not None:
            return self.pauses_hold
        return self.severity_level >= Severity.MAJOR

    def judged_from(self, view: str) -> bool:
        return self.views is None or _lists(self.views, view)


class PositionSpec(_RangeSpec):
    """One condition of "in the exercise position" (kneeling, seated, in a lunge, ...).

    While any condition fails the person is still getting into (or has come
    out of) the position: no hold time, no form faults, nothing counted; the
    cue of the first failing condition is shown. Out of position, the value
    must come inside the range by ``hysteresis`` and stay there ``enter_s``
    to count as in position; in position, it must stay outside the range for
    ``exit_s`` to count as out. An unknown value (not visible, or no such leg
    role this frame) keeps the state for a moment (``position.UNKNOWN_GRACE_S``),
    then counts as out of position.

    ``feature`` may list several features of one unit (e.g. both knee
    angles): the condition is met when every one of them that is visible is
    in range, and unknown when none is (in profile the far knee is often hidden).

    ``max_rate_per_s`` (optional, the feature's unit per second) also asks the
    value to be steady: changing slower than that over the last
    ``position.STEADY_WINDOW_S``. A twist is held once the person stops turning,
    not while they are still winding into it.
    """

    feature: str | list[str]
    enter_s: Annotated[float, Field(ge=0, le=5)] = 0.2
    exit_s: Annotated[float, Field(ge=0, le=5)] = 0.1
    max_rate_per_s: Annotated[float, Field(gt=0, le=1000)] | None = None

    @field_validator("feature", mode="before")
    @classmethod
    def _one_or_more(cls, v: object) -> object:
        if isinstance(v, list) and 1 <= len(v) <= 4 and all(isinstance(x, str) for x in v):
            return v
        if not isinstance(v, str):
            raise ValueError("must be a feature name or a list of 1 to 4 feature names of one unit")
        return v

    def inside_all(self, values: list[float]) -> bool | None:
        """Every known value within [min, max] (no hysteresis); None when none is known."""
        known = [v for v in values if math.isfinite(v)]
        return all(self.inside(v) for v in known) if known else None


class RepSpec(_Model):
    feature: str
    enter_deg: Annotated[float, Field(ge=-180, le=180)]
    exit_deg: Annotated[float, Field(ge=-180, le=180)]
    dead_band_deg: Annotated[float, Field(ge=0, le=30)] = 5.0
    min_rep_s: Annotated[float, Field(ge=0, le=30)] = 0.8

    @field_validator("feature")
    @classmethod
    def _deg_feature(cls, v: str) -> str:
        if v not in FEATURES:
            raise ValueError(f"unknown feature '{v}'")
        if not v.endswith("_deg"):
            raise ValueError(f"rep feature must be an angle (_deg), got '{v}'")
        return v

    @model_validator(mode="after")
    def _span(self) -> RepSpec:
        if abs(self.enter_deg - self.exit_deg) < MIN_REP_SPAN_DEG:
            raise ValueError(f"exit_deg: must be at least {MIN_REP_SPAN_DEG:g} deg from enter_deg ({self.enter_deg:g})")
        return self


class HoldSpec(_Model):
    target_s: Annotated[float, Field(gt=0, le=600)]
    max_dropout_s: Annotated[float, Field(ge=0, le=10)] = 1.0
    max_pause_s: Annotated[float, Field(ge=0, le=60)] = 5.0
    min_hold_s: Annotated[float, Field(ge=0, le=60)] = 1.0


class CameraSpec(_Model):
    """``views``: the camera views the exercise can be judged from, the recommended one first."""

    views: Annotated[list[View], Field(min_length=1, max_length=3)]
    setup: Annotated[str, Field(min_length=10)]

    @field_validator("views")
    @classmethod
    def _distinct(cls, v: list[View]) -> list[View]:
        if len(set(v)) != len(v):
            raise ValueError("list each view once")
        return v

    @property
    def view(self) -> View:
        """The recommended view (the first listed)."""
        return self.views[0]

    def supports(self, view: str) -> bool:
        return _lists(self.views, view)


class ExerciseSpec(_Model):
    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    name: Annotated[str, Field(min_length=2)]
    mode: Mode
    instructions: Annotated[list[str], Field(min_length=1)]
    camera: CameraSpec
    required_landmarks: Annotated[list[str], Field(min_length=1)]
    sides: Literal["both", "each"] = "both"
    side_from: Literal["none", "front", "back", "support", "lifted", "twist"] = "none"
    reps: RepSpec | None = None
    hold: HoldSpec | None = None
    position: list[PositionSpec] = []
    stretch: list[PositionSpec] = []
    rules: list[RuleSpec] = []
    cues: dict[str, Annotated[str, Field(min_length=2)]] = {}

    @field_validator("cues")
    @classmethod
    def _known_cues(cls, v: dict[str, str]) -> dict[str, str]:
        for key, text in v.items():
            if key not in DEFAULT_CUES:
                raise ValueError(f"unknown cue '{key}' (known: {', '.join(sorted(DEFAULT_CUES))})")
            try:
                used = _placeholders(text)
            except ValueError as exc:  # an unmatched brace
                raise ValueError(f"{key}: not a valid cue template ({exc})") from None
            extra = used - _placeholders(DEFAULT_CUES[key])
            if extra:
                allowed = ", ".join(sorted(_placeholders(DEFAULT_CUES[key]))) or "none"
                raise ValueError(f"{key}: unknown placeholder {{{sorted(extra)[0]}}} (allowed: {allowed})")
        return v

    @field_validator("required_landmarks")
    @classmethod
    def _landmarks(cls, v: list[str]) -> list[str]:
        for i, name in enumerate(v):
            if name not in Landmark.__members__:
                raise ValueError(f"[{i}]: unknown landmark '{name}' (e.g. LEFT_KNEE)")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> ExerciseSpec:
        if self.mode is Mode.REPS and self.reps is None:
            raise ValueError("reps: mode 'reps' needs a [reps] table")
        if self.mode is Mode.HOLD and self.hold is None:
            raise ValueError("hold: mode 'hold' needs a [hold] table")
        if self.mode is Mode.REPS and self.hold is not None:
            raise ValueError("hold: not allowed with mode 'reps'")
        if self.mode is Mode.HOLD and self.reps is not None:
            raise ValueError("reps: not allowed with mode 'hold'")
        if (self.sides == "each") != (self.side_from != "none"):
            raise ValueError("side_from: sides 'each' needs side_from (front|back|support|lifted|twist), "
                             "sides 'both' needs side_from 'none'")
        if self.stretch and self.mode is not Mode.HOLD:
            raise ValueError("stretch: only hold exercises time a stretch")
        seen: set[str] = set()
        for i, rule in enumerate(self.rules):
            for view in rule.views or ():
                if view not in self.camera.views:
                    raise ValueError(f"rules[{i}].views: '{view.value}' is not one of the exercise's "
                                     f"camera.views ({', '.join(v.value for v in self.camera.views)})")
            if rule.id in seen:
                raise ValueError(f"rules[{i}].id: duplicate rule id '{rule.id}'")
            seen.add(rule.id)
            allowed = {Phase.ANY, Phase.HOLD, Phase.STRETCH} if self.mode is Mode.HOLD else {
                Phase.ANY, Phase.START, Phase.MOVING, Phase.BOTTOM, Phase.ACTIVE}
            if rule.phase not in allowed:
                raise ValueError(f"rules[{i}].phase: '{rule.phase.value}' not allowed in mode "
                                 f"'{self.mode.value}' (allowed: {', '.join(sorted(p.value for p in allowed))})")
        return self

    @property
    def landmarks(self) -> tuple[Landmark, ...]:
        return tuple(Landmark[name] for name in self.required_landmarks)

    def cue_text(self, key: str, **fields: object) -> str:
        """What to say for one of the engine's own cues (``cues.toml``), in this exercise's words."""
        return self.cues.get(key, DEFAULT_CUES[key]).format(**fields)

    @property
    def role(self) -> str | None:
        """The leg role whose anatomical side names the working side (None: both sides)."""
        return self.side_from if self.side_from in ROLES else None


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _format_error(path: str, err: dict) -> str:
    loc = ""
    for part in err["loc"]:
        if isinstance(part, int):
            loc += f"[{part}]"
        else:
            loc += ("." if loc else "") + str(part)
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    # messages from validators may carry their own sub-key ("exit_deg: must be ...")
    head, sep, tail = msg.partition(": ")
    if sep and (head.isidentifier() or head.startswith("[") or "[" in head and head.split("[")[0].isidentifier()):
        loc = f"{loc}.{head}" if loc and not head.startswith("[") else f"{loc}{head}"
        msg = tail
    elif err["type"] == "extra_forbidden":
        msg = "unknown key"
    elif err["type"] == "missing":
        msg = "required key is missing"
    return f"{path}: {loc}: {msg}" if loc else f"{path}: {msg}"


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else f"{text[:limit]}..."


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(EXERCISES_DIR.parent))
    except ValueError:
        return str(path)


def load_exercise(id_or_path: str | Path) -> ExerciseSpec:
    """Load and validate one exercise by id (a file in ``EXERCISES_DIR``) or by path.

    Raises ``SpecError`` with a one-line message naming the file, the key and the problem.
    """
    text = str(id_or_path)
    if isinstance(id_or_path, Path) or text.endswith(".toml") or "/" in text:
        path = Path(id_or_path)
    elif text in exercise_ids():
        path = EXERCISES_DIR / f"{text}.toml"
    else:
        raise SpecError(f"unknown exercise '{_shorten(text)}' (known: {', '.join(exercise_ids())})")
    shown = _display_path(path)
    source = read_small_text(path, max_bytes=MAX_EXERCISE_FILE_BYTES, shown=shown, error=SpecError)
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{shown}: not valid TOML: {exc}") from None
    except RecursionError:
        raise SpecError(f"{shown}: not valid TOML: tables or arrays nested too deeply") from None
    try:
        spec = ExerciseSpec.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
        raise SpecError(_format_error(shown, errors[0]) + more) from None
    if path.parent.resolve() == EXERCISES_DIR and path.stem != spec.id:
        raise SpecError(f"{shown}: id: '{spec.id}' must match the file name '{path.stem}'")
    return spec


def exercise_ids() -> list[str]:
    return sorted(p.stem for p in EXERCISES_DIR.glob("*.toml"))


def list_exercises() -> list[ExerciseSpec]:
    """Every bundled exercise, validated, sorted by id."""
    return [load_exercise(i) for i in exercise_ids()]


def resolve_exercise(exercise: str | Path | ExerciseSpec | None) -> ExerciseSpec | None:
    if exercise is None or isinstance(exercise, ExerciseSpec):
        return exercise
    return load_exercise(exercise)

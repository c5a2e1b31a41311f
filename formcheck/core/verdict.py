"""What the exercise tracker says about one frame: the value every sink reads.

The overlay, the live UI, the report builder and the session history all read
``FrameVerdict`` and nothing else from the tracker, so live and offline show
the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from .landmarks import Landmark

__all__ = ["Severity", "CueKind", "JointState", "Cue", "ActiveFault", "HoldRecord", "FrameVerdict"]


class Severity(int, Enum):
    """Higher is more urgent; the cue shown is the most severe one."""

    INFO = 0
    MINOR = 1
    MAJOR = 2
    SAFETY = 3


class CueKind(str, Enum):
    SETUP = "setup"  # camera / framing / visibility instruction
    FAULT = "fault"  # a form fault to correct
    CONFIRM = "confirm"  # a correction confirmed ("good, back is neutral now")
    EVENT = "event"  # rep counted, target time reached


class JointState(str, Enum):
    OK = "ok"
    FAULT = "fault"
    UNKNOWN = "unknown"  # not visible enough to judge


@dataclass(frozen=True)
class Cue:
    text: str
    kind: CueKind
    severity: Severity = Severity.INFO


@dataclass(frozen=True)
class ActiveFault:
    """A rule currently failing (after debounce)."""

    rule_id: str
    cue: str
    severity: Severity
    side: str  # "left" | "right" | "both"


@dataclass(frozen=True)
class HoldRecord:
    """One hold: its side, first and last second in the stretch, and the seconds in it."""

    side: str
    start_s: float
    end_s: float
    good_form_s: float


@dataclass(frozen=True)
class FrameVerdict:
    t_ms: int
    pose_found: bool
    setup_ok: bool
    view: str  # detected camera view: "side" | "front" | "oblique" | "unknown"
    side: str  # working side: "left" | "right" | "both" | "unknown"
    phase: str  # "setup", "position" (getting into it), then "hold", or for reps "start" | "moving" | "bottom"
    faults: tuple[ActiveFault, ...] = ()
    cue: Cue | None = None
    reps: dict[str, int] = field(default_factory=dict)  # side -> complete reps
    partial_reps: dict[str, int] = field(default_factory=dict)
    hold_s: dict[str, float] = field(default_factory=dict)  # side -> good-form seconds
    holding: bool = False  # hold time is accruing this frame
    hold_current_s: float = 0.0  # good-form seconds of the current (unbroken) hold; the target applies to it
    events: tuple[str, ...] = ()  # e.g. "rep:left", "partial:left", "target:left"
    hold_ended: HoldRecord | None = None  # a hold that ended (and counts) on this frame
    hold_open: HoldRecord | None = None  # the hold under way, once it counts
    unchecked: tuple[str, ...] = ()  # rule ids that cannot be judged from this camera view
    joint_states: dict[Landmark, JointState] = field(default_factory=dict)
    angles_deg: tuple[tuple[Landmark, float], ...] = ()  # values to draw at joints

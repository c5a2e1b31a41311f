"""Keyframed motion with its ground truth: what the performer does, and when.

A ``Script`` is written forward in time: ``move`` eases to a new pose,
``stay`` holds the current one (with a little natural sway), and the truth
is recorded as the script is written (``holding``, ``rep``, ``fault``), so the
timing of every hold, rep and injected fault is exact by construction.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Iterator

import numpy as np

from .skeleton import BodyPose, interpolate_pose

__all__ = ["Script", "Truth", "HoldTruth", "FaultTruth", "Performance"]


@dataclass(frozen=True)
class HoldTruth:
    """The performer is in the target position from ``start_s`` to ``end_s`` (good form
    except while an injected fault is present)."""

    side: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class FaultTruth:
    """An injected fault: ``fault`` names the movement error, ``rule`` the exercise rule that should flag it.

    ``start_s``..``end_s`` is the scripted episode, from leaving good form to being back
    in it. When the body actually breaks the rule inside that window follows from the
    geometry (see ``truth.fault_intervals``).
    """

    fault: str
    rule: str
    side: str
    start_s: float
    end_s: float


@dataclass
class Truth:
    reps: dict[str, int] = field(default_factory=dict)
    partial_reps: dict[str, int] = field(default_factory=dict)
    holds: list[HoldTruth] = field(default_factory=list)
    faults: list[FaultTruth] = field(default_factory=list)

    def hold_s(self, bad_form: list[tuple[float, float]] | None = None) -> dict[str, float]:
        """Seconds in position per side, minus the ``bad_form`` intervals (default: the scripted fault episodes)."""
        if bad_form is None:
            bad_form = [(f.start_s, f.end_s) for f in self.faults]
        out: dict[str, float] = {}
        for hold in self.holds:
            total = hold.end_s - hold.start_s
            for start, end in bad_form:
                total -= max(min(hold.end_s, end) - max(hold.start_s, start), 0.0)
            out[hold.side] = round(out.get(hold.side, 0.0) + total, 3)
        return out

    def to_dict(self) -> dict:
        return {
            "reps": dict(self.reps),
            "partial_reps": dict(self.partial_reps),
            "holds": [asdict(h) for h in self.holds],
            "faults": [asdict(f) for f in self.faults],
        }


def _ease(u: float) -> float:
    """Smooth start and stop (cubic smoothstep)."""
    u = min(max(u, 0.0), 1.0)
    return u * u * (3.0 - 2.0 * u)


#: The fraction of an eased move's time at which it has covered 90 % of its travel (_ease(u) = 0.9).
EASE_AT_90 = 0.8045


class Script:
    """A performance written forward in time. All times in seconds."""

    def __init__(self, start: BodyPose, *, sway_deg: float = 1.0, seed: int = 0) -> None:
        self._keys: list[tuple[float, BodyPose]] = [(0.0, start)]
        self.truth = Truth()
        rng = np.random.default_rng([seed, 0x5A7])
        self._sway_deg = sway_deg
        self._phase = rng.uniform(0, 2 * np.pi, size=3)

    @property
    def t(self) -> float:
        return self._keys[-1][0]

    @property
    def pose(self) -> BodyPose:
        return self._keys[-1][1]

    def move(self, pose: BodyPose, duration_s: float) -> Script:
        if duration_s <= 0:
            raise ValueError(f"duration_s must be > 0, got {duration_s}")
        self._keys.append((self.t + duration_s, pose))
        return self

    def stay(self, duration_s: float) -> Script:
        return self.move(self.pose, duration_s)

    @contextmanager
    def holding(self, side: str, *, move_in_s: float = 0.0, move_out_s: float = 0.0) -> Iterator[Script]:
        """Everything scripted inside the block is time in the held position, recorded as a hold.

        The hold also covers the end of the move in (``move_in_s``, the duration of the
        ``move`` just before the block) from when the body is 90 % of the way into the
        position, and the start of the move out (``move_out_s``, the ``move`` right after
        the block) until it is 10 % of the way out: with eased moves that is when every
        joint is within a tenth of its travel from the held angle.
        """
        start = self.t
        yield self
        lead = 1.0 - EASE_AT_90
        self.truth.holds.append(HoldTruth(side, round(start - lead * move_in_s, 3),
                                          round(self.t + lead * move_out_s, 3)))

    def fault(self, fault: str, rule: str, side: str, faulty: BodyPose, *, ramp_s: float, dwell_s: float,
              recover_s: float) -> Script:
        """Drift into ``faulty`` over ``ramp_s``, stay ``dwell_s``, recover to the current pose."""
        good, start = self.pose, self.t
        self.move(faulty, ramp_s).stay(dwell_s).move(good, recover_s)
        self.truth.faults.append(FaultTruth(fault, rule, side, round(start, 3), round(self.t, 3)))
        return self

    def rep(self, side: str, bottom: BodyPose, *, down_s: float, pause_s: float, up_s: float,
            partial: bool = False) -> Script:
        """One repetition from the current pose to ``bottom`` and back."""
        top = self.pose
        self.move(bottom, down_s).stay(pause_s).move(top, up_s)
        counts = self.truth.partial_reps if partial else self.truth.reps
        counts[side] = counts.get(side, 0) + 1
        return self

    def sample(self, t_s: float) -> BodyPose:
        """The pose at time ``t_s`` (clamped to the script), with a slow sway while holding."""
        keys = self._keys
        times = [k[0] for k in keys]
        i = int(np.searchsorted(times, t_s, side="right"))
        if i <= 0:
            pose = keys[0][1]
        elif i >= len(keys):
            pose = keys[-1][1]
        else:
            (t0, a), (t1, b) = keys[i - 1], keys[i]
            pose = interpolate_pose(a, b, _ease((t_s - t0) / (t1 - t0)))
        if self._sway_deg:
            s = self._sway_deg * np.sin(2 * np.pi * np.array([0.21, 0.33, 0.17]) * t_s + self._phase)
            pose = pose.with_(trunk_lean_deg=pose.trunk_lean_deg + s[0], head_pitch_deg=pose.head_pitch_deg + s[1],
                              trunk_side_deg=pose.trunk_side_deg + 0.5 * s[2])
        return pose


@dataclass(frozen=True)
class Performance:
    """One scripted performance of an exercise, ready to be filmed."""

    name: str  # e.g. "hip_flexor_stretch-good"
    exercise: str  # exercise id in formcheck/engine/exercises/
    view: str  # the camera view the exercise asks for
    description: str
    script: Script
    #: Why the real pose model is known to fail this clip (what it gets wrong), diagnosed from its
    #: landmarks against the truth; written to the expected file as "known_failure" (see samples/README.md).
    known_failure: str | None = None

    @property
    def duration_s(self) -> float:
        return self.script.t

    @property
    def truth(self) -> Truth:
        return self.script.truth

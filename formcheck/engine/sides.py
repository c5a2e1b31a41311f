"""Working-side detection from geometry, robust to left/right label swaps.

The side comes from ``Features.role_sides`` (the anatomical side of the
front / back / support / lifted leg: the facing direction gives the near
side, and the near leg is weighed from the model's labels and depth,
visibility and hip order, see ``roles._near_leg_evidence``) or, for
twists, from the sign of
``torso_twist_deg``. A new side must be seen for ``switch_s`` before it is
adopted, so a one-frame swap does not flip it; while a switch is pending
``pending`` is True (the tracker pauses the hold clock meanwhile, so no time
goes to the wrong side). Side-on, which leg is the near one is weighed from
several cues (``Features.near_evidence``); when they nearly cancel out the
frame says nothing about a change of side, so a side once known is kept
(evidence drifting through zero in a still pose is not a switch).
"""

from __future__ import annotations

import math

from ..signal.features import Features
from .debounce import Debounced
from .spec import ExerciseSpec

__all__ = ["SideTracker", "TWIST_MIN_DEG", "WEAK_EVIDENCE"]

TWIST_MIN_DEG = 10.0
#: |near-leg evidence| below this cannot change a known side.
WEAK_EVIDENCE = 0.1


class SideTracker:
    """``fixed`` ("left"/"right") is the person's own choice of side; it
    overrides detection (useful when the geometry is ambiguous, e.g. a
    three-quarter view)."""

    def __init__(self, spec: ExerciseSpec, switch_s: float = 0.6, fixed: str | None = None) -> None:
        if switch_s < 0:
            raise ValueError("switch_s is seconds >= 0")
        if fixed not in (None, "left", "right"):
            raise ValueError(f"side must be 'left', 'right' or automatic, not {fixed!r}")
        self.spec = spec
        self.switch_ms = switch_s * 1000.0
        self.fixed = fixed if spec.sides == "each" else None
        self.reset()

    def reset(self) -> None:
        self._side = Debounced("both" if self.spec.sides == "both" else (self.fixed or "unknown"))
        self.seen: str | None = None  # this frame's raw detection

    @property
    def side(self) -> str:
        return self._side.value

    @property
    def pending(self) -> bool:
        return self._side.pending

    def detect(self, features: Features) -> str | None:
        """The side this frame's geometry suggests, or None."""
        source = self.spec.side_from
        if source == "twist":
            twist = features.values["torso_twist_deg"]
            if not math.isfinite(twist) or abs(twist) < TWIST_MIN_DEG:
                return None
            return "left" if twist > 0 else "right"
        return features.role_sides.get(source)

    def update(self, t_ms: int, features: Features) -> str:
        if self.spec.sides == "both" or self.fixed:
            return self.side
        seen = self.seen = self.detect(features)
        weak = abs(features.near_evidence) < WEAK_EVIDENCE  # False when NaN (not side-on)
        if seen is None or (weak and self.side != "unknown"):
            self._side.cancel()
        elif self.side == "unknown":
            self._side.set(seen)
        else:
            self._side.update(seen, t_ms, self.switch_ms)
        return self.side

"""The pose model variants by name: a plain value the command line can offer as choices
without loading numpy or MediaPipe (``formcheck.io.model`` runs them)."""

from __future__ import annotations

from enum import Enum

__all__ = ["ModelVariant"]


class ModelVariant(str, Enum):
    """Published accuracy (PCK@0.2, yoga) vs speed on 2 cores: lite 90.2 / ~42 fps,
    full 95.5 / ~37 fps, heavy 96.4 / ~12.5 fps. Full is the default trade-off."""

    LITE = "lite"
    FULL = "full"
    HEAVY = "heavy"

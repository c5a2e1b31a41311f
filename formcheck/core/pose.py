"""One person's landmarks in one frame: the plain value every stage after the model works on."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .landmarks import Landmark

__all__ = ["Pose"]


@dataclass(frozen=True, eq=False)
class Pose:
    """One person's landmarks in one frame.

    ``xy_px`` is in image pixels of the frame as displayed (rotation applied);
    ``visibility`` is MediaPipe's per-landmark visibility in [0, 1];
    ``world_m`` is the model's metric 3D estimate, hip-centred (qualitative:
    its angles drift 20-46 deg from the truth at squat depth, so side-view
    rules use ``xy_px``).
    """

    t_ms: int
    image_size: tuple[int, int]  # (width, height) in px
    xy_px: np.ndarray  # (33, 2) float
    visibility: np.ndarray  # (33,) float
    world_m: np.ndarray  # (33, 3) float

    def point(self, landmark: Landmark) -> np.ndarray:
        return self.xy_px[landmark]

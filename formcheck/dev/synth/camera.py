"""A pinhole camera placed around the performer, and projection of 3D points to pixels."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

__all__ = ["View", "Camera", "place_camera", "VIEW_AZIMUTH_DEG"]


class View(str, Enum):
    """Where the camera stands relative to the way the performer faces (yaw 0 faces +x)."""

    SIDE = "side"  # on the performer's right
    FRONT = "front"
    THREE_QUARTER = "three_quarter"  # front-right, 45 deg


#: Camera azimuth around the performer, degrees from the performer's facing direction toward their right.
VIEW_AZIMUTH_DEG = {View.FRONT: 0.0, View.THREE_QUARTER: 45.0, View.SIDE: 90.0}


@dataclass(frozen=True)
class Camera:
    """World-to-camera rotation ``rotation`` (rows: right, down, forward), centre ``position_m``,
    focal length ``focal_px``, image ``size`` (width, height) in px, and the point it looks at."""

    position_m: np.ndarray
    rotation: np.ndarray
    focal_px: float
    size: tuple[int, int]
    target_m: np.ndarray | None = None

    def to_camera(self, points_m: np.ndarray) -> np.ndarray:
        """World points (..., 3) to camera coordinates (x right, y down, z depth), metres."""
        return (np.asarray(points_m) - self.position_m) @ self.rotation.T

    def project(self, points_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pixel positions (..., 2) and depths (...) of world points."""
        cam = self.to_camera(points_m)
        z = np.maximum(cam[..., 2], 1e-6)
        w, h = self.size
        xy = np.stack([self.focal_px * cam[..., 0] / z + w / 2.0, self.focal_px * cam[..., 1] / z + h / 2.0], axis=-1)
        return xy, cam[..., 2]

    def ray_directions(self) -> np.ndarray:
        """World direction of the ray through every pixel centre, (h, w, 3)."""
        w, h = self.size
        xs = (np.arange(w) + 0.5 - w / 2.0) / self.focal_px
        ys = (np.arange(h) + 0.5 - h / 2.0) / self.focal_px
        gx, gy = np.meshgrid(xs, ys)
        cam = np.stack([gx, gy, np.ones_like(gx)], axis=-1)
        return cam @ self.rotation  # camera -> world (rotation is orthonormal)

    def scaled(self, factor: int) -> Camera:
        """The same view at ``factor`` times the resolution (for supersampling)."""
        return Camera(self.position_m, self.rotation, self.focal_px * factor,
                      (self.size[0] * factor, self.size[1] * factor), self.target_m)


def place_camera(*, target_m: np.ndarray, facing_yaw_deg: float, view: View | str, distance_m: float,
                 height_m: float = 1.0, size: tuple[int, int] = (640, 480), vfov_deg: float = 55.0,
                 azimuth_offset_deg: float = 0.0) -> Camera:
    """A camera ``distance_m`` from ``target_m`` (horizontally), at ``height_m``, looking at the target.

    ``facing_yaw_deg`` is the way the performer faces; the view picks the side the
    camera stands on (see ``VIEW_AZIMUTH_DEG``).
    """
    if distance_m <= 0.5:
        raise ValueError(f"distance_m must be > 0.5 m, got {distance_m}")
    az = np.radians(facing_yaw_deg)
    facing = np.array([np.cos(az), 0.0, -np.sin(az)])  # yaw + turns toward -z (the performer's left)
    right = np.cross(facing, [0.0, 1.0, 0.0])
    a = np.radians(VIEW_AZIMUTH_DEG[View(view)] + azimuth_offset_deg)
    offset = np.cos(a) * facing + np.sin(a) * right
    target = np.asarray(target_m, dtype=float)
    position = np.array([target[0], height_m, target[2]]) + distance_m * offset
    forward = target - position
    forward /= np.linalg.norm(forward)
    cam_right = np.cross(forward, [0.0, 1.0, 0.0])
    cam_right /= np.linalg.norm(cam_right)
    down = np.cross(forward, cam_right)
    rotation = np.stack([cam_right, down, forward])
    focal = (size[1] / 2.0) / np.tan(np.radians(vfov_deg) / 2.0)
    return Camera(position_m=position, rotation=rotation, focal_px=float(focal), size=size, target_m=target)

"""Draw the performer with numpy + OpenCV: shaded tapered capsules in depth order,
a head with hair, eyes, nose, ears and mouth, in a room with a wall and a floor.

Painter's algorithm: parts are sorted far to near by camera depth and filled
as convex polygons; each capsule is drawn as a few nested, lighter bands
shifted toward the light, which reads as a rounded limb. Drawing at
``supersample`` times the size and shrinking with area averaging gives clean
edges. MediaPipe detects the result (see "Synthetic performer" in DESIGN.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ...core.landmarks import Landmark
from .appearance import Appearance
from .camera import Camera
from .skeleton import Skeleton

__all__ = ["Renderer"]

L = Landmark
RGB = tuple[int, int, int]
_SHIFT = 4  # fixed-point bits for sub-pixel polygon vertices
_BANDS = ((1.0, 0.60), (0.84, 0.76), (0.64, 0.90), (0.40, 1.02))  # (radius scale, brightness)
_CIRCLE = np.stack([np.cos(np.linspace(0, 2 * np.pi, 20, endpoint=False)),
                    np.sin(np.linspace(0, 2 * np.pi, 20, endpoint=False))], axis=1)


@dataclass(frozen=True)
class _Part:
    depth: float
    a: np.ndarray  # 3D end points, metres
    b: np.ndarray
    ra: float  # radii, metres
    rb: float
    colour: RGB
    shade: float = 1.0  # far-side limbs are a little darker


class Renderer:
    """Renders a skeleton seen by one camera; the room is drawn once per renderer."""

    def __init__(self, camera: Camera, appearance: Appearance, *, supersample: int = 2,
                 wall_distance_m: float | None = None) -> None:
        """``wall_distance_m``: from the camera to the wall behind the performer, along the view
        (default: 5.5 m, or 1.5 m behind the camera's target when that is further)."""
        if supersample not in (1, 2, 3):
            raise ValueError(f"supersample must be 1, 2 or 3, got {supersample}")
        self.camera = camera
        self.look = appearance
        self.ss = supersample
        if wall_distance_m is None:
            wall_distance_m = 5.5
            if camera.target_m is not None:
                wall_distance_m = max(wall_distance_m, float(np.linalg.norm(camera.target_m - camera.position_m)) + 1.5)
        self.wall_distance_m = wall_distance_m
        self._cam = camera.scaled(supersample)
        self._light = np.array(appearance.light_dir)
        self._background = self._room()

    # ----------------------------------------------------------------- room
    def _room(self) -> np.ndarray:
        cam = self._cam
        rays = cam.ray_directions()
        origin = cam.position_m
        forward = cam.rotation[2].copy()
        forward[1] = 0.0
        forward /= np.linalg.norm(forward)
        # The wall stands square to the camera, behind the performer.
        plane_d = np.dot(origin, forward) + self.wall_distance_m
        denom_w = rays @ forward
        t_wall = np.where(denom_w > 1e-6, (plane_d - origin @ forward) / np.maximum(denom_w, 1e-6), np.inf)
        t_floor = np.where(rays[..., 1] < -1e-6, -origin[1] / np.minimum(rays[..., 1], -1e-6), np.inf)
        hit_floor = t_floor < t_wall
        wall = np.array(self.look.wall, dtype=float)
        floor = np.array(self.look.floor, dtype=float)
        h = cam.size[1]
        img = np.empty(rays.shape, dtype=float)
        # Wall: a soft vertical gradient, a skirting board at the bottom.
        p_wall = origin + rays * np.where(np.isfinite(t_wall), t_wall, 0.0)[..., None]
        grad = 1.0 - 0.08 * (np.arange(h) / h)[:, None, None]
        img[:] = wall * grad
        skirting = (p_wall[..., 1] < 0.09) & ~hit_floor
        img[skirting] = np.array([240.0, 240.0, 236.0])
        # Floor: planks along the wall, darker with distance.
        p_floor = origin + rays * np.where(np.isfinite(t_floor), t_floor, 0.0)[..., None]
        along = p_floor @ np.cross(forward, [0.0, 1.0, 0.0])
        across = p_floor @ forward
        plank = np.floor(across / 0.18)
        tone = 1.0 + 0.05 * np.sin(plank * 12.9898) + 0.02 * np.sin(along * 3.0 + plank)
        seam = (np.abs(across / 0.18 - np.round(across / 0.18)) < 0.03).astype(float)
        floor_img = floor * (tone * (1.0 - 0.25 * seam))[..., None]
        floor_img *= np.clip(1.05 - 0.04 * np.where(np.isfinite(t_floor), t_floor, 0.0), 0.75, 1.05)[..., None]
        img[hit_floor] = floor_img[hit_floor]
        return self._lit(img).astype(np.uint8)

    def _lit(self, rgb: np.ndarray) -> np.ndarray:
        tint = np.array(self.look.tint) * self.look.brightness
        return np.clip(rgb * tint, 0, 255)

    # ----------------------------------------------------------------- body
    def render(self, skeleton: Skeleton) -> np.ndarray:
        """RGB image (h, w, 3) uint8 of the performer at the camera's size."""
        img = self._background.copy()
        self._shadow(img, skeleton)
        parts = self._parts(skeleton)
        head_depth = float(self._cam.to_camera(skeleton.head_centre)[2])
        drawn_head = False
        for part in sorted(parts, key=lambda p: -p.depth):
            if not drawn_head and part.depth < head_depth:
                self._head(img, skeleton)
                drawn_head = True
            self._capsule(img, part)
        if not drawn_head:
            self._head(img, skeleton)
        if self.ss > 1:
            w, h = self.camera.size
            img = cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA)
        return img

    def _shadow(self, img: np.ndarray, sk: Skeleton) -> None:
        centre = sk.pelvis.copy()
        centre[1] = 0.0
        ring = centre + np.stack([_CIRCLE[:, 0] * 0.45, np.zeros(len(_CIRCLE)), _CIRCLE[:, 1] * 0.3], axis=1)
        xy, depth = self._cam.project(ring)
        if np.any(depth <= 0.1):
            return
        poly = np.round(xy * (1 << _SHIFT)).astype(np.int32)
        overlay = img.copy()
        cv2.fillPoly(overlay, [poly], (0, 0, 0), lineType=cv2.LINE_AA, shift=_SHIFT)
        cv2.addWeighted(overlay, 0.18, img, 0.82, 0, dst=img)

    def _parts(self, sk: Skeleton) -> list[_Part]:
        look, H = self.look, sk.shape.height_m
        p = sk.landmarks
        cam = self._cam
        parts: list[_Part] = []
        near_sign = self._near_sign(sk)

        def add(a: np.ndarray, b: np.ndarray, ra: float, rb: float, colour: RGB, side: int = 0) -> None:
            depth = float(np.mean(cam.to_camera(np.stack([a, b]))[:, 2]))
            shade = 0.8 if side and side != near_sign else 1.0
            parts.append(_Part(depth, a, b, ra * H, rb * H, colour, shade))

        # Trunk: an elliptical cross-section, wider across than front to back.
        view = sk.pelvis - cam.position_m
        for a, b, axes, (wide, deep) in (
            (sk.pelvis, sk.mid_spine, sk.pelvis_axes, (0.088, 0.064)),
            (sk.mid_spine, sk.neck - 0.03 * H * sk.trunk_axes[1], sk.trunk_axes, (0.094, 0.064)),
        ):
            r = _ellipse_radius(view, axes[0], axes[2], wide, deep)
            add(a, b, r, r * 0.98, look.shirt)
        add(p[L.LEFT_HIP], p[L.RIGHT_HIP], 0.052, 0.052, look.bottoms)
        add(p[L.LEFT_SHOULDER], p[L.RIGHT_SHOULDER], 0.03, 0.03, look.shirt)
        add(sk.neck, sk.head_centre - 0.02 * H * sk.head_axes[1], 0.026, 0.024, look.skin)
        feet = look.shoes or look.skin
        for name, side in (("LEFT", -1), ("RIGHT", 1)):
            hip, knee, ankle = p[L[f"{name}_HIP"]], p[L[f"{name}_KNEE"]], p[L[f"{name}_ANKLE"]]
            heel, toe = p[L[f"{name}_HEEL"]], p[L[f"{name}_FOOT_INDEX"]]
            sh, el, wr = p[L[f"{name}_SHOULDER"]], p[L[f"{name}_ELBOW"]], p[L[f"{name}_WRIST"]]
            hand = 0.5 * (p[L[f"{name}_INDEX"]] + p[L[f"{name}_PINKY"]])
            mid_thigh = hip + 0.55 * (knee - hip)
            add(hip, mid_thigh, 0.044, 0.037, look.bottoms, side)
            add(mid_thigh, knee, 0.037, 0.029, look.bottoms if look.long_pants else look.skin, side)
            add(knee, ankle, 0.029, 0.018, look.bottoms if look.long_pants else look.skin, side)
            add(heel, toe, 0.017, 0.012, feet, side)
            add(ankle, heel + 0.3 * (toe - heel), 0.018, 0.017, feet, side)
            mid_arm = sh + 0.4 * (el - sh)
            add(sh, mid_arm, 0.029, 0.025, look.shirt, side)
            add(mid_arm, el, 0.025, 0.020, look.shirt if look.long_sleeves else look.skin, side)
            add(el, wr, 0.020, 0.014, look.shirt if look.long_sleeves else look.skin, side)
            add(wr, hand, 0.014, 0.012, look.skin, side)
        return parts

    def _near_sign(self, sk: Skeleton) -> int:
        """+1 when the performer's right side is nearer the camera, -1 when the left is."""
        dl = self._cam.to_camera(sk.landmarks[L.LEFT_HIP])[2]
        dr = self._cam.to_camera(sk.landmarks[L.RIGHT_HIP])[2]
        return 1 if dr < dl else -1

    def _colour(self, rgb: RGB, factor: float) -> tuple[float, float, float]:
        c = np.clip(np.array(rgb, dtype=float) * factor * np.array(self.look.tint) * self.look.brightness, 0, 255)
        return tuple(float(v) for v in c)

    def _capsule(self, img: np.ndarray, part: _Part) -> None:
        xy, depth = self._cam.project(np.stack([part.a, part.b]))
        if np.any(depth <= 0.05):
            return
        f = self._cam.focal_px
        ra, rb = part.ra * f / depth[0], part.rb * f / depth[1]
        for scale, bright in _BANDS:
            shift = self._light * (1.0 - scale) * 0.55
            pa = xy[0] + shift * ra
            pb = xy[1] + shift * rb
            pts = np.concatenate([pa + _CIRCLE * ra * scale, pb + _CIRCLE * rb * scale])
            hull = cv2.convexHull(np.round(pts * (1 << _SHIFT)).astype(np.int32))
            cv2.fillConvexPoly(img, hull, self._colour(part.colour, bright * part.shade),
                               lineType=cv2.LINE_AA, shift=_SHIFT)

    # ----------------------------------------------------------------- head
    def _head(self, img: np.ndarray, sk: Skeleton) -> None:
        look, cam = self.look, self._cam
        c, (fw, up, _) = sk.head_centre, sk.head_axes
        rh = sk.shape.head_radius_m
        to_cam = cam.position_m - c
        to_cam /= np.linalg.norm(to_cam)
        facing = float(np.dot(fw, to_cam))
        blobs = [
            (c + rh * (0.16 * up - 0.16 * fw), 1.02 * rh, look.hair),
            (c + rh * (-0.06 * up + 0.10 * fw), 0.96 * rh, look.skin),
            (c + rh * (-0.55 * up + 0.42 * fw), 0.55 * rh, look.skin),  # jaw and chin
        ]
        if facing < -0.3:  # seen from behind: hair covers the back of the head
            blobs.append((c + rh * (0.05 * up - 0.35 * fw), 0.9 * rh, look.hair))
        for centre, radius, colour in sorted(blobs, key=lambda b: -cam.to_camera(b[0])[2]):
            self._ball(img, centre, radius, colour)
        self._face(img, sk, to_cam)

    def _ball(self, img: np.ndarray, centre: np.ndarray, radius_m: float, colour: RGB) -> None:
        xy, depth = self._cam.project(centre)
        if depth <= 0.05:
            return
        r = radius_m * self._cam.focal_px / depth
        for scale, bright in _BANDS:
            p = xy + self._light * (1.0 - scale) * 0.5 * r
            cv2.circle(img, tuple(np.round(p * (1 << _SHIFT)).astype(int)), int(round(r * scale * (1 << _SHIFT))),
                       self._colour(colour, bright + 0.05), -1, lineType=cv2.LINE_AA, shift=_SHIFT)

    def _face(self, img: np.ndarray, sk: Skeleton, to_cam: np.ndarray) -> None:
        look, cam = self.look, self._cam
        c, (fw, up, _) = sk.head_centre, sk.head_axes
        rh = sk.shape.head_radius_m
        p = sk.landmarks
        f = cam.focal_px

        def visible(point: np.ndarray, margin: float = 0.15) -> bool:
            normal = point - c
            normal /= np.linalg.norm(normal)
            view = cam.position_m - point
            return float(np.dot(normal, view / np.linalg.norm(view))) > margin

        def dot(point: np.ndarray, radius_m: float, colour: RGB, bright: float = 1.0) -> None:
            xy, depth = cam.project(point)
            r = max(radius_m * f / depth, 1.0)
            cv2.circle(img, tuple(np.round(xy * (1 << _SHIFT)).astype(int)), int(round(r * (1 << _SHIFT))),
                       self._colour(colour, bright), -1, lineType=cv2.LINE_AA, shift=_SHIFT)

        for name in ("LEFT", "RIGHT"):
            ear = p[L[f"{name}_EAR"]]
            if visible(ear, -0.1):
                dot(ear, 0.22 * rh, look.skin, 0.82)
                dot(ear, 0.11 * rh, look.skin, 0.65)
        for name in ("LEFT", "RIGHT"):
            eye = p[L[f"{name}_EYE"]]
            if visible(eye, 0.1):
                brow = eye + rh * (0.2 * up + 0.03 * fw)
                dot(brow, 0.12 * rh, look.hair, 0.9)
                dot(brow + (p[L[f"{name}_EYE_OUTER"]] - eye) * 0.8, 0.1 * rh, look.hair, 0.9)
                dot(eye, 0.13 * rh, (245, 245, 240))
                dot(eye + 0.04 * rh * fw, 0.08 * rh, (40, 30, 25))
            mouth = p[L[f"MOUTH_{name}"]]
            if visible(mouth, 0.1):
                dot(mouth, 0.05 * rh, (150, 70, 70))
        ml, mr = p[L.MOUTH_LEFT], p[L.MOUTH_RIGHT]
        if visible(0.5 * (ml + mr), 0.05):
            xy, _ = cam.project(np.stack([ml, mr]))
            lw = max(int(round(0.05 * rh * f / np.linalg.norm(cam.to_camera(c)))), 1)
            cv2.line(img, tuple(np.round(xy[0]).astype(int)), tuple(np.round(xy[1]).astype(int)),
                     self._colour((150, 70, 70), 1.0), lw * 2, lineType=cv2.LINE_AA)
        nose = p[L.NOSE]
        if np.dot(fw, to_cam) > -0.2:
            base = c + rh * (0.85 * fw - 0.05 * up)
            self._capsule(img, _Part(0.0, base, nose, 0.16 * rh, 0.1 * rh, look.skin, 0.95))


def _ellipse_radius(view: np.ndarray, forward: np.ndarray, right: np.ndarray, wide: float, deep: float) -> float:
    """Apparent half-width of an elliptical cross-section (semi-axes ``wide`` across, ``deep`` front to back)."""
    v = view - np.dot(view, np.cross(right, forward)) * np.cross(right, forward)
    norm = np.linalg.norm(v)
    if norm < 1e-9:
        return wide
    v /= norm
    cos_f = float(np.dot(v, forward))
    cos_r = float(np.dot(v, right))
    return float(np.sqrt((wide * cos_f) ** 2 + (deep * cos_r) ** 2))

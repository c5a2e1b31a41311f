"""How the performer and the room look, drawn from a seed (same seed, same look)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Appearance", "appearance_from_seed"]

RGB = tuple[int, int, int]

#: Skin tones from light to dark (roughly Fitzpatrick I-VI).
SKIN_TONES: tuple[RGB, ...] = (
    (247, 214, 190), (236, 192, 158), (224, 172, 130), (198, 140, 100), (150, 100, 66), (104, 68, 46),
)
HAIR: tuple[RGB, ...] = ((25, 20, 18), (60, 40, 28), (110, 75, 45), (200, 165, 110), (150, 150, 150))
BOTTOMS: tuple[RGB, ...] = ((30, 30, 38), (45, 55, 90), (70, 70, 75), (20, 60, 50), (90, 40, 45), (120, 110, 100))
SHOES: tuple[RGB, ...] = ((235, 235, 235), (30, 30, 30), (90, 95, 110), (200, 60, 50))
WALLS: tuple[RGB, ...] = ((226, 222, 212), (205, 214, 222), (232, 226, 200), (200, 200, 196), (222, 206, 196))
FLOORS: tuple[RGB, ...] = ((150, 112, 76), (120, 118, 112), (176, 150, 118), (92, 84, 80), (160, 140, 130))


@dataclass(frozen=True)
class Appearance:
    skin: RGB
    hair: RGB
    shirt: RGB
    bottoms: RGB
    shoes: RGB | None  # None: barefoot
    long_sleeves: bool
    long_pants: bool
    wall: RGB
    floor: RGB
    brightness: float  # overall light level, 1 = neutral
    tint: tuple[float, float, float]  # per-channel light colour multipliers
    light_dir: tuple[float, float]  # image-plane direction the light comes from (unit)
    height_m: float


def _hsv_colour(rng: np.random.Generator) -> RGB:
    """A saturated, mid-bright shirt colour."""
    import colorsys

    h = rng.uniform(0, 1)
    s = rng.uniform(0.45, 0.85)
    v = rng.uniform(0.45, 0.85)
    r, g, b = colorsys.hsv_to_rgb(h, s, v)
    return int(r * 255), int(g * 255), int(b * 255)


def appearance_from_seed(seed: int) -> Appearance:
    rng = np.random.default_rng([seed, 0x5EED])

    def pick(options: tuple[RGB, ...]) -> RGB:
        return options[int(rng.integers(len(options)))]

    angle = rng.uniform(-2.4, -0.7)  # light from above, left or right
    warm = rng.uniform(-0.06, 0.06)
    return Appearance(
        skin=pick(SKIN_TONES),
        hair=pick(HAIR),
        shirt=_hsv_colour(rng),
        bottoms=pick(BOTTOMS),
        shoes=pick(SHOES) if rng.uniform() < 0.6 else None,
        long_sleeves=bool(rng.uniform() < 0.35),
        long_pants=bool(rng.uniform() < 0.55),
        wall=pick(WALLS),
        floor=pick(FLOORS),
        brightness=float(rng.uniform(0.85, 1.1)),
        tint=(1.0 + warm, 1.0, 1.0 - warm),
        light_dir=(float(np.cos(angle)), float(np.sin(angle))),
        height_m=float(rng.uniform(1.58, 1.88)),
    )

"""Film a performance: camera framing, landmark-only poses, rendered video and ground truth.

Two ways to use a ``SynthClip``:

- ``poses()``: project the 3D joints straight to ``Pose`` objects (no pixels,
  no model), for fast engine tests;
- ``write(path)``: render every frame to an H.264 MP4 and write the ground
  truth beside it (``<clip>.truth.json``: reps, holds, faults and the true
  2D position of every landmark in every frame).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Iterator

import numpy as np

from ...core.landmarks import Landmark
from ...core.pose import Pose
from .appearance import Appearance, appearance_from_seed
from .camera import Camera, View, place_camera
from .motion import Performance
from .render import Renderer
from .skeleton import BodyShape, Skeleton, forward_kinematics

__all__ = ["SynthClip", "TRUTH_SUFFIX"]

TRUTH_SUFFIX = ".truth.json"
L = Landmark


@dataclass(frozen=True)
class SynthClip:
    """A performance seen by one camera. Same arguments, same frames."""

    performance: Performance
    seed: int = 0
    view: View | str | None = None  # None: the view the exercise asks for
    size: tuple[int, int] = (640, 480)
    fps: float = 20.0
    camera_height_m: float = 0.9
    distance_m: float | None = None  # None: frame the whole motion with a margin
    azimuth_offset_deg: float = 0.0  # turn the camera away from the exact view
    supersample: int = 2

    @cached_property
    def appearance(self) -> Appearance:
        return appearance_from_seed(self.seed)

    @cached_property
    def shape(self) -> BodyShape:
        return BodyShape(self.appearance.height_m)

    @property
    def n_frames(self) -> int:
        return int(np.floor(self.performance.duration_s * self.fps)) + 1

    def times_ms(self) -> np.ndarray:
        return np.round(np.arange(self.n_frames) * 1000.0 / self.fps).astype(int)

    def skeletons(self) -> Iterator[tuple[int, Skeleton]]:
        for t_ms in self.times_ms():
            yield int(t_ms), forward_kinematics(self.performance.script.sample(t_ms / 1000.0), self.shape)

    @cached_property
    def camera(self) -> Camera:
        view = View(self.view or self.performance.view)
        points = np.concatenate([sk.landmarks for _, sk in self.skeletons()])
        lo, hi = points.min(axis=0), points.max(axis=0)
        target = np.array([(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2 + 0.05, (lo[2] + hi[2]) / 2])
        distance = self.distance_m or 2.5
        for _ in range(12):  # back off until every point fits inside a 9% margin
            cam = place_camera(target_m=target, facing_yaw_deg=0.0, view=view, distance_m=distance,
                               height_m=self.camera_height_m, size=self.size,
                               azimuth_offset_deg=self.azimuth_offset_deg)
            xy, _ = cam.project(points)
            w, h = self.size
            if self.distance_m or (xy[:, 0].min() > 0.09 * w and xy[:, 0].max() < 0.91 * w
                                   and xy[:, 1].min() > 0.09 * h and xy[:, 1].max() < 0.91 * h):
                return cam
            distance *= 1.12
        return cam

    # ------------------------------------------------------------ landmark-only mode
    def pose_of(self, t_ms: int, skeleton: Skeleton) -> Pose:
        """The ``Pose`` a perfect landmark model would report for this frame."""
        xy, depth = self.camera.project(skeleton.landmarks)
        return Pose(t_ms=int(t_ms), image_size=self.size, xy_px=xy, visibility=self._visibility(skeleton, depth),
                    world_m=self._world(skeleton))

    def poses(self) -> Iterator[Pose]:
        """Landmark-only mode: one ``Pose`` per frame, straight from the 3D joints."""
        for t_ms, sk in self.skeletons():
            yield self.pose_of(t_ms, sk)

    def _visibility(self, sk: Skeleton, depth: np.ndarray) -> np.ndarray:
        """Near-side joints 0.95, far side lower, face points hidden when turned away."""
        mid = float(np.mean(depth[[L.LEFT_HIP, L.RIGHT_HIP, L.LEFT_SHOULDER, L.RIGHT_SHOULDER]]))
        vis = 0.95 - 0.3 * np.clip((depth - mid) / 0.15, 0.0, 1.0)
        to_cam = self.camera.position_m - sk.head_centre
        facing = float(np.dot(sk.head_axes[0], to_cam / np.linalg.norm(to_cam)))
        if facing < -0.2:
            vis[: L.MOUTH_RIGHT + 1] = np.minimum(vis[: L.MOUTH_RIGHT + 1], 0.3)
        return vis

    def _world(self, sk: Skeleton) -> np.ndarray:
        """Hip-centred metric coordinates in the camera's axes (x right, y down, z away), like MediaPipe's."""
        cam = self.camera.to_camera(sk.landmarks)
        centre = 0.5 * (cam[L.LEFT_HIP] + cam[L.RIGHT_HIP])
        return cam - centre

    # ------------------------------------------------------------ rendering
    def frames(self) -> Iterator[tuple[int, np.ndarray, Skeleton]]:
        """Rendered RGB frames with their time and skeleton."""
        renderer = Renderer(self.camera, self.appearance, supersample=self.supersample)
        for t_ms, sk in self.skeletons():
            yield t_ms, renderer.render(sk), sk

    def truth(self, *, with_frames: bool = True) -> dict:
        perf = self.performance
        out = {
            "exercise": perf.exercise,
            "performance": perf.name,
            "description": perf.description,
            "seed": self.seed,
            "view": View(self.view or perf.view).value,
            "fps": self.fps,
            "image_size": list(self.size),
            "duration_s": round((self.n_frames - 1) / self.fps, 3),
            "height_m": round(self.shape.height_m, 3),
            **perf.truth.to_dict(),
        }
        if with_frames:
            out["landmark_names"] = [lm.name.lower() for lm in Landmark]
            out["frames"] = [{"t_ms": p.t_ms, "xy_px": np.round(p.xy_px, 1).tolist()} for p in self.poses()]
        return out

    def write(self, video_path: str | Path, *, crf: int = 26, extra_truth: dict | None = None) -> tuple[Path, Path]:
        """Render to ``video_path`` (MP4, H.264) and write ``<stem>.truth.json`` beside it
        (``extra_truth``: more top-level keys for the truth file)."""
        from ...io.video import VideoWriter

        video_path = Path(video_path)
        w, h = self.size
        with VideoWriter(video_path, w, h, fps=self.fps, preset="medium", crf=crf, opencv_yuv=False) as writer:
            for t_ms, rgb, _ in self.frames():
                writer.write(rgb, t_ms)
        truth_path = video_path.with_name(video_path.stem + TRUTH_SUFFIX)
        truth_path.write_text(_compact_json({**self.truth(), **(extra_truth or {})}))
        return video_path, truth_path


def _compact_json(data: dict) -> str:
    """Indented at the top level, one line per frame: readable and small."""
    frames = data.pop("frames", None)
    text = json.dumps(data, indent=1)
    if frames is None:
        return text + "\n"
    rows = ",\n  ".join(json.dumps(f, separators=(",", ":")) for f in frames)
    return text[:-2] + ',\n "frames": [\n  ' + rows + "\n ]\n}\n"

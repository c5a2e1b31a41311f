"""Synthetic performer: a scripted 3D body, filmed by a virtual camera, with exact ground truth.

- ``skeleton``: body proportions, joint angles -> the 33 landmarks in 3D;
- ``motion`` / ``exercises``: keyframed performances of every catalogue exercise,
  good and with injected faults, recording reps, holds and faults as they are written;
- ``camera``: side / front / three-quarter placement and projection;
- ``appearance`` / ``render``: a seeded look and a numpy + OpenCV renderer MediaPipe detects;
- ``clip``: film a performance: landmark-only ``Pose`` objects, or an MP4 with truth beside it;
- ``truth``: expected results from the script and the exact geometry;
- ``offline``: the engine run on landmark-only poses (no pixels, no model);
- ``make_samples``: rebuild ``samples/``.
"""

from .camera import Camera, View, place_camera
from .clip import SynthClip
from .exercises import build, performance_names
from .skeleton import BodyPose, BodyShape, forward_kinematics

__all__ = ["BodyPose", "BodyShape", "Camera", "SynthClip", "View", "build", "forward_kinematics",
           "performance_names", "place_camera"]

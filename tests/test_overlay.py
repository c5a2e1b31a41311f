"""The overlay, judged on pixels of synthetic frames."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.core.landmarks import Landmark as L
from formcheck.core.pose import Pose
from formcheck.core.verdict import Cue, CueKind, FrameVerdict, JointState, Severity
from formcheck.outputs.overlay import (
    JOINT_COLORS,
    NEUTRAL_JOINT,
    Hud,
    cue_color,
    draw_overlay,
)

GREY = 90


def frame(w: int = 640, h: int = 480) -> np.ndarray:
    return np.full((h, w, 3), GREY, dtype=np.uint8)


def standing_pose(w: int = 640, h: int = 480, visibility: float = 0.95) -> Pose:
    """A front-facing figure in the right half of the frame (clear of the HUD panel and cue banner)."""
    xy = np.full((33, 2), np.nan)
    cx, s = 0.68 * w, h / 480
    spots = {
        L.NOSE: (0, 60), L.LEFT_EYE: (8, 55), L.RIGHT_EYE: (-8, 55), L.LEFT_EAR: (16, 62), L.RIGHT_EAR: (-16, 62),
        L.LEFT_SHOULDER: (40, 110), L.RIGHT_SHOULDER: (-40, 110), L.LEFT_ELBOW: (70, 170), L.RIGHT_ELBOW: (-70, 170),
        L.LEFT_WRIST: (80, 230), L.RIGHT_WRIST: (-80, 230), L.LEFT_HIP: (28, 230), L.RIGHT_HIP: (-28, 230),
        L.LEFT_KNEE: (40, 300), L.RIGHT_KNEE: (-40, 300), L.LEFT_ANKLE: (40, 360), L.RIGHT_ANKLE: (-40, 360),
        L.LEFT_HEEL: (35, 370), L.RIGHT_HEEL: (-35, 370), L.LEFT_FOOT_INDEX: (60, 372),
        L.RIGHT_FOOT_INDEX: (-60, 372),
    }
    for lm, (dx, y) in spots.items():
        xy[lm] = (cx + dx * s, y * s)
    missing = np.isnan(xy[:, 0])
    xy[missing] = (cx, 60 * s)  # hands and mouth: at the nose
    return Pose(t_ms=0, image_size=(w, h), xy_px=xy, visibility=np.full(33, visibility), world_m=np.zeros((33, 3)))


def verdict(**kw) -> FrameVerdict:
    base = dict(t_ms=0, pose_found=True, setup_ok=True, view="front", side="both", phase="down")
    base.update(kw)
    return FrameVerdict(**base)


def at(img: np.ndarray, pose: Pose, lm: L) -> np.ndarray:
    x, y = np.round(pose.xy_px[lm]).astype(int)
    return img[y, x].astype(int)


def close(color: np.ndarray, expected: tuple[int, int, int], tol: int = 12) -> bool:
    return bool(np.abs(color - np.array(expected)).max() <= tol)


def test_shape_dtype_and_copy() -> None:
    img = frame()
    before = img.copy()
    out = draw_overlay(img, standing_pose(), verdict(), Hud(title="Squat"))
    assert out.shape == img.shape and out.dtype == np.uint8
    assert out is not img and np.array_equal(img, before)  # the input is untouched
    assert not np.array_equal(out, before)


def test_inplace_draws_on_the_input() -> None:
    img = frame()
    out = draw_overlay(img, standing_pose(), None, Hud(title="Squat"), inplace=True)
    assert out is img and (img != GREY).any()


def test_nothing_to_draw_returns_the_frame_unchanged() -> None:
    img = frame()
    assert np.array_equal(draw_overlay(img, None, None, Hud()), img)


@pytest.mark.parametrize("pose_given", [True, False])
@pytest.mark.parametrize("verdict_given", [True, False])
def test_no_crash_with_missing_inputs(pose_given: bool, verdict_given: bool) -> None:
    out = draw_overlay(frame(), standing_pose() if pose_given else None,
                       verdict(cue=Cue("Stand tall", CueKind.SETUP)) if verdict_given else None,
                       Hud(title="Pigeon", latency_ms=35.0))
    assert out.shape == (480, 640, 3)


def test_joints_coloured_by_state() -> None:
    pose = standing_pose()
    v = verdict(joint_states={L.LEFT_KNEE: JointState.FAULT, L.RIGHT_KNEE: JointState.OK,
                              L.LEFT_HIP: JointState.UNKNOWN})
    out = draw_overlay(frame(), pose, v, Hud())
    assert close(at(out, pose, L.LEFT_KNEE), JOINT_COLORS[JointState.FAULT])
    assert close(at(out, pose, L.RIGHT_KNEE), JOINT_COLORS[JointState.OK])
    assert close(at(out, pose, L.LEFT_HIP), JOINT_COLORS[JointState.UNKNOWN])
    assert close(at(out, pose, L.RIGHT_HIP), NEUTRAL_JOINT)  # not judged by any rule
    # the red blob is a joint-sized area, not a single pixel
    x, y = np.round(pose.xy_px[L.LEFT_KNEE]).astype(int)
    patch = out[y - 3:y + 4, x - 3:x + 4].reshape(-1, 3).astype(int)
    assert all(close(c, JOINT_COLORS[JointState.FAULT]) for c in patch)


def test_skeleton_neutral_without_verdict() -> None:
    pose = standing_pose()
    out = draw_overlay(frame(), pose, None, Hud())
    for lm in (L.LEFT_KNEE, L.RIGHT_SHOULDER, L.LEFT_ANKLE):
        assert close(at(out, pose, lm), NEUTRAL_JOINT)
    mid = np.round((pose.xy_px[L.LEFT_HIP] + pose.xy_px[L.LEFT_KNEE]) / 2).astype(int)
    assert (out[mid[1], mid[0]].astype(int) > 200).all()  # a light bone between hip and knee


def test_invisible_joints_not_drawn() -> None:
    pose = standing_pose()
    vis = pose.visibility.copy()
    vis[L.LEFT_KNEE] = 0.1
    dim = Pose(t_ms=0, image_size=pose.image_size, xy_px=pose.xy_px, visibility=vis, world_m=pose.world_m)
    v = verdict(joint_states={L.LEFT_KNEE: JointState.FAULT}, angles_deg=((L.LEFT_KNEE, 95.0),))
    out = draw_overlay(frame(), dim, v, Hud(), min_visibility=0.5)
    assert tuple(at(out, dim, L.LEFT_KNEE)) == (GREY, GREY, GREY)
    assert not close(at(out, dim, L.LEFT_HIP), (GREY, GREY, GREY))  # its neighbour still is


def test_angle_tag_drawn_beside_joint() -> None:
    pose = standing_pose()
    v_no = verdict()
    v_yes = verdict(angles_deg=((L.LEFT_KNEE, 93.0),))
    a = draw_overlay(frame(), pose, v_no, Hud()).astype(int)
    b = draw_overlay(frame(), pose, v_yes, Hud()).astype(int)
    x, y = np.round(pose.xy_px[L.LEFT_KNEE]).astype(int)
    changed = np.abs(a - b).sum(axis=2) > 0
    ys, xs = np.nonzero(changed)
    assert len(xs) > 50
    # the left knee is right of the body's middle, so its tag is to its right, near its height
    assert xs.min() > x and abs(np.median(ys) - y) < 20


def test_hud_panel_shows_counters() -> None:
    img = frame()
    plain = draw_overlay(img, None, verdict(), Hud(title="Squat"))
    counted = draw_overlay(img, None, verdict(reps={"left": 3, "right": 2}), Hud(title="Squat"))
    panel = (slice(0, 160), slice(0, 320))
    assert (plain[panel] != GREY).any()
    assert (counted[panel] != plain[panel]).any()
    # the panel darkens the frame behind it
    assert plain[12:20, 12:20].mean() < GREY


def test_hold_progress_bar_grows() -> None:
    def bar_pixels(hold: float) -> int:
        out = draw_overlay(frame(), None, verdict(hold_s={"left": hold}), Hud(target_hold_s=30))
        blue = (out[..., 2] > 200) & (out[..., 0] < 120)  # the progress fill colour
        return int(blue.sum())

    assert 0 == bar_pixels(0.0) < bar_pixels(10.0) < bar_pixels(20.0)


@pytest.mark.parametrize(
    ("cue", "dominant"),
    [
        (Cue("Keep your back neutral", CueKind.FAULT, Severity.MAJOR), 0),  # red
        (Cue("Good, back is neutral now", CueKind.CONFIRM), 1),  # green
        (Cue("Step back so your feet are in view", CueKind.SETUP), 2),  # blue
    ],
)
def test_cue_banner_colour(cue: Cue, dominant: int) -> None:
    out = draw_overlay(frame(), None, verdict(cue=cue), Hud())
    banner = out[480 - 14:480 - 10, 20:40].reshape(-1, 3).astype(int)  # bottom edge of the banner
    mean = banner.mean(axis=0)
    assert int(np.argmax(mean)) == dominant
    assert close(mean.round(), cue_color(cue), tol=30)


@pytest.mark.parametrize(("w", "h"), [(640, 480), (720, 1280), (1280, 720), (320, 240)])
def test_sizes_and_long_cue_wraps(w: int, h: int) -> None:
    text = "Tuck the pelvis under and squeeze the back glute so the stretch comes from the hip, not the lower back"
    v = verdict(cue=Cue(text, CueKind.FAULT, Severity.MINOR), reps={"left": 1},
                joint_states={L.LEFT_KNEE: JointState.FAULT}, angles_deg=((L.LEFT_KNEE, 170.0),))
    pose = standing_pose(w, h)
    out = draw_overlay(frame(w, h), pose, v, Hud(title="Half-kneeling hip flexor stretch", latency_ms=250))
    assert out.shape == (h, w, 3)
    assert close(at(out, pose, L.LEFT_KNEE), JOINT_COLORS[JointState.FAULT])
    # the banner keeps a margin on both sides: the wrapped text never runs to the edge
    assert (out[:, 0] == GREY).all() and (out[:, -1] == GREY).all()


def test_pose_rescaled_to_frame_size() -> None:
    pose = standing_pose(640, 480)  # landmarks for 640x480, drawn on a 1280x960 frame
    out = draw_overlay(frame(1280, 960), pose, verdict(joint_states={L.LEFT_KNEE: JointState.FAULT}), Hud())
    x, y = np.round(pose.xy_px[L.LEFT_KNEE] * 2).astype(int)
    assert close(out[y, x].astype(int), JOINT_COLORS[JointState.FAULT])


def test_rejects_bad_frames() -> None:
    with pytest.raises(ValueError, match=r"\(h, w, 3\) uint8"):
        draw_overlay(np.zeros((48, 64), np.uint8), None, None, Hud())
    with pytest.raises(ValueError, match=r"\(h, w, 3\) uint8"):
        draw_overlay(np.zeros((48, 64, 3), np.float32), None, None, Hud())
    with pytest.raises(ValueError, match="C-contiguous"):
        draw_overlay(np.zeros((64, 48, 3), np.uint8).transpose(1, 0, 2), None, None, Hud(), inplace=True)

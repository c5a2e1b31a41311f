"""Draw the skeleton, joint states, angles, counters and the cue on a frame.

One pure function, :func:`draw_overlay`, used by the live window, the browser
app and the annotated-video writer alike. Everything is sized from the frame,
so 640x480 landscape and 720x1280 portrait both read well. Plain OpenCV
primitives only: ~1.5 ms per 720p frame (2-core machine; see tests/test_overlay.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..core.landmarks import BONES
from ..core.pose import Pose
from ..core.verdict import Cue, CueKind, FrameVerdict, JointState, Severity
from ..engine.spec import ExerciseSpec

__all__ = ["Hud", "draw_overlay", "JOINT_COLORS", "cue_color"]

Color = tuple[int, int, int]  # RGB

#: Joint fill colours by rule state (RGB).
JOINT_COLORS: dict[JointState, Color] = {
    JointState.OK: (40, 200, 70),
    JointState.FAULT: (235, 30, 30),
    JointState.UNKNOWN: (150, 150, 150),
}
NEUTRAL_JOINT: Color = (245, 245, 245)
NEUTRAL_BONE: Color = (225, 225, 225)
FAULT_BONE: Color = (235, 70, 70)
OUTLINE: Color = (20, 20, 20)
TAG: Color = (35, 35, 35)  # angle tag background
FAULT_TAG: Color = (190, 20, 20)
WHITE: Color = (255, 255, 255)
DIM: Color = (190, 190, 190)
GOOD: Color = (90, 220, 110)
WARN: Color = (255, 170, 40)

_FONT = cv2.FONT_HERSHEY_SIMPLEX
_SIDE_LABELS = {"left": "Left", "right": "Right"}
_SIDE_ORDER = {"left": 0, "right": 1, "both": 2}


@dataclass(frozen=True)
class Hud:
    """What the HUD panel shows besides the verdict.

    ``title``: e.g. the exercise name. ``latency_ms``: capture-to-overlay
    latency, shown green under 100 ms. ``target_hold_s``: shown as
    "12.3 / 30 s" with a progress bar, per side.
    """

    title: str = ""
    latency_ms: float | None = None
    target_hold_s: float | None = None

    @classmethod
    def for_exercise(cls, spec: ExerciseSpec | None, latency_ms: float | None = None) -> Hud:
        if spec is None:
            return cls(title="pose only", latency_ms=latency_ms)
        return cls(title=spec.name, latency_ms=latency_ms, target_hold_s=spec.hold.target_s if spec.hold else None)


def cue_color(cue: Cue) -> Color:
    """Banner colour (RGB) of a cue, by kind and, for faults, severity."""
    if cue.kind is CueKind.FAULT:
        return {
            Severity.INFO: (200, 140, 20),
            Severity.MINOR: (225, 120, 0),
            Severity.MAJOR: (205, 30, 30),
            Severity.SAFETY: (160, 0, 70),
        }[cue.severity]
    return {
        CueKind.SETUP: (30, 100, 190),
        CueKind.CONFIRM: (30, 150, 60),
        CueKind.EVENT: (0, 135, 150),
    }[cue.kind]


def draw_overlay(
    rgb: np.ndarray,
    pose: Pose | None,
    verdict: FrameVerdict | None,
    hud: Hud = Hud(),
    *,
    min_visibility: float = 0.5,
    inplace: bool = False,
) -> np.ndarray:
    """Draw the overlay on an RGB frame and return it (RGB, same shape, uint8).

    Draws on a copy unless ``inplace`` is True (then ``rgb`` itself is drawn
    on and returned; it must be C-contiguous). Landmarks whose visibility is
    below ``min_visibility`` are not drawn, nor are bones touching them, nor
    their angles. Pose coordinates are rescaled if ``pose.image_size``
    differs from the frame's size. ``pose`` and ``verdict`` may be None.
    """
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"rgb must be an (h, w, 3) uint8 image, got shape {rgb.shape} dtype {rgb.dtype}")
    if inplace and not rgb.flags.c_contiguous:
        raise ValueError("inplace drawing needs a C-contiguous image")
    img = rgb if inplace else rgb.copy()
    h, w = img.shape[:2]
    scale = min(w, h) / 480.0
    if pose is not None:
        _draw_pose(img, pose, verdict, scale, min_visibility)
    _draw_panel(img, verdict, hud, scale)
    if verdict is not None and verdict.cue is not None:
        _draw_cue(img, verdict.cue, scale)
    return img


# --- skeleton ------------------------------------------------------------------------------------


def _draw_pose(img: np.ndarray, pose: Pose, verdict: FrameVerdict | None, scale: float, min_vis: float) -> None:
    h, w = img.shape[:2]
    pw, ph = pose.image_size
    factor = np.array([w / pw if pw else 1.0, h / ph if ph else 1.0])
    xy = pose.xy_px * factor
    finite = np.isfinite(xy).all(axis=1)
    visible = (pose.visibility >= min_vis) & finite
    pts = np.zeros((len(xy), 2), dtype=np.int32)
    pts[finite] = np.round(xy[finite]).astype(np.int32)
    states = verdict.joint_states if verdict is not None else {}

    bone_px = max(2, round(3 * scale))
    for a, b in BONES:
        if not (visible[a] and visible[b]):
            continue
        faulty = states.get(a) is JointState.FAULT or states.get(b) is JointState.FAULT
        color = FAULT_BONE if faulty else NEUTRAL_BONE
        cv2.line(img, tuple(pts[a]), tuple(pts[b]), OUTLINE, bone_px + 2, cv2.LINE_AA)
        cv2.line(img, tuple(pts[a]), tuple(pts[b]), color, bone_px, cv2.LINE_AA)

    radius = max(3, round(5 * scale))
    joints = {lm for bone in BONES for lm in bone} | set(states)
    for lm in sorted(joints):
        if not visible[lm]:
            continue
        state = states.get(lm)
        color = JOINT_COLORS[state] if state is not None else NEUTRAL_JOINT
        r = radius + (max(1, round(2 * scale)) if state is JointState.FAULT else 0)
        cv2.circle(img, tuple(pts[lm]), r, color, -1, cv2.LINE_AA)
        cv2.circle(img, tuple(pts[lm]), r, OUTLINE, max(1, round(1.2 * scale)), cv2.LINE_AA)

    if verdict is not None and verdict.angles_deg:
        body_x = float(np.median(pts[visible, 0])) if visible.any() else w / 2
        placed: list[tuple[int, int, int, int]] = []
        for lm, value in verdict.angles_deg:
            if visible[lm] and np.isfinite(value):
                fault = states.get(lm) is JointState.FAULT
                _angle_label(img, pts[lm], value, fault, pts[lm][0] < body_x, radius, scale, placed)


def _angle_label(img: np.ndarray, joint: np.ndarray, value_deg: float, fault: bool, left_of_body: bool,
                 radius: int, scale: float, placed: list[tuple[int, int, int, int]]) -> None:
    """A dark tag with the angle, beside the joint on the side away from the body, not over another tag."""
    text = f"{value_deg:.0f}"
    font_scale = 0.58 * scale
    thick = max(1, round(1.4 * scale))
    h, w = img.shape[:2]
    (tw, th), base = cv2.getTextSize(text, _FONT, font_scale, thick)
    ring = max(2, round(2.5 * scale))  # Hershey fonts have no degree sign: draw a ring
    pad = max(2, round(3 * scale))
    box_w, box_h = tw + 2 * ring + 3 * pad, th + base + 2 * pad
    offset = radius + round(4 * scale)
    x = int(joint[0]) - offset - box_w if left_of_body else int(joint[0]) + offset
    y = int(joint[1]) - box_h // 2
    x = min(max(x, 0), w - box_w)
    for _ in range(len(placed) + 1):  # slide down past tags already drawn
        y = min(max(y, 0), h - box_h)
        hit = next((r for r in placed if x < r[2] and r[0] < x + box_w and y < r[3] and r[1] < y + box_h), None)
        if hit is None:
            break
        y = hit[3] + 1
    placed.append((x, y, x + box_w, y + box_h))
    cv2.rectangle(img, (x, y), (x + box_w, y + box_h), FAULT_TAG if fault else TAG, -1)
    cv2.putText(img, text, (x + pad, y + pad + th), _FONT, font_scale, WHITE, thick, cv2.LINE_AA)
    cv2.circle(img, (x + pad + tw + pad // 2 + ring, y + pad + ring), ring, WHITE, max(1, thick - 1), cv2.LINE_AA)


# --- HUD panel -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    text: str
    color: Color
    font_scale: float
    progress: float | None = None  # 0..1: draw a bar under the text
    dot: Color | None = None  # a status dot before the text


def _panel_lines(verdict: FrameVerdict | None, hud: Hud, scale: float) -> list[_Line]:
    body = 0.55 * scale
    lines: list[_Line] = []
    if hud.title:
        lines.append(_Line(hud.title, WHITE, 0.72 * scale))
    if verdict is not None:
        if not verdict.pose_found:
            lines.append(_Line("No person in view", WARN, body, dot=WARN))
        elif not verdict.setup_ok:
            lines.append(_Line("Setting up", WARN, body, dot=WARN))
        elif verdict.phase == "position":
            lines.append(_Line("Get into position", WARN, body, dot=WARN))
        else:
            detail = ", ".join(v for v in (verdict.view, verdict.phase) if v and v != "unknown")
            lines.append(_Line("Ready" + (f" ({detail})" if detail else ""), GOOD, body, dot=GOOD))
        lines.extend(_counter_lines(verdict, hud, body))
        if verdict.unchecked:
            names = ", ".join(rule.replace("_", " ") for rule in verdict.unchecked)
            lines.append(_Line(f"Not checked from this angle: {names}", DIM, 0.45 * scale))
    if hud.latency_ms is not None:
        color = GOOD if hud.latency_ms < 100 else WARN
        lines.append(_Line(f"Latency {hud.latency_ms:.0f} ms", color, 0.48 * scale))
    return lines


def _counter_lines(verdict: FrameVerdict, hud: Hud, font_scale: float) -> list[_Line]:
    lines = []
    for side in sorted(verdict.hold_s, key=lambda s: _SIDE_ORDER.get(s, 9)):
        active = verdict.holding and verdict.side in (side, "both")
        # The target applies to one unbroken hold: show the current one while it runs.
        held = verdict.hold_current_s if active else verdict.hold_s[side]
        label = _SIDE_LABELS.get(side, "Hold")
        if hud.target_hold_s:
            text = f"{label}  {held:4.1f} / {hud.target_hold_s:.0f} s"
            progress = min(1.0, held / hud.target_hold_s)
        else:
            text, progress = f"{label}  {held:4.1f} s", None
        done = hud.target_hold_s is not None and held >= hud.target_hold_s
        lines.append(_Line(text, GOOD if (active or done) else WHITE, font_scale, progress=progress))
    for side in sorted(verdict.reps, key=lambda s: _SIDE_ORDER.get(s, 9)):
        reps = verdict.reps[side]
        text = f"{_SIDE_LABELS[side]}  {reps} reps" if side in _SIDE_LABELS else f"Reps  {reps}"
        partial = verdict.partial_reps.get(side, 0)
        if partial:
            text += f"  (+{partial} partial)"
        lines.append(_Line(text, WHITE, font_scale))
    return lines


def _draw_panel(img: np.ndarray, verdict: FrameVerdict | None, hud: Hud, scale: float) -> None:
    lines = _panel_lines(verdict, hud, scale)
    if not lines:
        return
    h, w = img.shape[:2]
    margin = round(8 * scale)
    pad = round(8 * scale)
    gap = round(7 * scale)
    thick = max(1, round(1.4 * scale))
    dot_r = max(3, round(5 * scale))
    bar_h = max(3, round(5 * scale))
    sizes = []
    for line in lines:
        (tw, th), base = cv2.getTextSize(line.text, _FONT, line.font_scale, thick)
        tw += (2 * dot_r + pad // 2) if line.dot else 0
        sizes.append((tw, th, base))
    panel_w = min(w - 2 * margin, max(s[0] for s in sizes) + 2 * pad)
    panel_h = pad + sum(th + base + gap + ((bar_h + gap // 2) if ln.progress is not None else 0)
                        for ln, (_, th, base) in zip(lines, sizes)) - gap + pad
    x0, y0 = margin, margin
    x1, y1 = min(w, x0 + panel_w), min(h, y0 + panel_h)
    roi = img[y0:y1, x0:x1]
    img[y0:y1, x0:x1] = cv2.addWeighted(roi, 0.35, roi, 0.0, 10)  # darken: text stays legible

    y = y0 + pad
    for line, (tw, th, base) in zip(lines, sizes):
        y += th
        x = x0 + pad
        if line.dot is not None:
            cv2.circle(img, (x + dot_r, y - th // 2), dot_r, line.dot, -1, cv2.LINE_AA)
            x += 2 * dot_r + pad // 2
        cv2.putText(img, line.text, (x, y), _FONT, line.font_scale, line.color, thick, cv2.LINE_AA)
        y += base
        if line.progress is not None:
            y += gap // 2
            bar_w = panel_w - 2 * pad
            cv2.rectangle(img, (x0 + pad, y), (x0 + pad + bar_w, y + bar_h), (80, 80, 80), -1)
            filled = round(bar_w * line.progress)
            if filled > 0:
                cv2.rectangle(img, (x0 + pad, y), (x0 + pad + filled, y + bar_h),
                              GOOD if line.progress >= 1 else (70, 160, 240), -1)
            y += bar_h
        y += gap


# --- cue banner ----------------------------------------------------------------------------------


def _wrap(text: str, max_w: int, font_scale: float, thick: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and cv2.getTextSize(candidate, _FONT, font_scale, thick)[0][0] > max_w:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def _draw_cue(img: np.ndarray, cue: Cue, scale: float) -> None:
    if not cue.text.strip():
        return
    h, w = img.shape[:2]
    margin = round(8 * scale)
    pad = round(10 * scale)
    font_scale = 0.75 * scale
    thick = max(1, round(1.8 * scale))
    rows = _wrap(cue.text, w - 2 * margin - 2 * pad, font_scale, thick)[:3]
    (_, th), base = cv2.getTextSize("Ag", _FONT, font_scale, thick)
    row_h = th + base + round(4 * scale)
    box_h = 2 * pad + row_h * len(rows) - round(4 * scale)
    x0, x1 = margin, w - margin
    y1 = h - margin
    y0 = max(0, y1 - box_h)
    roi = img[y0:y1, x0:x1]
    fill = np.empty_like(roi)
    fill[:] = cue_color(cue)
    img[y0:y1, x0:x1] = cv2.addWeighted(roi, 0.15, fill, 0.85, 0)
    y = y0 + pad
    for row in rows:
        y += th
        tw = cv2.getTextSize(row, _FONT, font_scale, thick)[0][0]
        cv2.putText(img, row, ((w - tw) // 2, y), _FONT, font_scale, WHITE, thick, cv2.LINE_AA)
        y += base + round(4 * scale)

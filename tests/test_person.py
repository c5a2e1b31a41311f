"""Following the person who started the session when someone else walks into view."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import cv2
import numpy as np
import pytest

from formcheck.core.landmarks import Landmark
from formcheck.core.pose import Pose
from formcheck.io.model import PoseEstimator
from formcheck.io.person import PersonTracker, body_box, match_distance, start_score
from formcheck.io.video import VideoReader
from formcheck.session.live import LiveSession

IMAGE_SIZE = (1280, 720)
#: A body outline in units of its height, centred on (0, 0): fixed, so tests are repeatable.
SHAPE = np.random.default_rng(7).uniform([-0.15, -0.5], [0.15, 0.5], size=(len(Landmark), 2))
SHAPE[0], SHAPE[1] = (-0.15, -0.5), (0.15, 0.5)  # the box is exactly 0.3 x 1.0 heights


def person(centre_x_px: float, height_px: float, t_ms: int = 0, centre_y_px: float = 360.0,
           visibility: np.ndarray | None = None) -> Pose:
    xy = SHAPE * height_px + (centre_x_px, centre_y_px)
    visibility = np.ones(len(Landmark)) if visibility is None else visibility
    return Pose(t_ms=t_ms, image_size=IMAGE_SIZE, xy_px=xy, visibility=visibility,
                world_m=np.zeros((len(Landmark), 3)))


def test_body_box_uses_visible_landmarks():
    pose = person(640, 400)
    pose.xy_px[Landmark.LEFT_ANKLE] = (5000, 5000)  # an off-frame guess...
    pose.visibility[Landmark.LEFT_ANKLE] = 0.1  # ...that the model marks as not visible
    box = body_box(pose)
    assert box.size_px == pytest.approx(np.hypot(0.3 * 400, 400))
    assert box.centre_px == pytest.approx([640, 360])


def test_start_picks_the_largest_and_most_central_person():
    small_central, big_central, big_at_edge = person(640, 200), person(640, 500), person(150, 500)
    assert PersonTracker().select([small_central, big_central, big_at_edge], 0) is big_central
    assert PersonTracker().select([big_at_edge, small_central], 0) is small_central
    assert start_score(big_central) > start_score(big_at_edge)


def test_nobody_found_is_none():
    tracker = PersonTracker()
    assert tracker.select([], 0) is None
    user = person(640, 500, 33)
    assert tracker.select([user], 33) is user
    assert tracker.select([], 66) is None


def test_continuity_follows_the_nearest_candidate_whatever_the_order():
    tracker = PersonTracker()
    tracker.select([person(400, 450)], 0)
    user_moved = person(410, 440, 33)
    other = person(900, 450, 33)
    assert tracker.select([other, user_moved], 33) is user_moved
    user_again = person(420, 430, 66)
    assert tracker.select([user_again, person(880, 450, 66)], 66) is user_again


def test_a_bigger_more_central_passer_by_never_takes_over_while_the_user_is_matched():
    tracker = PersonTracker()
    tracker.select([person(320, 450)], 0)
    outscored = 0
    for i in range(1, 90):  # 3 s at 30 fps: the passer-by walks from the right edge through the centre
        t_ms = i * 33
        user = person(320 + 5 * np.sin(i / 5), 450 - 20 * np.sin(i / 10), t_ms)  # squatting in place
        passer_by = person(1280 - 12 * i, 650, t_ms)
        assert tracker.select([passer_by, user], t_ms) is user, f"frame {i}"
        outscored += start_score(passer_by) > start_score(user)
    assert outscored > 50  # on those frames the start rule alone would have switched


def test_while_the_user_is_briefly_lost_nobody_else_is_followed():
    tracker = PersonTracker(lost_after_ms=1000)
    tracker.select([person(320, 450)], 0)
    passer_by = person(700, 600, 500)
    assert tracker.select([passer_by], 500) is None
    assert tracker.select([person(700, 600, 900)], 900) is None
    user_back = person(330, 450, 1000)
    assert tracker.select([person(700, 600, 1000), user_back], 1000) is user_back


def test_after_a_long_loss_the_start_rule_picks_again():
    tracker = PersonTracker(lost_after_ms=1000)
    tracker.select([person(320, 450)], 0)
    assert tracker.select([person(700, 600, 900)], 900) is None
    newcomer = person(700, 600, 1100)
    assert tracker.select([newcomer], 1100) is newcomer
    followed = person(705, 600, 1133)
    assert tracker.select([person(320, 450, 1133), followed], 1133) is followed


def test_reset_picks_by_the_start_rule_on_the_next_frame():
    tracker = PersonTracker()
    tracker.select([person(320, 450)], 0)
    tracker.reset()
    central = person(640, 450, 33)
    assert tracker.select([person(320, 450, 33), central], 33) is central


def test_hidden_landmarks_weigh_little_in_the_match():
    user = person(400, 450)
    visibility = np.ones(len(Landmark))
    visibility[[Landmark.LEFT_WRIST, Landmark.LEFT_ELBOW]] = 0.0
    flailing = person(400, 450, 33, visibility=visibility)
    flailing.xy_px[[Landmark.LEFT_WRIST, Landmark.LEFT_ELBOW]] += 400  # the model's guess for a hidden arm
    assert match_distance(flailing, user) == pytest.approx(0.0, abs=1e-9)
    assert match_distance(person(400, 900, 33), user) > 0.5  # twice the size is someone else


def test_one_misshapen_pose_does_not_become_the_only_reference():
    tracker = PersonTracker()
    user = person(400, 450)
    tracker.select([user], 0)
    misshapen = person(480, 340, 33)  # a bad crop: still near enough to be accepted...
    normal = person(400, 450, 66)  # ...but the next, normal pose is far from it
    assert match_distance(misshapen, user) <= tracker.max_distance < match_distance(normal, misshapen)
    assert tracker.select([misshapen], 33) is misshapen
    assert tracker.select([normal], 66) is normal


def test_everyone_is_needed_at_the_start_and_while_anyone_else_is_in_view():
    tracker = PersonTracker(alone_before_single_ms=500)
    assert tracker.needs_everyone
    for t_ms in range(0, 500, 100):
        tracker.select([person(320, 450, t_ms)], t_ms)
        assert tracker.needs_everyone, t_ms
    tracker.select([person(320, 450, 500)], 500)
    assert not tracker.needs_everyone  # alone long enough: one person at a time will do
    tracker.select([person(900, 450, 600), person(320, 450, 600)], 600)
    assert tracker.needs_everyone  # someone else came into view
    tracker.select([person(320, 450, 700)], 700)
    assert tracker.needs_everyone
    tracker.select([person(320, 450, 1200)], 1200)
    assert not tracker.needs_everyone


def test_everyone_is_needed_when_the_only_person_found_is_someone_else():
    tracker = PersonTracker(alone_before_single_ms=500)
    for t_ms in range(0, 600, 100):
        tracker.select([person(320, 450, t_ms)], t_ms)
    assert not tracker.needs_everyone
    assert tracker.select([person(900, 600, 600)], 600) is None  # the one-person model latched onto a stranger
    assert tracker.needs_everyone


def test_everyone_is_needed_to_pick_afresh_after_a_long_loss_or_a_reset():
    tracker = PersonTracker(alone_before_single_ms=500, lost_after_ms=1000)
    for t_ms in range(0, 600, 100):
        tracker.select([person(320, 450, t_ms)], t_ms)
    tracker.select([], 1000)
    assert not tracker.needs_everyone  # nobody else in view, and not lost for long
    tracker.select([], 1600)
    assert tracker.needs_everyone
    tracker.select([person(320, 450, 1700)], 1700)
    tracker.reset()
    assert tracker.needs_everyone


# End to end: the real model on a clip with two people, made at test time.

USER_CLIP = "real/nowva_squats.mp4"
PASSER_BY_PHOTO = "free-exercise-db/Standing_Hip_Flexors_0.jpg"
N_FRAMES = 80  # every other frame of the first 5.3 s: two squats
#: The passer-by, per frame: in view from the start but smaller and off to the side (the start rule
#: prefers the user), then nearer the camera and in the middle (it would prefer them), then gone.
_KEY_FRAMES = [0, 10, 35, 50, 65, N_FRAMES]
PASSER_BY_CENTRE_X_PX = np.interp(np.arange(N_FRAMES), _KEY_FRAMES, [1080, 1080, 700, 700, 1500, 1500]).astype(int)
PASSER_BY_HEIGHT_PX = np.interp(np.arange(N_FRAMES), _KEY_FRAMES, [500, 500, 700, 700, 700, 700]).astype(int)
FLOOR_Y_PX = 710


@pytest.fixture(scope="module")
def user_clip(shared_data) -> Path:
    path = shared_data / USER_CLIP
    if not path.is_file():
        pytest.skip(f"real clip not present: {path}")
    return path


@pytest.fixture(scope="module")
def passer_by(shared_data) -> np.ndarray:
    """A photo of a person (a man standing in a lunge), cropped to him."""
    path = shared_data / PASSER_BY_PHOTO
    if not path.is_file():
        pytest.skip(f"real photo not present: {path}")
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)[:, 250:610]


def _user_alone(rgb: np.ndarray) -> np.ndarray:
    """The user's frame shifted left, so that he stands a quarter of the way across."""
    return np.concatenate([rgb[:, 320:], rgb[:, 960:]], axis=1)


def _with_passer_by(canvas: np.ndarray, photo: np.ndarray, centre_x_px: int, height_px: int) -> np.ndarray:
    width_px = round(photo.shape[1] * height_px / photo.shape[0])
    patch = cv2.resize(photo, (width_px, height_px), interpolation=cv2.INTER_AREA)
    left_px, top_px = centre_x_px - width_px // 2, FLOOR_Y_PX - height_px
    out = canvas.copy()
    lo, hi = max(left_px, 0), min(left_px + width_px, canvas.shape[1])
    if hi > lo:
        out[top_px:FLOOR_Y_PX, lo:hi] = patch[:, lo - left_px:hi - left_px]
    return out


def _two_people(user_clip: Path, passer_by: np.ndarray) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """(t_ms, user alone, user and passer-by), decoded on the fly."""
    with VideoReader(user_clip) as reader:
        for i, frame in zip(range(N_FRAMES), (f for f in reader if f.index % 2 == 0)):
            alone = _user_alone(frame.rgb)
            yield frame.t_ms, alone, _with_passer_by(alone, passer_by, PASSER_BY_CENTRE_X_PX[i], PASSER_BY_HEIGHT_PX[i])


def _hip_px(pose: Pose) -> np.ndarray:
    return pose.xy_px[[Landmark.LEFT_HIP, Landmark.RIGHT_HIP]].mean(axis=0)


def test_real_model_keeps_following_the_user_while_a_bigger_person_walks_through(user_clip, passer_by):
    with PoseEstimator("lite") as estimator:
        everyone = [estimator.estimate_all(rgb, t_ms) for t_ms, _, rgb in _two_people(user_clip, passer_by)]
    with PoseEstimator("lite") as estimator:
        alone = [estimator.estimate(rgb, t_ms) for t_ms, rgb, _ in _two_people(user_clip, passer_by)]
    with PoseEstimator("lite") as estimator:
        followed = [estimator.estimate(rgb, t_ms) for t_ms, _, rgb in _two_people(user_clip, passer_by)]

    assert len(followed) == N_FRAMES and all(pose is not None for pose in alone)
    passer_by_wins = [i for i, found in enumerate(everyone)
                      if len(found) == 2 and _hip_px(max(found, key=start_score))[0] > 640]
    print(f"the start rule prefers the passer-by in {len(passer_by_wins)} frames")
    assert len(passer_by_wins) >= 30  # the model sees him, and he would win a fresh start
    hip_error_px = [np.linalg.norm(_hip_px(f) - _hip_px(a)) if f is not None else np.inf
                    for f, a in zip(followed, alone)]
    print(f"followed hip vs the one-person run: max {max(hip_error_px):.1f} px")
    assert max(hip_error_px) < 30, f"frame {int(np.argmax(hip_error_px))}"


def test_a_new_live_session_follows_whoever_starts_it(user_clip, passer_by):
    with VideoReader(user_clip) as reader:
        user_alone = _user_alone(next(iter(reader)).rgb)
    both = _with_passer_by(user_alone, passer_by, 700, 700)
    session = LiveSession(None, model="lite")
    try:
        first = session.process(user_alone, 0)
        still_user = session.process(both, 33)
        session.reset()
        new_session = session.process(both, 66)
    finally:
        session.close()
    assert np.linalg.norm(_hip_px(still_user.pose) - _hip_px(first.pose)) < 20
    assert _hip_px(new_session.pose)[0] > 640  # the passer-by, big and central, starts the new session

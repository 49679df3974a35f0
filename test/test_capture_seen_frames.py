"""The first capture after a camera froze on the arm's way is refused; a live camera's is taken.

``CapturePictures.seen`` keeps a frame each time the hand changed (1 cm, 1 degree, closedness
0.025) since the last one kept; a capture whose frame is the same picture as one of them, the hand
changed since, is refused (breaker56a: a camera frozen while the arm was guided to its first
capture). The rendered scene from 2.5 m at 320x240 (test_capture_repeats' hardest camera) shows
that a live camera's small motions are told apart; the session tests drive the whole path
(``observe_image`` -> ``seen``, ``~/capture_goal`` / ``~/add_subgoal`` -> ``offer``).
"""

import numpy as np
import pytest
from test_capture_repeats import jpeg, views  # noqa: F401
from test_robot_goals import START, make_session, observe
from test_robot_mpc import frame, tiny_world_model

from vjepa_ros.robot.capture_pictures import KEPT_SEEN, CapturePictures

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


@pytest.mark.parametrize("change", ["1 cm x", "1 cm toward the camera", "hand closed",
                                    "turned 0.5 rad"])
def test_a_live_far_camera_seen_on_the_way_lets_the_capture_at_the_end(views, change):  # noqa: F811
    (home, at_home), (moved, at_moved) = views["home"], views[change]
    pictures = CapturePictures()
    pictures.seen(home, 1.0, at_home)
    pictures.seen(moved, 2.0, at_moved)
    assert pictures.offer("sub-goal 1", moved, at_moved) is None, change


@pytest.mark.parametrize("change", ["2 cm x", "hand closed", "turned 0.5 rad"])
@pytest.mark.parametrize("repeat", ["same bytes", "JPEG 75 re-encoded"])
def test_a_far_camera_frozen_on_the_way_refuses_the_first_capture(views, change,  # noqa: F811
                                                                  repeat):
    home, at_home = views["home"]
    at_moved = views[change][1]
    first = home if repeat == "same bytes" else jpeg(home, 75)  # a republisher's re-encoding
    again = first.copy() if repeat == "same bytes" else jpeg(first, 75)
    pictures = CapturePictures()
    pictures.seen(first, 1.0, at_home)
    pictures.seen(again, 2.0, at_moved)
    found = pictures.offer("sub-goal 1", again, at_moved)
    assert found is not None and found.earlier.startswith("the frame it sent at 1.000 s"), found


def test_no_state_no_frame_kept_and_a_still_hand_keeps_one(views):  # noqa: F811
    home, at_home = views["home"]
    pictures = CapturePictures()
    pictures.seen(home, 1.0, None)
    assert pictures.offer("a", home, views["2 cm x"][1]) is None, "nothing seen with a state"
    pictures = CapturePictures()
    # a still arm: one frame kept, not ten (nor none: the first frame is the anchor a camera
    # frozen before the arm was guided away is caught by)
    for stamp in range(10):
        pictures.seen(home, float(stamp), at_home)
    assert len(pictures._seen) == 1
    assert pictures.offer("a", home, at_home) is None, "a still arm refuses nothing"


def _still_live_frames(session, clock, count, state):
    """Observe ``count`` frames of one scene with sensor noise (+-3 levels), the arm still."""
    base = frame(7).astype(int)
    rng = np.random.default_rng(0)
    for _ in range(count):
        clock.now += 0.05
        noisy = np.clip(base + rng.integers(-3, 4, base.shape), 0, 255).astype(np.uint8)
        session.observe_image(noisy, clock.now)
        session.observe_state(state, clock.now)


@pytest.mark.parametrize("service", ["capture_goal", "add_subgoal"])
def test_a_live_camera_and_a_still_arm_capture(model, service):
    session, clock, _ = make_session(model)
    _still_live_frames(session, clock, 40, START)
    getattr(session, service)()
    assert session.goals is not None and len(session.goals.goals) == 1


@pytest.mark.parametrize("what", ["turned", "gripper closed", "guided 40 cm"])
def test_a_camera_frozen_as_the_hand_changes_refuses_the_capture(model, what):
    """Frozen from the first frame while the hand turned 20 degrees, closed, or moved 40 cm.

    40 cm is more than ``KEPT_SEEN`` frames kept a centimetre apart: the newest kept are of the
    frozen picture too, each at a pose the arm has left.
    """
    session, clock, _ = make_session(model)
    state = START.copy()
    steps = 80 if what == "guided 40 cm" else 20
    assert steps // 2 > KEPT_SEEN
    for i in range(1, steps + 1):
        state = START.copy()
        if what == "turned":
            state[5] += np.radians(20.0) * i / steps
        elif what == "gripper closed":
            state[6] = 0.8 * i / steps
        else:
            state[1] += 0.40 * i / steps
        observe(session, clock, seed=3, state=state)
    for _ in range(5):  # held still: the rest rule is met
        observe(session, clock, seed=3, state=state)
    with pytest.raises(RuntimeError, match=r"^~/capture_goal refused: the newest frame on .* is "
                       r"the same picture as the frame it sent at .*the camera does not show"):
        session.capture_goal()
    assert session.goals is None


def test_a_camera_live_again_after_freezing_captures(model):
    session, clock, _ = make_session(model)
    state = START.copy()
    for i in range(1, 21):
        state = START.copy()
        state[1] += 0.10 * i / 20
        observe(session, clock, seed=3, state=state)  # frozen on the way
    with pytest.raises(RuntimeError, match="refused"):
        session.capture_goal()
    _still_live_frames(session, clock, 10, state)  # the driver restarted: the pose as it is
    session.capture_goal()
    np.testing.assert_allclose(session.goals.goals[0].state, state)

"""A camera whose picture stands still while the arm moves holds the planning loop (breaker61b #5).

``frozen_camera.FrozenCamera`` keeps a frame (the anchor) and the hand's state there; once the TCP
moved 1 cm or the hand turned 1 degree from it, a fresh frame that is the same picture (the
captures' rule, ``capture_pictures.CAPTURE``) is frozen, a changed one the new anchor; the
session refuses a frozen frame as a stale frame (``stale_inputs``, naming the image topic) until
the picture changes. The rendered scene from 2.5 m at 320x240 (test_capture_repeats' hardest
camera) shows a live camera's slow
motion is never taken for a frozen one; the session tests drive the whole path
(``observe_image`` -> ``FrozenCamera.seen``, the plan and the set-point stream refused, resumed).
The planner node's path (an oracle world model, a frozen image topic): test_breaker61b.
"""

import dataclasses

import numpy as np
import pytest
from test_capture_repeats import jpeg, views  # noqa: F401
from test_robot_goals import START, make_session
from test_robot_mpc import frame, tiny_world_model

from vjepa_ros.robot.frozen_camera import FrozenCamera
from vjepa_ros.robot.refusal import RefusalKind

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


@pytest.fixture(scope="module")
def slow_way():
    """Return [(frame [240, 320, 3] uint8, state [7])] of the arm moving in 2 mm steps.

    Alternately along x and toward the camera, 4 cm each, rendered from 2.5 m at 320x240
    (deterministic: the same pose, the same pixels).
    """
    from vjepa_ros.sim.camera import camera_at_distance
    from vjepa_ros.sim.config import SimConfig
    from vjepa_ros.sim.sim import Sim

    config = SimConfig()
    sight = np.asarray(config.camera.eye, dtype=np.float64) - config.camera.target
    sight /= np.linalg.norm(sight)
    config = dataclasses.replace(config, camera=camera_at_distance(config.camera, 2.5, 320, 240))
    out = []
    with Sim(config) as sim:
        sim.reset(seed=0)
        home = sim.ee_state().copy()
        for step in range(21):
            for direction in (np.r_[1.0, 0, 0], sight):
                with sim.preserved():
                    assert sim.move_to(home + np.r_[0.002 * step * direction, 0, 0, 0, 0])
                    out.append((sim.render().copy(), sim.ee_state().copy()))
    return out


def test_a_live_camera_watching_the_arm_move_slowly_is_never_frozen(slow_way):
    for axis in (0, 1):  # along x; toward the camera (the least change per cm)
        camera = FrozenCamera()
        for index, (picture, state) in enumerate(slow_way[axis::2]):
            camera.seen(picture, float(index), state)
            assert camera.repeat is None, (axis, index, camera.repeat)


@pytest.mark.parametrize("repeat", ["same bytes", "JPEG 75 re-encoded", "dither"])
def test_a_frozen_picture_under_a_moving_arm_holds_until_the_picture_changes(views,  # noqa: F811
                                                                            repeat):
    home, at_home = views["home"]
    first = jpeg(home, 75) if repeat.startswith("JPEG") else home
    rng = np.random.default_rng(3)

    def again():
        if repeat == "dither":
            return np.clip(home.astype(int) + rng.integers(-3, 4, home.shape), 0, 255
                           ).astype(np.uint8)
        return jpeg(first, 75) if repeat.startswith("JPEG") else home.copy()

    camera = FrozenCamera()
    camera.seen(first, 1.0, at_home)
    for mm in range(0, 10, 2):  # under 1 cm: not yet
        camera.seen(again(), 2.0 + mm, at_home + np.r_[mm / 1000, 0, 0, 0, 0, 0, 0])
        assert camera.repeat is None, mm
    camera.seen(again(), 20.0, at_home + np.r_[0.012, 0, 0, 0, 0, 0, 0])
    assert camera.repeat is not None and round(camera.repeat.moved_m, 3) == 0.012
    line = camera.problem("/camera/image_raw")
    assert line.startswith("the camera on /camera/image_raw sends the same picture as the frame "
                           "it sent at 1.000 s (stamp) with the arm 1.2 cm from where it is now")
    assert "commanding resumes when its pictures change" in line
    moved, at_moved = views["2 cm x"]  # the camera is back: its picture changed
    camera.seen(moved, 21.0, at_moved)
    assert camera.repeat is None and camera.problem("/camera/image_raw") == ""


def test_a_turn_under_a_frozen_picture_holds_too(views):  # noqa: F811
    home, at_home = views["home"]
    camera = FrozenCamera()
    camera.seen(home, 1.0, at_home)
    camera.seen(home.copy(), 2.0, views["turned 0.5 rad"][1])
    assert camera.repeat is not None and "the hand turned" in camera.repeat.words()


def test_a_still_arm_a_closing_hand_or_no_state_never_freeze(views):  # noqa: F811
    home, at_home = views["home"]
    camera, rng = FrozenCamera(), np.random.default_rng(0)
    for stamp in range(20):  # a still scene with sensor noise, the arm still
        noisy = np.clip(home.astype(int) + rng.integers(-3, 4, home.shape), 0, 255)
        camera.seen(noisy.astype(np.uint8), float(stamp), at_home)
    assert camera.repeat is None
    camera.seen(home, 30.0, views["hand closed"][1])  # fingers it may barely see: not judged
    assert camera.repeat is None
    camera.seen(home, 31.0, None)  # no state near the frame: nothing judged
    assert camera.repeat is None


def _drive(session, clock, seeds, states):
    """Observe one frame per state (``seeds``: each frame's seed, ``frame(seed)``)."""
    for seed, state in zip(seeds, states, strict=True):
        clock.now += 0.05
        session.observe_image(frame(seed), clock.now)
        session.observe_state(state, clock.now)


def _way(cm: float, steps: int = 10):
    return [START + np.r_[cm / 100 * (i + 1) / steps, 0, 0, 0, 0, 0, 0] for i in range(steps)]


@pytest.mark.parametrize("enabled", [True, False], ids=["commanding", "shadow"])
def test_the_session_holds_on_a_frozen_camera_and_plans_again_when_it_changes(model, enabled):
    session, clock, logs = make_session(model)
    _drive(session, clock, [5], [START])
    session.capture_goal()
    session.set_enabled(enabled)
    assert session.plan_step().refusal is None, "a live start plans"
    _drive(session, clock, [5] * 10, _way(2.0))  # the arm moved 2 cm, the picture did not
    refusal = session._input_refusal(clock.now)
    assert refusal is not None and refusal.kind is RefusalKind.STALE_INPUTS
    assert refusal.detail.startswith("the camera on image sends the same picture as"), refusal
    report = session.plan_step()
    assert report is None or (report.command is None and report.refusal is not None), report
    assert any("the camera on image sends the same picture" in blocker.detail
               for blocker in session.blocking_problems(clock.now))
    if enabled:
        out = session.stream_step()  # the hold: no set-point, no motion
        assert out is None or (out.setpoint is None and not np.any(out.twist)), out
    _drive(session, clock, [6], [_way(2.0)[-1]])  # the camera is back
    assert session._input_refusal(clock.now) is None
    report = session.plan_step()
    assert report is not None and report.refusal is None, report


def test_a_capture_keeps_its_own_frozen_camera_words(model):
    session, clock, _ = make_session(model)
    _drive(session, clock, [5] * 11, [START, *_way(2.0)])
    _drive(session, clock, [5] * 5, [_way(2.0)[-1]] * 5)  # at rest: the rest rule is met
    with pytest.raises(RuntimeError, match=r"^~/capture_goal refused: the newest frame on image "
                       "is the same picture as"):
        session.capture_goal()

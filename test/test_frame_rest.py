"""fix52k: ``frame_rest``'s rule per part of the state, its words, and the planner's refusal."""

import math

import numpy as np
import pytest
from test_robot_goals import START, make_session, observe
from test_robot_mpc import tiny_world_model

from vjepa_ros.robot.frame_rest import (
    REST_TOLERANCE_CLOSEDNESS,
    REST_TOLERANCE_RAD,
    FrameMotion,
    frame_motion,
    moved_refusal,
)

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


def test_each_part_is_judged_by_its_own_tolerance_and_named():
    """Just within each tolerance: at rest; just beyond one: not, naming that part only."""
    within = FrameMotion(0.0019, 0.99 * REST_TOLERANCE_RAD, 0.99 * REST_TOLERANCE_CLOSEDNESS)
    assert within.at_rest and within.words() == ""
    turned = FrameMotion(0.0019, 1.01 * REST_TOLERANCE_RAD, 0.0)
    assert not turned.at_rest and turned.words() == "turned 1.0 degrees"
    closed = FrameMotion(0.0, 0.0, 1.01 * REST_TOLERANCE_CLOSEDNESS)
    assert not closed.at_rest and closed.words().startswith("changed its gripper's closedness")
    every = FrameMotion(0.05, math.radians(30), 0.5)
    assert every.words() == ("moved 5.0 cm and turned 30.0 degrees and changed its gripper's "
                             "closedness by 0.50")
    line = moved_refusal("~/capture_goal", every)
    assert line.startswith("~/capture_goal refused: the arm moved 5.0 cm and turned 30.0")
    assert "within 2 mm, 1 degree, gripper closedness 0.025" in line
    assert line.endswith("hold the arm still until a newer frame comes, then call "
                         "~/capture_goal again")
    planner = moved_refusal("~/capture_goal", every, planner_moving=True)
    assert "hold the arm still" not in planner and "~/clear_goals" in planner


def test_a_placeholder_closedness_and_a_wrapped_roll_are_no_motion(model):
    """A closedness changed with no finger joints measured, a roll of pi written as -pi: rest."""
    session, clock, _ = make_session(model)
    start = START.copy()
    start[3] = math.pi
    observe(session, clock, seed=1, state=start)
    later = start.copy()
    later[3], later[6] = -math.pi, 1.0
    clock.now += 0.01
    session.observe_state(later, clock.now, gripper_measured=False)
    motion = frame_motion(session.inputs, session.inputs.frame.stamp)
    assert motion.after and motion.at_rest, motion
    assert session.capture_goal().startswith("new goal: ")


def test_no_state_after_the_frame_judges_the_states_just_before_it(model):
    """None after the frame: the 0.05 s before it decide; a turn there names it, 'no state'."""
    session, clock, _ = make_session(model)
    start = clock.now
    for i in range(6):
        state = START.copy()
        state[5] = np.radians(2.0) * i
        session.observe_state(state, start + i * 0.01)
    clock.now = start + 0.05
    session.observe_image(np.zeros((48, 64, 3), np.uint8), clock.now)
    motion = frame_motion(session.inputs, clock.now)
    assert not motion.after and motion.turned_rad == pytest.approx(np.radians(8.0))
    with pytest.raises(RuntimeError, match=r"turned 8\.0 degrees in the 0\.05 s before the "
                                           "newest camera frame, and no robot state has come"):
        session.add_subgoal()

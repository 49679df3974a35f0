"""breaker41f: the live input rules fed as a simulator or driver would feed them.

The jump watch, planner_inputs' zero arm and the finger jumps, end to end, through
``MPCSession`` with ``wall_clock`` set as the planner node sets it (time.monotonic arrivals)
and the real node. Each was a strict xfail (it asserts what should happen), fixed in session 41
(an acceleration limit on the arm's own motion; zero finger widths where the hand was open never
settle).
"""

import pytest
from planner_harness import FR3, HOME, checkpoint, harness  # noqa: F401
from test_robot_mpc import START, enabled_session, frame, observe, tiny_world_model
from test_robot_mpc_clock_back import Wall

from vjepa_ros.robot.goals import SubGoal


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


def new_world_lines(logs) -> list[str]:
    return [m for _, m in logs if "new world" in m and "settled" in m]


def _sim_states(session, clock, wall, pose, seconds, stamp_dt, arrival_dt, seed=0):
    """Feed ``pose`` for ``seconds`` of arrivals, with a camera frame at each stamp.

    Each state ``stamp_dt`` s of stamps and ``arrival_dt`` s of wall time after the last.
    """
    for tick in range(round(seconds / arrival_dt)):
        clock.now += stamp_dt
        wall.now += arrival_dt
        observe(session, clock, seed=seed + tick, state=pose)


def test_a_reset_of_a_wall_stamped_simulator_at_0_3x_is_a_new_world(model):
    session, clock, logs = enabled_session(model)
    session.wall_clock = wall = Wall()
    session.set_goals([SubGoal(frame(20), 2, "grasp"), SubGoal(frame(21), 3, "place")])
    # the sim's 60 Hz ticks at 0.3x: 55 ms apart by the wall clock, which stamps them
    _sim_states(session, clock, wall, START, 0.6, 0.055, 0.055)
    report = session.plan_step()
    assert report.command is not None and session.goals.steps_done == 1, session.refusal
    assert session.last_gripper is not None
    moved = START.copy()
    moved[:3] += [-0.07, 0.07, 0.055]  # ~/reset: the arm at its start pose, 0.115 m away
    _sim_states(session, clock, wall, moved, 0.055, 0.055, 0.055, seed=30)
    jumped = session.state_problem
    _sim_states(session, clock, wall, moved, 1.5, 0.055, 0.055, seed=40)
    assert jumped, "the reset was taken as the arm's own motion (2.1 m/s from rest)"
    assert new_world_lines(logs), logs
    assert (session.goals.index, session.goals.steps_done) == (0, 0)


def test_a_restarting_gripper_drivers_zero_widths_are_no_measured_closed_hand(harness):  # noqa: F811
    from sensor_msgs.msg import JointState

    n = harness(**{"robot.gripper_state_topic": "/hand/fingers"})
    fingers_pub = n.node.create_publisher(JointState, "/hand/fingers", 10)
    fingers = JointState(name=["fr3_finger_joint1", "fr3_finger_joint2"], position=[0.04, 0.04])
    n.extra = [(n.joint_pub, JointState(name=FR3, position=HOME)), (fingers_pub, fingers)]
    assert n.pump(5.0, until=lambda: n.session.latest_state() is not None and
                  n.session.latest_state().gripper_measured, joints=None)
    assert n.session.latest_state().value[6] == pytest.approx(0.0)  # open
    fingers.position = [0.0, 0.0]  # the driver restarted: zeros before its first reading
    n.pump(1.5, joints=None)
    state = n.session.latest_state()
    assert not (state.gripper_measured and state.value[6] > 0.5), \
        "a restarting driver's zero widths measured as a closed hand"

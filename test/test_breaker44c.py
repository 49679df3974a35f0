"""breaker44c: sub-goals as a person sets them (capture, lists, switching rules, refusals).

Attacked at main's HEAD 70618a4: ``robot/goal_session.py`` (``GoalSession.add_subgoal``,
``capture_goal``, ``_captured_subgoal``), ``robot/goals.py`` (``GoalSequence``,
``GoalSwitchConfig``, ``_check_gripper``, ``count_step`` with the energy rule),
``goal_switch_options.py`` and ``nodes/goal_services.py`` / ``goal_updates.py`` against README's
"Setting sub-goals as a person does" and the services table. ROS-free, CPU, with the hand-driven
clock and tiny random world model of ``test_robot_goals`` / ``test_robot_mpc``. Each test
asserts what SHOULD happen (strict xfail while the defect stood); its docstring says why a lab
would meet it.
"""

import numpy as np
import pytest
from test_robot_goals import START, make_session, observe, tiny_world_model

from vjepa_ros.robot.goals import GoalSwitchConfig


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


def _nan_state(index: int) -> np.ndarray:
    state = START.copy()
    state[index] = np.nan
    return state


def test_add_subgoal_with_a_nan_joint_state_is_refused_naming_the_joint_state(model):
    """A sub-goal captured while the joint state is NaN is refused, naming the joint state.

    A lab meets it when the arm's driver publishes NaN positions (a Franka after a reflex /
    communication constraint violation, an encoder fault, a bag whose joint topic was filtered
    badly) while the person guides the arm and calls ``~/add_subgoal``. Under ``goals.axes
    subgoal`` the captured pose is what decides the held axes; today the sub-goal is appended
    without a state (``moves`` None: every axis searched) and the answer says only ``sub-goal 1
    added; new goal ...``, with no word of the bad joint state. It should be refused (success
    false, one line naming ``~/add_subgoal`` and the invalid joint state), as the planning loop
    itself refuses that state ("robot state is invalid").
    """
    session, clock, _ = make_session(model, switching=GoalSwitchConfig(axes="subgoal"))
    observe(session, clock, seed=0, state=_nan_state(2))
    with pytest.raises(RuntimeError, match=r"~/add_subgoal refused: .*(invalid|NaN|nan)"):
        session.add_subgoal()
    assert session.goals is None, "nothing appended on a bad joint state"


def test_capture_refuses_every_state_the_loop_refuses_and_takes_it_once_the_loop_would(model):
    """The kind: ``~/capture_goal`` too, an inf as a NaN, the same test as the planning loop's.

    While the loop refuses the robot state (``inputs.state_problem``: INVALID_STATE) both
    services refuse naming it and keep the goals; once valid states have come for
    ``RECOVERY_S`` (the loop plans again) the capture is taken with the state at the frame.
    """
    from vjepa_ros.robot.inputs import RECOVERY_S

    session, clock, _ = make_session(model, switching=GoalSwitchConfig(axes="subgoal"))
    observe(session, clock, seed=0)
    first = session.add_subgoal()
    assert first.startswith("sub-goal 1 added at TCP"), first
    state = START.copy()
    state[4] = np.inf
    observe(session, clock, seed=1, state=state)
    with pytest.raises(RuntimeError, match=r"^~/capture_goal refused: robot state is invalid: "
                                           r".*inf.*; check the joint states \(joint_states\)"):
        session.capture_goal()
    with pytest.raises(RuntimeError, match=r"^~/add_subgoal refused: robot state is invalid"):
        session.add_subgoal()
    assert len(session.goals.goals) == 1, "nothing appended or replaced"
    observe(session, clock, seed=2)  # valid again, but not yet for RECOVERY_S: still refused
    with pytest.raises(RuntimeError, match=r"^~/add_subgoal refused: robot state is invalid"):
        session.add_subgoal()
    for _ in range(int(RECOVERY_S / 0.05) + 1):
        observe(session, clock, seed=3)
    assert session.add_subgoal().startswith("sub-goal 2 added at TCP")
    assert np.isfinite(session.goals.goals[1].state).all()


def test_gripper_subgoal_refusal_on_a_nan_joint_state_says_it_is_invalid_not_missing(model):
    """The refusal names what is wrong: the joint state is invalid (NaN), not missing or late.

    With ``goals.gripper subgoal`` a NaN in the state (a finger joint that reads NaN, a driver
    fault) makes ``~/add_subgoal`` refuse, which is right; but the one line it answers tells the
    person "captured with no robot state near its frame's time (joint states missing or late):
    check the joint states". ``ros2 topic hz`` then shows them arriving at 1 kHz, on time, and
    the person looks in the wrong place. The line should say the joint state is invalid (NaN).
    """
    session, clock, _ = make_session(model, switching=GoalSwitchConfig(gripper="subgoal"))
    observe(session, clock, seed=0, state=_nan_state(0))
    with pytest.raises((RuntimeError, ValueError)) as caught:
        session.add_subgoal()
    message = str(caught.value)
    assert "missing or late" not in message, message
    assert "invalid" in message or "nan" in message.lower(), message


def test_run_step_line_for_the_last_sub_goals_end_names_no_sub_goal_past_the_list():
    """The ``switch`` column of ``vjepa-ros run --task pick-place`` says the list is done.

    Every pick-and-place run with the published counts (4, 10, 4) meets it: the loop's budget
    is their sum (18), so the 18th step's command ends sub-goal 3 and its line reads
    ``-> 4/3 done (steps)``. There is no sub-goal 4 of 3; a person comparing it with the node's
    log (``sub-goal 3/3 → done``) reads a fourth sub-goal or an off-by-one in the switching. The
    line should say ``-> done`` (with the reason) and name no index past the count.
    """
    from vjepa_ros.robot.goals import GoalProgress, SubGoalSwitch
    from vjepa_ros.sim.task_run import switch_label

    ended = SubGoalSwitch(index=2, reason="steps", step=4, energy=0.1, count=3)
    label = switch_label(GoalProgress(3, 3, 0, "steps", ended), ["grasp", "carry", "place"])
    assert "done" in label and "(steps)" in label, label
    assert "4/3" not in label, label
    middle = SubGoalSwitch(index=0, reason="threshold", step=2, energy=0.01, count=3)
    assert switch_label(GoalProgress(1, 3, 0, "energy", middle),
                        ["grasp", "carry", "place"]) == "-> 2/3 carry (threshold)"

"""goals.gripper subgoal: sub-goals captured on another hand are not commanded (session 27 item 1).

A sub-goal captured while the gripper's closedness came from another hand (a robot one namespace
above, taken before this arm's own gripper driver published) kept that closedness as measured
after the hand changed, and under ``goals.gripper`` subgoal it was commanded whatever this arm's
hand held. Now each captured sub-goal knows the hand it was measured on (``SubGoal.hand``) and the
session, told of a new hand (``MPCSession.hand_changed(hand)``), holds with one line saying to
capture them again; a plan toward one, in flight at the change, is discarded.
"""

import pytest
from test_robot_subgoal_gripper import CEM, Clock, image, pose

from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.finger_watch import FingerWatch
from vjepa_ros.robot.goals import GoalSwitchConfig, SubGoal
from vjepa_ros.robot.mpc import MPCSession
from vjepa_ros.robot.plan_report import PlanOutcome
from vjepa_ros.robot.refusal import RefusalKind
from vjepa_ros.robot.safety import SafetyLimits
from vjepa_ros.sim.oracle import OracleWorldModel

pytestmark = pytest.mark.usefixtures("one_thread")

OTHER = "/gripper/joint_states (panda_finger_joint1/2)"  # a robot one namespace above
OWN = "/robot_a/gripper/joint_states (panda_finger_joint1/2)"


class Recorder:
    def __init__(self):
        self.lines = []

    def __call__(self, level, message):
        self.lines.append((level, message))


def guided_session(gripper="subgoal", hand=OTHER, planner_for=None):
    """Return a session that captured two sub-goals (open, then closed) on ``hand``."""
    oracle, clock, log = OracleWorldModel(), Clock(), Recorder()
    session = MPCSession(oracle, CEM, SafetyLimits(), ControlConfig(mode="continuous"),
                         clock=clock, seed=0, goal_switching=GoalSwitchConfig(gripper=gripper),
                         log=log)
    if planner_for is not None:
        session._planner = planner_for(session._planner)
    session.hand_changed(hand)
    for i, state in enumerate((pose(0.02), pose(0.04, 0.3))):
        oracle.remember(image(10 + i), state)
        hold(session, clock, state, image(10 + i))
        session.add_subgoal()
    oracle.remember(image(1), pose())
    return session, clock, log


def hold(session, clock, state, frame):
    """Hold the arm at ``state`` for three 20 Hz ticks, then take ``frame`` there.

    Goal capture refuses a frame when the states in the two state intervals before it show
    the arm moving (robot/frame_rest.py), so each capture pose is reached before its frame.
    """
    for _ in range(3):
        clock.now += 0.05
        session.observe_state(state, clock.now)
    session.observe_image(frame, clock.now)
    session.observe_state(state, clock.now)


def step(session, clock, state=None):
    clock.now += 0.05
    session.observe_image(image(1), clock.now)
    session.observe_state(pose() if state is None else state, clock.now)
    return session.plan_step()


def test_captured_sub_goals_remember_the_hand_they_were_measured_on():
    session, _, _ = guided_session()
    assert [g.hand for g in session.goals.goals] == [OTHER, OTHER]
    assert [g.gripper_command() for g in session.goals.goals] == [0.0, 1.0]


def test_after_a_hand_change_sub_goals_of_the_old_hand_hold_the_arm_with_one_line():
    session, clock, log = guided_session()
    session.set_enabled(True)
    assert step(session, clock).command is not None, "the hand captured on is the hand measured"
    session.hand_changed(OWN)  # this arm's own gripper driver published
    warnings = [m for level, m in log.lines if level == "warning" and "gripper is now" in m]
    assert len(warnings) == 1
    assert warnings[0] == (
        f"the gripper is now {OWN}: sub-goals 1, 2 were captured while the gripper's closedness "
        f"came from {OTHER}, not this arm's hand {OWN}, and goals.gripper subgoal would command "
        "that closedness: call ~/clear_goals and capture the sub-goals again (~/add_subgoal)")
    sent = session.commands_sent
    assert step(session, clock) is None, "nothing planned toward them"
    assert session.commands_sent == sent and session.last_gripper == 0.0
    status = session.snapshot()
    assert status.refusal.kind is RefusalKind.NO_GOAL
    assert "captured while the gripper's closedness came from" in status.refusal.detail
    assert any("capture the sub-goals again" in b.detail for b in session.blocking_problems(
        clock.now))


def test_a_plan_toward_an_old_hands_sub_goal_in_flight_at_the_change_is_discarded():
    holder = {}

    class ChangesWhilePlanning:
        def __init__(self, planner):
            self.planner = planner

        def plan(self, *args, **kwargs):
            out = self.planner.plan(*args, **kwargs)
            if holder.get("armed"):
                holder["armed"] = False
                holder["session"].hand_changed(OWN)
            return out

        def reset(self):
            self.planner.reset()

        def __getattr__(self, name):
            return getattr(self.planner, name)

    session, clock, _ = guided_session(planner_for=ChangesWhilePlanning)
    holder.update(session=session, armed=True)
    session.set_enabled(True)
    report = step(session, clock)
    assert report.outcome is PlanOutcome.DISCARDED, report.reason
    assert report.command is None and report.gripper_command is None
    assert session.commands_sent == 0


def test_the_list_cannot_grow_on_old_hands_sub_goals_and_a_new_list_plans_again():
    session, clock, _ = guided_session()
    session.hand_changed(OWN)
    hold(session, clock, pose(0.06), image(12))
    with pytest.raises(RuntimeError, match=r"~/add_subgoal refused: sub-goal\(s\) 1, 2 of the "
                                           r"list were captured on another hand than this arm's"):
        session.add_subgoal()
    assert len(session.goals.goals) == 2, "nothing added"
    session.clear_goals()
    session.observe_image(image(12), clock.now)
    session.model.remember(image(12), pose(0.06))
    session.add_subgoal()
    assert session.goals.goals[0].hand == OWN
    session.set_enabled(True)
    # The arm then stands at pose(), 6 cm from its last state: the jump watch holds it for 1 s
    # until the states agree, and the new list plans after that.
    reports = [step(session, clock) for _ in range(30)]
    assert any(r is not None and r.command is not None for r in reports)


@pytest.mark.parametrize("case", ["same hand again", "ambiguous meanwhile", "planned gripper",
                                  "hold gripper", "goal files"])
def test_sub_goals_stay_commanded_when_their_closedness_is_still_this_hands(case):
    gripper = {"planned gripper": "planned", "hold gripper": "hold"}.get(case, "subgoal")
    session, clock, log = guided_session(gripper=gripper)
    if case == "goal files":  # a closedness given with the file, not measured on a hand
        session.set_goals([SubGoal(image(10), 1, source="a.png", gripper=0.0),
                           SubGoal(image(11), 0, source="b.png", gripper=1.0)])
    if case == "ambiguous meanwhile":
        session.hand_changed(None)  # two hands tie: no hand known, the last one stays
        session.hand_changed(OTHER)
    else:
        session.hand_changed(OWN if case != "same hand again" else OTHER)
    session.set_enabled(True)
    assert step(session, clock).command is not None
    assert not [m for level, m in log.lines if "gripper is now" in m]


def test_finger_watch_names_the_hand_it_chose_and_none_while_ambiguous():
    fingers = FingerWatch(arm_topic="/robot_a/joint_states")
    assert fingers.hand is None
    fingers.check_arm("panda_")
    fingers.offer("/gripper/joint_states", "panda_", 0.3, 1.0)  # one namespace above
    assert fingers.hand == OTHER
    fingers.offer("/robot_a/gripper/joint_states", "panda_", 0.0, 1.1)  # this arm's own
    assert fingers.hand == OWN
    fingers.offer("/robot_a/franka_gripper/joint_states", "panda_", 0.0, 1.2)  # a tie
    assert fingers.conflict and fingers.hand is None

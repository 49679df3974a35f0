"""mend60c: one lookup of the state a frame shows, for a plan's start and its view of the hand.

``PlanningSession._state_near`` (a plan's start, ``_start_state``) and
``GripperCommands._hand_seen_before`` (continuous control: did the plan see a hand still moving
to its last command?) looked the state up each their own way; the second put the frame on the
states' clock only while it was still the newest frame. A frame superseded while it was planned on
(every frame, once a plan takes longer than the camera's period) was looked up on the node clock:
with the arm's states from a robot PC 0.24 s ahead, 0.24 s before the arm it showed, and a plan
that started from the hand at its command had its hand change held back as an old view. Now both
ask ``_state_near`` (``_start_state`` adds the hold): the hand judged is the hand the plan started
from.
ROS-free, CPU.
"""

import pytest
from script_rig import ScriptRig
from test_robot_mpc import START, frame

from vjepa_ros.robot.refusal import RefusalKind

AHEAD = 0.24  # [s] the robot PC's clock ahead of the planner's (< max_state_age_s 0.25)
# plan 1 closes the hand (0 + 1.0); plan 2 opens it by 0.4
CLOSE_THEN_OPEN = [[0.0, 0, 0, 0, 0, 0, 1.0], [0.0, 0, 0, 0, 0, 0, -0.4]]
CLOSE_S = 1.2  # [s] the hand's close, 0 to 1 linearly (past hand_motion.HAND_WINDOW_S 1 s)


def _closing_hand(model, states_ahead, camera_ahead, frame_at, superseded):
    """Close the hand, then a frame ``frame_at`` s after the close went out; plan on it.

    States every 10 ms stamped ``states_ahead`` s ahead of the node clock, camera frames every
    30 ms stamped ``camera_ahead`` s ahead (received at once). ``superseded``: a newer frame
    comes while the last one is planned on. Returns (the rig, the report of that plan).
    """
    rig = ScriptRig(model, "continuous", CLOSE_THEN_OPEN, start=[*START[:6], 0.0])
    session = rig.session
    session.goal_switching.gripper = "planned"
    assert session.plan_step().gripper_command == 1.0
    sent, tick = rig.clock.now, 0
    while rig.clock.now < sent + frame_at - 1e-9:
        rig.clock.now += 0.01
        tick += 1
        rig.arm[6] = min(1.0, (rig.clock.now - sent) / CLOSE_S)  # the hand at node time now
        session.observe_state(rig.arm.copy(), rig.clock.now + states_ahead)
        if tick % 3 == 0:
            session.observe_image(frame(tick), rig.clock.now + camera_ahead)
    plan = rig.planner.plan

    def newer_frame_meanwhile(*args, **kwargs):
        if superseded:
            rig.clock.now += 0.01
            session.observe_image(frame(999), rig.clock.now + camera_ahead)
        return plan(*args, **kwargs)

    rig.planner.plan = newer_frame_meanwhile
    return rig, session.plan_step()


CLOCKS = [
    pytest.param(AHEAD, 0.0, id="usb-camera-states-ahead"),  # breaker59i #1's pair of clocks
    pytest.param(AHEAD, AHEAD, id="one-robot-pc-clock-ahead"),
    pytest.param(0.0, 0.0, id="node-clock"),
]


@pytest.mark.parametrize("superseded", [False, True], ids=["newest", "superseded"])
@pytest.mark.parametrize(("states_ahead", "camera_ahead"), CLOCKS)
def test_a_plan_started_from_the_hand_at_its_command_changes_the_hand(
        model, states_ahead, camera_ahead, superseded):
    """The frame shows the hand closed (1.3 s after the close, the close took 1.2 s).

    Its plan starts from closedness 1.0 and its open goes out (1.0 - 0.4), whether or not a
    newer frame came while it was planned. Before mend60c, superseded beside states 0.24 s
    ahead: the hand was looked up 0.24 s before the frame (0.88 closed, still closing), and
    the plan commanded the arm only.
    """
    rig, report = _closing_hand(model, states_ahead, camera_ahead, 1.3, superseded)
    assert report is not None and report.command is not None, [r.reason for r in rig.reports]
    assert rig.planner.starts[-1][0][6] == pytest.approx(1.0)  # the start: the hand closed
    assert report.gripper_command == pytest.approx(0.6), (
        f"the plan's hand change was held back ({report.gripper_command}): {report.reason}")


@pytest.mark.parametrize("superseded", [False, True], ids=["newest", "superseded"])
@pytest.mark.parametrize(("states_ahead", "camera_ahead"), CLOCKS)
def test_a_plan_started_from_the_hand_mid_close_keeps_the_hand(
        model, states_ahead, camera_ahead, superseded):
    """The frame shows the hand still closing (1.05 s after the close went out, 0.875 closed).

    Its plan starts mid-close; its command would cut the close back (breaker55c): the arm is
    commanded, the hand is not, whatever the clocks and whether or not the frame was superseded.
    """
    rig, report = _closing_hand(model, states_ahead, camera_ahead, 1.05, superseded)
    assert report is not None and report.command is not None, [r.reason for r in rig.reports]
    assert rig.planner.starts[-1][0][6] == pytest.approx(1.05 / CLOSE_S, abs=0.01)
    assert report.gripper_command is None, report.gripper_command


def test_the_lookup_holds_on_a_far_state_only_when_asked(model):
    """A frame 0.4 s after the newest state (limit 0.25 s).

    ``_start_state`` (a plan's start): None and a STALE_INPUTS hold naming the gap.
    ``_state_near`` (the hand's view as the command goes out): the nearest state, no refusal.
    Near: both the same.
    """
    rig = ScriptRig(model, "continuous", [[0.0] * 7])
    session = rig.session
    newest = session.inputs.latest_state()
    session.observe_image(frame(1), rig.clock.now)
    near = session.frame
    assert session._start_state(near) is session._state_near(near) is newest
    rig.clock.now += 0.4
    session.observe_image(frame(2), rig.clock.now)
    far = session.frame
    assert session._state_near(far) is newest
    assert "no robot state near the frame" not in session.refusal
    assert session._start_state(far) is None
    assert session._refusal.kind is RefusalKind.STALE_INPUTS
    assert "no robot state near the frame: nearest is -0.40 s" in session.refusal

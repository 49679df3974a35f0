"""An open to the full width ends a grasp that stands on fingers pried open (mend58a, breaker57e).

franka_gripper takes a GripperCommand within 0.1 mm of the fingers' width as done, and its grasp
keeps pressing after its goal ended; only its ``stop`` service (std_srvs/Trigger) ends it
(``robot/gripper_release.py``). The rule (:class:`ReleaseStop`), the planner node's path
(``GripperGoals`` with a stand-in franka_gripper that presses until a move or a stop), and the
simulator's (``manipulation_loop.gripper_command_path`` on ``Sim``, the fingers pried open by
setting their joints while a grasp stands).
"""

import types

import pytest
from hand_rigs import FrankaHand, Future
from test_gripper_goals import Goal

from vjepa_ros.robot.gripper_goals import GripperGoals
from vjepa_ros.robot.gripper_release import (
    OPEN_WIDTH_MARGIN,
    SAME_WIDTH,
    ReleaseStop,
    goal_position,
    stop_service_name,
    wider_than_set,
)

MAX = 0.08  # m: the Franka Hand's full opening


@pytest.mark.parametrize("action, stop", [
    ("/fr3_gripper/gripper_action", "/fr3_gripper/stop"),
    ("/robot1/franka_gripper/gripper_action", "/robot1/franka_gripper/stop"),
    ("/fr3_gripper/gripper_action/", "/fr3_gripper/stop"),
    ("gripper_action", "stop"),
    ("/gripper_action", "/stop"),
    ("/gripper_cmd", ""),  # not franka_gripper's action: no stop (an unrelated /stop, fix58r)
    ("gripper_cmd", ""),
    ("/gripper_controller/gripper_cmd", ""),  # ros2_controllers' gripper_action_controller
    ("/fr3_gripper/gripper_action_x", ""),
])
def test_the_stop_service_is_franka_gripper_s_beside_its_action(action, stop):
    assert stop_service_name(action) == stop


# (measured width between the fingers [m] or None, whether the stop is due before the open)
PRIED = [
    (MAX, True),  # pried fully open: closedness 0 exactly, the open is done at once
    (MAX - 0.5 * SAME_WIDTH, True),  # within franka_gripper's 0.1 mm
    (MAX - SAME_WIDTH, True),  # pried to 79.9 mm: franka_gripper's edge
    (MAX - 2 * SAME_WIDTH, True),  # 79.8 mm: fully open by the node's rule (a hand homed there)
    (MAX - OPEN_WIDTH_MARGIN, True),  # 78 mm: the node's edge (an open finding them got there)
    (MAX - OPEN_WIDTH_MARGIN - SAME_WIDTH, False),  # 77.9 mm: the open is a move, ending it
    ((1 - 0.03) * MAX, False),  # within control.gripper_deadband of open: a move
    (None, False),  # not measured: the goal decides (a stop could cut a move short)
]


@pytest.mark.parametrize("width, due", PRIED)
def test_a_stop_is_due_before_an_open_done_at_once_after_a_close(width, due):
    release = ReleaseStop()
    release.sent(1.0)  # the close (a grasp stands)
    assert release.due(0.0, width, MAX) is due
    assert release.due(-0.4, width, MAX) is due  # an unclipped open alike


def test_no_stop_after_an_open_a_stop_or_for_a_partial_open():
    release = ReleaseStop()
    assert not release.due(0.0, MAX, MAX)  # no goal of ours yet: no grasp of ours stands
    release.sent(1.0)
    assert release.due(0.0, MAX, MAX)
    release.sent(0.0)
    assert not release.due(0.0, MAX, MAX)  # our open went out: no grasp of ours stands
    release.sent(0.6)
    assert not release.due(0.3, MAX, MAX)  # not the full opening: a hold there is kept
    release.stopped()
    assert not release.due(0.0, MAX, MAX)
    release.sent(1.0)
    assert release.due(0.0, MAX, MAX)


class PressingHand(FrankaHand):
    """franka_gripper whose grasp presses until a move or a stop; its ``stop`` service too.

    ``pressing``: a grasp's force is on. ``stop_up``: the service answers; ``stop_ok``: its
    ``success``. ``stops``: how many stop calls came.
    """

    def __init__(self, *args, stop_up=True, stop_ok=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.pressing, self.stop_up, self.stop_ok, self.stops = False, stop_up, stop_ok, 0

    def _start(self, entry):
        target = entry["target"]
        if 0 <= target <= self.max_width and abs(target - self.width) >= self.SAME:
            self.pressing = target < self.width  # a grasp presses; a move ends one
        super()._start(entry)

    def service_is_ready(self):
        return self.stop_up

    def call_async(self, _request):
        self.stops += 1
        self.pressing = False
        self.running.clear()
        done = Future()
        done.finish(types.SimpleNamespace(success=self.stop_ok,
                                          message="" if self.stop_ok else "gripper in error"))
        return done


def _goals(hand, measured, lines, stop=True):
    return GripperGoals(hand, Goal, "/fr3_gripper/gripper_action", MAX, 20.0,
                        lambda text: lines.append(("warn", text)),
                        lambda text: lines.append(("info", text)), measured_width=measured,
                        stop=hand if stop else None, stop_request=lambda: object())


def _pried(width, stop=True, **hand):
    """Close on a 3 cm object, pry the fingers to ``width`` [m] (None: unmeasured), open."""
    hand = PressingHand(object_width=0.03, **hand)
    measured, lines = [None if width is None else hand.width], []
    goals = _goals(hand, lambda: measured[0], lines, stop)
    goals.send(1.0)
    hand.advance(1.0)
    assert hand.pressing and hand.width == pytest.approx(0.03)
    hand.object_width, hand.width = None, (MAX if width is None else width)  # pried open
    measured[0] = width
    goals.send(0.0)
    hand.advance(1.0)
    return hand, lines


@pytest.mark.parametrize("width, due", PRIED[:-1])
def test_the_node_s_open_releases_a_grasp_on_fingers_pried_open(width, due):
    hand, lines = _pried(width)
    assert not hand.pressing, "the grasp still presses after the planned open"
    assert hand.stops == int(due)  # the stop only where the goal alone would not release
    assert hand.width == pytest.approx(MAX, abs=SAME_WIDTH)
    assert not [text for level, text in lines if level == "warn"]


def test_an_unmeasured_hand_s_open_goes_out_alone():
    """No finger reading: no stop (racing a move it would cut it short); the goal decides.

    Here the fingers sit at the full width, so franka_gripper takes it as done and the grasp
    stands: the known limit (README), as a planned command needs the hand measured anyway.
    """
    hand, _ = _pried(None)
    assert hand.stops == 0 and hand.received[-1][0] == pytest.approx(MAX / 2)
    assert hand.pressing


def test_without_a_stop_service_one_info_line_names_it():
    """Info, not a warning: ros2_controllers' servers have none and need none (fix58r)."""
    hand, lines = _pried(MAX, stop_up=False)
    assert hand.pressing  # nothing else can release it: said
    assert not [text for level, text in lines if level == "warn"]
    said = [text for level, text in lines if "/fr3_gripper/stop" in text]
    assert len(said) == 1 and "pried" in said[0] and ("info", said[0]) in lines


def test_no_stop_client_no_stop_and_no_word():
    hand, lines = _pried(MAX, stop=False)
    assert hand.stops == 0 and not [text for level, text in lines if level == "warn"]


def test_a_failing_stop_is_warned_with_its_message():
    _, lines = _pried(MAX, stop_ok=False)
    warned = [text for level, text in lines if level == "warn"]
    assert len(warned) == 1 and "gripper in error" in warned[0] and "/fr3_gripper/stop" in \
        warned[0]


# -- the simulator: the same semantics, the same client rule

@pytest.fixture
def sim():
    pytest.importorskip("pybullet", reason="the simulator needs pybullet")
    from vjepa_ros.sim import Sim
    from vjepa_ros.sim.config import CameraConfig, SceneConfig, SimConfig

    with Sim(SimConfig(scene=SceneConfig(num_objects=0),
                       camera=CameraConfig(width=32, height=32))) as made:
        yield made


def _pry(sim, finger: float) -> None:
    for joint in sim.handles.finger_joints:
        sim._p.resetJointState(sim.handles.robot, joint, finger, 0.0,
                               physicsClientId=sim.client)


@pytest.mark.parametrize("finger", [0.04, 0.04025, 0.03995, 0.0388])
def test_the_simulated_open_releases_a_grasp_on_fingers_pried_open(sim, finger):
    """A grasp stands, the fingers pried open; the planner's open: no grasp, they stay open.

    Pried to 2 x ``finger``: 80 mm, 80.5 (past the joint limit), 79.9, 77.6 (within the deadband).
    """
    from vjepa_ros.robot.control_config import ControlConfig
    from vjepa_ros.sim.manipulation_loop import gripper_command_path

    send = gripper_command_path(sim, ControlConfig())
    send(1.0)
    sim.step(20)
    assert sim.gripper_goal.grasp
    _pry(sim, finger)
    send(0.0)
    assert not sim.gripper_goal.grasp
    sim.step(240)
    assert float(sim.finger_positions().sum()) > 0.077


def test_the_simulated_open_alone_leaves_the_grasp_standing(sim):
    """Pin: franka_gripper's semantics without the stop (the GripperCommand alone) keep it."""
    from vjepa_ros.robot.joint_states import finger_position

    sim.command_gripper(finger_position(1.0), 20.0)
    sim.step(20)
    _pry(sim, 0.04)
    sim.command_gripper(finger_position(0.0), 20.0)
    assert sim.gripper_goal.grasp
    sim.stop_gripper()
    assert not sim.gripper_goal.grasp


# -- a hand homed wider than robot.gripper_max_width (mend58c) ----------------------------------

# (the hand's homed opening [m], robot.gripper_max_width [m])
WIDER = [(0.0805, MAX), (0.085, MAX), (MAX, 0.075), (MAX, 0.06)]


@pytest.mark.parametrize("homed, max_width", WIDER)
@pytest.mark.parametrize("closed_first", [False, True], ids=["open", "after_a_grasp"])
def test_an_open_never_closes_a_hand_homed_wider_than_set(homed, max_width, closed_first):
    """The planner's open to robot.gripper_max_width on fingers wider than it: they stay open.

    Before: the goal's width was the parameter's, narrower than the fingers, so franka_gripper
    (the stand-in) ran it as a grasp and the hand closed (the node read closedness 0 all along).
    ``after_a_grasp``: a grasp stands on fingers pried back to the full opening.
    """
    hand, lines = PressingHand(width=homed, max_width=homed), []
    goals = GripperGoals(hand, Goal, "/fr3_gripper/gripper_action", max_width, 20.0,
                         lambda text: lines.append(("warn", text)),
                         lambda text: lines.append(("info", text)),
                         measured_width=lambda: hand.width, stop=hand,
                         stop_request=lambda: object())
    if closed_first:
        hand.object_width = 0.03
        goals.send(1.0)
        hand.advance(1.0)
        assert hand.pressing and hand.width == pytest.approx(0.03)
        hand.object_width, hand.width = None, homed  # pried open
    for _ in range(3):  # the open, and the same open again (the deadband's resends)
        goals.send(0.0)
        hand.advance(1.0)
        assert hand.width == pytest.approx(homed, abs=SAME_WIDTH), "the open closed the hand"
        assert not hand.pressing
    assert 2 * hand.received[-1][0] > homed - SAME_WIDTH  # never narrower than the fingers
    assert not [text for level, text in lines if level == "warn"]


def test_an_open_from_a_held_object_opens_to_the_set_width():
    """Fingers narrower than robot.gripper_max_width: the open goes to the parameter's width."""
    hand, lines = PressingHand(width=0.03, max_width=0.085), []
    goals = _goals(hand, lambda: hand.width, lines)
    goals.send(0.0)
    hand.advance(1.0)
    assert hand.received[-1][0] == pytest.approx(MAX / 2) and hand.width == pytest.approx(MAX)
    goals.send(0.2)  # a partial close is the planner's, whatever the fingers' width
    assert hand.received[-1][0] == pytest.approx(0.8 * MAX / 2)


@pytest.mark.parametrize("closedness, measured, expected", [
    (0.0, 0.085, 0.085 - SAME_WIDTH / 2),  # wider than set: the fingers' width (done at once)
    (-0.3, 0.0805, 0.0805 - SAME_WIDTH / 2),  # an unclipped open alike
    (0.0, 0.0801, 0.0801 - SAME_WIDTH / 2),  # within 0.1 mm: either is done at once
    (0.0, 0.05, MAX),  # narrower: a move to the set width
    (0.0, None, MAX),  # not measured: the set width
    (0.01, 0.085, 0.99 * MAX),  # not an open: the planner's closedness
])
def test_goal_position_is_the_set_width_or_the_fingers_for_an_open(closedness, measured,
                                                                   expected):
    assert 2 * goal_position(closedness, MAX, measured) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("measured, max_width, said, advice", [
    (0.0805, MAX, True, "at most"),  # past the Franka Hand's: the parameter cannot follow
    (0.085, MAX, True, "at most"),
    (MAX, 0.075, True, "restart the planner with robot.gripper_max_width"),
    (0.0752, 0.075, False, ""),  # within the tolerance: a reading's noise
    (0.07, 0.075, False, ""),
    (None, 0.075, False, ""),
])
def test_a_hand_wider_than_set_is_named_with_its_width(measured, max_width, said, advice):
    line = wider_than_set(measured, max_width)
    assert bool(line) is said
    if said:
        assert "robot.gripper_max_width" in line and f"{measured * 1000:.1f} mm" in line, line
        assert advice in line, line

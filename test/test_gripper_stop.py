"""franka_gripper's stop before an open: when it is asked for, where it is called, in which order.

review58r: the stop was asked for before the first open of an open hand (a grasp was assumed
to stand at start), warned about on every lab without franka_gripper (ros2_controllers' gripper
has no ``stop``), its once-only line used up while no server answered; any ``…/stop`` beside an
action of another name (``/gripper_cmd`` → ``/stop``) could be called; and the open went out
beside the stop, so franka_gripper could take them in either order. Now: a stop only after a
goal of ours that may have left a grasp; an info line, once, only with the action server up;
only at a node serving both the action and the stop (the ROS graph); the open after the stop's
answer (or :data:`~vjepa_ros.robot.gripper_stop.STOP_ANSWER_S` without one).
"""

import time

import pytest
from hand_rigs import Future
from test_gripper_release import MAX, PressingHand, _goals

from vjepa_ros.robot.gripper_stop import STOP_ANSWER_S, BesideActionStop

STOP = "/fr3_gripper/stop"


def _stop_lines(lines):
    return [(level, text) for level, text in lines if STOP in text]


@pytest.mark.parametrize("stop_up", [True, False])
@pytest.mark.parametrize("width", [MAX, MAX - 0.00005])
def test_an_open_hand_s_first_open_asks_for_no_stop(stop_up, width):
    """The node starts on an open hand and opens it: no grasp of ours can stand."""
    hand = PressingHand(width=width, stop_up=stop_up)
    lines = []
    goals = _goals(hand, lambda: width, lines)  # the width between the fingers [m]
    assert goals.send(0.0)
    hand.advance(1.0)
    assert hand.stops == 0 and not _stop_lines(lines)
    assert not [text for level, text in lines if level == "warn"]
    assert goals.send(0.0) and hand.stops == 0 and not _stop_lines(lines)  # and again


def test_the_missing_stop_is_said_only_once_the_action_server_answers():
    hand = PressingHand(object_width=0.03, stop_up=False)
    measured, lines = [MAX], []  # the width between the fingers [m]: open
    goals = _goals(hand, lambda: measured[0], lines)
    goals.send(1.0)
    hand.advance(1.0)
    hand.crash()  # franka_gripper down (or not up yet): nothing goes out
    hand.object_width, hand.width, measured[0] = None, MAX, MAX
    assert not goals.send(0.0)
    assert not _stop_lines(lines)  # no word about a stop for an open that did not go out
    hand.restart()
    assert goals.send(0.0)
    said = _stop_lines(lines)
    assert len(said) == 1 and said[0][0] == "info" and "opens go out alone" in said[0][1]


class SlowStopHand(PressingHand):
    """A franka_gripper whose stop answers only when told (``answer``), or never."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pending = []

    def call_async(self, _request):
        self.stops += 1
        done = Future()
        self.pending.append(done)
        return done

    def answer(self):
        import types

        self.pressing = False
        self.running.clear()
        self.pending.pop(0).finish(types.SimpleNamespace(success=True, message=""))


def _closed_then_pried(hand):
    measured, lines = [MAX], []  # the width between the fingers [m]: open
    goals = _goals(hand, lambda: measured[0], lines)
    goals.send(1.0)
    hand.advance(1.0)
    assert hand.pressing
    hand.object_width, hand.width = None, MAX  # a box turned between the fingers
    return goals, lines


def test_the_open_goes_out_only_after_the_stop_answered():
    hand = SlowStopHand(object_width=0.03)
    goals, lines = _closed_then_pried(hand)
    sent = len(hand.received)
    delivery = goals.send(0.0)
    assert delivery and hand.stops == 1
    assert len(hand.received) == sent, "the open went out before the stop's answer"
    hand.answer()
    assert len(hand.received) == sent + 1 and hand.received[-1][0] == pytest.approx(MAX / 2)
    hand.advance(1.0)
    assert not hand.pressing and delivery.state == "ended"  # done at once: got there
    assert not [text for level, text in lines if level == "warn"]


def _wait_for(condition, what):
    deadline = time.monotonic() + 60 * STOP_ANSWER_S  # a bound for a busy machine, no limit
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


def test_a_stop_that_never_answers_lets_the_open_go_out_said_once():
    hand = SlowStopHand(object_width=0.03)
    goals, lines = _closed_then_pried(hand)
    for round_ in range(2):
        sent = len(hand.received)
        assert goals.send(0.0)
        _wait_for(lambda sent=sent: len(hand.received) == sent + 1, "the open never went out")
        assert hand.received[-1][0] == pytest.approx(MAX / 2)
        if round_ == 0:  # a grasp again, pried open again
            goals.send(1.0)
            hand.object_width, hand.width = 0.03, 0.05
            hand.advance(1.0)
            hand.object_width, hand.width = None, MAX
    assert hand.stops == 2
    late = [text for level, text in lines if level == "warn" and "did not answer" in text]
    assert len(late) == 1 and STOP in late[0] and "goes out anyway" in late[0]


# -- where the stop is called: the ROS graph (a real rclpy context)

def _node(rclpy_node, context, name, namespace="/"):
    return rclpy_node.Node(name, namespace=namespace, context=context)


def _serve(node, *names):
    from std_srvs.srv import Trigger

    for name in names:  # a Trigger at an action's goal service name: the graph sees only names
        node.create_service(Trigger, name, lambda _request, response: response)


def _beside(context, client_namespace, action, stop, served):
    """Serve ``served`` {node name: service names}; return the planner's BesideActionStop."""
    import rclpy.node
    from std_srvs.srv import Trigger

    nodes = []
    for name, names in served.items():
        nodes.append(_node(rclpy.node, context, name))
        _serve(nodes[-1], *names)
    planner = _node(rclpy.node, context, "vjepa_planner", client_namespace)
    nodes.append(planner)
    client = planner.create_client(Trigger, stop)
    _wait_for(client.service_is_ready, f"{stop} never appeared")
    return BesideActionStop(planner, client, action, stop), nodes


@pytest.mark.parametrize("client_namespace, action, stop", [
    ("/", "/fr3_gripper/gripper_action", "/fr3_gripper/stop"),
    ("/fr3_gripper", "gripper_action", "stop"),  # relative names, resolved in the namespace
])
def test_the_stop_is_ready_where_the_action_s_node_serves_it(context, client_namespace, action,
                                                           stop):
    served = {"fr3_gripper": ["/fr3_gripper/gripper_action/_action/send_goal",
                              "/fr3_gripper/stop"]}
    beside, nodes = _beside(context, client_namespace, action, stop, served)
    try:
        _wait_for(beside.service_is_ready, "franka_gripper's stop beside its action not found")
    finally:
        for node in nodes:
            node.destroy_node()


def test_a_stop_served_by_another_node_is_never_called(context):
    """/gripper_action on one node, /stop on a conveyor's: not franka_gripper's stop."""
    served = {"gripper": ["/gripper_action/_action/send_goal"], "conveyor": ["/stop"]}
    beside, nodes = _beside(context, "/", "/gripper_action", "/stop", served)
    try:
        _wait_for(lambda: "/gripper_action/_action/send_goal" in dict(
            beside.node.get_service_names_and_types()), "the action's goal service never appeared")
        assert beside.client.service_is_ready() and not beside.service_is_ready()
    finally:
        for node in nodes:
            node.destroy_node()


@pytest.mark.parametrize("action, stop", [
    ("/gripper_controller/gripper_cmd", None),  # ros2_controllers' gripper_action_controller
    ("/gripper_cmd", None),  # its /stop would be anyone's
    ("/fr3_gripper/gripper_action", "/fr3_gripper/stop"),
])
def test_the_node_makes_a_stop_client_only_for_franka_gripper_s_action(context, gripper_action,
                                                                      action, stop):
    from types import SimpleNamespace

    import rclpy.node

    from vjepa_ros.nodes.planner_outputs import PlannerOutputs
    from vjepa_ros.robot.control_config import ControlConfig

    class Outputs(PlannerOutputs, rclpy.node.Node):
        pass

    node = Outputs("vjepa_planner", context=context)
    try:
        node.config = SimpleNamespace(control=ControlConfig(gripper_action=action),
                                      robot=SimpleNamespace(gripper_max_width=MAX))
        goals = node._gripper_action_client()
        if stop is None:
            assert goals.stop is None
        else:
            assert isinstance(goals.stop, BesideActionStop)
            assert goals.stop.stop_service == stop
            assert goals.stop.goal_service == f"{action}/_action/send_goal"
    finally:
        node.destroy_node()

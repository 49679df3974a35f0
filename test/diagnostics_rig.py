"""The planner node's ``/diagnostics`` as the tests read them (rclpy needed to call these).

:func:`node_diagnostics` (first written for breaker51f): one ``/diagnostics`` publication of a
session, the ROS graph stubbed. :func:`commanding` (breaker55f): a ``planner_harness`` node
brought to commanding; :data:`OK` its level then. :class:`NoGripperServer` (breaker55f): an
``rclpy.action.ActionClient`` for a GripperCommand server that is not there (conftest.py's
``gripper_action`` fixture installs it).
"""

from types import SimpleNamespace

OK = b"\x00"  # diagnostic_msgs/DiagnosticStatus.OK


def node_diagnostics(session, model, problem):
    """Publish the node's ``/diagnostics`` once (graph stubbed, ``twin_problem`` = ``problem``).

    Returns (its one ``DiagnosticStatus``, its values as a dict). Needs rclpy.
    """
    from builtin_interfaces.msg import Time

    from vjepa_ros.nodes.planner_diagnostics import PlannerDiagnostics

    sent = []

    class Node(PlannerDiagnostics):  # the attributes _publish_diagnostics reads, graph stubbed
        closing, twin_problem, other_publishers = False, "", []
        goal_not_applied = goal_idle = ""  # the goal parameters set last applied, all used
        foreign_joint_states = frame_refusals = 0
        torch_threads, switch_interval_s = 2, 0.005
        sources = SimpleNamespace(check_graph=lambda: None)
        goal_images = SimpleNamespace(retry=lambda: None, pending=None)
        fingers = SimpleNamespace(topic="", conflict=False, status=lambda now: "none yet")
        config = SimpleNamespace(robot=SimpleNamespace(model="fr3"))
        diagnostics_pub = SimpleNamespace(publish=sent.append)

        def __init__(self):
            self.session, self.model = session, model

        def _check_other_publishers(self):
            self.twin_problem = problem

        def _input_problems(self):
            return []

        def get_fully_qualified_name(self):
            return "/vjepa_planner"

        def get_clock(self):
            return SimpleNamespace(now=lambda: SimpleNamespace(to_msg=Time))

    Node()._publish_diagnostics()
    status, = sent[-1].status
    return status, {pair.key: pair.value for pair in status.values}


def commanding(h) -> None:
    """Capture a goal once a frame is there, enable, wait for commands."""
    assert h.pump(1.5, until=lambda: h.session.frame is not None), "no camera frame"
    assert h.capture().success
    assert h.enable().success
    assert h.pump(3.0, until=lambda: h.session.commands_sent > 3), "setup: no commands"


class NoGripperServer:
    """``rclpy.action.ActionClient`` for a GripperCommand server that is not there."""

    def __init__(self, node, action_type, name):
        self.name = name

    def server_is_ready(self):
        return False

    def send_goal_async(self, goal):
        raise AssertionError("a goal sent to a server that is not ready")

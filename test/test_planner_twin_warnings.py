"""A twin planner, or another command publisher, is warned once per appearance (user33).

The 2 Hz graph check ran every second into the log in shadow mode; its advice must work for
the command in use. Run on a stand-in node for the ``PlannerDiagnostics`` mixin, no ROS graph.
"""

import types

import pytest

pytest.importorskip("diagnostic_msgs", reason="rclpy is installed by scripts/bootstrap.sh")
import vjepa_ros.nodes.planner_diagnostics as planner_diagnostics  # noqa: E402

TWIN = "/vjepa_planner (another process of this name)"


class Graph:
    """What ``other_publishers`` returns, changed by the test: (others, twins).

    Also which of the others are planners of this package (``package_planners``).
    """

    def __init__(self):
        self.others, self.twins, self.planners = [], 0, set()

    def package_planners(self, node, names):
        return {name for name in names if name in self.planners}

    def __call__(self, node, topic):
        return list(self.others), self.twins


def stand_in(enabled=False):
    warnings = []
    node = types.SimpleNamespace(
        twin_problem="", base_frame_problem="", other_publishers=[], warned_publishers=[],
        warnings=warnings,
        target_pub=types.SimpleNamespace(topic_name="/target_pose"),
        session=types.SimpleNamespace(enabled=enabled),
        get_fully_qualified_name=lambda: "/vjepa_planner",
        get_logger=lambda: types.SimpleNamespace(warning=warnings.append))
    node._publishers_warning = lambda: planner_diagnostics.PlannerDiagnostics.\
        _publishers_warning(node)
    node._node_refusals = types.MethodType(
        planner_diagnostics.PlannerDiagnostics._node_refusals, node)
    return node


def check(node, times=1):
    for _ in range(times):
        planner_diagnostics.PlannerDiagnostics._check_other_publishers(node)


@pytest.fixture
def graph(monkeypatch):
    graph = Graph()
    monkeypatch.setattr(planner_diagnostics, "other_publishers", graph)
    monkeypatch.setattr(planner_diagnostics, "package_planners", graph.package_planners)
    return graph


@pytest.mark.parametrize("enabled", [False, True])
def test_a_twin_is_warned_again_only_after_it_went_away_and_came_back(graph, enabled):
    node = stand_in(enabled)
    graph.others, graph.twins = [TWIN], 1
    check(node, 5)
    assert len(node.warnings) == 1 and node.warnings[0].startswith(
        "another node named /vjepa_planner publishes on /target_pose (2 of this name)")
    graph.others, graph.twins = [], 0
    check(node, 3)
    assert node.twin_problem == "" and len(node.warnings) == 1
    graph.others, graph.twins = [TWIN], 1
    check(node, 3)
    assert len(node.warnings) == 2, node.warnings


def test_another_command_publisher_is_warned_once_while_enabled_and_never_in_shadow(graph):
    graph.others = ["/teleop"]
    shadow = stand_in()
    check(shadow, 4)
    assert shadow.warnings == [] and shadow.other_publishers == ["/teleop"]
    node = stand_in(enabled=True)
    check(node, 4)
    assert node.warnings == ["another node publishes on /target_pose: /teleop — two sources "
                             "of arm commands fight each other"]


def test_the_twin_advice_names_a_fix_for_each_way_of_starting_the_planner():
    line = planner_diagnostics.twin_line("/vjepa_planner", "/target_pose", 1)
    assert "ros2 run vjepa_ros planner_node --ros-args -r __ns:=/<namespace>" in line
    assert "ros2 launch vjepa_ros vjepa_mpc.launch.py namespace:=<namespace>" in line
    assert "vjepa-ros launch has no namespace option" in line


def test_a_twin_is_warned_again_when_their_number_changes(graph):
    node = stand_in()
    graph.others, graph.twins = [TWIN], 1
    check(node, 2)
    graph.twins = 2
    check(node, 2)
    assert [w.split(": ")[0] for w in node.warnings] == [
        "another node named /vjepa_planner publishes on /target_pose (2 of this name)",
        "another node named /vjepa_planner publishes on /target_pose (3 of this name)"]


def test_the_twin_advice_says_the_command_topic_must_differ_too():
    # breaker34b: "relaunch with namespace:=arm2" kept an absolute target_topic: two planners
    # on one command topic again
    line = planner_diagnostics.twin_line("/vjepa_planner", "/cartesian/target_pose", 1)
    assert "under another namespace with a command topic of its own" in line
    assert line.endswith("an absolute one must be changed too, else both still command "
                         "/cartesian/target_pose)")


@pytest.mark.parametrize("enabled", [False, True])
def test_another_planner_on_the_command_topic_is_a_twin_under_any_name(graph, enabled):
    node = stand_in(enabled)
    graph.others, graph.planners = ["/arm2/vjepa_planner", "/teleop"], {"/arm2/vjepa_planner"}
    check(node, 3)
    assert node.twin_problem == node.warnings[0] == (
        "another vjepa_ros planner (/arm2/vjepa_planner) publishes on /target_pose: two "
        "planners would command the arm, so ~/enable is refused; stop it, or give one of them "
        "a command topic of its own (ros2 launch ... target_topic:=, ros2 run ... -r "
        "target_pose:=, vjepa-ros launch --target-topic)")
    assert len(node.warnings) == 1, "once per appearance"
    graph.planners = set()  # only a teleop node left: no twin (a warning while enabled)
    check(node)
    assert node.twin_problem == ""


def test_enable_is_refused_while_another_planner_commands_the_same_topic(graph):
    from vjepa_ros.nodes.planner_node import PlannerNode

    node = stand_in()
    node._check_recorded_inputs = lambda: None
    node._check_other_publishers = lambda: check(node)
    graph.others, graph.planners = ["/arm2/vjepa_planner"], {"/arm2/vjepa_planner"}
    request = types.SimpleNamespace(data=True)
    response = PlannerNode._enable(node, request, types.SimpleNamespace())
    assert response.success is False
    assert response.message.startswith("another vjepa_ros planner (/arm2/vjepa_planner) "
                                       "publishes on /target_pose"), response.message

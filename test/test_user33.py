"""user33: a new user's pass over launching, parameters and goals on a lab arm (open defects).

Each test is a defect found driving the planner against the simulator, written as it should
behave; ``xfail(strict=True)`` until it is fixed. They run without a ROS graph: the launch file
against recording stand-ins, the node's diagnostics mixin on a stand-in node.
"""

import types

import pytest
from test_launch_files import load_launch_file

from vjepa_ros.nodes.input_watch import InputWatch

IMAGE = "sensor_msgs/msg/Image"


def _launch_default(value, declared):
    """Return the value launch_ros gives one entry of the launch file's dict, no arguments."""
    if type(value).__name__ == "ParameterValue":
        value = value.args[0]
    if type(value).__name__ == "LaunchConfiguration":
        return declared[value.args[0]]
    return value


def test_the_launch_file_keeps_what_a_lab_params_file_sets(monkeypatch):
    # ros2 launch vjepa_ros vjepa_mpc.launch.py params_file:=lab.yaml, the file holding
    # model.checkpoint, model.device: cuda:1 and image_transport: compressed. rcl applies the
    # parameter sources in order, so the dict after the file wins: the checkpoint becomes ""
    # (refused, naming launch_ros' temporary file), the device and transport the defaults.
    entities = load_launch_file(monkeypatch, "vjepa_mpc.launch.py")
    declared = {e.kwargs.get("name", e.args[0] if e.args else None):
                e.kwargs.get("default_value") for e in entities
                if type(e).__name__ == "DeclareLaunchArgument"}
    planner = next(e.kwargs for e in entities if type(e).__name__ == "Node"
                   and e.kwargs["executable"] == "planner_node")
    lab = {"model.checkpoint": "/data/vjepa2-ac-vitg.pt", "model.device": "cuda:1",
           "image_transport": "compressed"}
    effective = dict(lab)
    for source in planner["parameters"][1:]:  # after the params_file argument
        effective.update({name: _launch_default(value, declared)
                          for name, value in source.items() if name in lab})
    assert effective == lab


def test_the_silent_input_hint_does_not_offer_another_robots_camera():
    # Two arms in one domain (planner_node -r __ns:=/arm1, __ns:=/arm2); arm1's simulator is
    # still starting. The hint said: "no camera image on /arm1/camera/camera/color/image_raw in
    # 5 s: is the camera image on /arm2/camera/camera/color/image_raw? set it: ... -r image:=
    # /arm2/camera/camera/color/image_raw": following it plans arm1 on arm2's frames.
    watch = InputWatch("camera image", "/arm1/camera/camera/color/image_raw", IMAGE,
                       "set it: -r image:={topic}", started=0.0)
    hint = watch.hint({"/arm2/camera/camera/color/image_raw": [IMAGE]})
    offered = "is the camera image on /arm2/" in hint
    assert not offered or "another" in hint, hint


class _Publisher:
    def __init__(self):
        self.sent = []

    def publish(self, msg):
        self.sent.append(msg)


class _Logger:
    def __init__(self):
        self.warnings = []

    def warning(self, line):
        self.warnings.append(line)


def _stand_in(namespace: str):
    """Return a stand-in planner node for the ``PlannerDiagnostics`` mixin, in ``namespace``."""
    from builtin_interfaces.msg import Time

    logger = _Logger()
    node = types.SimpleNamespace(
        closing=False, twin_problem="", base_frame_problem="", other_publishers=[],
        warned_publishers=[], gripper_action=None,
        target_pub=types.SimpleNamespace(topic_name=f"{namespace}/target_pose"),
        session=types.SimpleNamespace(enabled=False, goal_decoding="",
                                      snapshot=lambda: types.SimpleNamespace(blocking=[])),
        sources=types.SimpleNamespace(check_graph=lambda: None), goal_not_applied="", goal_idle="",
        goal_images=types.SimpleNamespace(retry=lambda: None, pending=None),
        fingers=types.SimpleNamespace(topic=f"{namespace}/joint_states", conflict=False,
                                      status=lambda now: "0.01"),
        foreign_joint_states=0, frame_refusals=0,
        config=types.SimpleNamespace(robot=types.SimpleNamespace(model="panda")),
        diagnostics_pub=_Publisher(), logger=logger,
        get_logger=lambda: logger, get_name=lambda: "vjepa_planner",
        get_namespace=lambda: namespace,
        get_fully_qualified_name=lambda: f"{namespace}/vjepa_planner",
        get_clock=lambda: types.SimpleNamespace(
            now=lambda: types.SimpleNamespace(to_msg=lambda: Time())),
        _input_problems=lambda: [], runtime_values=lambda: {})
    return node


def test_two_namespaced_planners_publish_diagnostics_one_can_tell_apart(monkeypatch):
    pytest.importorskip("diagnostic_msgs", reason="rclpy is installed by scripts/bootstrap.sh")
    import vjepa_ros.robot.diagnostics as diagnostics
    from vjepa_ros.nodes.planner_diagnostics import PlannerDiagnostics

    monkeypatch.setattr(diagnostics, "diagnostic_status",
                        lambda snapshot: {"level": 0, "message": "shadow mode", "values": {}})
    monkeypatch.setattr(PlannerDiagnostics, "_check_other_publishers", lambda self: None)
    statuses = []
    for namespace in ("/arm1", "/arm2"):
        node = _stand_in(namespace)
        node._check_other_publishers = lambda: None
        node._node_refusals = types.MethodType(PlannerDiagnostics._node_refusals, node)
        PlannerDiagnostics._publish_diagnostics(node)
        statuses.append(node.diagnostics_pub.sent[0].status[0])
    # rqt_robot_monitor and diagnostic_aggregator key a status by its name (hardware_id beside):
    # one row flickering between the two arms' states
    a, b = ((s.name, s.hardware_id) for s in statuses)
    assert a != b, a


def test_a_twin_in_shadow_mode_is_warned_once(monkeypatch):
    pytest.importorskip("diagnostic_msgs", reason="rclpy is installed by scripts/bootstrap.sh")
    import vjepa_ros.nodes.planner_diagnostics as planner_diagnostics

    twin = ["/vjepa_planner (another process of this name)"]
    monkeypatch.setattr(planner_diagnostics, "other_publishers", lambda node, topic: (twin, 1))
    node = _stand_in("")
    node._publishers_warning = lambda: ""
    for _ in range(6):  # 3 s of the 2 Hz diagnostics timer; the twin stays
        planner_diagnostics.PlannerDiagnostics._check_other_publishers(node)
    assert node.twin_problem
    assert len(node.logger.warnings) == 1, node.logger.warnings


def test_vjepa_ros_launch_keeps_what_a_lab_params_file_sets(tmp_path):
    # Live: a file with image_transport: compressed and use_sim_time: true ran the planner with
    # image_transport raw and use_sim_time False (ros2 param get), no word said.
    pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
    import argparse

    from vjepa_ros.nodes.launch_arguments import add_launch_arguments
    from vjepa_ros.nodes.node_launch import mpc_nodes

    lab = tmp_path / "lab.yaml"
    lab.write_text("/**:\n  ros__parameters:\n    model: {checkpoint: demo}\n"
                   "    image_transport: compressed\n    use_sim_time: true\n")
    parser = argparse.ArgumentParser()
    add_launch_arguments(parser)
    args = parser.parse_args(["--params-file", str(lab)])
    planner = mpc_nodes(args.checkpoint or "", args.camera_topic, args.target_topic,
                        args.joint_states_topic, args.gripper_topic, args.camera,
                        args.params_file, args.image_transport)[0]
    overrides = {p.name: p.value for p in
                 planner.node_kwargs(use_sim_time=args.use_sim_time)["parameter_overrides"]}
    file_values = {"image_transport": "compressed", "use_sim_time": True}
    assert {name: overrides.get(name, value) for name, value in file_values.items()} == \
        file_values

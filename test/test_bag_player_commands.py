"""bag_player leaves a live run's recorded commands out of a replay unless ``topics`` names them.

A bag recorded during a live run (``ros2 bag record -a``) holds the planner's own outputs
(``/target_pose`` set-points, ``/gripper_command``...) and other controllers' commands (a
teleop's ``JointTrajectory``, a forward command controller's ``.../commands``). Replayed in
shadow mode beside the robot, a controller listening there would follow them (breaker60d #4).
The rule (``recordings.replayed_commands.recorded_commands``) is checked over the family of names
and types, the planner's publishers against the list it is taken from, and the node over real
rclpy:
no publisher for a command, one warning naming them and the ``topics`` value that plays them,
a named command played, and a bag left with nothing to play refused naming what it holds.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from vjepa_ros.recordings.replayed_commands import left_out_warning, recorded_commands
from vjepa_ros.robot.planner_topics import PLANNER_OUTPUTS

T0 = 1_700_000_000 * 10**9
CAMERA = "/camera/camera/color/image_raw"

COMMANDS = {  # topic, type -> whose command it is (words the warning says)
    ("/target_pose", "geometry_msgs/msg/PoseStamped"): "the planner's command",
    ("/arm1/target_pose", "geometry_msgs/msg/PoseStamped"): "the planner's command",
    ("/gripper_command", "std_msgs/msg/Float64"): "the planner's command",
    ("/servo_twist", "geometry_msgs/msg/TwistStamped"): "the planner's command",
    ("/vjepa_planner/action", "std_msgs/msg/Float64MultiArray"): "the planner's command",
    ("/vjepa_planner/plan_report", "std_msgs/msg/String"): "the planner's output",
    ("/vjepa_planner/debug_image", "sensor_msgs/msg/Image"): "the planner's output",
    ("/diagnostics", "diagnostic_msgs/msg/DiagnosticArray"): "the planner's output",
    ("/teleop/joint_trajectory", "trajectory_msgs/msg/JointTrajectory"): "a controller's command",
    ("/arm/follow", "trajectory_msgs/msg/MultiDOFJointTrajectory"): "a controller's command",
    ("/servo_node/delta_joint_cmds", "control_msgs/msg/JointJog"): "a controller's command",
    ("/forward_position_controller/commands", "std_msgs/msg/Float64MultiArray"):
        "a controller's command",
    ("/cartesian_impedance_controller/equilibrium_pose", "geometry_msgs/msg/PoseStamped"):
        "a controller's command",
    ("/cmd_vel", "geometry_msgs/msg/Twist"): "a controller's command",
    ("/isaac/joint_command", "sensor_msgs/msg/JointState"): "a controller's command",
    ("/goal_pose", "geometry_msgs/msg/PoseStamped"): "a controller's command",
}
NOT_COMMANDS = [  # what a planner is fed, and what a recording of its scene holds besides
    (CAMERA, "sensor_msgs/msg/Image"),
    (CAMERA + "/compressed", "sensor_msgs/msg/CompressedImage"),
    ("/camera/camera/color/camera_info", "sensor_msgs/msg/CameraInfo"),
    ("/joint_states", "sensor_msgs/msg/JointState"),
    ("/franka/joint_states", "sensor_msgs/msg/JointState"),
    ("/current_pose", "geometry_msgs/msg/PoseStamped"),
    ("/vjepa_planner/goal_image", "sensor_msgs/msg/Image"),
    ("/goal_image", "sensor_msgs/msg/Image"),
    ("/tf", "tf2_msgs/msg/TFMessage"),
    ("/clock", "rosgraph_msgs/msg/Clock"),
    ("/rosout", "rcl_interfaces/msg/Log"),
    ("/target_pose", "std_msgs/msg/String"),  # the planner's name, another type: not its output
    ("/gripper_command/_action/status", "action_msgs/msg/GoalStatusArray"),
]


def test_every_command_of_the_family_is_found_and_nothing_a_planner_is_fed():
    """The planner's outputs (namespaced too) and controllers' commands; inputs never."""
    inputs = dict(NOT_COMMANDS)
    found = recorded_commands({**inputs, **dict(COMMANDS.keys())})  # (/target_pose: its pose type)
    for (topic, _), words in COMMANDS.items():
        assert found.get(topic, "").startswith(words), (topic, found.get(topic))
    assert set(found) == {topic for topic, _ in COMMANDS}, found
    assert recorded_commands(inputs) == {}


def test_the_planners_publishers_are_the_outputs_the_rule_is_taken_from():
    """The planner node's publishers are ``PLANNER_OUTPUTS``' names, of their types.

    A publisher added or renamed there is then left out of replays too.
    """
    import vjepa_ros.nodes.planner_node as planner_node
    from vjepa_ros.robot import planner_topics

    tree = ast.parse(Path(planner_node.__file__).read_text())
    made = {}
    for call in ast.walk(tree):
        if isinstance(call, ast.Call) and getattr(call.func, "attr", "") == "create_publisher":
            kind, name = call.args[0], call.args[1]
            if isinstance(kind, ast.Name) and kind.id in ("CompressedImage",):
                continue
            assert isinstance(name, ast.Attribute), ast.dump(name)  # out.NAME, never a literal
            made[getattr(planner_topics, name.attr)] = kind.id
    assert {name: PLANNER_OUTPUTS[name].rpartition("/")[2] for name in made} == made
    assert set(made) == set(PLANNER_OUTPUTS)


def test_the_warning_names_each_command_and_the_topics_value_that_plays_them():
    commands = recorded_commands({"/target_pose": "geometry_msgs/msg/PoseStamped",
                                  "/gripper_command": "std_msgs/msg/Float64"})
    line = left_out_warning(commands, [CAMERA])
    assert "\n" not in line
    assert "/target_pose (the planner's command)" in line
    assert "/gripper_command (the planner's command)" in line
    assert (f"-p bag_player.topics:={CAMERA},/target_pose,/gripper_command" in line
            and f"--ros-args -p topics:={CAMERA},/target_pose,/gripper_command" in line), line


def _bag(path, *extra):
    """Write a live run's recording: camera frames, and ``extra`` (topic, type, make) a step."""
    from vjepa_ros.recordings.bag_writing import write_messages
    from vjepa_ros.recordings.messages import image_message

    frame, entries = np.zeros((32, 32, 3), np.uint8), []
    for i in range(3):
        t = T0 + i * 250_000_000
        entries.append((CAMERA, "sensor_msgs/msg/Image", t,
                        image_message(frame, t, "camera_color_optical_frame")))
        entries += [(topic, msgtype, t + 1000, make(t + 1000)) for topic, msgtype, make in extra]
    return write_messages(path, entries)


def _set_point(t):
    from vjepa_ros.recordings.messages import pose_message

    return pose_message(np.array([0.4, 0, 0.3, np.pi, 0, 0, 0]), t, "base")


def _typed(msgtype, **fields):
    from vjepa_ros.recordings.messages import typestore

    return lambda t: typestore().types[msgtype](**fields)


def _trajectory(t):
    from vjepa_ros.recordings.messages import make_header, typestore

    return typestore().types["trajectory_msgs/msg/JointTrajectory"](
        header=make_header(t, "base"), joint_names=["fr3_joint1"], points=[])


RECORDED_RUN = [
    ("/target_pose", "geometry_msgs/msg/PoseStamped", _set_point),
    ("/gripper_command", "std_msgs/msg/Float64", _typed("std_msgs/msg/Float64", data=0.5)),
    ("/teleop/joint_trajectory", "trajectory_msgs/msg/JointTrajectory", _trajectory),
]


@pytest.fixture
def warnings(monkeypatch):
    """Collect the bag player's warnings (its logger's other levels pass through)."""
    from vjepa_ros.nodes.bag_player import BagPlayer

    lines, made = [], BagPlayer.get_logger

    class Logger:
        def __init__(self, logger):
            self.logger = logger

        def warning(self, text, **kwargs):
            lines.append(text)

        def __getattr__(self, name):
            return getattr(self.logger, name)

    monkeypatch.setattr(BagPlayer, "get_logger", lambda self: Logger(made(self)))
    return lines


def _player(context, bag, **parameters):
    from rclpy.parameter import Parameter

    from vjepa_ros.nodes.bag_player import BagPlayer

    return BagPlayer(context=context, parameter_overrides=[
        Parameter("bag", value=str(bag)), Parameter("start_delay_s", value=3600.0),
        *[Parameter(name, value=value) for name, value in parameters.items()]])


def test_a_recorded_runs_commands_get_no_publisher_and_one_warning(context, tmp_path, warnings):
    pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
    player = _player(context, _bag(tmp_path / "run1", *RECORDED_RUN))
    try:
        assert list(player.publishers_by_topic) == [CAMERA]
    finally:
        player.destroy_node()
    said = [line for line in warnings if line.startswith("not replayed")]
    assert len(said) == 1, warnings
    for topic in ("/target_pose", "/gripper_command", "/teleop/joint_trajectory"):
        assert topic in said[0]
    assert "a controller's command, JointTrajectory" in said[0]
    assert not [line for line in warnings if "not installed" in line]  # said once, as a command


def test_a_command_named_in_topics_is_played_without_a_warning(context, tmp_path, warnings):
    pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
    player = _player(context, _bag(tmp_path / "run1", *RECORDED_RUN),
                     topics=f"{CAMERA},/target_pose")
    try:
        assert set(player.publishers_by_topic) == {CAMERA, "/target_pose"}
    finally:
        player.destroy_node()
    assert not [line for line in warnings if line.startswith("not replayed")]


def test_a_bag_of_commands_only_is_refused_naming_them_and_how_to_play_them(context, tmp_path,
                                                                           warnings):
    """One line, the refusal: no warning beside it saying the same."""
    pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
    from vjepa_ros.recordings.bag_files import BagError
    from vjepa_ros.recordings.bag_writing import write_messages

    bag = write_messages(tmp_path / "setpoints", [
        ("/target_pose", "geometry_msgs/msg/PoseStamped", T0, _set_point(T0))])
    with pytest.raises(BagError, match=r"setpoints: nothing to play: it holds /target_pose \(the "
                       r"planner's command: name it in parameter 'topics' to play"):
        _player(context, bag)
    assert warnings == []


def test_a_bag_of_clock_only_is_refused_naming_it_and_clock_false(context, tmp_path, warnings):
    """Was "no topic of a known message type to play": /clock is of a known type."""
    pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
    from vjepa_ros.recordings.bag_files import BagError
    from vjepa_ros.recordings.bag_writing import write_messages
    from vjepa_ros.recordings.messages import typestore

    store = typestore()
    clock = store.types["rosgraph_msgs/msg/Clock"](
        clock=store.types["builtin_interfaces/msg/Time"](sec=1_700_000_000, nanosec=0))
    bag = write_messages(tmp_path / "sim_clock", [("/clock", "rosgraph_msgs/msg/Clock", T0,
                                                   clock)])
    with pytest.raises(BagError, match=r"sim_clock: nothing to play: it holds /clock \(this "
                       r"player publishes /clock itself; start it with clock false to replay "
                       r"the recorded one: vjepa-ros launch --node bag_player "
                       r"-p bag_player.clock:=false"):
        _player(context, bag)
    assert warnings == []  # the refusal alone (was: the /clock note, then the error)
    player = _player(context, bag, clock=False)  # the advice works
    try:
        assert list(player.publishers_by_topic) == ["/clock"]
    finally:
        player.destroy_node()

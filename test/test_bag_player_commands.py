"""bag_player leaves a live run's recorded commands out of a replay unless ``topics`` names them.

A bag recorded during a live run (``ros2 bag record -a``) holds the planner's own outputs
(``/target_pose`` set-points, ``/gripper_command``...) and other controllers' commands (a
teleop's ``JointTrajectory``, a forward command controller's ``.../commands``). Replayed in
shadow mode beside the robot, a controller listening there would follow them (breaker60d #4).
The rule (``recordings.replayed_commands``) is ``test_replayed_commands.py``'s; here the node over
real rclpy: no publisher for a command, one warning naming them and the ``topics`` value that
plays them, a named command played, and a bag left with nothing to play refused naming what it
holds.
"""

from __future__ import annotations

import numpy as np
import pytest

T0 = 1_700_000_000 * 10**9
CAMERA = "/camera/camera/color/image_raw"


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

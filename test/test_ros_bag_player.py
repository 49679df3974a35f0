"""Real rclpy on loopback: bag_player replays a bag in order, with /clock driving use_sim_time."""

import time

import numpy as np
import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from geometry_msgs.msg import PoseStamped  # noqa: E402
from rclpy.executors import SingleThreadedExecutor  # noqa: E402
from rclpy.parameter import Parameter  # noqa: E402
from rclpy.qos import QoSProfile, qos_profile_sensor_data  # noqa: E402
from rosgraph_msgs.msg import Clock  # noqa: E402
from sensor_msgs.msg import Image  # noqa: E402

from vjepa_ros.eval.synthetic import synthetic_episode  # noqa: E402
from vjepa_ros.images import image_msg_to_rgb  # noqa: E402
from vjepa_ros.nodes.bag_player import BagPlayer  # noqa: E402
from vjepa_ros.recordings.bag_files import BagError  # noqa: E402
from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS, write_bag  # noqa: E402

SEC = 1_000_000_000


def _stamp(msg_time) -> int:
    return msg_time.sec * SEC + msg_time.nanosec


def test_bag_is_replayed_in_order_with_a_sim_clock(context, tmp_path):
    frames, states, times = synthetic_episode(4, size=16)  # 5 frames, 1 s of bag time
    bag = write_bag(tmp_path / "bag", frames, states, times)
    listener = rclpy.create_node(
        "listener", context=context, parameter_overrides=[Parameter("use_sim_time", value=True)]
    )
    images, poses, clocks = [], [], []
    # Queues that hold the whole bag: the player publishes on its own thread, and where this
    # thread does not spin for the 0.25 s of play (a busy machine), a depth-10 /clock queue
    # dropped the first of its ~11 ticks (a keep-last queue overwrites its oldest message).
    whole_bag = 100
    best_effort = QoSProfile(depth=whole_bag, reliability=qos_profile_sensor_data.reliability,
                             durability=qos_profile_sensor_data.durability)
    listener.create_subscription(Image, "/camera/camera/color/image_raw", images.append,
                                 best_effort)  # best effort, as a camera subscriber
    listener.create_subscription(PoseStamped, "/franka_robot_state_broadcaster/current_pose",
                                 poses.append, whole_bag)
    listener.create_subscription(Clock, "/clock", clocks.append, whole_bag)
    player = BagPlayer(context=context, parameter_overrides=[
        Parameter("bag", value=str(bag)), Parameter("rate", value=4.0),
        Parameter("start_delay_s", value=1.0),  # loopback discovery before the first message
    ])
    executor = SingleThreadedExecutor(context=context)
    executor.add_node(player)
    executor.add_node(listener)
    try:
        deadline = time.monotonic() + 60.0  # only a failing run waits this long
        while time.monotonic() < deadline and not (player.done.is_set() and len(poses) == 5
                                                   and len(images) == 5):
            executor.spin_once(timeout_sec=0.05)
        for _ in range(10):  # let the last /clock reach both subscriptions
            executor.spin_once(timeout_sec=0.05)
        assert player.done.is_set() and player.error is None
        assert player.published == 15  # frames, poses and gripper states
        assert len(images) == 5 and len(poses) == 5, "every recorded message arrives"
        stamps = [_stamp(msg.header.stamp) for msg in images]
        assert stamps == [DEFAULT_START_NS + i * SEC // 4 for i in range(5)], "in order"
        np.testing.assert_array_equal(np.stack([image_msg_to_rgb(msg) for msg in images]),
                                      frames)
        np.testing.assert_allclose([p.pose.position.x for p in poses], states[:, 0], atol=1e-12)
        clock_ns = [_stamp(c.clock) for c in clocks]
        assert clock_ns[0] == DEFAULT_START_NS and np.all(np.diff(clock_ns) > 0)
        assert clock_ns[-1] <= DEFAULT_START_NS + SEC and len(clock_ns) >= 5
        # A node with use_sim_time now lives on the bag's clock.
        assert listener.get_clock().now().nanoseconds == clock_ns[-1]
    finally:
        executor.shutdown()
        player.destroy_node()
        listener.destroy_node()


def test_bad_parameters_are_clear_errors(context, tmp_path):
    with pytest.raises(BagError, match="'bag' is empty"):
        BagPlayer(context=context)
    with pytest.raises(BagError, match="not found"):
        BagPlayer(context=context,
                  parameter_overrides=[Parameter("bag", value=str(tmp_path / "none"))])
    frames, states, times = synthetic_episode(1, size=8)
    bag = write_bag(tmp_path / "bag", frames, states, times)
    with pytest.raises(BagError, match="parameter .topics. names /missing, which .* does not"):
        BagPlayer(context=context, parameter_overrides=[
            Parameter("bag", value=str(bag)), Parameter("topics", value="/missing")])
    # the advice in both ways of starting the player (vjepa-ros launch takes bag_player.NAME)
    with pytest.raises(ValueError, match="start it with clock false to replay the recorded one "
                       r"\(vjepa-ros launch --node bag_player -p bag_player.clock:=false, or "
                       "ros2 run: --ros-args -p clock:=false"):
        BagPlayer(context=context, parameter_overrides=[  # two /clock publishers: refused
            Parameter("bag", value=str(bag)), Parameter("topics", value="/clock")])


def _cut_mcap(tmp_path, name, fraction):
    """Write a bag directory holding the first ``fraction`` of an MCAP (no metadata.yaml)."""
    frames, states, times = synthetic_episode(7, size=16)
    whole = write_bag(tmp_path / f"{name}_whole", frames, states, times)
    data = next(whole.glob("*.mcap")).read_bytes()
    bag = tmp_path / name
    bag.mkdir()
    (bag / f"{name}_0.mcap").write_bytes(data[: int(len(data) * fraction)])
    return bag


@pytest.mark.parametrize("fraction, status", [(0.7, 1), (1.0, 0)])
def test_a_damaged_bag_is_played_with_warnings_and_its_loss_sets_the_exit_status(
        capfd, tmp_path, fraction, status):
    """README: notes are logged; exit 1 when messages were lost, 0 when only metadata.yaml was."""
    from vjepa_ros.nodes.bag_player import main

    bag = _cut_mcap(tmp_path, "cut", fraction)
    assert main(["bag_player", "--ros-args", "-p", f"bag:={bag}", "-p", "rate:=20.0",
                 "-p", "start_delay_s:=0.0"]) == status
    err = capfd.readouterr().err
    assert f"note: {bag}: no metadata.yaml" in err
    if status:
        assert "is damaged" in err and "intact messages" in err and "mcap recover" in err
        assert f"{bag} is damaged, the messages the notes above count were lost" in err
        assert "reindex" not in err
    else:
        assert "reindex" in err and "is damaged" not in err


def test_the_executable_refuses_bad_ros_arguments_in_one_line_with_status_2(capfd, tmp_path):
    """bag_player's main checks its ROS arguments as run_node does (node_runner.init_node_args)."""
    from vjepa_ros.nodes.bag_player import main

    params = tmp_path / "player.yaml"
    params.write_text("bag_playr:\n  ros__parameters:\n    bag: /data/run1\n")
    for arguments, message in (
            (["--params-file", str(params)], f"--params-file {params}: section 'bag_playr' "
             "applies to no node started here (bag_player); closest: 'bag_player' — fix the "
             "name or use '/**'"),
            (["-p", "bag"], "-p expects NAME:=VALUE (e.g. -p use_sim_time:=true), got 'bag'")):
        assert main(["bag_player", "--ros-args", *arguments]) == 2
        assert capfd.readouterr().err == f"bag_player: {message}\n"


class SlowNode(rclpy.node.Node):
    """A stand-in for the planner (made last, as one loading its model): notes the players."""

    players: list = []
    seen: list = []

    def __init__(self, **kwargs):
        super().__init__("slow_planner", **kwargs)
        SlowNode.seen = [player.released.is_set() for player in SlowNode.players]


def test_a_launch_plays_its_bag_only_once_the_planner_is_made(context, tmp_path, monkeypatch):
    """Seen live (user31): with --node bag_player the bag ended while the planner loaded."""
    from vjepa_ros.nodes.node_launch import NodeLaunch
    from vjepa_ros.nodes.node_registry import NODES, NodeEntry
    from vjepa_ros.nodes.nodes_in_process import Launch

    frames, states, times = synthetic_episode(4, size=16)
    bag = write_bag(tmp_path / "bag", frames, states, times)
    monkeypatch.setitem(NODES, "slow", NodeEntry(f"{__name__}:SlowNode", slow_start=True,
                                                 ros_name="slow_planner"))
    made = BagPlayer.__init__

    def noted(self, *args, **kwargs):
        SlowNode.players.append(self)
        made(self, *args, **kwargs)

    monkeypatch.setattr(BagPlayer, "__init__", noted)
    monkeypatch.setattr(SlowNode, "players", [])
    player_launch = NodeLaunch("bag_player", parameters={
        "bag": str(bag), "rate": 10.0, "start_delay_s": 0.0})
    with Launch([NodeLaunch("slow"), player_launch], context=context) as launch:
        assert SlowNode.seen == [False], "the player waited for the planner to be made"
        player = launch.node("bag_player")
        assert player.released.is_set()
        launch.start()
        assert player.done.wait(60.0) and player.error is None  # only a failing run waits
        assert player.published == 15


def test_a_looping_bag_of_one_instant_waits_between_passes(context, tmp_path):
    """A bag covering a single instant looped busily: 1206 messages in 4 s (breaker44u)."""
    from vjepa_ros.nodes.bag_player import MIN_LOOP_PASS_S

    frames, states, times = synthetic_episode(1, size=16)
    frames, states, times = frames[:1], states[:1], times[:1]  # one frame: one instant
    bag = write_bag(tmp_path / "bag", frames, states, times)
    player = BagPlayer(context=context, parameter_overrides=[
        Parameter("bag", value=str(bag)), Parameter("loop", value=True),
        Parameter("start_delay_s", value=0.0)])
    try:
        time.sleep(2.5)
        passes = player.published / len(player.publishers_by_topic)  # 1 message a topic
        assert 1 <= passes <= 2.5 / max(MIN_LOOP_PASS_S, 0.5) + 1, f"{passes:g} passes in 2.5 s"
    finally:
        player.destroy_node()
    assert not player.thread.is_alive() and player.exit_status() == 0

"""Recorded data through ROS: bag_player feeds the planner node, which runs on the bag's clock."""

import time

import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
pytest.importorskip("pybullet", reason="the bag is recorded in the simulator")
from rcl_interfaces.msg import Log  # noqa: E402
from rclpy.parameter import Parameter  # noqa: E402
from std_msgs.msg import Float64MultiArray  # noqa: E402

from vjepa_ros.eval.record import record_sim_bag  # noqa: E402
from vjepa_ros.images import save_image_file  # noqa: E402
from vjepa_ros.models import (  # noqa: E402
    WorldModel,
    build_encoder,
    build_predictor,
    save_world_model,
)
from vjepa_ros.nodes.bag_player import BagPlayer  # noqa: E402
from vjepa_ros.nodes.planner_node import PlannerNode  # noqa: E402
from vjepa_ros.nodes.spinning import NodeSpinner  # noqa: E402
from vjepa_ros.sim import CollectorConfig, SimConfig  # noqa: E402
from vjepa_ros.sim.config import CameraConfig  # noqa: E402


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """Record a 6-frame simulator bag (64x64 camera, /joint_states); save a goal and a model."""
    import torch

    root = tmp_path_factory.mktemp("replay")
    bag, episode = record_sim_bag(root / "bag", seed=1,
                                  sim_config=SimConfig(camera=CameraConfig(width=64, height=64)),
                                  collector_config=CollectorConfig(frames=6))
    goal = save_image_file(root / "goal.png", episode.frames[-1])
    torch.manual_seed(0)
    size = dict(img_size=64, embed_dim=32, depth=1, num_heads=2)
    model = WorldModel(build_encoder(**size), build_predictor(predictor_embed_dim=32, **size))
    checkpoint = root / "tiny.pt"
    save_world_model(checkpoint, model.encoder, model.predictor)
    return bag, goal, checkpoint


def _replay(recorded, use_sim_time: bool, until_an_action: bool) -> tuple[list, list]:
    """Play the bag into the planner; return its actions and its log lines (``/rosout``).

    After the bag ends the planner gets 1.5 s more, or with ``until_an_action`` until its
    first action (a first plan on a busy 2-core machine can take longer than 1.5 s).
    """
    bag, goal, checkpoint = recorded
    context = rclpy.Context()
    rclpy.init(context=context)
    actions, said = [], []
    try:
        planner = PlannerNode(
            context=context,
            cli_args=["--ros-args", "-r", "image:=/camera/camera/color/image_raw"],
            parameter_overrides=[
                Parameter("use_sim_time", value=use_sim_time),
                Parameter("model.checkpoint", value=str(checkpoint)),
                Parameter("model.device", value="cpu"),
                Parameter("planner.samples", value=8), Parameter("planner.topk", value=4),
                Parameter("planner.iterations", value=1), Parameter("planner.horizon", value=1),
                Parameter("goal_image_path", value=str(goal)),
            ],
        )
        listener = rclpy.create_node("listener", context=context)
        listener.create_subscription(Float64MultiArray, "/vjepa_planner/action", actions.append,
                                     10)
        listener.create_subscription(Log, "/rosout", lambda msg: said.append(msg.msg) if
                                     msg.name == "vjepa_planner" else None, 100)
        player = BagPlayer(context=context, parameter_overrides=[
            Parameter("bag", value=str(bag)), Parameter("start_delay_s", value=1.0)])
        executor = NodeSpinner(context)  # one thread per node, as vjepa-ros launch spins them
        for node in (planner, listener, player):
            executor.add_node(node)
        executor.start()
        deadline = time.monotonic() + 120.0  # only a failing run waits this long
        finished = None
        while time.monotonic() < deadline:
            time.sleep(0.05)
            if player.done.is_set():
                finished = finished or time.monotonic()
                if until_an_action:
                    if actions:
                        break
                elif time.monotonic() - finished > 1.5:  # time to plan on the last frames
                    break
        assert player.done.is_set() and player.error is None
        executor.shutdown()
        for node in (player, listener, planner):
            node.destroy_node()
    finally:
        context.try_shutdown()
    return actions, said


def test_the_planner_plans_on_replayed_frames_with_use_sim_time(recorded):
    actions, said = _replay(recorded, use_sim_time=True, until_an_action=True)
    assert actions, "the planner published no action on the replayed frames"
    assert all(len(a.data) == 7 for a in actions)
    # record writes the arm's states at 120 Hz, as an arm publishes them: never one a frame
    # period (0.25 s, the state age limit) old (fix60w: "robot state is stale" at 4 Hz states)
    assert not [line for line in said if "robot state is stale" in line], said


def test_without_sim_time_the_recorded_frames_are_stale_and_nothing_is_planned(recorded):
    # The frames carry the recording's stamps (2023): on the wall clock they are too old.
    assert _replay(recorded, use_sim_time=False, until_an_action=False)[0] == []

"""Closed loop over ROS: planner node + sim node + the oracle world model reach random goals.

The planner node runs unchanged (its parameter file, remappings, shadow mode until ``~/enable``,
blocking control, safety filter, set-point streaming) except that its world model is the oracle
(``vjepa_ros.sim.oracle``: representations are the simulator's true end-effector state). Goal
images come from the sim node (``goal_pose`` → ``goal_image``), the arm's pose is read from
``current_pose``. The sim publishes ``/clock`` and the planner uses it, so machine load slows the
run down but does not make inputs stale. Passing proves the loop — planner, kinematics, commands,
controller — independent of learned weights. The three nodes share one process and spin as
``vjepa-ros launch`` spins its nodes (``NodeSpinner``: an executor thread per node).
"""

import time

import numpy as np
import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
pytest.importorskip("pybullet", reason="the simulator needs pybullet")
from geometry_msgs.msg import PoseStamped  # noqa: E402
from rclpy.parameter import Parameter  # noqa: E402
from rclpy.qos import DurabilityPolicy, QoSProfile  # noqa: E402
from sensor_msgs.msg import Image  # noqa: E402
from std_srvs.srv import SetBool  # noqa: E402

from vjepa_ros.nodes.node_launch import NodeLaunch  # noqa: E402
from vjepa_ros.nodes.planner_node import PlannerNode  # noqa: E402
from vjepa_ros.nodes.sim_node import SimNode  # noqa: E402
from vjepa_ros.nodes.spinning import NodeSpinner  # noqa: E402
from vjepa_ros.sim.oracle import OracleWorldModel  # noqa: E402
from vjepa_ros.sim.tasks import reach_error, sample_reach_target  # noqa: E402

GOALS = 3
SUCCESS_RADIUS = 0.03  # m, the bound
GOAL_TIMEOUT_S = 60.0  # wall clock; a goal takes 2-5 s alone, ~10 s on 2 loaded cores
# Paper-style search (horizon 1) with few samples: cheap, and it converges with an exact model.
PLANNER_PARAMETERS = {
    "model.checkpoint": "oracle (test stand-in)",
    "planner.horizon": 1,
    "planner.samples": 100,
    "planner.iterations": 5,
    "planner.maxnorm": 0.075,
}
SIM_PARAMETERS = {"seed": 1, "publish_clock": True, "camera.width": 64, "camera.height": 64,
                  "camera.shadows": False}


def oracle_planner_class(oracle):
    """Return the planner node class with the oracle in place of the checkpoint it loads."""

    class OraclePlannerNode(PlannerNode):
        def _load_model(self):
            return oracle

    return OraclePlannerNode


class Loop:
    def __init__(self):
        self.context = rclpy.Context()
        rclpy.init(context=self.context)
        self.nodes = []
        self.sim_node = self._add(SimNode(context=self.context, parameter_overrides=[
            Parameter(name, value=value) for name, value in SIM_PARAMETERS.items()]))
        oracle = OracleWorldModel().attach(self.sim_node.runner.sim)
        spec = NodeLaunch("planner", parameters=PLANNER_PARAMETERS, remappings={
            "image": "/camera/camera/color/image_raw",
            "/vjepa_planner/goal_image": "/goal_image",
        })
        self.planner = self._add(oracle_planner_class(oracle)(
            context=self.context, **spec.node_kwargs(use_sim_time=True)))
        self.test_node = self._add(rclpy.create_node("closed_loop_test", context=self.context))
        self.poses, self.goal_images = [], []
        self.test_node.create_subscription(PoseStamped, "current_pose", self.poses.append, 10)
        latched = QoSProfile(depth=1, durability=DurabilityPolicy.TRANSIENT_LOCAL)
        self.test_node.create_subscription(Image, "goal_image", self.goal_images.append, latched)
        self.goal_pub = self.test_node.create_publisher(PoseStamped, "goal_pose", 10)
        self.executor = NodeSpinner(self.context)  # as `vjepa-ros launch` spins its nodes
        for node in self.nodes:
            self.executor.add_node(node)
        self.executor.start()

    def _add(self, node):
        self.nodes.append(node)
        return node

    def wait(self, done, timeout):
        deadline = time.monotonic() + timeout
        while not done() and time.monotonic() < deadline:
            time.sleep(0.05)
        return done()

    def tcp(self):
        p = self.poses[-1].pose.position
        return np.array([p.x, p.y, p.z])

    def enable(self):
        client = self.test_node.create_client(SetBool, "/vjepa_planner/enable")
        assert client.wait_for_service(timeout_sec=60.0)  # each wait ends once it holds
        future = client.call_async(SetBool.Request(data=True))
        assert self.wait(future.done, 60.0) and future.result().success

    def send_goal(self, xyz):
        """Ask the sim for the goal image of a TCP position (current orientation)."""
        msg = PoseStamped()
        msg.header.frame_id = "panda_link0"
        msg.pose.position.x, msg.pose.position.y, msg.pose.position.z = (float(v) for v in xyz)
        msg.pose.orientation = self.poses[-1].pose.orientation
        count = len(self.goal_images)
        self.goal_pub.publish(msg)
        assert self.wait(lambda: len(self.goal_images) > count, 30.0), "no goal image"

    def close(self):
        self.executor.shutdown(timeout_sec=30.0)
        for node in self.nodes:
            node.destroy_node()
        self.context.try_shutdown()


@pytest.fixture
def loop():
    loop = Loop()
    yield loop
    loop.close()


def test_planner_node_reaches_random_goals_in_the_simulator(loop):
    assert loop.wait(lambda: bool(loop.poses), 60.0), "no current_pose from the sim node"
    loop.enable()
    rng = np.random.default_rng(0)
    errors = []
    for _ in range(GOALS):
        start = loop.tcp()
        goal = sample_reach_target(np.r_[start, np.zeros(4)], rng)[:3]
        loop.send_goal(goal)
        assert reach_error(start, goal) > 0.08
        loop.wait(lambda goal=goal: reach_error(loop.tcp(), goal) < 0.01, GOAL_TIMEOUT_S)
        errors.append(reach_error(loop.tcp(), goal))
    status = loop.planner.session.status()["values"]
    assert int(status["commands_sent"]) >= GOALS  # the arm moved because the planner said so
    assert max(errors) < SUCCESS_RADIUS, f"final errors {errors} m, planner status {status}"

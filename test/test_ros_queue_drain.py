"""fix59s: the planner takes every queued robot state in one executor turn, then the newest /clock.

user59u, on ``--use-sim-time`` with S 800, I 10 planning on 2 cores: ``robot state is stale: 0.30
s old (limit 0.25 s)``, flapping. Measured: the executor stalled 0.1-0.2 s, then took the newest
``/clock`` (rclpy's TimeSource keeps depth 1) but the oldest of the queued joint states (depth
200), one per turn, so a fresh state waiting in the queue read as stale in simulated seconds.
``nodes.queue_drain`` hands the callback every queued message in order in one turn (the jump
rules still see each reading) and then takes the queued ``/clock``.
"""

import time

import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from builtin_interfaces.msg import Time  # noqa: E402
from rclpy.executors import SingleThreadedExecutor  # noqa: E402
from rclpy.parameter import Parameter  # noqa: E402
from rosgraph_msgs.msg import Clock  # noqa: E402
from sensor_msgs.msg import JointState  # noqa: E402

from vjepa_ros.nodes.queue_drain import subscribe_draining, takes_message_info  # noqa: E402
from vjepa_ros.nodes.state_qos import STATE_QOS  # noqa: E402

BACKLOG = 30  # half a second of a 60 Hz simulator's states


@pytest.fixture
def context():
    context = rclpy.Context()
    rclpy.init(context=context)
    yield context
    context.try_shutdown()


def _state(index: int) -> JointState:
    msg = JointState(name=["panda_joint1"], position=[float(index)])
    msg.header.stamp = Time(sec=100, nanosec=index * 16_666_667)
    return msg


def _wait_for(executor, condition, turns=400):
    for _ in range(turns):
        if condition():
            return True
        executor.spin_once(timeout_sec=0.05)
    return condition()


@pytest.mark.parametrize("with_info", [False, True])
def test_a_backlog_is_taken_in_one_turn_in_order_then_the_newest_clock(context, with_info):
    node = rclpy.create_node("drain_probe", context=context,
                             parameter_overrides=[Parameter("use_sim_time", value=True)])
    source = rclpy.create_node("drain_source", context=context)
    executor = SingleThreadedExecutor(context=context)
    executor.add_node(node)
    try:
        seen = []
        clock_at = []  # the node clock [s] at each state handed over

        def on_state(msg, info=None):
            seen.append(msg.position[0])
            clock_at.append(node.get_clock().now().nanoseconds * 1e-9)

        callback = (lambda msg, info: on_state(msg, info)) if with_info else \
            (lambda msg: on_state(msg))
        assert takes_message_info(callback) is with_info
        subscription = subscribe_draining(node, JointState, "drain_states", callback, STATE_QOS)
        states = source.create_publisher(JointState, "drain_states", STATE_QOS)
        clock = source.create_publisher(Clock, "/clock", 10)
        assert _wait_for(executor, lambda: states.get_subscription_count() > 0 and
                         clock.get_subscription_count() > 0)
        clock.publish(Clock(clock=Time(sec=99)))
        states.publish(_state(0))
        assert _wait_for(executor, lambda: seen == [0.0])
        # a stalled executor: a simulator's ticks queue up (/clock, then the state, each tick)
        for index in range(1, BACKLOG + 1):
            clock.publish(Clock(clock=_state(index).header.stamp))
            states.publish(_state(index))
        executor.spin_once(timeout_sec=0.0)  # nothing handed over before the messages arrive
        time.sleep(0.5)  # every message delivered to the queues (one machine, shared memory)
        turns = 0
        while len(seen) < BACKLOG + 1 and turns < 5:
            executor.spin_once(timeout_sec=1.0)
            turns += 1
        assert seen == [float(i) for i in range(BACKLOG + 1)]  # each reading, in order
        # one turn for the state queue (a second may take /clock first, whichever is ready)
        assert turns <= 2, turns
        assert subscription.drainer.drained >= BACKLOG - 1
        newest = 100 + BACKLOG * 16_666_667 * 1e-9
        # after the drain the node clock is the newest /clock: the newest state is not old
        now = node.get_clock().now().nanoseconds * 1e-9
        assert now == pytest.approx(newest, abs=1e-6), (now, newest)
    finally:
        executor.shutdown()
        source.destroy_node()
        node.destroy_node()


def test_without_the_drain_rclpy_takes_one_state_per_turn(context):
    """The defect's mechanism, kept visible: a plain subscription hands one message a turn."""
    node = rclpy.create_node("plain_probe", context=context)
    source = rclpy.create_node("plain_source", context=context)
    executor = SingleThreadedExecutor(context=context)
    executor.add_node(node)
    try:
        seen = []
        node.create_subscription(JointState, "plain_states", lambda msg: seen.append(msg),
                                 STATE_QOS)
        states = source.create_publisher(JointState, "plain_states", STATE_QOS)
        assert _wait_for(executor, lambda: states.get_subscription_count() > 0)
        for index in range(10):
            states.publish(_state(index))
        time.sleep(0.5)
        executor.spin_once(timeout_sec=1.0)
        assert len(seen) == 1
    finally:
        executor.shutdown()
        source.destroy_node()
        node.destroy_node()


def test_the_planners_state_subscriptions_drain():
    """joint_states, current_pose and finger topics are made by subscribe_draining."""
    import inspect

    from vjepa_ros.nodes import input_sources, planner_node

    node_source = inspect.getsource(planner_node.PlannerNode._start)
    for topic in ('JointState, "joint_states"', 'PoseStamped, "current_pose"'):
        assert f"subscribe_draining(\n{' ' * 12}self, {topic}" in node_source.replace(
            "  # every queued state in one turn", "").replace(" " * 16 + "self", " " * 12 + "self")
    assert "subscribe_draining(" in inspect.getsource(
        input_sources.InputSources.probe_gripper_topic)

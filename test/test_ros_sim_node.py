"""Real rclpy on loopback: the sim node publishes robot and camera topics and obeys commands."""

import math
import time

import numpy as np
import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
pytest.importorskip("pybullet", reason="the simulator needs pybullet")
from geometry_msgs.msg import PoseStamped  # noqa: E402
from rclpy.executors import SingleThreadedExecutor  # noqa: E402
from rclpy.parameter import Parameter  # noqa: E402
from rclpy.qos import DurabilityPolicy, QoSProfile  # noqa: E402
from rosgraph_msgs.msg import Clock  # noqa: E402
from sensor_msgs.msg import CameraInfo, Image, JointState  # noqa: E402
from std_msgs.msg import Float64  # noqa: E402
from std_srvs.srv import Trigger  # noqa: E402

from vjepa_ros.images import image_msg_to_rgb  # noqa: E402
from vjepa_ros.nodes.sim_node import SimNode  # noqa: E402
from vjepa_ros.sim.panda import JOINT_NAMES  # noqa: E402


class Harness:
    """The sim node plus a listener node that records what it publishes, on one executor."""

    def __init__(self, context, **params):
        params = {"real_time_factor": 0.0, "publish_clock": True, "camera.width": 64,
                  "camera.height": 48, **params}
        overrides = [Parameter(name, value=value) for name, value in params.items()]
        self.node = SimNode(context=context, parameter_overrides=overrides)
        self.listener = rclpy.create_node("listener", context=context)
        self.received = {name: [] for name in ("joints", "image", "info", "clock", "pose", "goal")}
        sub = self.listener.create_subscription
        sub(JointState, "joint_states", self.received["joints"].append, 10)
        sub(Image, "camera/camera/color/image_raw", self.received["image"].append, 10)
        sub(CameraInfo, "camera/camera/color/camera_info", self.received["info"].append, 10)
        sub(Clock, "/clock", self.received["clock"].append, 10)
        sub(PoseStamped, "current_pose", self.received["pose"].append, 10)
        latched = QoSProfile(depth=1, durability=DurabilityPolicy.TRANSIENT_LOCAL)
        sub(Image, "goal_image", self.received["goal"].append, latched)
        self.target_pub = self.listener.create_publisher(PoseStamped, "target_pose", 10)
        self.gripper_pub = self.listener.create_publisher(Float64, "gripper_command", 10)
        self.goal_pub = self.listener.create_publisher(PoseStamped, "goal_pose", 10)
        self.executor = SingleThreadedExecutor(context=context)
        self.executor.add_node(self.node)
        self.executor.add_node(self.listener)

    def spin_until(self, done, timeout=60.0):
        """Spin until ``done()`` holds or ``timeout`` [s] passed (only a failing run waits)."""
        deadline = time.monotonic() + timeout
        while not done() and time.monotonic() < deadline:
            self.executor.spin_once(timeout_sec=0.01)
        return done()

    def spin_sim_seconds(self, seconds):
        end = self.node.runner.sim.time + seconds
        assert self.spin_until(lambda: self.node.runner.sim.time >= end), "sim did not advance"

    def pose(self, xyz, quat_xyzw, frame_id="panda_link0"):
        msg = PoseStamped()
        msg.header.frame_id = frame_id
        msg.pose.position.x, msg.pose.position.y, msg.pose.position.z = map(float, xyz)
        o = msg.pose.orientation
        o.x, o.y, o.z, o.w = map(float, quat_xyzw)
        return msg

    def close(self):
        self.executor.shutdown()
        self.node.destroy_node()
        self.listener.destroy_node()


@pytest.fixture
def harness(context):
    harness = Harness(context)
    yield harness
    harness.close()


def test_publishes_joint_states_camera_and_clock(harness):
    got = harness.received
    assert harness.spin_until(lambda: len(got["image"]) >= 3 and got["clock"] and got["pose"])
    joints = got["joints"][-1]
    assert tuple(joints.name) == JOINT_NAMES
    assert len(joints.position) == len(joints.velocity) == len(joints.effort) == 9
    image, info = got["image"][-1], got["info"][-1]
    assert (image.width, image.height, image.encoding) == (64, 48, "rgb8")
    assert image.header.frame_id == info.header.frame_id == "camera_color_optical_frame"
    count = min(len(got["image"]), len(got["info"]))
    assert [m.header.stamp for m in got["image"][:count]] == [
        m.header.stamp for m in got["info"][:count]
    ]  # each image has its camera_info with the same stamp
    np.testing.assert_allclose(np.array(info.k).reshape(3, 3),
                               harness.node.runner.sim.camera.intrinsics)
    assert image_msg_to_rgb(image).std() > 5
    # Stamps follow the simulated clock; frames come at camera_rate_hz of simulated time.
    stamps = [m.header.stamp.sec + m.header.stamp.nanosec * 1e-9 for m in got["image"]]
    np.testing.assert_allclose(np.diff(stamps[1:]), 0.1, atol=1e-6)
    pose = got["pose"][-1]
    state = harness.node.runner.sim.ee_state()
    assert pose.header.frame_id == "panda_link0"
    assert abs(pose.pose.position.z - state[2]) < 0.01


def test_target_pose_and_gripper_command_move_the_arm(harness):
    sim = harness.node.runner.sim
    start = sim.ee_state()
    quat = sim.ee_quaternion()
    goal = start[:3] + [0.05, 0.1, -0.1]
    harness.target_pub.publish(harness.pose(goal, quat))
    harness.gripper_pub.publish(Float64(data=1.0))
    harness.spin_sim_seconds(2.0)
    state = sim.ee_state()
    assert np.linalg.norm(state[:3] - goal) < 2e-3
    assert state[6] > 0.95
    joints = harness.received["joints"][-1]
    assert joints.position[7] + joints.position[8] < 0.005  # fingers closed on the topic too


def test_bad_commands_are_refused_and_the_arm_stays(harness):
    sim = harness.node.runner.sim
    harness.spin_sim_seconds(0.2)
    before = sim.target_state()
    quat = sim.ee_quaternion()
    harness.target_pub.publish(harness.pose([math.nan, 0.0, 0.3], quat))
    harness.target_pub.publish(harness.pose([0.4, 0.0, 0.3], [0, 0, 0, 0]))
    harness.target_pub.publish(harness.pose([0.4, 0.0, 0.3], quat, frame_id="world"))
    harness.target_pub.publish(harness.pose([0.4, 1.5, 0.3], quat))  # 1.5 m jump
    harness.gripper_pub.publish(Float64(data=math.inf))
    harness.spin_sim_seconds(0.5)
    np.testing.assert_array_equal(sim.target_state(), before)
    assert np.linalg.norm(sim.ee_state()[:3] - before[:3]) < 2e-3


def test_goal_pose_gives_a_latched_goal_image_and_reset_works(harness, context):
    sim = harness.node.runner.sim
    harness.spin_sim_seconds(0.2)
    before = sim.ee_state()
    goal_xyz = before[:3] + [0.1, -0.1, -0.15]
    harness.goal_pub.publish(harness.pose(goal_xyz, sim.ee_quaternion()))
    assert harness.spin_until(lambda: bool(harness.received["goal"]))
    goal_frame = image_msg_to_rgb(harness.received["goal"][0], goal=True)
    assert np.abs(goal_frame.astype(int) - sim.render()).mean() > 0.5  # arm drawn elsewhere
    assert np.linalg.norm(sim.ee_state()[:3] - before[:3]) < 2e-3  # and back home
    # ~/reset over a real service call.
    harness.target_pub.publish(harness.pose(goal_xyz, sim.ee_quaternion()))
    harness.spin_sim_seconds(1.0)
    client = harness.listener.create_client(Trigger, "/sim_node/reset")
    assert client.wait_for_service(timeout_sec=60.0)
    future = client.call_async(Trigger.Request())
    assert harness.spin_until(future.done)
    assert future.result().success
    np.testing.assert_allclose(sim.ee_state(), before, atol=2e-3)
    # what marks it as this package's simulator for a planner (sim.pace.SIMULATOR_SERVICE)
    from vjepa_ros.nodes.graph_publishers import package_simulators

    assert harness.spin_until(lambda: package_simulators(harness.listener, ["/sim_node"]))
    assert package_simulators(harness.listener, ["/sim_node", "/nobody", "a node of another "
                                                 "process (name not discovered yet)"]) == \
        {"/sim_node"}
    client = harness.listener.create_client(Trigger, "/sim_node/vjepa_ros_simulator")
    assert client.wait_for_service(timeout_sec=60.0)
    future = client.call_async(Trigger.Request())
    assert harness.spin_until(future.done)
    assert future.result().message.startswith("vjepa_ros simulator (real_time_factor ")


def test_bad_parameters_fail_at_start(context):
    with pytest.raises(ValueError, match="camera.width"):
        SimNode(context=context, parameter_overrides=[Parameter("camera.width", value=2)])
    with pytest.raises(ValueError, match="real_time_factor"):
        SimNode(context=context, parameter_overrides=[Parameter("real_time_factor", value=-1.0)])
    # use_sim_time with nobody publishing /clock: the simulation would never step.
    with pytest.raises(ValueError, match="publish_clock:=true"):
        SimNode(context=context, parameter_overrides=[Parameter("use_sim_time", value=True)])


@pytest.mark.parametrize("name, value, message", [
    ("max_target_distance", -1.0, r"max_target_distance must lie in \[0, 10\], got -1.0"),
    ("seed", -1, r"seed must lie in \[0, 4294967295\], got -1"),
    ("controller.gripper_force", 0.0,
     r"controller.gripper_force must lie in \(0, 70\] N, got 0.0"),
    ("scene.table_height", float("nan"), r"scene.table_height must lie in \[-0.3, 0.2\], got nan"),
    # inf ran a 0 s step timer (a busy loop), 1e9 warned that the CPU was too busy
    ("real_time_factor", float("inf"), r"real_time_factor must lie in \[0, 100\], got inf"),
    ("real_time_factor", 1e9, r"real_time_factor must lie in \[0, 100\], got 1000000000.0"),
])
def test_a_number_outside_its_declared_range_is_refused_naming_the_parameter(context, name,
                                                                            value, message):
    """Each number has a declared range, named in the one-line error.

    max_target_distance -1 started (every target refused); seed -1 said only "expected
    non-negative integer" (numpy's words), naming no parameter.
    """
    with pytest.raises(ValueError, match=f"^{message}$"):
        SimNode(context=context, parameter_overrides=[Parameter(name, value=value)])


@pytest.mark.parametrize("name, value, message", [
    # 100 Hz on 60 Hz ticks ran at 60 Hz while the start line said 100
    ("camera_rate_hz", 100.0, "camera_rate_hz 100 exceeds the control tick rate 60 Hz"),
    # the ready pose in degrees started the arm 45 rad round its joints
    ("home_joints", [0.0, -45.0, 0.0, -135.0, 0.0, 90.0, 45.0],
     "home_joints must be radians within Franka's joint limits (degrees given?)"),
])
def test_a_setting_the_simulator_cannot_give_is_refused_at_start_naming_it(context, name, value,
                                                                          message):
    with pytest.raises(ValueError) as refused:
        SimNode(context=context, parameter_overrides=[Parameter(name, value=value)])
    assert message in str(refused.value) and "\n" not in str(refused.value)


class Lines:
    """Stands in for a node's logger: keeps its warning and error lines."""

    def __init__(self):
        self.warnings, self.errors = [], []

    def warning(self, line):
        self.warnings.append(line)

    def error(self, line):
        self.errors.append(line)


SECOND = ("another node publishes /joint_states by /sim_node (another process of this name); "
          "/clock by /sim_node (another process of this name): a second simulator? two clocks or "
          "arms on the same topics interleave; this simulator started second, so it refuses to "
          "run: stop the other one first, or give this one another ROS_DOMAIN_ID")


def test_a_second_simulator_refuses_and_stops_and_the_running_one_warns(context):
    """Two on one domain interleaved /clock (sec 18 and 28) and made the planner's state stale."""
    harness = Harness(context)
    harness.node.started -= 60.0  # it has run for a minute: the other one is the newcomer
    first = Lines()
    harness.node.get_logger = lambda: first
    second_context = rclpy.Context()  # another participant, as another process
    rclpy.init(context=second_context)
    def named(text: str) -> str:  # a name may come a moment after the publishers (under load)
        return text.replace("a node of another process (name not discovered yet)",
                            "/sim_node (another process of this name)")

    try:
        try:  # discovery between participants takes up to ~3.5 s: at start, or a little later
            second = SimNode(context=second_context, parameter_overrides=[
                Parameter("publish_clock", value=True), Parameter("camera.width", value=64),
                Parameter("camera.height", value=48)])
        except RuntimeError as exc:
            assert named(str(exc)) == SECOND, str(exc)
        else:
            lines = Lines()
            second.get_logger = lambda: lines
            executor = SingleThreadedExecutor(context=second_context)
            executor.add_node(second)

            def refused():
                executor.spin_once(timeout_sec=0.01)
                return second.done.is_set()
            assert harness.spin_until(refused), "the second simulator runs on"
            assert [named(error) for error in lines.errors] == [SECOND], lines.errors
            assert second.exit_status() == 1
            # both of its topics: a /joint_states publisher of the refused one still on the
            # graph when the rival appears made the first warning name it too, and the next
            # check (a smaller set) warned about the rival again
            assert harness.spin_until(lambda: all(harness.node.count_publishers(topic) == 1
                                                  for topic in ("/clock", "/joint_states"))), \
                "the refused simulator still publishes /clock or /joint_states"
            executor.shutdown()
            second.destroy_node()
        rival = rclpy.create_node("rival", context=context)  # appears while the first one runs
        rival.create_publisher(Clock, "/clock", 10)
        def about_rival():  # (the first may have warned about the second before it stopped)
            return [w for w in first.warnings if "/rival" in w]
        assert harness.spin_until(about_rival)
        assert about_rival()[0].startswith("another node publishes /clock by /rival: a second "
                                           "simulator?")
        assert "this simulator started first and keeps running" in about_rival()[0]
        checks, check = [], harness.node._other_simulator  # two more checks, counted
        harness.node._other_simulator = lambda own: (checks.append(own), check(own))[1]
        assert harness.spin_until(lambda: len(checks) >= 2), "no more checks"
        assert len(about_rival()) == 1, "warned once, not at every check"
        rival.destroy_node()
    finally:
        second_context.try_shutdown()
        harness.close()


def test_a_simulator_refuses_at_once_where_the_graph_already_shows_another_clock(context):
    rival = rclpy.create_node("rival", context=context)
    rival.create_publisher(Clock, "/clock", 10)
    with pytest.raises(RuntimeError, match=r"^another node publishes /clock by /rival: a second "
                       r"simulator\? .*this simulator started second, so it refuses to run"):
        SimNode(context=context, parameter_overrides=[Parameter("publish_clock", value=True)])
    rival.destroy_node()


def test_a_launch_whose_simulator_refuses_ends_with_its_line_said_once(context, monkeypatch,
                                                                       capfd):
    """``vjepa-ros launch --node sim`` beside a running simulator (another terminal).

    Its simulator refused and stopped publishing, and the launch spun on: the planner ran
    against the other simulator, the refusal one log line among many. Then the launch's last
    line repeated the [ERROR] line the node had just logged.
    """
    import threading

    from vjepa_ros.nodes import sim_other_simulator
    from vjepa_ros.nodes.node_launch import NodeLaunch
    from vjepa_ros.nodes.nodes_in_process import Launch

    # the other one, found late, came first
    monkeypatch.setattr(sim_other_simulator, "NEWCOMER_S", 1e9)
    launch = Launch([NodeLaunch("sim", parameters={
        "real_time_factor": 0.0, "publish_clock": True, "camera.width": 64,
        "camera.height": 48})], context=context)
    other_context = rclpy.Context()  # the simulator of another process
    rclpy.init(context=other_context)
    guard = threading.Timer(60.0, launch.executor.shutdown)  # old code: spun on until this
    try:
        other = rclpy.create_node("other_sim", context=other_context)
        other.create_publisher(JointState, "/joint_states", 10)
        guard.start()
        line = launch.spin()
        assert line == ("sim: refused to run (the [ERROR] [sim_node] line above says why); "
                        "every node stopped")
        reason = launch.failure()
        assert reason.startswith("sim: another node publishes /joint_states by "), reason
        assert reason.endswith("this simulator started second, so it refuses to run: stop the "
                               "other one first, or give this one another ROS_DOMAIN_ID")
        why = reason.removeprefix("sim: ")
        logged = [x for x in capfd.readouterr().err.splitlines() if why in x]
        assert len(logged) == 1 and logged[0].startswith("[ERROR] ") and \
            "[sim_node]: " in logged[0], logged  # once, as under ros2 run (the log file too)
        rclpy.logging.set_logger_level("sim_node", rclpy.logging.LoggingSeverity.FATAL)
        try:  # no [ERROR] line shown (--log-level): the last line says it all
            assert launch.failure_line() == reason
        finally:
            rclpy.logging.set_logger_level("sim_node", rclpy.logging.LoggingSeverity.UNSET)
        other.destroy_node()
    finally:
        guard.cancel()
        launch.shutdown()
        other_context.try_shutdown()


def test_with_use_sim_time_the_simulator_steps_and_is_the_clock(context):
    """It steps on the steady clock: a ROS-time timer would wait for the /clock it publishes."""
    harness = Harness(context, use_sim_time=True, real_time_factor=1.0)
    try:
        assert harness.spin_until(lambda: len(harness.received["clock"]) >= 5
                                  and len(harness.received["joints"]) >= 5)
        clocks = [c.clock.sec + c.clock.nanosec * 1e-9 for c in harness.received["clock"]]
        assert clocks[-1] > clocks[0]
        assert harness.node.runner.sim.time > 0.0
    finally:
        harness.close()


def test_shipped_yaml_matches_node_config():
    from vjepa_ros.config import from_dict
    from vjepa_ros.nodes.sim_node import SimNodeConfig
    from vjepa_ros.package_files import config_path
    from vjepa_ros.yaml_files import read_ros_params

    params = read_ros_params(config_path("sim.yaml"), "sim_node")
    assert from_dict(SimNodeConfig, params) == SimNodeConfig()


class _Log:
    def __init__(self):
        self.warnings = []

    def warning(self, message, **_):
        self.warnings.append(message)


@pytest.mark.parametrize("publish_clock, said", [(False, True), (True, False)])
def test_a_simulation_slower_than_real_time_on_the_wall_clock_says_so_once(
        context, monkeypatch, publish_clock, said):
    """The tester's simulator ran at half real time and nothing said why (sim.pace)."""
    import vjepa_ros.nodes.sim_node as sim_node

    harness = Harness(context, real_time_factor=1.0, publish_clock=publish_clock)
    try:
        log, now = _Log(), [100.0]
        monkeypatch.setattr(harness.node, "get_logger", lambda: log)
        monkeypatch.setattr(sim_node, "time", type("T", (), {"monotonic": lambda: now[0]}))
        monkeypatch.setattr(harness.node, "sim_time", lambda: (now[0] - 100.0) * 0.4)
        for _ in range(30):  # what its pace timer does every PACE_CHECK_S
            now[0] += sim_node.PACE_CHECK_S
            if harness.node.pace is not None:
                harness.node.check_pace()
        assert (harness.node.pace is not None) == said
        if said:
            (warning,) = log.warnings
            assert warning.startswith("the simulation runs at 0.40x real time")
            assert "--use-sim-time" in warning
    finally:
        harness.close()


def test_use_sim_time_without_publish_clock_is_refused_at_run_time_too(context):
    """Seen live: the set succeeded and joint_states came stamped 0.0 from then on."""
    harness = Harness(context, real_time_factor=1.0, publish_clock=False)
    try:
        result = harness.node.set_parameters([Parameter("use_sim_time", value=True)])[0]
        assert not result.successful and "publish_clock" in result.reason, result
    finally:
        harness.close()


def test_the_run_time_use_sim_time_refusal_keeps_the_value_and_lets_a_clock_source_switch(context):
    """Refused: the node clock stays on wall time; with publish_clock the same set is taken."""
    harness = Harness(context, real_time_factor=1.0, publish_clock=False)
    try:
        harness.node.set_parameters([Parameter("use_sim_time", value=True)])
        assert harness.node.get_parameter("use_sim_time").value is False
        result = harness.node.set_parameters([Parameter("use_sim_time", value=False)])[0]
        assert result.successful, result
    finally:
        harness.close()
    harness = Harness(context, publish_clock=True)
    try:
        result = harness.node.set_parameters([Parameter("use_sim_time", value=True)])[0]
        assert result.successful, result
    finally:
        harness.close()


def test_a_target_sent_before_a_reset_does_not_take_the_arm_back(harness):
    # session 33, live: a planner's target_pose published just before ~/reset reached the
    # simulator after it, and the reset arm drove back to where it was within a second (so the
    # planner's teleport check saw the arm settle where it had come from: a glitch, not a reset)
    from builtin_interfaces.msg import Time as TimeMsg

    sim = harness.node.runner.sim
    home = sim.ee_state()
    quat = sim.ee_quaternion()
    away = home[:3] + [0.05, 0.08, -0.08]

    def stamped(xyz, seconds):
        msg = harness.pose(xyz, quat)
        msg.header.stamp = TimeMsg(sec=int(seconds), nanosec=int(round(seconds % 1 * 1e9)))
        return msg

    harness.target_pub.publish(stamped(away, harness.node.sim_time()))
    harness.spin_sim_seconds(1.5)
    assert np.linalg.norm(sim.ee_state()[:3] - away) < 5e-3
    sent_before = harness.node.sim_time()
    harness.node.on_reset(Trigger.Request(), Trigger.Response())
    harness.target_pub.publish(stamped(away, sent_before))  # in flight across the reset
    harness.target_pub.publish(stamped(away, harness.node.sim_time()))  # the reset's own stamp
    harness.spin_sim_seconds(1.0)
    assert np.linalg.norm(sim.ee_state()[:3] - home[:3]) < 2e-3, "the old target was followed"
    later = home[:3] + [0.0, 0.05, 0.0]
    harness.target_pub.publish(stamped(later, harness.node.sim_time()))  # after the reset
    harness.target_pub.publish(harness.pose(later, quat))  # unstamped (0): followed as before
    harness.spin_sim_seconds(1.5)
    assert np.linalg.norm(sim.ee_state()[:3] - later) < 5e-3


def test_use_sim_time_switched_at_run_time_says_once_that_the_stamps_stay_simulated(context,
                                                                                  capfd):
    """Seen live: sim_node took both switches without a word (the other nodes log one line).

    With publish_clock it is the /clock source: one info line each way says the node clock
    follows and the stamps do not; a refused set (an integer) and the value in force say nothing.
    """
    harness = Harness(context, publish_clock=True)
    try:
        node = harness.node
        assert not node.set_parameters([Parameter("use_sim_time", value=1)])[0].successful
        assert node.set_parameters([Parameter("use_sim_time", value=False)])[0].successful
        assert "use_sim_time switched" not in capfd.readouterr().err
        assert node.set_parameters([Parameter("use_sim_time", value=True)])[0].successful
        err = capfd.readouterr().err
        assert err.count("use_sim_time switched on") == 1 and "[WARN]" not in err, err
        assert "/clock, which this node publishes" in err and "stamps do not change" in err, err
        assert node.set_parameters([Parameter("use_sim_time", value=False)])[0].successful
        err = capfd.readouterr().err
        assert err.count("use_sim_time switched off") == 1 and "system clock" in err, err
        assert "stamps do not change" in err, err
    finally:
        harness.close()

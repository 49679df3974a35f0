"""breaker53f: helper nodes' parameters, a running node's dump, the simulated camera and frames.

Attacked at 9434ff76 (main's HEAD): ``nodes/sim_node.py`` with ``sim/runner.py``
(``RunnerConfig``, ``SimRunner.parse_pose``) and ``sim/config.py`` (``SimConfig.check``),
``nodes/image_publisher.py`` (``ImagePublisherConfig``), ``robot/camera.py`` (``CameraConfig``),
``eval/playback.py`` (``PlaybackConfig``), ``nodes/params.py`` (``declare_config``'s run-time
check) and ``config.check_values`` (``frame_id=True``), every float / int / list / string field
of the four helper configs given NaN, +-inf, 0, -1, empty and blank values; the helper nodes run
as processes (``image_publisher``, ``sim_node``) with ``ros2 param dump`` (its YAML, written
from the node's ``list_parameters`` / ``get_parameters`` as ros2param writes it) and
``ros2 param set`` (``set_parameters``) emulated. Earlier rounds (51a, 51h, 51d, 51g, 51f) are
not repeated. Each (formerly strict xfail) defect test asserts what SHOULD happen; fixed in fix53f.

Defects:

1. ``sim_node -p base_frame:=/panda_link0`` (tf2's leading-slash spelling, which the planner's
   ``robot.base_frame`` takes: ``base_frame.frame_matches`` strips the slash on both sides):
   every target pose is refused, also one stamped ``/panda_link0`` itself: "target pose is in
   frame '/panda_link0', expected '/panda_link0'" (``SimRunner.parse_pose`` strips the slash of
   the message's frame, not of its own). Expected: the pose taken (or the value refused at
   start, naming ``base_frame``).
2. ``sim_node -p base_frame:=''`` / ``'panda link0'`` / a newline in it (also
   ``camera_frame_id``, camera_node's and image_publisher's ``frame_id``): taken at start
   (``RunnerConfig`` / ``CameraConfig`` / ``ImagePublisherConfig`` fields lack
   ``frame_id=True``), where the planner refuses the same text for ``robot.base_frame`` ("must
   be a ROS frame id ..."). With ``''`` every target the planner sends (stamped
   ``panda_link0``) is refused: "expected ''". Expected: one line naming the parameter at start.
3. ``sim_node -p camera.light_direction:=[0.0,0.0,0.0]``: ``SimConfig.check`` takes it (it
   refuses ``camera.up`` [0, 0, 0] and a zero eye-target distance) and TinyRenderer draws a
   black silhouette on white: 2 colours in the frame instead of ~250, the images the planner
   plans on and ``collect`` records. Expected: refused naming ``camera.light_direction``.

Held up (pins below, or probed by hand): a running image_publisher's / sim_node's
``ros2 param dump`` (``start_type_description_service`` included) loads back into the node
unchanged; ``ros2 param set`` of NaN (``rate_hz``, ``real_time_factor``), of an integer for
``use_sim_time``, of a name the node lacks (closest name given), of the read-only
``start_type_description_service``: refused, one line naming it, the value in force kept;
``use_sim_time`` true on a sim_node without ``publish_clock``: refused saying why; the goal
parameters' checks (``goal_gripper`` NaN/inf/1.5, ``goal_steps`` -3, blank and folder paths)
refuse in one line naming the parameter; NaN / inf in every ranged float and every vector of
the four helper configs refused. Not reached: bag_player's dump (needs a bag: its config checks
only), the planner's runtime sets on a running node and ``/diagnostics`` while it plans
(earlier rounds cover them), camera_node on a device.
"""

import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from rcl_interfaces.msg import Parameter, ParameterType, ParameterValue  # noqa: E402
from rcl_interfaces.srv import GetParameters, ListParameters, SetParameters  # noqa: E402
from rclpy.executors import SingleThreadedExecutor  # noqa: E402
from rclpy.parameter import parameter_value_to_python  # noqa: E402

from vjepa_ros.config import from_dict  # noqa: E402
from vjepa_ros.eval.playback import PlaybackConfig  # noqa: E402
from vjepa_ros.nodes.image_publisher import ImagePublisherConfig  # noqa: E402
from vjepa_ros.nodes.sim_node import SimNodeConfig  # noqa: E402
from vjepa_ros.robot.camera import CameraConfig as DeviceCameraConfig  # noqa: E402
from vjepa_ros.robot.kinematics import RobotConfig  # noqa: E402
from vjepa_ros.sim.config import CameraConfig, SimConfig  # noqa: E402
from vjepa_ros.sim.runner import CommandError, RunnerConfig, SimRunner  # noqa: E402

BIN = Path(sys.executable).parent
SMALL = CameraConfig(width=32, height=32)


@pytest.fixture(scope="module")
def small_png(tmp_path_factory) -> Path:
    """Write a 64x64 random RGB PNG (image_publisher's path)."""
    import cv2

    path = tmp_path_factory.mktemp("img") / "g.png"
    cv2.imwrite(str(path), np.random.default_rng(0).integers(0, 255, (64, 64, 3), np.uint8))
    return path


# --- defect 1: a leading slash in sim_node's base_frame ---------------------------------------

@pytest.fixture(scope="module")
def slash_runner():
    """Yield a SimRunner (32x32 camera) whose base_frame is ``/panda_link0``."""
    runner = SimRunner(SimConfig(camera=SMALL), RunnerConfig(base_frame="/panda_link0"))
    yield runner
    close = getattr(runner, "close", None)
    if callable(close):
        close()


@pytest.mark.parametrize("frame", ["panda_link0", "/panda_link0"])
def test_a_leading_slash_base_frame_takes_poses_in_that_frame(slash_runner, frame):
    """``base_frame: /panda_link0`` and a target stamped ``frame``.

    Was (9434ff76): CommandError "target pose is in frame '/panda_link0', expected
    '/panda_link0'" (also for ``panda_link0``, the planner's default stamp). Should: the pose
    is taken, as the planner's ``frame_matches`` takes either spelling.
    """
    position, _ = slash_runner.parse_pose([0.5, 0.0, 0.3], [1.0, 0.0, 0.0, 0.0], frame)
    assert np.allclose(position, [0.5, 0.0, 0.3])


def test_a_plain_base_frame_takes_a_slashed_stamp():
    """Pin: ``base_frame: panda_link0`` takes ``/panda_link0`` and refuses ``world``."""
    runner = SimRunner.__new__(SimRunner)  # parse_pose reads config only
    runner.config = RunnerConfig()
    position, _ = runner.parse_pose([0.5, 0.0, 0.3], [1.0, 0.0, 0.0, 0.0], "/panda_link0")
    assert np.allclose(position, [0.5, 0.0, 0.3])
    with pytest.raises(CommandError, match="'world', expected 'panda_link0'"):
        runner.parse_pose([0.5, 0.0, 0.3], [1.0, 0.0, 0.0, 0.0], "world")


# --- defect 2: frame ids the planner refuses, the helper nodes take ---------------------------

def _sim_values(**changes) -> dict:
    return {"camera": {"width": 32, "height": 32}, **changes}


FRAME_CASES = {
    "sim-base-empty": (SimNodeConfig, "base_frame", ""),
    "sim-base-space": (SimNodeConfig, "base_frame", "panda link0"),
    "sim-base-newline": (SimNodeConfig, "base_frame", "panda\nlink0"),
    "sim-camera-space": (SimNodeConfig, "camera_frame_id", "camera color"),
    "device-camera-space": (DeviceCameraConfig, "frame_id", "camera color"),
    "image-publisher-newline": (ImagePublisherConfig, "frame_id", "a\nb"),
    "sim-camera-empty": (SimNodeConfig, "camera_frame_id", ""),
    "device-camera-empty": (DeviceCameraConfig, "frame_id", ""),
    "image-publisher-empty": (ImagePublisherConfig, "frame_id", ""),
    "image-publisher-leading-space": (ImagePublisherConfig, "frame_id", " camera"),
}
HELPER_FRAMES = [(SimNodeConfig, "base_frame"), (SimNodeConfig, "camera_frame_id"),
                 (DeviceCameraConfig, "frame_id"), (ImagePublisherConfig, "frame_id")]


def _checked(cls, values: dict):
    config = from_dict(cls, values)
    check = getattr(config, "check", None)
    if callable(check):
        check()
    from vjepa_ros.config import check_values

    check_values(config)
    return config


def test_the_planner_refuses_a_frame_id_with_a_space():
    """Pin: ``robot.base_frame: 'panda link0'`` is refused naming it (``frame_id=True``)."""
    with pytest.raises(ValueError, match="base_frame must be a ROS frame id"):
        _checked(RobotConfig, {"base_frame": "panda link0"})


@pytest.mark.parametrize("case", sorted(FRAME_CASES))
def test_a_helper_node_refuses_a_frame_id_the_planner_refuses(case):
    """A helper node's frame id given '' (base_frame), a space or a newline.

    Was (9434ff76): taken at start (the node then stamps images / poses with it; with
    ``base_frame: ''`` the sim refuses every planner target, "expected ''"). Should: one
    ValueError naming the parameter, as the planner's ``robot.base_frame`` check gives.
    """
    cls, name, value = FRAME_CASES[case]
    values = _sim_values(**{name: value}) if cls is SimNodeConfig else {name: value}
    with pytest.raises(ValueError, match=name):
        _checked(cls, values)


@pytest.mark.parametrize("cls, name", HELPER_FRAMES)
@pytest.mark.parametrize("value", ["/panda_link0", "left_arm/camera_1", "_a"])
def test_a_helper_node_takes_the_frame_ids_tf2_takes(cls, name, value):
    """A leading slash, '/' separators and '_' are taken (the same form the planner takes)."""
    values = _sim_values(**{name: value}) if cls is SimNodeConfig else {name: value}
    assert getattr(_checked(cls, values), name) == value


def test_the_planners_empty_base_frame_is_still_taken():
    """``robot.base_frame: ''`` means '<prefix>link0' (``frame_id=True``): not refused."""
    assert _checked(RobotConfig, {"base_frame": ""}).base_frame == ""


@pytest.mark.parametrize("stamp, taken", [("panda_link1", False), ("//panda_link0", True),
                                          ("", True)])
def test_a_slashed_base_frame_follows_the_planners_rule(slash_runner, stamp, taken):
    """Another frame is refused naming both; an empty stamp is the base frame (frame_matches)."""
    if taken:
        slash_runner.parse_pose([0.5, 0.0, 0.3], [1.0, 0.0, 0.0, 0.0], stamp)
        return
    with pytest.raises(CommandError, match=f"'{stamp}', expected '/panda_link0'"):
        slash_runner.parse_pose([0.5, 0.0, 0.3], [1.0, 0.0, 0.0, 0.0], stamp)


# --- defect 3: a zero light direction --------------------------------------------------------

def _colours(light_direction) -> int:
    from vjepa_ros.sim.sim import Sim

    config = SimConfig(camera=CameraConfig(width=64, height=64,
                                           light_direction=light_direction))
    sim = Sim(config.check())
    try:
        sim.reset(0)
        image = sim.render()
    finally:
        close = getattr(sim, "close", None)
        if callable(close):
            close()
    return len(np.unique(image.reshape(-1, 3), axis=0))


def test_the_default_light_renders_a_shaded_scene():
    """Pin: the default light direction gives a frame of many colours (shading, objects)."""
    assert _colours([0.6, -0.4, 1.0]) > 50


def test_a_zero_camera_up_is_refused_naming_it():
    """Pin: ``camera.up`` [0, 0, 0] is refused naming it (the check defect 3 lacks)."""
    with pytest.raises(ValueError, match="camera.up"):
        SimConfig(camera=CameraConfig(up=[0.0, 0.0, 0.0])).check()


def test_a_zero_light_direction_is_refused_naming_it():
    """``camera.light_direction: [0.0, 0.0, 0.0]`` (sim_node, sim.yaml, ``collect``).

    Was (9434ff76): taken; the rendered frame has 2 colours (black scene on white) where the
    default light gives ~250. Should: ValueError naming ``camera.light_direction``.
    """
    config = SimConfig(camera=CameraConfig(width=64, height=64,
                                           light_direction=[0.0, 0.0, 0.0]))
    try:
        config.check()
    except ValueError as exc:
        assert "camera.light_direction" in str(exc)
        return
    pytest.fail(f"taken; the frame has {_colours([0.0, 0.0, 0.0])} colours")


@pytest.mark.parametrize("name, value", [
    ("light_direction", [1e-9, 0.0, 0.0]), ("light_direction", [0.0, -0.0, 0.0]),
    ("up", [0.0, 0.0, 1e-30]), ("eye", [0.4, 0.0, 0.3500000001]),
])
def test_a_near_zero_camera_direction_is_refused_naming_it(name, value):
    """Light, up, or eye-to-target shorter than 1e-6: refused in one line naming the setting."""
    with pytest.raises(ValueError, match=f"camera.{name}") as caught:
        SimConfig(camera=CameraConfig(**{name: value})).check()
    assert "\n" not in str(caught.value)


def test_a_short_but_real_light_direction_is_taken():
    """A light direction of length 1e-5 is a direction (rendered as its unit vector): taken."""
    SimConfig(camera=CameraConfig(light_direction=[6e-6, -4e-6, 1e-5])).check()


def test_non_finite_numbers_in_every_helper_config_are_refused():
    """Pin: NaN / inf in each float and float vector of the helper configs is refused."""
    from vjepa_ros.config import flatten

    for cls in (SimNodeConfig, ImagePublisherConfig, DeviceCameraConfig, PlaybackConfig):
        base = {name: default for name, default, _ in flatten(cls())}
        for name, default, _ in flatten(cls()):
            if isinstance(default, bool):
                continue
            if isinstance(default, float):
                tries = [math.nan, math.inf, -math.inf]
            elif isinstance(default, list) and default and isinstance(default[0], float):
                tries = [[math.nan] * len(default), [math.inf] * len(default)]
            else:
                continue
            for value in tries:
                values = dict(base, **{name: value})
                with pytest.raises(ValueError):
                    _checked(cls, values)


# --- pins: a running node's dump and run-time sets --------------------------------------------

class _Graph:
    """A probe node in its own context: ``ros2 param dump`` / ``set`` through the services."""

    def __init__(self):
        self.context = rclpy.Context()
        rclpy.init(args=[], context=self.context)
        self.node = rclpy.create_node("breaker53f_probe", context=self.context)

    def call(self, kind, name: str, request, wait_s: float = 30.0):
        client = self.node.create_client(kind, name)
        end = time.monotonic() + wait_s
        while not client.wait_for_service(timeout_sec=0.5):
            assert time.monotonic() < end, f"no {name}"
        future = client.call_async(request)
        executor = SingleThreadedExecutor(context=self.context)
        executor.add_node(self.node)
        executor.spin_until_future_complete(future, timeout_sec=wait_s)
        executor.shutdown()
        assert future.result() is not None, f"{name} did not answer"
        return future.result()

    def dump(self, node: str) -> dict:
        """Return what ``ros2 param dump NODE`` writes, read back with yaml.safe_load."""
        names = sorted(self.call(ListParameters, f"{node}/list_parameters",
                                 ListParameters.Request()).result.names)
        got = self.call(GetParameters, f"{node}/get_parameters",
                        GetParameters.Request(names=names))
        section: dict = {}
        for name, value in zip(names, got.values, strict=True):
            python = parameter_value_to_python(value)
            if not isinstance(python, (str, int, float, bool)) and python is not None:
                python = list(python)
            where = section
            *groups, last = name.split(".")
            for group in groups:
                where = where.setdefault(group, {})
            where[last] = python
        return yaml.safe_load(yaml.dump({node: {"ros__parameters": section}},
                                        default_flow_style=False))

    def set(self, node: str, name: str, value: ParameterValue):
        answer = self.call(SetParameters, f"{node}/set_parameters",
                           SetParameters.Request(parameters=[Parameter(name=name, value=value)]))
        return answer.results[0]

    def close(self):
        self.node.destroy_node()
        rclpy.shutdown(context=self.context)


def _start(executable: str, *ros_args: str) -> subprocess.Popen:
    return subprocess.Popen([str(BIN / executable), "--ros-args", *ros_args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=dict(os.environ))


def _stop(process: subprocess.Popen) -> str:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.stdout.read()


DOUBLE, INTEGER = ParameterType.PARAMETER_DOUBLE, ParameterType.PARAMETER_INTEGER
NODES = {
    "image_publisher": ("/image_publisher", "rate_hz", []),
    "sim_node": ("/sim_node", "real_time_factor", ["-p", "camera.width:=32",
                                                   "-p", "camera.height:=32"]),
}


@pytest.mark.parametrize("executable", sorted(NODES))
def test_a_running_helpers_dump_loads_back_and_bad_sets_leave_it_unchanged(
        executable, small_png, tmp_path):
    """Pin: dump, NaN / wrong-type sets refused naming the parameter, dump unchanged, reload.

    The dump given back with ``--params-file`` starts the node again with the same values.
    """
    full, number, extra = NODES[executable]
    if executable == "image_publisher":
        extra = ["-p", f"path:={small_png}"]
    graph = _Graph()
    process = _start(executable, *extra)
    try:
        before = graph.dump(full)
        for name, value, words in [
                (number, ParameterValue(type=DOUBLE, double_value=math.nan), "nan"),
                ("use_sim_time", ParameterValue(type=INTEGER, integer_value=1), "true or false"),
        ]:
            result = graph.set(full, name, value)
            assert not result.successful
            assert name in result.reason and words in result.reason
            assert "\n" not in result.reason
        assert graph.dump(full) == before
        dumped = tmp_path / "dump.yaml"
        dumped.write_text(yaml.dump(before, default_flow_style=False))
        _stop(process)
        process = _start(executable, "--params-file", str(dumped))
        assert graph.dump(full) == before
    finally:
        output = _stop(process)
        graph.close()
    assert "Traceback" not in output and "ERROR" not in output, output

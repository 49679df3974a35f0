"""Over ROS: the gripper command path end to end, and the sub-goal list services.

The planner node runs as launched (in-process ``Launch``, config/planner.yaml) with the oracle
world model (``sim/oracle.py``) in place of a checkpoint, so the best gripper delta of a frame and
a goal image is known. The tester plays camera and robot (``test_ros_planner_node.Harness``).
"""

import importlib.util

import pytest

pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
import numpy as np  # noqa: E402
from rcl_interfaces.msg import Parameter, ParameterType, ParameterValue  # noqa: E402
from rcl_interfaces.srv import GetParameters, SetParameters  # noqa: E402
from rclpy.parameter import parameter_value_to_python  # noqa: E402
from sensor_msgs.msg import Image, JointState  # noqa: E402
from std_srvs.srv import Trigger  # noqa: E402
from test_ros_planner_node import HOME, JOINTS, Harness  # noqa: E402

from vjepa_ros.images import rgb_to_image_fields, save_image_file  # noqa: E402
from vjepa_ros.nodes.planner_node import PlannerNode  # noqa: E402
from vjepa_ros.robot.kinematics import FrankaKinematics, RobotConfig  # noqa: E402
from vjepa_ros.sim.oracle import OracleWorldModel  # noqa: E402

# The published gripper search (clip 0.75, momenta 0.15, rounding 0.25) with enough samples
ORACLE = {"planner.samples": 200, "planner.topk": 10, "planner.iterations": 5}
ITERATIONS = ORACLE["planner.iterations"]


def image(seed):
    return np.random.default_rng(seed).integers(0, 256, (48, 64, 3), dtype=np.uint8)


def image_msg(seed):
    return Image(**rgb_to_image_fields(image(seed)))


@pytest.fixture
def oracle_harness(monkeypatch):
    """Make ``(oracle, harness)``: the planner node loads the oracle instead of a checkpoint."""
    oracle = OracleWorldModel()
    monkeypatch.setattr(PlannerNode, "_load_model", lambda self: oracle)
    made = []

    def make(**params):
        made.append(Harness("oracle (test stand-in)", **{**ORACLE, **params}))
        return made[-1]

    yield oracle, make
    for h in made:
        h.close()


def hand_state(closedness):
    """Return the state [7] the node measures at HOME with this closedness."""
    return FrankaKinematics(RobotConfig()).state(np.array(HOME), closedness)


def fingers(h, closedness):
    """Publish HOME with fingers at ``closedness`` (0 open, 1 closed) with every tick."""
    width = (1.0 - closedness) * 0.08
    h.extra = [(h.joint_pub, JointState(name=JOINTS, position=HOME + [width / 2] * 2))]


def set_goal(h, goal_seed):
    h.feed_frame(0.3, image_msg(goal_seed), joints=None)
    answer = h.capture()
    assert answer.success, answer.message


@pytest.mark.parametrize("start, goal, expected", [(0.0, 1.0, 0.75), (1.0, 0.0, 0.25)])
def test_a_plan_that_moves_the_gripper_publishes_its_closedness(oracle_harness, start, goal,
                                                               expected):
    oracle, make = oracle_harness
    oracle.remember(image(1), hand_state(start))
    oracle.remember(image(2), hand_state(goal))
    h = make()
    fingers(h, start)
    set_goal(h, 2)
    frames = {"image": image_msg(1), "joints": None}
    assert h.pump(10.0, until=lambda: len(h.got["action"]) >= 2, **frames), "shadow plans"
    planned = h.got["action"][-1].data[6]
    assert planned == pytest.approx(np.clip(goal - start, -0.75, 0.75), abs=0.03)
    assert not h.got["gripper"], "shadow mode: no gripper command"
    assert h.enable().success
    assert h.pump(10.0, until=lambda: h.got["gripper"], **frames), "no gripper command"
    assert h.got["gripper"][0].data == pytest.approx(expected, abs=0.03)
    at_gripper = len(h.got["action"])
    h.pump(1.5, **frames)  # more plans, the hand has not moved: within the deadband
    # at least two more plans: counted, not expected of the 1.5 s window (a busy 2-core
    # machine plans fewer times in it)
    assert h.pump(1.5, until=lambda: len(h.got["action"]) >= max(4, at_gripper + 2), **frames)
    assert len(h.got["gripper"]) == 1
    assert h.enable(False).success
    count = len(h.got["action"])
    h.pump(1.5, until=lambda: len(h.got["action"]) > count + 1, **frames)
    assert len(h.got["gripper"]) == 1, "disabled: no gripper command"


def test_close_gripper_parameter_reaches_the_gripper_command(oracle_harness, capfd):
    oracle, make = oracle_harness
    oracle.remember(image(1), hand_state(0.0))
    oracle.remember(image(2), hand_state(0.0))  # the goal is open: only the option closes
    h = make(**{"planner.close_gripper": 0,
                "control.gripper_action": "/fr3_gripper/gripper_action"})
    fingers(h, 0.0)
    set_goal(h, 2)
    assert h.enable().success
    assert h.pump(10.0, until=lambda: h.got["gripper"], image=image_msg(1), joints=None)
    assert h.got["gripper"][0].data == pytest.approx(1.0 - 0.15 ** ITERATIONS, rel=1e-4)
    if importlib.util.find_spec("control_msgs") is None:  # no wheel: the topic alone, one warning
        assert h.planner.gripper_action is None
        assert "control_msgs is not installed: no GripperCommand goals to /fr3_gripper/" \
            "gripper_action (gripper_command still publishes)" in capfd.readouterr().err
    else:  # a ROS install: GripperCommand goals go to the action server as well
        assert h.planner.gripper_action is not None


def test_sub_goal_list_services(oracle_harness, tmp_path):
    oracle, make = oracle_harness
    for seed in range(4):
        oracle.remember(image(seed), hand_state(seed / 4))
    h = make()

    def call(service):
        return h.call(Trigger, f"/vjepa_planner/{service}", Trigger.Request())

    refused = call("add_subgoal")
    assert not refused.success and "no camera frame" in refused.message
    # the topic the node really subscribes to (remapped), not the name in the code
    assert f"({h.planner.image_subscription.topic_name})" in refused.message
    assert h.planner.image_subscription.topic_name != "image"
    assert h.logs("~/add_subgoal refused: no camera frame")
    for seed in range(3):  # the person guides the arm to three poses, adding each
        h.feed_frame(0.2, image_msg(seed))
        answer = call("add_subgoal")
        assert answer.success and answer.message.startswith(f"sub-goal {seed + 1} added at TCP (")
        assert f"; new goal: goal 1/{seed + 1} (added sub-goal 1)" in answer.message
    goals = h.session.goals
    assert goals.steps == [4, 10, 4] and [g.state[6] for g in goals.goals] == [0, 0, 0]
    h.pump(1.0, until=lambda: h.got["diag"] and h.diagnostics()[1]["subgoal"] == "1/3",
           image=image_msg(3))
    values = h.diagnostics()[1]
    assert values["subgoal"] == "1/3" and values["subgoal_rule"].startswith("steps")
    assert h.enable().success
    refused = call("add_subgoal")
    assert not refused.success and "call ~/enable false" in refused.message
    assert len(h.session.goals.goals) == 3
    cleared = call("clear_goals")
    assert cleared.success and cleared.message == "goals cleared (3 removed)"
    h.pump(1.5, until=lambda: "no goal" in h.diagnostics()[1]["refusal"], image=image_msg(3))
    assert "no goal" in h.diagnostics()[1]["refusal"]
    # sub-goal files without step counts: the paper's 4, 10, 4 (goals.default_steps)
    paths = [str(save_image_file(tmp_path / f"{i}.png", image(i))) for i in range(3)]
    value = ParameterValue(type=ParameterType.PARAMETER_STRING_ARRAY, string_array_value=paths)
    request = SetParameters.Request(parameters=[Parameter(name="goal_image_paths", value=value)])
    (result,) = h.call(SetParameters, "/vjepa_planner/set_parameters", request).results
    assert result.successful, result.reason
    assert h.session.goals.steps == [4, 10, 4]
    assert [g.source for g in h.session.goals.goals] == paths


def test_subgoal_gripper_over_ros_files_and_captured_sub_goals(oracle_harness, tmp_path):
    """goals.gripper subgoal: goal files need goal_gripper; a captured closed hand closes it."""
    oracle, make = oracle_harness
    oracle.remember(image(1), hand_state(0.0))
    oracle.remember(image(2), hand_state(0.5))  # a held object: half closed
    h = make(**{"goals.gripper": "subgoal"})
    paths = [str(save_image_file(tmp_path / f"{i}.png", image(i))) for i in range(2)]

    def set_param(name, value):
        kind, field = ((ParameterType.PARAMETER_STRING_ARRAY, "string_array_value")
                       if isinstance(value[0], str) else
                       (ParameterType.PARAMETER_DOUBLE_ARRAY, "double_array_value"))
        request = SetParameters.Request(parameters=[Parameter(name=name, value=ParameterValue(
            type=kind, **{field: value}))])
        (result,) = h.call(SetParameters, "/vjepa_planner/set_parameters", request).results
        return result

    # one parameter at a time (ros2 param set): the goal waits until the lists agree
    assert set_param("goal_image_paths", paths).successful and h.session.goals is None
    assert h.logs("goal not changed yet: 2 goal images but 0 goal_gripper entries; set "
                  "goal_gripper with one closedness (0 open .. 1 closed) per image (goals.gripper "
                  "is subgoal)")
    assert set_param("goal_gripper", [0.0]).successful and h.session.goals is None
    assert h.logs("2 goal images but 1 goal_gripper entries")
    refused = set_param("goal_gripper", [0.0, 2.0])
    assert not refused.successful and "goal_gripper entries must be closedness values in [0, 1]" \
        in refused.reason and h.session.goals is None
    assert set_param("goal_gripper", [0.0, 1.0]).successful
    assert [g.gripper_command() for g in h.session.goals.goals] == [0.0, 1.0]
    # a sub-goal captured with the hand half closed: the command toward it closes the hand
    clear = h.call(Trigger, "/vjepa_planner/clear_goals", Trigger.Request())
    assert clear.success
    fingers(h, 0.5)
    h.feed_frame(0.3, image_msg(2), joints=None)
    added = h.call(Trigger, "/vjepa_planner/add_subgoal", Trigger.Request())
    assert added.success and "gripper 0.50" in added.message, added.message
    fingers(h, 0.0)
    frames = {"image": image_msg(1), "joints": None}
    assert h.pump(3.0, until=lambda: h.got["diag"], **frames)
    assert h.diagnostics()[1]["gripper_source"] == "subgoal"
    assert h.enable().success
    assert h.pump(10.0, until=lambda: h.got["gripper"], **frames), "no gripper command"
    assert h.got["gripper"][0].data == 1.0, "closed (a grasp), not the planned 0.5"


def set_double_array(h, name, value):
    """``ros2 param set /vjepa_planner NAME [..]`` for a float list; return the result."""
    request = SetParameters.Request(parameters=[Parameter(name=name, value=ParameterValue(
        type=ParameterType.PARAMETER_DOUBLE_ARRAY, double_array_value=value))])
    (result,) = h.call(SetParameters, "/vjepa_planner/set_parameters", request).results
    return result


def test_parameters_idle_under_the_other_settings_are_accepted_with_one_warning_each(
        oracle_harness, capfd):
    """goal_gripper while goals.gripper is planned (and the like): one line, what to do."""
    _, make = oracle_harness
    h = make(**{"goal_gripper": [1.0], "goals.patience": 5, "goals.min_delta": 0.01,
                "planner.mppi.temperature": 2.0})
    err = capfd.readouterr().err
    expected = [
        "goal_gripper does nothing while goals.gripper is 'planned' (the planner's gripper "
        "dimension decides the gripper): set goals.gripper to subgoal, or drop goal_gripper",
        "goals.patience, goals.min_delta do nothing while goals.rule is 'steps' (switching on "
        "step counts only): set goals.rule to energy, or drop goals.patience, goals.min_delta",
        "planner.mppi.temperature does nothing while planner.method is 'cem': set planner.method "
        "to mppi, or drop planner.mppi.temperature",
    ]
    for line in expected:
        assert err.count(line) == 1, (line, err)
    assert "planner.icem" not in err and "control." not in err  # defaults: no warning
    # At run time: goal_gripper set (accepted) while the gripper is planned, warned on each change;
    # goals.gripper is read at start only, so the fix is a restart with it (mend55b)
    assert set_double_array(h, "goal_gripper", [0.5]).successful
    assert h.pump(2.0, until=lambda: h.logs("goal_gripper does nothing"), joints=None)
    warned = h.logs("goal_gripper does nothing while goals.gripper is 'planned'", level=30)
    restart = expected[0].replace("set goals.gripper to subgoal", (
        "restart the planner with goals.gripper subgoal (vjepa-ros launch -p "
        "planner.goals.gripper:=subgoal, or ros2 run: --ros-args -p goals.gripper:=subgoal)"))
    assert len(warned) == 1 and warned[0] == restart, warned
    assert set_double_array(h, "goal_gripper", []).successful  # dropped: nothing more to say
    h.pump(0.5, joints=None)
    assert len(h.logs("goal_gripper does nothing")) == 1


def test_goal_gripper_under_subgoal_gripper_is_not_idle(oracle_harness, capfd):
    _, make = oracle_harness
    h = make(**{"goals.gripper": "subgoal", "goal_gripper": [1.0]})
    err = capfd.readouterr().err
    assert "does nothing" not in err, err
    assert h.planner.config.goal_gripper == [1.0]


def test_goal_images_too_small_or_cut_are_refused_and_another_size_is_noted_once(
        oracle_harness, tmp_path):
    """A 1x1 goal, a cut JPEG, an empty entry: no goal set. A goal of another size: one note."""
    oracle, make = oracle_harness
    h = make()

    def set_paths(paths):
        value = ParameterValue(type=ParameterType.PARAMETER_STRING_ARRAY, string_array_value=paths)
        request = SetParameters.Request(parameters=[Parameter(name="goal_image_paths",
                                                              value=value)])
        (result,) = h.call(SetParameters, "/vjepa_planner/set_parameters", request).results
        return result

    h.goal_pub.publish(Image(**rgb_to_image_fields(np.zeros((1, 1, 3), np.uint8))))
    assert h.pump(3.0, until=lambda: h.logs("ignoring goal image on /vjepa_planner/goal_image: "
                                            "the image is 1x1 px, smaller than 32 px a side"))
    assert h.session.goals is None
    depth = Image(height=64, width=64, encoding="16UC1", step=128, data=bytes(64 * 128))
    h.goal_pub.publish(depth)  # a depth image sent as a goal: the topic named, to fix its sender
    assert h.pump(3.0, until=lambda: h.logs("ignoring goal image on /vjepa_planner/goal_image: "
                                            "unsupported image encoding '16UC1'"))
    assert h.session.goals is None
    shades = np.repeat(np.arange(96, dtype=np.uint8)[:, None, None], 128, axis=1)
    good = str(save_image_file(tmp_path / "good.png", np.repeat(shades, 3, axis=2)))  # grey
    cut = tmp_path / "cut.png"
    cut.write_bytes(open(good, "rb").read()[:-40])  # IEND and the end of the pixels lost
    result = set_paths([""])
    assert not result.successful and "goal_image_paths entry 1 of 1 is empty" in result.reason
    # its header is whole: the set is taken, the decode (off the executor thread) refuses it
    assert set_paths([good, str(cut)]).successful
    assert h.pump(3.0, until=lambda: h.logs(f"goal_image_paths not applied: goal_image_paths "
                                            f"entry 2 of 2: {cut} is truncated or corrupt"))
    assert h.session.goals is None, "a goal taken from a list with a file cut short"
    assert set_paths([good]).successful and h.session.goals is not None
    note = "the goal image is 128x96 px and the camera's frames are 64x48 px"
    assert h.pump(3.0, until=lambda: h.logs(note))
    h.pump(0.5)  # many more frames of that size
    assert len(h.logs(note)) == 1
    assert not h.logs("smaller than the world model's")  # the oracle has no input size
    # The grey ramp's three channels are equal: grey, for colour frames (breaker42c), once (an
    # all-black goal carries no colour information and is not called grey: fix42h).
    grey = "the goal image is grey (its three channels are equal everywhere"
    assert len(h.logs(grey)) == 1 and "this colour camera (~/capture_goal)" in h.logs(grey)[0]
    mono = Image(height=48, width=64, encoding="mono8", step=64, data=bytes(range(64)) * 48)
    said = "the camera's frames are grey (three equal channels: a mono8 or infrared stream?)"
    assert h.pump(3.0, until=lambda: h.logs(said), image=mono)
    h.pump(0.5, image=mono)
    assert len(h.logs(said)) == 1


def set_goal_param(h, name, value):
    """``ros2 param set /vjepa_planner NAME VALUE`` for a goal parameter; return the result."""
    kind, field = {"goal_image_path": (ParameterType.PARAMETER_STRING, "string_value"),
                   "goal_image_paths": (ParameterType.PARAMETER_STRING_ARRAY,
                                        "string_array_value"),
                   "goal_steps": (ParameterType.PARAMETER_INTEGER_ARRAY, "integer_array_value"),
                   "goal_gripper": (ParameterType.PARAMETER_DOUBLE_ARRAY,
                                    "double_array_value")}[name]
    request = SetParameters.Request(parameters=[Parameter(name=name, value=ParameterValue(
        type=kind, **{field: value}))])
    (result,) = h.call(SetParameters, "/vjepa_planner/set_parameters", request).results
    return result


def test_goal_parameters_are_checked_alone_and_emptied_with_the_goal(oracle_harness, tmp_path):
    """Each goal value checked when set; ~/clear_goals and ~/capture_goal empty the parameters.

    The old files once came back: goal_image_paths, ~/clear_goals, then goal_image_path (or
    goal_steps alone) loaded the old list again, and goal_image_path was ignored without a word.
    """
    _, make = oracle_harness
    h = make()
    files = [str(save_image_file(tmp_path / f"{i}.png", image(i))) for i in range(2)]
    tiny = str(save_image_file(tmp_path / "tiny.png", np.zeros((20, 20, 3), np.uint8)))

    def sources():
        return None if h.session.goals is None else [g.source for g in h.session.goals.goals]

    def params():  # as ros2 param get reads them (an empty list never set: no value)
        values = {}
        for name in ("goal_image_path", "goal_image_paths", "goal_steps", "goal_gripper"):
            answer = h.call(GetParameters, "/vjepa_planner/get_parameters",
                            GetParameters.Request(names=[name]))
            value = [parameter_value_to_python(v) for v in answer.values] or [None]
            values[name] = value[0] if isinstance(value[0], str) else list(value[0] or [])
        return values

    assert set_goal_param(h, "goal_image_paths", files).successful and sources() == files
    for name, bad, reason in [  # while the lists disagree in length too: refused, named
        ("goal_steps", [-3], "goal_steps entry 1 of 1 is -3"),
        ("goal_gripper", [float("nan")], "goal_gripper entries must be closedness values"),
        ("goal_gripper", [2.0], "goal_gripper entries must be closedness values"),
        ("goal_image_path", tiny, f"goal_image_path: {tiny} is 20x20 px"),
        ("goal_image_paths", [""], "goal_image_paths entry 1 of 1 is empty"),
    ]:
        result = set_goal_param(h, name, bad)
        assert not result.successful and result.reason.startswith(reason), (name, result.reason)
    assert sources() == files and params()["goal_steps"] == []
    refused = set_goal_param(h, "goal_image_path", files[1])
    assert not refused.successful and refused.reason.startswith(
        "goal_image_path cannot be set while goal_image_paths holds 2 sub-goal file(s)")
    cleared = h.call(Trigger, "/vjepa_planner/clear_goals", Trigger.Request())
    assert cleared.success and sources() is None
    # user52n: the answer names what it emptied (the parameter no longer describes the goal)
    assert cleared.message == "goals cleared (2 removed); goal_image_paths set back to empty " \
        "(the goal parameters describe a goal from files only)", cleared.message
    assert params() == {"goal_image_path": "", "goal_image_paths": [], "goal_steps": [],
                        "goal_gripper": []}
    assert set_goal_param(h, "goal_steps", [3, 3]).successful and sources() is None
    assert h.call(Trigger, "/vjepa_planner/clear_goals", Trigger.Request()).success
    assert params()["goal_steps"] == []
    assert set_goal_param(h, "goal_image_path", files[1]).successful and sources() == [files[1]]
    assert h.logs(f"new goal: goal 1/1 ({files[1]})")
    # a captured goal replaces the file goal: the parameters no longer say otherwise
    h.feed_frame(0.3, image_msg(3))  # with the robot state: a capture refuses without one
    captured = h.capture()
    assert captured.success and sources() == ["captured frame"]
    assert params()["goal_image_path"] == ""
    assert captured.message.endswith("; goal_image_path set back to empty (the goal parameters "
                                     "describe a goal from files only)"), captured.message


# status: 2 for a value typed as -p that is refused (a usage error, as under vjepa-ros launch:
# fix61u, was 1); 1 for a goal file that is not there (a file problem, typed or not)
@pytest.mark.parametrize("given, message, status", [
    ({"goal_image_path": "GOOD", "goal_steps": "[-3]"},
     "goal files not loaded: goal_steps entry 1 of 1 is -3: give executed-step counts >= 0", 2),
    # goal_steps [5] fits neither: the two file parameters are refused before the lengths
    ({"goal_image_path": "GOOD", "goal_image_paths": "[GOOD, GOOD]", "goal_steps": "[5]"},
     "goal files not loaded: goal_image_path and goal_image_paths are both set: give one", 2),
    ({"goal_image_path": "/nonexistent/goal.png"},
     "goal files not loaded: goal_image_path: image file not found: /nonexistent/goal.png", 1),
])
def test_goal_parameters_at_start_up_get_the_same_checks(monkeypatch, capfd, tmp_path, given,
                                                          message, status):
    from vjepa_ros.nodes import node_runner

    monkeypatch.setattr(PlannerNode, "_load_model", lambda self: OracleWorldModel())
    monkeypatch.setattr(node_runner, "use_camera_profile", lambda: "")
    good = str(save_image_file(tmp_path / "good.png", image(0)))
    args = ["planner_node", "--ros-args", "-p", "model.checkpoint:=oracle"]
    for name, value in given.items():
        args += ["-p", f"{name}:={value.replace('GOOD', good)}"]
    code = node_runner.run_node(PlannerNode, args)
    err = capfd.readouterr().err
    # after the -p items that gave the values (param_sources)
    assert code == status and err.startswith("vjepa_planner: -p goal_") and message in err, err


def test_a_run_time_value_of_another_type_is_refused_naming_the_parameter(oracle_harness):
    """``ros2 param set /vjepa_planner goal_image_path 5`` answered rclpy's "Wrong parameter type".

    rclpy's words were "Wrong parameter type, expected '4' got '2'"; ``ros2 param describe``
    keeps the declared type after the refusal.
    """
    from rcl_interfaces.srv import DescribeParameters

    _, make = oracle_harness
    h = make()
    for name, value, reason in [
        ("goal_image_path", ParameterValue(type=ParameterType.PARAMETER_INTEGER,
                                           integer_value=5),
         "parameter 'goal_image_path' takes a string (quote one"),
        ("goal_steps", ParameterValue(type=ParameterType.PARAMETER_STRING, string_value="4"),
         "parameter 'goal_steps' takes a list of whole numbers ([a, b]), got '4' (a string)"),
        ("use_sim_time", ParameterValue(type=ParameterType.PARAMETER_INTEGER, integer_value=1),
         "parameter 'use_sim_time' takes true or false, got 1 (an integer)"),
        ("use_sim_time", ParameterValue(type=ParameterType.PARAMETER_STRING, string_value="true"),
         "parameter 'use_sim_time' takes true or false, got 'true' (a string); give it unquoted "
         "(true, not 'true')"),  # user49u: "takes true or false, got 'true'" read as a riddle
        ("planner.samples", ParameterValue(type=ParameterType.PARAMETER_STRING,
                                           string_value="x"),
         "parameter 'planner.samples' is read at start only: "),  # a start-only one: that first
    ]:
        request = SetParameters.Request(parameters=[Parameter(name=name, value=value)])
        (result,) = h.call(SetParameters, "/vjepa_planner/set_parameters", request).results
        assert not result.successful and result.reason.startswith(reason), result.reason
        (described,) = h.call(DescribeParameters, "/vjepa_planner/describe_parameters",
                              DescribeParameters.Request(names=[name])).descriptors
        assert described.type != value.type, name  # still the declared type
    assert set_goal_param(h, "goal_steps", [3]).successful  # the right type still passes

"""Node parameters at start-up (nodes/params.py): unknown names refused, errors in one line.

Nodes are started in-process with ``cli_args`` (as ``ros2 run ... --ros-args``) and
``parameter_overrides`` (as the launcher), on a context of their own. Parameter types (empty
lists, integers for floats, type errors): ``test_ros_param_types.py``.
"""

import dataclasses

import pytest
import rclpy
from rclpy.parameter import Parameter

from vjepa_ros.config import param
from vjepa_ros.nodes import node_runner
from vjepa_ros.nodes.params import closest_name, declare_config
from vjepa_ros.nodes.planner_node import PlannerNode


@dataclasses.dataclass
class Inner:
    rate_hz: float = param(4.0, "A rate.")


@dataclasses.dataclass
class Small:
    name: str = param("a", "A name.")
    inner: Inner = dataclasses.field(default_factory=Inner)


def _declare(context, defaults, **kwargs):
    node = rclpy.create_node("params_test", context=context, **kwargs)
    try:
        return declare_config(node, defaults)
    finally:
        node.destroy_node()


@pytest.mark.parametrize("args, message", [
    (["-p", "planner.sampels:=5"], "'planner.sampels' (closest: 'planner.samples')"),
    (["-p", "samples:=5"], "'samples' (closest: 'planner.samples')"),
    (["-p", "control.mdoe:=continuous"], "'control.mdoe' (closest: 'control.mode')"),
    (["-p", "typo:=1"], "'typo'; "),  # like no declared name: none offered
])
def test_the_planner_refuses_an_unknown_command_line_parameter_before_loading_anything(
        context, args, message):
    # No model.checkpoint given: the unknown name is reported first, before the model check.
    with pytest.raises(ValueError) as caught:
        PlannerNode(context=context, cli_args=["--ros-args", *args])
    text = str(caught.value)
    assert text.startswith("unknown parameter ") and message in text  # runner: the node name
    assert "\n" not in text


def test_parameter_files_and_overrides_are_checked_too_and_declared_names_pass(context,
                                                                              tmp_path):
    params = tmp_path / "planner.yaml"
    params.write_text("/**:\n  ros__parameters:\n    planner:\n      samples: 10\n"
                      "      topkk: 3\n    safty:\n      max_image_age_s: 1.0\n")
    with pytest.raises(ValueError) as caught:
        PlannerNode(context=context, cli_args=["--ros-args", "--params-file", str(params)],
                    parameter_overrides=[Parameter("use_sim_time", value=True)])
    text = str(caught.value)
    assert "unknown parameters 'planner.topkk' (closest: 'planner.topk'); " \
           "'safty.max_image_age_s' (closest: 'safety.max_image_age_s')" in text
    assert "use_sim_time" not in text, "rclpy's own parameter is declared"
    with pytest.raises(ValueError, match="model.checkpoint' is empty"):  # known names: next check
        PlannerNode(context=context, cli_args=["--ros-args", "-p", "planner.samples:=20"],
                    parameter_overrides=[Parameter("control.mode", value="blocking")])


def test_declare_config_refuses_undeclared_overrides_on_any_node(context):
    overrides = [Parameter("inner.rate_hz", value=2.0), Parameter("name", value="b")]
    assert _declare(context, Small(), parameter_overrides=overrides) == \
        Small(name="b", inner=Inner(rate_hz=2.0))
    with pytest.raises(ValueError, match=r"^unknown parameter 'inner.rate' "
                                         r"\(closest: 'inner.rate_hz'\)"):
        _declare(context, Small(), parameter_overrides=[Parameter("inner.rate", value=2.0)])
    with pytest.raises(ValueError, match="unknown parameter 'rate_hz' .closest: 'inner.rate_hz'"):
        _declare(context, Small(), cli_args=["--ros-args", "-p", "rate_hz:=2.0"])


def test_ros2_run_of_a_node_with_a_typo_exits_2_with_one_line(monkeypatch, capsys):
    """A usage error, as an unknown key of a --config file (was: exit status 1)."""
    monkeypatch.setattr(node_runner, "use_camera_profile", lambda: "")
    code = node_runner.run_node(PlannerNode, ["planner_node", "--ros-args", "-p",
                                           "planner.horizn:=2"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "'planner.horizn' (closest: 'planner.horizon')" in err
    assert err.startswith("vjepa_planner: unknown parameter ") and err.count("vjepa_planner") == 1
    assert "PlannerNode" not in err


@pytest.mark.parametrize("parameter, message", [
    ("planner.samples:=0", "planner.samples must lie in [1, 100000], got 0"),
    ("planner.icem.noise_beta:=-1.0",
     "planner.icem.noise_beta must lie in [0, 8], got -1.0"),
    ("planner.maxnorm:=.inf", "planner.maxnorm must lie in (0, 0.2], got inf"),
    ("planner.close_gripper:=-5", "planner.close_gripper must be -1 (never) or a rollout step"),
    ("planner.close_gripper:=1", "planner.close_gripper (1) must be below planner.horizon (1): "
     "a rollout has steps 0..horizon-1, so the gripper would never be closed"),
    ("planner.refine.lr:=-0.5", "planner.refine.lr must lie in (0, 1], got -0.5"),
    ("planner.gripper_round_threshold:=0.75", "planner.gripper_round_threshold (0.75) must be "
     "below planner.gripper_clip (0.75): every planned gripper value lies within the clip, so all "
     "would round to 0 and the gripper could never move; lower the round threshold"),
    ("planner.gripper_clip:=0.1", "planner.gripper_round_threshold (0.25) must be below "
     "planner.gripper_clip (0.1)"),
    ("camera_check.verdict.fine_deg:=200.0", "camera_check.verdict.fine_deg must be an angle"),
    ("camera_check.verdict.min_motions:=15",
     "camera_check.verdict.min_motions (15) exceeds the 14"),
    ("camera_check.motion.distance_m:=0.0", "camera_check.motion.distance_m must lie in (0, 0.2]"),
])
def test_a_bad_planner_parameter_is_one_line_with_one_prefix_naming_the_parameter(
        monkeypatch, capsys, parameter, message):
    monkeypatch.setattr(node_runner, "use_camera_profile", lambda: "")
    code = node_runner.run_node(PlannerNode, ["planner_node", "--ros-args", "-p", parameter])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err  # typed as -p: a usage error (fix61u)
    source = parameter.partition(":=")[0]  # named as the -p that gave it, once (user52u)
    assert err.startswith(f"vjepa_planner: -p {source}{message.removeprefix(source)}"
                          if message.startswith(f"{source} ")
                          else f"vjepa_planner: -p {source}: {message}"), err
    assert "CEMConfig" not in err and "PlannerNode" not in err


def test_the_simulator_nodes_start_up_error_has_one_prefix(monkeypatch, capsys):
    from vjepa_ros.nodes.sim_node import SimNode

    monkeypatch.setattr(node_runner, "use_camera_profile", lambda: "")
    code = node_runner.run_node(SimNode, ["sim_node", "--ros-args", "-p", "use_sim_time:=true",
                                       "-p", "publish_clock:=false"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("sim_node: -p use_sim_time, -p publish_clock: "
                                        "use_sim_time is true but publish_clock is "), err
    assert err.count("sim_node") == 1 and "SimNode" not in err


@pytest.mark.parametrize("key, args, message", [
    ("camera", ["-p", "width:=10"], "-p width must lie in [32, 4096], got 10"),
    ("planner", ["-p", "planner.samples:=-5"], "-p planner.samples must "
     "lie in [1, 100000], got -5"),
    ("sim", ["-p", "use_sim_time:=true", "-p", "publish_clock:=false"],
     "-p use_sim_time, -p publish_clock: use_sim_time is true but publish_clock is "),
    ("planner", ["-p", "planner.samples"], "-p expects NAME:=VALUE"),  # init_node_args'
])
def test_a_renamed_node_names_itself_in_its_start_up_error(key, args, message, monkeypatch,
                                                           capfd):
    """user32: ``-r __node:=cam2`` still said ``camera: ...``, the default name."""
    from vjepa_ros.nodes.node_registry import NODES

    monkeypatch.setattr(node_runner, "use_camera_profile", lambda: "")
    entry = NODES[key]
    code = node_runner.run_node(entry.load(), ["node", "--ros-args", "-r", "__ns:=/left", "-r",
                                               "__node:=cam2", *args])
    err = capfd.readouterr().err
    assert code in (1, 2) and err.startswith(f"cam2: {message}"), err
    assert err.count("\n") == 1 and entry.ros_name not in err.split(":")[0], err


def test_closest_name_prefers_the_same_last_part_then_spelling():
    names = ["planner.samples", "planner.topk", "control.mode", "safety.max_image_age_s"]
    assert closest_name("topk", names) == "planner.topk"
    assert closest_name("planner.smaples", names) == "planner.samples"
    assert closest_name("safety.max_img_age_s", names) == "safety.max_image_age_s"


GIVE = ("give a ROS 2 parameter file like config/planner.yaml (<node>: ros__parameters: "
        "{name: value})")
WRONG_NODE = "vjepa_planer:\n  ros__parameters:\n    safety: {workspace_max: [0.5, 0.2, 0.4]}\n"


def _argument_cases(tmp_path):
    """(ROS arguments after --ros-args, the one line after 'vjepa_planner: ') of each fault."""
    (tmp_path / "bad.yaml").write_text("a: [\n")
    (tmp_path / "binary.yaml").write_bytes(b"\x80\x81\x00")
    (tmp_path / "wrongnode.yaml").write_text(WRONG_NODE)
    (tmp_path / "loop.yaml").symlink_to(tmp_path / "loop.yaml")
    t = tmp_path
    return [
        (["--params-file", f"{t}/bad.yaml"], f"--params-file {t}/bad.yaml is not valid YAML "),
        (["--params-file", f"{t}/binary.yaml"], f"--params-file {t}/binary.yaml is not a text "
         f"file"),
        (["--params-file", f"{t}/none.yaml"], f"--params-file {t}/none.yaml does not exist: "
         f"{GIVE}"),
        (["--params-file", str(t)], f"--params-file {t} is a folder: {GIVE}"),
        (["--params-file", f"{t}/loop.yaml"], f"--params-file {t}/loop.yaml "),
        (["--params-file", f"{t}/wrongnode.yaml"], f"--params-file {t}/wrongnode.yaml: section "
         "'vjepa_planer' applies to no node started here (vjepa_planner); closest: "
         "'vjepa_planner' — fix the name or use '/**'"),
        (["-r", "__ns:=/ns", "--params-file", f"{t}/wrongnode.yaml"], "--params-file "
         f"{t}/wrongnode.yaml: section 'vjepa_planer' applies to no node started here "
         "(/ns/vjepa_planner); closest: '/ns/vjepa_planner'"),
        (["-p", "planner.samples:=[1,"], "-p planner.samples: '[1,' is not a YAML value ("),
        (["-p", "planner.samples"], "-p expects NAME:=VALUE (e.g. -p use_sim_time:=true), got "
         "'planner.samples'"),
        (["-p", "planner.samples:={a: 1}"], "-p planner.samples: a ROS parameter is a value or "
         "a list, not a mapping"),
        (["-p", "safety.workspace_max:=[1, 0.5, x]"], "-p safety.workspace_max: a ROS list holds "
         "one type, this one mixes float, int, str"),
        (["-p", "safety.workspace_min:=[0.25, -0.45, 0]"], "-p safety.workspace_min: a ROS list "
         "holds one type, this one mixes float, int; write 0 (entry 3) as 0.0"),
        (["--param", "planner.samples"], "-p expects NAME:=VALUE"),
        (["-r", "image"], "-r expects FROM:=TO"),
        (["--params-file"], "--ros-args --params-file: no value follows it"),
        (["--log-level", "bogus"], "--log-level bogus: rcl cannot parse this log level ("),
        (["--bogus"], "--ros-args: unknown ROS argument '--bogus'; ROS arguments are -p, -r, "),
    ]


def test_bad_ros_arguments_of_a_node_executable_exit_2_with_one_line(monkeypatch, capfd,
                                                                   tmp_path):
    """What vjepa-ros launch says, before rclpy.init: no RCLError traceback, no rcl log line."""
    monkeypatch.setattr(node_runner, "use_camera_profile", lambda: "")
    for arguments, message in _argument_cases(tmp_path):
        code = node_runner.run_node(PlannerNode, ["planner_node", "--ros-args", *arguments])
        out, err = capfd.readouterr()
        assert (code, out) == (2, ""), (arguments, err)
        assert err.count("\n") == 1 and err.startswith(f"vjepa_planner: {message}"), err
        assert "Traceback" not in err and "RCLError" not in err and "/project/" not in err, err
    assert rclpy.ok() is False  # no context left initialised


def test_a_section_for_the_node_in_its_namespace_passes_the_argument_check(monkeypatch, capfd,
                                                                          tmp_path):
    monkeypatch.setattr(node_runner, "use_camera_profile", lambda: "")
    params = tmp_path / "ns.yaml"
    params.write_text("/ns/vjepa_planner:\n  ros__parameters:\n    planner: {samples: 7}\n")
    code = node_runner.run_node(PlannerNode, ["planner_node", "--ros-args", "-r", "__ns:=/ns",
                                           "--params-file", str(params)])
    err = capfd.readouterr().err
    # the value reached the node (its own check refuses it): the section applied
    assert code == 1 and err == (f"vjepa_planner: --params-file {params}: planner.topk (10) "
                                 "must be less than planner.samples (7)\n"), err


def test_the_planner_refuses_a_camera_check_leash_longer_than_its_workspace_box(monkeypatch,
                                                                            capfd):
    """camera_check.trial.max_distance_m 5 (metres for centimetres) once started the node."""
    monkeypatch.setattr(node_runner, "use_camera_profile", lambda: "")
    code = node_runner.run_node(PlannerNode, ["planner_node", "--ros-args", "-p",
                                           "camera_check.trial.max_distance_m:=5.0"])
    err = capfd.readouterr().err
    assert code == 2 and err.count("\n") == 1, err  # typed as -p: a usage error (fix61u)
    assert err.startswith("vjepa_planner: -p camera_check.trial.max_distance_m "
                          "(5 m) must be at "
                          "most the safety workspace box's largest side (0.9 m, along y: "), err


def test_every_executable_through_run_node_checks_files_for_its_own_node(monkeypatch, capfd,
                                                                       tmp_path):
    from vjepa_ros.nodes.sim_node import SimNode

    monkeypatch.setattr(node_runner, "use_camera_profile", lambda: "")
    params = tmp_path / "sim.yaml"
    params.write_text("sim:\n  ros__parameters:\n    publish_clock: true\n")
    code = node_runner.run_node(SimNode, ["sim_node", "--ros-args", "--params-file", str(params)])
    err = capfd.readouterr().err
    assert code == 2 and err == (
        f"sim_node: --params-file {params}: section 'sim' applies to no node started here "
        "(sim_node); closest: 'sim_node' — fix the name or use '/**'\n")


@pytest.mark.parametrize("remaps", [
    [], ["-r", "__ns:=/ns"], ["-r", "__ns:=/a/b"], ["-r", "__node:=other"],
    ["--remap", "vjepa_planner:__ns:=/mine"], ["-r", "camera:__ns:=/theirs"],
    ["-r", "__node:=other", "-r", "__ns:=/ns", "-r", "image:=/camera/image"],
])
def test_the_node_name_files_are_checked_for_is_the_one_rclpy_gives(context, remaps):
    from vjepa_ros.nodes.ros_args import node_name, ros_arguments

    node = rclpy.create_node("vjepa_planner", context=context, cli_args=["--ros-args", *remaps])
    try:
        expected = node.get_fully_qualified_name()
    finally:
        node.destroy_node()
    assert node_name("vjepa_planner", ros_arguments(["x", "--ros-args", *remaps])) == expected


def test_the_planner_takes_demo_for_the_packaged_world_model_as_launch_does(context, tmp_path,
                                                                          monkeypatch):
    """``-p model.checkpoint:=demo`` was "checkpoint not found: demo" (launch took it)."""
    from vjepa_ros.planning import memory

    # the demo model loads; the start-up then stops at the samples' memory check, told that
    # no memory is free (planner.samples' range refuses a count no machine holds before that)
    monkeypatch.setattr(memory, "available_bytes", lambda device: 0)
    with pytest.raises(ValueError, match=r"^planner.samples 800 at horizon"):
        PlannerNode(context=context, cli_args=[
            "--ros-args", "-p", "model.checkpoint:=demo", "-p", "model.device:=cpu"])
    missing = tmp_path / "missing.pt"
    with pytest.raises(ValueError, match=f"^parameter 'model.checkpoint' {missing} does not "
                                         "exist: give a file written by vjepa-ros train"):
        PlannerNode(context=context, cli_args=["--ros-args", "-p",
                                               f"model.checkpoint:={missing}"])


def _node_configs():
    """Return (ROS name, config dataclass) of every node: their parameters."""
    from vjepa_ros.eval.playback import PlaybackConfig
    from vjepa_ros.nodes.camera_node import CameraConfig
    from vjepa_ros.nodes.image_publisher import ImagePublisherConfig
    from vjepa_ros.nodes.sim_node import SimNodeConfig
    from vjepa_ros.robot.planner_config import PlannerNodeConfig

    return [("vjepa_planner", PlannerNodeConfig), ("sim_node", SimNodeConfig),
            ("camera", CameraConfig), ("image_publisher", ImagePublisherConfig),
            ("bag_player", PlaybackConfig)]


def _another_value(default):
    """Return a value of ``default``'s type other than it (None for a list)."""
    if isinstance(default, bool):
        return not default
    if isinstance(default, (int, float)):
        return default + 1
    if isinstance(default, str):
        return default + "x"
    return None


def _run_time(node_name):
    """Return the parameters a node applies at run time (declare_config's run_time)."""
    from vjepa_ros.robot.planner_config import GOAL_PARAMETERS

    return GOAL_PARAMETERS if node_name == "vjepa_planner" else ()


@pytest.mark.parametrize("node_name, config", _node_configs())
def test_a_run_time_value_for_a_start_only_parameter_says_restart_with_it(context, node_name,
                                                                           config):
    """``ros2 param set /sim_node NAME V`` was accepted and did nothing.

    The planner said "cannot change at run time: restart the node"; a value of another type
    only what the parameter takes. The value in force is no change and succeeds (``ros2 param
    load`` of the node's own dump: fix49a); a new one the settings refuse gets their error.
    """
    from vjepa_ros.config import flatten
    from vjepa_ros.nodes.node_registry import NODES

    registry = next(key for key, entry in NODES.items() if entry.ros_name == node_name)
    launch = "vjepa-ros launch" + ("" if registry == "planner" else f" --node {registry}")
    node = rclpy.create_node(node_name, context=context)
    try:
        declare_config(node, config(), run_time=_run_time(node_name))
        advised = 0  # start-only parameters whose new value was refused advising a restart
        for name, default, _ in flatten(config()):
            if name in _run_time(node_name):
                continue
            (same,) = node.set_parameters([Parameter(name, value=default)])
            assert same.successful, (name, same.reason)  # the value in force: no change (fix49a)
            new = _another_value(default)
            if new is not None:  # one the settings may refuse: then with their error
                (changed,) = node.set_parameters([Parameter(name, value=new)])
                assert not changed.successful, name
                if changed.reason.startswith(f"parameter '{name}' is read at start only: "):
                    assert f"({launch} -p {registry}.{name}:=" in changed.reason, changed.reason
                    assert " takes " not in changed.reason, changed.reason
                    advised += 1
                else:
                    assert "restart" not in changed.reason, changed.reason
            wrong = Parameter(name, value=5 if isinstance(default, str) else "x")
            (other,) = node.set_parameters([wrong])
            assert other.reason.startswith(f"parameter '{name}' is read at start only: ")
            assert f"{registry}.{name}:=...," in other.reason, other.reason
            assert "; it takes " in other.reason and other.reason.count("\n") == 0
        (clock,) = node.set_parameters([Parameter("use_sim_time", value=True)])  # rclpy's
        assert clock.successful, clock.reason
        assert advised, "no new value advised a restart"
    finally:
        node.destroy_node()


def test_the_planner_refuses_a_start_only_value_at_run_time_and_takes_goal_files(context):
    node = PlannerNode(context=context, cli_args=["--ros-args", "-p", "model.checkpoint:=demo",
                                                  "-p", "model.device:=cpu"])
    try:
        (result,) = node.set_parameters([Parameter("planner.samples", value=400)])
        assert result.reason == (
            "parameter 'planner.samples' is read at start only: setting it at run time changes "
            "nothing; restart the node with the new value (vjepa-ros launch -p "
            "planner.planner.samples:=400, or ros2 run: --ros-args -p planner.samples:=400)")
        (result,) = node.set_parameters([Parameter("planner.samples", value="x")])
        assert result.reason.startswith("parameter 'planner.samples' is read at start only: ")
        assert result.reason.endswith(
            "; it takes a whole number (e.g. 800), got 'x' (a string)"), result.reason
        (result,) = node.set_parameters([Parameter("goal_steps", value=[2, 3])])
        assert result.successful, result.reason  # a run-time parameter
        (result,) = node.set_parameters([Parameter("goal_steps", value="x")])
        assert result.reason.startswith("parameter 'goal_steps' takes a list"), result.reason
    finally:
        node.destroy_node()


@pytest.mark.parametrize("name", ["/fr3_gripper/joint_states/", "/hand state", "//hand",
                                  "/1hand/joint_states"])
def test_the_planner_refuses_an_invalid_gripper_state_topic_in_one_line(monkeypatch, capfd,
                                                                        name):
    # breaker27a: a trailing slash, a space, '//' or a leading digit gave rclpy's multi-line
    # InvalidTopicNameException traceback, naming no parameter.
    monkeypatch.setattr(node_runner, "use_camera_profile", lambda: "")
    code = node_runner.run_node(PlannerNode, ["planner_node", "--ros-args", "-p",
                                           f"robot.gripper_state_topic:={name}"])
    err = capfd.readouterr().err
    assert code == 2 and err.count("\n") == 1, err  # typed as -p: a usage error (fix61u)
    assert "robot.gripper_state_topic" in err and "not a valid ROS topic name" in err, err


def test_a_bad_ros_domain_id_is_not_blamed_on_the_ros_arguments(monkeypatch, capfd):
    """Refuse naming the environment variable, status 1 (not a typed argument).

    Seen live: `ROS_DOMAIN_ID=abc python -m vjepa_ros.nodes.sim_node` (no --ros-args at all)
    said `sim_node: ROS arguments: ROS_DOMAIN_ID is not an integral number`, status 2.
    """
    monkeypatch.setattr(node_runner, "use_camera_profile", lambda: "")
    monkeypatch.setenv("ROS_DOMAIN_ID", "abc")
    code = node_runner.run_node(PlannerNode, ["planner_node"])
    err = capfd.readouterr().err
    assert "ROS_DOMAIN_ID" in err and "ROS arguments" not in err and code == 1, (code, err)

"""The launch files' arguments: set only when given, typed, checked before any node (fix51a1).

Each launch file is executed against the recording stand-ins of ``test_launch_files.py``
(launch_ros is not installable here); namespaces are compared with rclpy's own validator.
"""

import pytest
import yaml
from test_launch_files import ROOT, load_launch_file

from vjepa_ros.nodes.launch_values import argument_sources, given_arguments, values_file
from vjepa_ros.nodes.ros_args import check_ros_args
from vjepa_ros.nodes.ros_names import namespace_fix, namespace_problem, namespace_rule

# launch file -> {argument: (a text to give, the parameter, its value)}
ARGUMENTS = {
    "sim.launch.py": {"seed": ("7", "seed", 7), "real_time_factor": ("0", "real_time_factor", 0.0),
                      "publish_clock": ("True", "publish_clock", True),
                      "width": ("640", "camera.width", 640),
                      "height": ("480", "camera.height", 480)},
    "bag_player.launch.py": {"rate": ("2", "rate", 2.0), "loop": ("true", "loop", True)},
    "image_publisher.launch.py": {"rate_hz": ("5", "rate_hz", 5.0)},
}
REQUIRED = {"bag_player.launch.py": {"bag": "run1"}, "image_publisher.launch.py": {
    "path": "goal.png"}, "sim.launch.py": {}}


def started(monkeypatch, launch, **given):
    """Return the launch file's one Node's parameters: (its YAML file, {parameter: value})."""
    entities = load_launch_file(monkeypatch, launch, **REQUIRED[launch], **given)
    (node,) = [e.kwargs for e in entities if type(e).__name__ == "Node"]
    params, *files, values = node["parameters"]
    texts = {**REQUIRED[launch], **given}
    typed = {}
    for path in files:  # the texts: in a values file of their own, quoted, each named
        written = yaml.safe_load(open(path).read())["/**"]["ros__parameters"]
        assert set(argument_sources(path)) == set(written)
        typed.update(written)
    for parameter, value in values.items():  # as launch_ros: the text as the value_type
        assert type(value).__name__ == "ParameterValue", "a bare substitution: read as YAML"
        kind, text = value.kwargs["value_type"], texts[value.args[0].args[0]]
        typed[parameter] = text.lower() == "true" if kind is bool else kind(text)
    return params, typed


@pytest.mark.parametrize("launch", sorted(ARGUMENTS))
def test_an_argument_not_given_leaves_the_shipped_yaml_alone(monkeypatch, launch):
    params, values = started(monkeypatch, launch)
    assert params.endswith(f"config/{launch.split('.')[0]}.yaml")
    assert values == {name: text for name, text in REQUIRED[launch].items()}
    entities = load_launch_file(monkeypatch, launch, **REQUIRED[launch])
    defaults = {e.args[0]: e.kwargs.get("default_value") for e in entities
                if type(e).__name__ == "DeclareLaunchArgument"}
    assert all(defaults[name] == "" for name in ARGUMENTS[launch]), "a default over the YAML"
    shipped = yaml.safe_load((ROOT / params).read_text())["/**"]["ros__parameters"]
    for name in ARGUMENTS[launch]:  # the YAML holds what the argument would set
        parameter = ARGUMENTS[launch][name][1]
        group, _, key = parameter.rpartition(".")
        assert key in (shipped[group] if group else shipped), parameter


@pytest.mark.parametrize("launch", sorted(ARGUMENTS))
def test_each_argument_given_sets_its_parameter_typed(monkeypatch, launch):
    for argument, (text, parameter, value) in ARGUMENTS[launch].items():
        _, values = started(monkeypatch, launch, **{argument: text})
        assert values == {**REQUIRED[launch], parameter: value}, argument
        assert type(values[parameter]) is type(value)


@pytest.mark.parametrize("launch, argument, text, words", [
    ("sim.launch.py", "width", "wide", "a whole number"),
    ("sim.launch.py", "seed", "1.5", "a whole number"),
    ("sim.launch.py", "publish_clock", "yes", "true or false"),
    ("bag_player.launch.py", "rate", "nan", "a number"),
    ("image_publisher.launch.py", "rate_hz", "fast", "a number"),
])
def test_a_text_of_the_wrong_type_is_refused_naming_the_argument(monkeypatch, launch, argument,
                                                                 text, words):
    with pytest.raises(ValueError, match=rf"^launch argument {argument}:={text}: give {words}$"):
        started(monkeypatch, launch, **{argument: text})


def test_an_empty_bag_is_refused_naming_the_argument(monkeypatch):
    with pytest.raises(ValueError, match=r"^launch argument bag:= is empty: give the bag to "):
        load_launch_file(monkeypatch, "bag_player.launch.py", bag=" ")


@pytest.mark.parametrize("namespace", ["arm1/", "/arm1/", "arm1//x", "arm 1", "1arm",
                                       "/lab/2nd", "arm-1", "//"])
def test_a_namespace_rcl_refuses_is_one_line_naming_it_before_any_node(monkeypatch, namespace):
    with pytest.raises(ValueError, match=rf"^launch argument namespace:={namespace}: no ROS "
                                         "namespace: ") as raised:
        load_launch_file(monkeypatch, "vjepa_mpc.launch.py", namespace=namespace)
    fix = str(raised.value).rpartition("give e.g. ")[2].partition(", or leave it out")[0]
    assert "\n" not in str(raised.value) and namespace_rule(fix) == "", fix


@pytest.mark.parametrize("namespace", ["arm1", "/lab/arm_1", "_a/b2", "/"])
def test_a_namespace_rcl_takes_is_taken(monkeypatch, namespace):
    assert namespace_problem(namespace, relative_ok=True) == ""
    load_launch_file(monkeypatch, "vjepa_mpc.launch.py", namespace=namespace)


@pytest.mark.parametrize("namespace", [
    "", "/", "arm1", "/arm1", "/arm1/", "//", "/a//b", "/a b", "/1arm", "/a/1", "/a-b", "/é",
    "/~", "/_", "/a_1/b_2", "/a/", "/" + "a" * 244, "/" + "a" * 245, "/a/" + "1" * 300])
def test_the_namespace_rules_are_rclpys(namespace):
    """Each namespace refused exactly where rclpy's validator refuses it."""
    implementation = pytest.importorskip("rclpy.impl.implementation_singleton")
    rclpy_says = implementation.rclpy_implementation.rclpy_get_validation_error_for_namespace(
        namespace)
    assert bool(namespace_rule(namespace)) == (rclpy_says is not None), rclpy_says
    if namespace_rule(namespace):
        assert namespace_rule(namespace_fix(namespace)) == "" or len(namespace) > 245


def test_a_leading_digit_is_moved_not_prefixed():
    """user51u: ``/1arm`` suggested ``/_1arm`` (legal, but a person means ``/arm1``)."""
    assert namespace_fix("/1arm") == "/arm1"
    assert namespace_fix("/12arm/3b") == "/arm12/b3"
    assert namespace_fix("/a/1") == "/a/_1"  # digits alone: nothing to move them behind
    assert namespace_problem("/1arm").endswith("; give e.g. /arm1")


def test_a_node_executables_ns_remap_is_checked_before_rcl():
    with pytest.raises(ValueError, match=r"^-r __ns:=/arm1/: no ROS namespace: a namespace "
                                         r"must not end with a '/' .*give e\.g\. /arm1$"):
        check_ros_args(["planner_node", "--ros-args", "-r", "__ns:=/arm1/"], "vjepa_planner")
    with pytest.raises(ValueError, match=r"^-r vjepa_planner:__ns:=/2d: no ROS namespace"):
        check_ros_args(["x", "--ros-args", "-r", "vjepa_planner:__ns:=/2d"], "vjepa_planner")
    check_ros_args(["x", "--ros-args", "-r", "__ns:=/arm1", "-r", "__node:=p"], "vjepa_planner")


def test_a_values_file_names_the_arguments_that_gave_its_values(tmp_path):
    (path,) = values_file("/arm1/vjepa_planner", {"model.device": "gpu"},
                          {"model.device": "device:=gpu"})
    try:
        assert argument_sources(path) == {"model.device": "launch argument device:=gpu"}
        written = open(path).read()
        assert "&id" not in written and "*id" not in written, "an alias rcl refuses"
        assert yaml.safe_load(written) == {
            "/**": {"ros__parameters": {"model.device": "gpu"}},
            "/arm1/vjepa_planner": {"ros__parameters": {"model.device": "gpu"}}}
    finally:
        import os

        os.remove(path)
    lab = tmp_path / "lab.yaml"
    lab.write_text("# launch arguments: not json\n/**: {}\n")
    assert argument_sources(str(lab)) == {} == argument_sources(str(tmp_path / "none.yaml"))
    assert values_file("/p", {}) == []
    assert given_arguments({"a": "", "b": "x"}, {"a": ("pa", str), "b": ("pb", str)}) == {
        "pb": "x"}

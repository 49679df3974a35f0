"""``vjepa_mpc.launch.py`` passes a launch argument's value only when it was given (user33).

Its own parameter file comes after ``params_file``, its values under '/**' and under the node's
name (rcl applies sections in the order each name first appears, a later file's value of a
section winning), so an argument at its default must not be in it; executed against the
recording stand-ins of ``test_launch_files.py`` (launch_ros is not installable here).
"""

import os

import pytest
import yaml
from test_launch_files import load_launch_file

# each launch argument that sets a parameter, a value to give it, and the parameter
GIVEN = {"checkpoint": ("/data/vjepa2-ac-vitg.pt", "model.checkpoint", str),
         "device": ("cuda:1", "model.device", str),
         "image_transport": ("compressed", "image_transport", str),
         "use_sim_time": ("true", "use_sim_time", bool)}


def under_both(fqn, values):
    """Return a values file's content: ``values`` under '/**' and under the node's full name.

    (rcl applies sections in the order each name first appears across files: under both, the
    values win over a params_file whatever the order of its sections; test_breaker51a.)
    """
    return {"/**": {"ros__parameters": values}, fqn: {"ros__parameters": values}}


def nodes(monkeypatch, **given):
    entities = load_launch_file(monkeypatch, "vjepa_mpc.launch.py", **given)
    return {e.kwargs["executable"]: e.kwargs for e in entities if type(e).__name__ == "Node"}


def declared(monkeypatch):
    entities = load_launch_file(monkeypatch, "vjepa_mpc.launch.py")
    return {e.args[0]: e.kwargs for e in entities
            if type(e).__name__ == "DeclareLaunchArgument"}


def test_every_argument_at_its_default_leaves_the_params_file_alone(monkeypatch):
    started = nodes(monkeypatch)
    assert started["planner_node"]["parameters"][1:] == []
    assert started["camera_node"]["parameters"][1:] == []
    assert "namespace" not in started["planner_node"]
    defaults = declared(monkeypatch)
    assert {name: defaults[name]["default_value"] for name in GIVEN} == dict.fromkeys(GIVEN, "")


@pytest.mark.parametrize("argument", sorted(GIVEN))
def test_an_argument_given_sets_its_parameter_alone(monkeypatch, argument):
    text, parameter, kind = GIVEN[argument]
    planner = nodes(monkeypatch, **{argument: text})["planner_node"]
    file, own = planner["parameters"]
    assert file.args == ("params_file",), "the file first: what the launch gives wins"
    written = yaml.safe_load(open(own).read())
    assert written == under_both("/vjepa_planner", {parameter: kind(yaml.safe_load(text))}), \
        "under the node's own name and '/**': a section of either name loses to it"
    assert open(own).readline() == f'# launch arguments: {{"{parameter}": "{argument}:={text}"}}\n'



def test_the_given_values_are_under_the_nodes_full_name_in_every_namespace(monkeypatch):
    for given, fqn, camera_fqn in [
            ({"namespace": "arm1"}, "/arm1/vjepa_planner", "/camera/camera"),
            ({"namespace": "/lab/arm1"}, "/lab/arm1/vjepa_planner", "/camera/camera"),
            ({"namespace": "arm1", "ros_namespace": "/lab"},  # under PushRosNamespace
             "/lab/arm1/vjepa_planner", "/lab/camera/camera"),
            ({"ros_namespace": "lab"}, "/lab/vjepa_planner", "/lab/camera/camera")]:
        started = nodes(monkeypatch, use_sim_time="True", **given)
        planner = yaml.safe_load(open(started["planner_node"]["parameters"][1]).read())
        assert planner == under_both(fqn, {"use_sim_time": True}), given
        camera = yaml.safe_load(open(started["camera_node"]["parameters"][1]).read())
        assert list(camera) == ["/**", camera_fqn], given


def test_a_use_sim_time_neither_true_nor_false_is_refused_naming_it(monkeypatch):
    with pytest.raises(ValueError, match="^launch argument use_sim_time:=yes: give true or "
                                         "false$"):
        nodes(monkeypatch, use_sim_time="yes")


def test_use_sim_time_given_reaches_the_camera_too_and_a_namespace_the_planner(monkeypatch):
    started = nodes(monkeypatch, use_sim_time="false", namespace="arm1")
    camera = yaml.safe_load(open(started["camera_node"]["parameters"][1]).read())
    assert camera == under_both("/camera/camera", {"use_sim_time": False})
    assert started["planner_node"]["namespace"] == "arm1"
    assert started["camera_node"]["namespace"] == "camera"


def test_the_argument_help_says_empty_keeps_the_file(monkeypatch):
    defaults = declared(monkeypatch)
    for name in GIVEN:
        assert "empty (default): the params_file's" in defaults[name]["description"], name


@pytest.mark.parametrize("section, given, expected", [
    ("vjepa_planner", {}, True),  # the file puts the planner on sim time: the camera follows
    ("/**", {"use_sim_time": "false"}, False),  # the argument wins
    ("/other_node", {}, None),  # not the planner's section
])
def test_the_camera_follows_the_planners_clock_from_its_params_file(monkeypatch, tmp_path,
                                                                     section, given, expected):
    lab = tmp_path / "lab.yaml"
    lab.write_text(f"{section}:\n  ros__parameters:\n    use_sim_time: true\n")
    camera = nodes(monkeypatch, params_file=str(lab), camera="true", **given)["camera_node"]
    if expected is None:
        assert camera["parameters"][1:] == []
    else:
        written = yaml.safe_load(open(camera["parameters"][1]).read())
        assert written == under_both("/camera/camera", {"use_sim_time": expected})


def test_the_values_files_are_removed_when_the_launch_shuts_down(monkeypatch):
    """One file per launch with a value given was left in the temporary folder (321 here)."""
    entities = load_launch_file(monkeypatch, "vjepa_mpc.launch.py", use_sim_time="true",
                                device="cpu")
    started = {e.kwargs["executable"]: e.kwargs for e in entities if type(e).__name__ == "Node"}
    files = [started["planner_node"]["parameters"][1], started["camera_node"]["parameters"][1]]
    assert all(os.path.exists(path) for path in files)  # the nodes read them as they start
    (register,) = [e for e in entities if type(e).__name__ == "RegisterEventHandler"]
    (handler,) = register.args
    assert type(handler).__name__ == "OnShutdown"
    handler.kwargs["on_shutdown"](None, None)  # launch's call: (event, context)
    assert not any(os.path.exists(path) for path in files)
    handler.kwargs["on_shutdown"](None, None)  # twice (a second Ctrl-C): no error
    quiet = load_launch_file(monkeypatch, "vjepa_mpc.launch.py")  # nothing given: no file,
    assert not [e for e in quiet if type(e).__name__ == "RegisterEventHandler"]  # no handler

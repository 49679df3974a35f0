"""The ros2 launch files and the package's YAML files describe the nodes the launcher starts.

Each launch file is executed against recording stand-ins for ``launch``/``launch_ros`` (not
installable here); the YAML files are read as rcl reads them. The in-process launcher and
``vjepa-ros launch``: ``test_ros_planner_launch.py``.
"""

import dataclasses
import importlib.util
import sys
import types
from pathlib import Path

import pytest

from vjepa_ros.config import flatten, from_dict
from vjepa_ros.nodes.node_launch import mpc_nodes
from vjepa_ros.nodes.node_registry import NODES
from vjepa_ros.planning.config import PRESETS, CEMConfig
from vjepa_ros.robot.camera import CameraConfig
from vjepa_ros.robot.cem_params import CEMParams
from vjepa_ros.robot.planner_config import PlannerNodeConfig
from vjepa_ros.yaml_files import read_ros_params

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("yaml_name, config", [("planner.yaml", PlannerNodeConfig()),
                                               ("camera.yaml", CameraConfig())])
def test_yaml_files_hold_every_parameter_with_the_dataclass_defaults(yaml_name, config):
    params = read_ros_params(ROOT / "config" / yaml_name, "any_node_name")
    assert from_dict(type(config), params) == config
    in_yaml = {name for name, _, _ in flatten(from_dict(type(config), params))}
    flat_yaml = set()

    def collect(mapping, prefix=""):
        for key, value in mapping.items():
            if isinstance(value, dict):
                collect(value, f"{prefix}{key}.")
            else:
                flat_yaml.add(prefix + key)

    collect(params)
    expected = {name for name, value, _ in flatten(config) if value != []}  # [] left out
    assert flat_yaml == expected
    assert in_yaml >= expected
    assert all(description for _, _, description in flatten(config)), "undocumented parameter"


def test_cem_parameters_mirror_the_planning_config():
    assert CEMParams().to_cem() == PRESETS["paper"]  # defaults: the paper's robot runs (H 1)
    mirrored = {f.name for f in dataclasses.fields(CEMParams)}
    assert {f.name for f in dataclasses.fields(CEMConfig)} - mirrored == {"fixed_axes"}
    cem = CEMParams(horizon=3, close_gripper=2, early_stop_patience=3, chunk_size=64).to_cem()
    assert (cem.close_gripper, cem.early_stop_patience, cem.chunk_size) == (2, 3, 64)
    none = CEMParams().to_cem()
    assert none.close_gripper is None and none.early_stop_patience is None and \
        none.chunk_size is None
    with pytest.raises(ValueError, match="topk"):
        PlannerNodeConfig(planner=CEMParams(samples=4, topk=8))


class Recorder:
    """Stands in for a launch/launch_ros class: remembers its constructor arguments."""

    made: list = []

    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs
        Recorder.made.append(self)


def load_launch_file(monkeypatch, name, **given):
    """Execute launch/<name> against recording stand-ins for the launch packages.

    Return its entities, each ``OpaqueFunction`` replaced by what its function returns for
    the arguments ``given`` (launch argument name → text), the others at their defaults.
    """
    fake = {}
    for module, attributes in {
        "launch": ["LaunchDescription"],
        "launch.actions": ["DeclareLaunchArgument", "OpaqueFunction", "RegisterEventHandler",
                           "SetEnvironmentVariable"],
        "launch.conditions": ["IfCondition"],
        "launch.event_handlers": ["OnShutdown"],
        "launch.substitutions": ["EnvironmentVariable", "LaunchConfiguration"],
        "launch_ros": [],
        "launch_ros.actions": ["Node"],
        "launch_ros.parameter_descriptions": ["ParameterValue"],
    }.items():
        fake[module] = types.ModuleType(module)
        for attribute in attributes:
            setattr(fake[module], attribute, type(attribute, (Recorder,), {}))
        monkeypatch.setitem(sys.modules, module, fake[module])
    packages = types.ModuleType("ament_index_python.packages")
    packages.get_package_share_directory = lambda package: str(ROOT)
    monkeypatch.setitem(sys.modules, "ament_index_python.packages", packages)
    spec = importlib.util.spec_from_file_location("launch_file", ROOT / "launch" / name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    Recorder.made = []
    entities = module.generate_launch_description().args[0]
    defaults = {e.kwargs.get("name", e.args[0] if e.args else None): e.kwargs.get("default_value")
                for e in entities if type(e).__name__ == "DeclareLaunchArgument"}
    context = types.SimpleNamespace(launch_configurations={  # as launch: texts
        **{key: value for key, value in defaults.items() if isinstance(value, str)}, **given})
    made = [made for e in entities for made in (
        e.kwargs["function"](context) if type(e).__name__ == "OpaqueFunction" else [e])]
    SHUTDOWNS.extend(e.args[0] for e in made if type(e).__name__ == "RegisterEventHandler")
    return made


SHUTDOWNS: list = []  # the launches' OnShutdown handlers: conftest runs them after each test


def shut_down_launches() -> None:
    """Run what each launch loaded in the test does at shutdown (remove its values files)."""
    while SHUTDOWNS:
        SHUTDOWNS.pop().kwargs["on_shutdown"](None, None)


def test_mpc_launch_file_starts_the_nodes_the_in_process_launcher_starts(monkeypatch):
    entities = load_launch_file(monkeypatch, "vjepa_mpc.launch.py")
    arguments = {e.kwargs.get("name", e.args[0] if e.args else None): e for e in entities
                 if type(e).__name__ == "DeclareLaunchArgument"}
    assert {"checkpoint", "camera_topic", "target_topic", "use_sim_time", "camera"} <= \
        set(arguments)
    nodes = {e.kwargs["executable"]: e.kwargs for e in entities if type(e).__name__ == "Node"}
    assert set(nodes) == {"planner_node", "camera_node"}
    planner = nodes["planner_node"]
    assert planner["name"] == "vjepa_planner"
    assert planner["parameters"][0].args[0] == "params_file"
    assert arguments["params_file"].kwargs["default_value"].endswith("config/planner.yaml")
    in_process = mpc_nodes()[0]
    assert {source for source, _ in planner["remappings"]} == set(in_process.remappings)
    assert planner["parameters"][1:] == [], "no argument given: the file's values stay"
    assert nodes["camera_node"]["namespace"] == "camera"
    assert nodes["camera_node"]["name"] == "camera"
    camera_yaml = nodes["camera_node"]["parameters"][0]
    assert camera_yaml.endswith("config/camera.yaml") and NODES["camera"].params_file in \
        camera_yaml
    profile = arguments["dds_profile"].kwargs["default_value"]  # the user's variable, else ours
    assert profile.args == ("FASTDDS_DEFAULT_PROFILES_FILE",)
    assert profile.kwargs["default_value"].endswith("config/fastdds_camera.xml")
    setup = (ROOT / "setup.py").read_text()
    from vjepa_ros import entry_points

    for executable in ("planner_node", "camera_node"):  # entry_points runs the registry's node
        assert f"{executable} = vjepa_ros.entry_points:{executable}" in setup
        assert callable(getattr(entry_points, executable))


@pytest.mark.parametrize("name", ["vjepa_mpc.launch.py", "bag_player.launch.py",
                                  "image_publisher.launch.py"])
def test_launch_files_set_the_dds_profile_before_their_nodes(monkeypatch, name):
    monkeypatch.delenv("ROS_DISTRO", raising=False)
    entities = load_launch_file(monkeypatch, name)
    kinds = [type(e).__name__ for e in entities]
    settings = [e for e in entities if type(e).__name__ == "SetEnvironmentVariable"]
    assert [e.args[0] for e in settings] == ["FASTDDS_DEFAULT_PROFILES_FILE"]
    last_setting = max(i for i, kind in enumerate(kinds) if kind == "SetEnvironmentVariable")
    assert last_setting < kinds.index("Node")
    setup = (ROOT / "setup.py").read_text()
    assert 'glob("config/*.xml")' in setup  # the profile is installed with the YAML files
    monkeypatch.setenv("ROS_DISTRO", "humble")  # Fast DDS 2 reads the older name
    entities = load_launch_file(monkeypatch, name)
    assert [e.args[0] for e in entities if type(e).__name__ == "SetEnvironmentVariable"] == \
        ["FASTDDS_DEFAULT_PROFILES_FILE", "FASTRTPS_DEFAULT_PROFILES_FILE"]

"""A node's section nested under '/**' or namespaces is read as rcl reads it, by every reader.

``/**: {vjepa_planner: {ros__parameters: ...}}`` is the section ``/**/vjepa_planner`` (rcl joins
the keys above ``ros__parameters``): the planner in any namespace (fix57g).
"""

import pytest
import yaml
from test_launch_file_arguments import nodes, under_both

PLANNER = {"use_sim_time": True, "planner": {"samples": 100}}
BODY = "ros__parameters:\n  use_sim_time: true\n  planner:\n    samples: 100\n"


def nested(*keys):
    text = BODY
    for key in reversed(keys):
        text = f"{key}:\n" + "".join(f"  {line}\n" for line in text.splitlines())
    return text


# keys above ros__parameters -> (the planners it applies to, those it does not)
FORMS = {
    ("/**", "vjepa_planner"): (["/vjepa_planner", "/arm1/vjepa_planner"], ["/camera/camera"]),
    ("/*", "vjepa_planner"): (["/arm1/vjepa_planner"], ["/vjepa_planner"]),
    ("arm1", "vjepa_planner"): (["/arm1/vjepa_planner"], ["/vjepa_planner"]),
    ("/**", "arm1", "vjepa_planner"): (["/arm1/vjepa_planner", "/a/arm1/vjepa_planner"],
                                       ["/vjepa_planner", "/arm2/vjepa_planner"]),
    ("/arm1", "vjepa_planner"): (["/arm1/vjepa_planner"], ["/arm1/camera"]),
}


@pytest.mark.parametrize("keys", list(FORMS), ids=["/".join(keys) for keys in FORMS])
def test_read_ros_params_reads_nested_sections_as_rcl_applies_them(tmp_path, keys):
    from vjepa_ros.yaml_files import read_ros_params

    path = tmp_path / "lab.yaml"
    path.write_text(nested(*keys))
    applied, other = FORMS[keys]
    for node in applied:
        assert read_ros_params(path, node) == PLANNER, node
    for node in other:
        assert read_ros_params(path, node) == {}, node


def test_a_nested_section_without_a_parameters_mapping_is_refused_naming_it(tmp_path):
    from vjepa_ros.config import UsageError
    from vjepa_ros.yaml_files import read_ros_params

    path = tmp_path / "lab.yaml"
    path.write_text("/**:\n  vjepa_planner:\n    ros__parameters: [1, 2]\n")
    with pytest.raises(UsageError, match="'/\\*\\*/vjepa_planner' must hold a 'ros__parameters'"):
        read_ros_params(path, "/vjepa_planner")
    path.write_text("/**:\n  samples: 100\n")  # a value outside any ros__parameters
    with pytest.raises(UsageError, match="'/\\*\\*' must hold a 'ros__parameters'"):
        read_ros_params(path, "/vjepa_planner")


def test_params_file_check_and_camera_check_take_the_nested_file(tmp_path):
    from vjepa_ros.eval.camera_check_base import base_planner_params
    from vjepa_ros.nodes.params_file import check_params_file

    path = tmp_path / "lab.yaml"
    path.write_text(nested("/**", "vjepa_planner"))
    said = []
    assert check_params_file(path, nodes=["/vjepa_planner"], say=said.append) == path
    assert said == []
    assert base_planner_params(path) == PLANNER


def test_the_launch_file_s_camera_follows_a_nested_planner_section(monkeypatch, tmp_path):
    """planner_file_value took the nested file for unreadable (None): no sim time followed."""
    lab = tmp_path / "lab.yaml"
    lab.write_text(nested("/**", "vjepa_planner"))
    camera = nodes(monkeypatch, params_file=str(lab), camera="true")["camera_node"]
    written = yaml.safe_load(open(camera["parameters"][1]).read())
    assert written == under_both("/camera/camera", {"use_sim_time": True})


def test_the_launch_file_refuses_the_camera_beside_a_nested_compressed_planner(
        monkeypatch, tmp_path):
    lab = tmp_path / "lab.yaml"
    lab.write_text("/**:\n  vjepa_planner:\n    ros__parameters:\n      image_transport: "
                   "compressed\n")
    with pytest.raises(ValueError, match="camera:=true with the planner's image_transport "
                                         "compressed"):
        nodes(monkeypatch, params_file=str(lab), camera="true")

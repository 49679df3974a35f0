"""mend57a: zero-led digits are looked up among the parameters of the node that gets them.

A parameter file's value was checked against every node's parameter of that name: a
``vjepa_planner:`` section's ``fps: 08`` was refused as "fps, a whole number, refuses: write 8"
(the camera's ``fps``), and ``fps: 8`` was then refused by the planner as unknown: two rounds.
A node executable's ``--ros-args -p`` did the same. Now the section's node (by its name, or the
node the file is given to for a wildcard section) and the executable's own node are looked in:
a name that node does not declare is refused as unknown first, the digits rule goes by the type
that node declares.
"""

import pytest

from vjepa_ros.config import UsageError
from vjepa_ros.nodes.params_file import check_params_file
from vjepa_ros.nodes.ros_args import check_param_item, check_ros_args

FLOAT_8 = "rcl reads 08 as the float 8.0"


def _refusal(tmp_path, text, nodes=()):
    path = tmp_path / "params.yaml"
    path.write_text(text)
    with pytest.raises(UsageError) as caught:
        check_params_file(str(path), nodes=nodes, say=lambda line: None)
    return str(caught.value)


@pytest.mark.parametrize("section, line, name, nodes", [
    ("vjepa_planner", "fps: 08", "fps", ["/vjepa_planner"]),  # the camera's fps
    ("vjepa_planner", "path: 08", "path", ["/vjepa_planner"]),  # the image publisher's path
    ("/**", "width: 08", "width", ["/vjepa_planner"]),  # a wildcard given to the planner
    ("sim_node", "planner:\n      seed: 08", "planner.seed", []),  # the planner's, in sim's
    ("camera", "seed: 010", "seed", []),  # the sim's seed, octal
])
def test_a_section_refuses_digits_of_a_name_its_node_does_not_declare_as_unknown(
        tmp_path, section, line, name, nodes):
    message = _refusal(tmp_path, f"{section}:\n  ros__parameters:\n    {line}\n", nodes)
    assert f"the node has no parameter '{name}'" in message, message
    assert "rcl reads" not in message and "\n" not in message, message


@pytest.mark.parametrize("section, line, said, nodes", [
    ("sim_node", "seed: 08", "which seed, a whole number, refuses: write 8", []),
    ("camera", "width: 08", "which width, a whole number, refuses: write 8", []),
    ("image_publisher", "path: 08", 'which path, a string, refuses: quote it ("08")', []),
    ("/**", "planner:\n      seed: 08", "which planner.seed, a whole number, refuses",
     ["/vjepa_planner"]),
    ("ns/sim_node", "camera:\n      width: 08", "which camera.width, a whole number", []),
])
def test_a_section_refuses_digits_by_the_type_its_own_node_declares(tmp_path, section, line,
                                                                     said, nodes):
    message = _refusal(tmp_path, f"{section}:\n  ros__parameters:\n    {line}\n", nodes)
    assert FLOAT_8 in message and said in message, message


def test_a_float_parameter_of_the_sections_node_takes_zero_led_digits(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("image_publisher:\n  ros__parameters:\n    rate_hz: 08\n"
                    "bag_player:\n  ros__parameters:\n    rate: 09\n")
    assert check_params_file(str(path), say=lambda line: None) == path


def test_a_wildcard_section_for_several_nodes_keeps_every_nodes_lookup(tmp_path):
    # /** goes to any node: the one name no node declares as a float is refused by its type
    message = _refusal(tmp_path, "/**:\n  ros__parameters:\n    fps: 08\n")
    assert "which fps, a whole number, refuses: write 8" in message, message


@pytest.mark.parametrize("item, node, said", [
    ("fps:=08", "planner", "vjepa_planner has no parameter 'fps'"),
    ("seed:=08", "planner",
     "vjepa_planner has no parameter 'seed' (closest: -p planner.seed:=...)"),
    ("planner.seed:=08", "sim", "sim_node has no parameter 'planner.seed'"),
    ("seed:=08", "sim", "which seed, a whole number, refuses: write 8"),
    ("path:=08", "image_publisher", 'which path, a string, refuses: quote it ("08")'),
])
def test_a_node_executables_p_is_looked_up_among_its_own_parameters(item, node, said):
    with pytest.raises(ValueError) as caught:
        check_param_item(item, node=node)
    assert said in str(caught.value), str(caught.value)


def test_a_node_executable_checks_its_params_file_against_its_own_node(tmp_path):
    path = tmp_path / "sim.yaml"
    path.write_text("/**:\n  ros__parameters:\n    fps: 08\n")
    argv = ["sim_node", "--ros-args", "--params-file", str(path)]
    with pytest.raises(UsageError) as caught:
        check_ros_args(argv, "sim_node", "config/sim.yaml", registry="sim")
    assert "the node has no parameter 'fps'" in str(caught.value), str(caught.value)
    with pytest.raises(ValueError) as caught:
        check_ros_args(["sim_node", "--ros-args", "-p", "fps:=08"], "sim_node",
                       registry="sim")
    assert "sim_node has no parameter 'fps'" in str(caught.value), str(caught.value)

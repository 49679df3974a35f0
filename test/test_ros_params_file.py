"""``--params-file`` is checked as rcl will read it, before rclpy loads (``nodes/params_file``).

Each file here is given both to :func:`check_params_file` and to rcl itself (``rclpy.init``
with ``--params-file``): the check refuses exactly the files rcl refuses, in one line naming the
option and the problem.
"""

from __future__ import annotations

import pytest

from vjepa_ros.config import UsageError
from vjepa_ros.nodes.params_file import check_params_file

FILES = {  # name -> (text, what the one-line refusal says; None: accepted)
    "flat": ("/**:\n  ros__parameters:\n    a: 1\n    b: [1, 2]\n", None),
    "node_named_like_parameters": ("ros_parameter_server:\n  ros__parameters:\n    a: 1\n", None),
    "misspelled_parameters": ("n:\n  ros_parameters:\n    a: 1\n",
                              "'n/ros_parameters' is not spelled 'ros__parameters'"),
    "namespaced": ("ns:\n  node:\n    ros__parameters:\n      a: x\n", None),
    "groups": ("node:\n  ros__parameters:\n    model: {device: cpu, sizes: []}\n", None),
    "list": ("- a\n- b\n", "holds a YAML list, not a mapping of nodes"),
    "bare_value": ("node:\n  a: 1\n", "'node/a' holds the value 1 outside any ros__parameters"),
    # user51u: was "holds nothing outside any ros__parameters" (as if keys were misplaced)
    "empty_node": ("/**:\n  ros__parameters:\n    a: 1\n/arm1/vjepa_planner:\n",
                   "'/arm1/vjepa_planner' is empty: give it ros__parameters: {name: value}, or "
                   "remove it"),
    "sibling": ("/**:\n  ros__parameters:\n    a: 1\n  extra: 2\n", "'/**/extra' holds"),
    "parameters_list": ("/**:\n  ros__parameters: [1, 2]\n",
                        "'/**/ros__parameters' holds the value [1, 2], not a mapping"),
    "parameters_null": ("/**:\n  ros__parameters:\n", "holds nothing, not a mapping"),
    "no_value": ("n:\n  ros__parameters:\n    g:\n      a:\n",
                 "parameter 'g.a' of n has no value"),
    "int_float": ("/**:\n  ros__parameters:\n    a: [1, 2.5]\n",
                  "parameter 'a' of /** mixes types in one list (float, int); write 1 (entry 1) "
                  "as 1.0 (rcl refuses a list of two types)"),
    "lab_typo": ("/**:\n  ros__parameters:\n    safety:\n      workspace_min: [0.25, -0.45, 0]\n",
                 "parameter 'safety.workspace_min' of /** mixes types in one list (float, int); "
                 "write 0 (entry 3) as 0.0 (rcl refuses"),
    "bool_int": ("/**:\n  ros__parameters:\n    a: [true, 1]\n", "mixes types in one list "
                 "(bool, int); write every entry as one type"),
    "digit_node": ("3:\n  ros__parameters:\n    a: 1\n", "node name '3' starts with a digit"),
    "dash_node": ("vjepa-planner:\n  ros__parameters:\n    a: 1\n", "node name 'vjepa-planner' "
                  "holds a character other than letters, digits and '_' (a wildcard is a whole"),
    "digit_namespace": ("/ns/1x:\n  ros__parameters:\n    a: 1\n",
                        "node name '/ns/1x' has a part starting with a digit ('1x')"),
    "double_slash": ('"/ns//n":\n  ros__parameters:\n    a: 1\n',
                     "node name '/ns//n' has an empty part"),
    "trailing_slash": ('"n/":\n  ros__parameters:\n    a: 1\n', "node name 'n/' has an empty"),
    "star_in_name": ('"/n*":\n  ros__parameters:\n    a: 1\n', "node name '/n*' holds a char"),
    "broken": ("a: [\n", "is not valid YAML ("),
    # tabs: between a line's tokens read (libyaml, rcl's parser), as indentation refused
    "tabs_in_line": ("/**:\t# all\n  ros__parameters:\n    a:\t1\t# one\n    g: {b: 1,\tc: x}\n",
                     None),
    "tab_indent": ("/**:\n  ros__parameters:\n\ta: 1\n", "is not valid YAML (line 3, column 1: "
                   "found a tab where rcl reads none"),
    "tab_after_dash": ("/**:\n  ros__parameters:\n    a:\n      -\t1\n",
                       "(line 4, column 8: found a tab where rcl reads none"),
    # documents: one mapping of nodes to rcl
    "documents": ("---\n/**:\n  ros__parameters:\n    a: 1\n---\nn:\n  ros__parameters:\n"
                  "    a: 2\n", None),
    "empty_document": ("---\n/**:\n  ros__parameters:\n    a: 1\n---\n", "(line 5, column 1: "
                       "a document of this file holds no mapping of nodes"),
    "empty_parameters": ("/**:\n  ros__parameters: {}\n", None),
    "empty_group": ("/**:\n  ros__parameters:\n    planner: {}\n    model: {device: cpu}\n",
                    "parameter group 'planner' of /** (line 3) is empty: rcl cannot read"),
}


def rcl_accepts(path) -> bool:
    import rclpy

    context = rclpy.Context()
    try:
        rclpy.init(args=["node", "--ros-args", "--params-file", str(path)], context=context)
    except Exception:  # rclpy raises RCLError (a RuntimeError) for a file it cannot parse
        return False
    context.try_shutdown()
    return True


@pytest.mark.parametrize("name", FILES)
def test_the_check_refuses_exactly_what_rcl_refuses_in_one_line(name, tmp_path):
    text, refusal = FILES[name]
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    assert rcl_accepts(path) is (refusal is None)
    if refusal is None:
        assert check_params_file(path) == path
        return
    with pytest.raises(UsageError) as caught:
        check_params_file(path)
    message = str(caught.value)
    assert message.startswith(f"--params-file {path}") and refusal in message, message
    assert "\n" not in message
    if "mixes types" in message or "is empty" in message:  # its own fix, not "give ..."
        assert "give a ROS 2 parameter file" not in message, message
    else:
        assert message.endswith("(<node>: ros__parameters: {name: value})")


@pytest.mark.parametrize("text", ["", "\n\n", "# planner settings to come\n"])
def test_an_empty_file_is_refused_though_rcl_reads_no_parameters_from_it(text, tmp_path):
    """An empty file is a mistake (a wrong or unsaved file), not a request for the defaults."""
    path = tmp_path / "params.yaml"
    path.write_text(text)
    assert rcl_accepts(path)
    with pytest.raises(UsageError) as caught:
        check_params_file(path)
    assert str(caught.value) == (
        f"--params-file {path} is empty (nothing but comments or blank lines): give a ROS 2 "
        "parameter file like config/planner.yaml (<node>: ros__parameters: {name: value})")


def test_a_missing_folder_or_binary_file_is_refused_by_name(tmp_path):
    binary = tmp_path / "b.yaml"
    binary.write_bytes(b"\x80\x81")
    for path, problem in ((tmp_path / "none.yaml", "does not exist"), (tmp_path, "is a folder"),
                          (binary, "is not a text file")):
        with pytest.raises(UsageError, match=f"^--params-file {path} {problem}: give a ROS 2 "):
            check_params_file(path)
    assert not rcl_accepts(binary)


def test_the_packaged_parameter_files_pass(tmp_path):
    from vjepa_ros.package_files import package_share_dir

    files = sorted((package_share_dir() / "config").glob("*.yaml"))
    node_files = [path for path in files if "ros__parameters" in path.read_text()]
    assert len(node_files) >= 5
    for path in node_files:
        assert check_params_file(path) == path


def rcl_applied(path, nodes) -> set[str]:
    """Names of the parameters rcl gives to any of ``nodes`` (fully qualified) from ``path``."""
    import rclpy

    context = rclpy.Context()
    rclpy.init(context=context)
    applied = set()
    try:
        for node_name in nodes:
            namespace, _, name = node_name.rpartition("/")
            node = rclpy.create_node(name, namespace=namespace or "/", context=context,
                                     cli_args=["--ros-args", "--params-file", str(path)])
            applied |= set(node._parameter_overrides)
            node.destroy_node()
    finally:
        context.try_shutdown()
    return applied


PLANNER, CAMERA, IN_NS = "/vjepa_planner", "/camera", "/ns/vjepa_planner"
CLOSEST = " — fix the name or use '/**'"
SECTIONS = [  # (section names, nodes the file goes to, the refusal after "--params-file PATH: ")
    (["vjepa_planer"], [PLANNER], "section 'vjepa_planer' applies to no node started here "
     "(vjepa_planner); closest: 'vjepa_planner'" + CLOSEST),
    (["vjepa_planner"], [PLANNER], None),
    (["/vjepa_planner"], [PLANNER], None),
    (["/vjepa_planner"], [IN_NS], "section '/vjepa_planner' applies to no node started here "
     "(/ns/vjepa_planner); closest: '/ns/vjepa_planner'" + CLOSEST),
    (["/ns/vjepa_planner"], [IN_NS], None),
    (["ns/vjepa_planner"], [IN_NS], None),
    (["/ns/vjepa_planner"], [PLANNER], "section '/ns/vjepa_planner' applies to no node started "
     "here (vjepa_planner); closest: 'vjepa_planner'" + CLOSEST),
    (["/**"], [IN_NS], None),
    (["**"], [PLANNER], None),
    (["/*"], [PLANNER], None),
    (["/*"], [IN_NS], "section '/*' applies to no node started here (/ns/vjepa_planner)"),
    (["/**/vjepa_planner", "/ns/*", "/*/*", "/**/*"], [IN_NS], None),
    (["/*/vjepa_planner"], [PLANNER], "section '/*/vjepa_planner' applies to no node"),
    (["/**", "vjepa_planner", "camra"], [PLANNER, CAMERA], "section 'camra' applies to no "
     "node started here (vjepa_planner, camera); closest: 'camera'" + CLOSEST),
    (["vjepa_planner", "camera"], [PLANNER, CAMERA], None),
    # another node of this package: rcl ignores it, and so does the check (one note line)
    (["vjepa_planner", "sim_node", "/bag_player"], [PLANNER], None),
    (["camera"], [IN_NS, "/ns/camera"], "section 'camera' applies to no node started here "
     "(/ns/vjepa_planner, /ns/camera); closest: '/ns/camera'" + CLOSEST),
]


@pytest.mark.parametrize("names, nodes, refusal", SECTIONS)
def test_a_section_that_applies_to_no_node_is_refused_as_rcl_matches_names(names, nodes, refusal,
                                                                          tmp_path):
    """ROS drops a section for no node silently: the node would start on its defaults."""
    path = tmp_path / "params.yaml"
    path.write_text("".join(f'"{name}":\n  ros__parameters:\n    p{index}: 1\n'
                            for index, name in enumerate(names)))
    ignored = {name for name in names if name.strip("/") in ("sim_node", "bag_player")}
    all_applied = rcl_applied(path, nodes) == {f"p{index}" for index, name in enumerate(names)
                                               if name not in ignored}
    assert all_applied is (refusal is None)  # the check agrees with rcl
    assert check_params_file(path) == path  # without nodes: any node
    if refusal is None:
        assert check_params_file(path, nodes=nodes) == path
        return
    with pytest.raises(UsageError) as caught:  # exit status 2 in every command (config.py)
        check_params_file(path, nodes=nodes)
    assert str(caught.value).startswith(f"--params-file {path}: {refusal}"), caught.value
    assert "\n" not in str(caught.value)


def test_a_section_for_another_node_of_the_package_is_ignored_with_a_note(tmp_path):
    """The planner's file with a sim_node section was refused: "closest: 'vjepa_planner'"."""
    path = tmp_path / "params.yaml"
    path.write_text("vjepa_planner:\n  ros__parameters:\n    planner: {samples: 100}\n"
                    "sim_node:\n  ros__parameters:\n    real_time_factor: 1.0\n")
    said = []
    assert check_params_file(path, nodes=[PLANNER], say=said.append) == path
    assert said == [f"note: --params-file {path}: section 'sim_node' is for this package's node "
                    "'sim', not for vjepa_planner: ignored here, as ROS ignores the sections of "
                    "other nodes (vjepa-ros launch --node sim starts it with its own file; "
                    "-p sim.NAME:=VALUE sets its values)"]


@pytest.mark.parametrize("text, problem", [
    ("vjepa_planner: {}\n", "'vjepa_planner' holds no ros__parameters (rcl reads nothing"),
    ("ns:\n  vjepa_planner: {}\n", "'ns/vjepa_planner' holds no ros__parameters"),
    ("vjepa_planner:\n  ros_parameters:\n    safety: {workspace_max: [0.5, 0.2, 0.4]}\n",
     "'vjepa_planner/ros_parameters' is not spelled 'ros__parameters' (rcl reads it as a node "
     "name)"),
])
def test_a_section_without_ros_parameters_is_refused(text, problem, tmp_path):
    """Such a section gives rcl nothing to read (or rcl refuses the file): a mistake."""
    path = tmp_path / "params.yaml"
    path.write_text(text)
    with pytest.raises(UsageError) as caught:
        check_params_file(path, nodes=[PLANNER])
    assert str(caught.value).startswith(f"--params-file {path}: {problem}"), caught.value
    assert str(caught.value).endswith("(<node>: ros__parameters: {name: value})")


@pytest.mark.parametrize("node_name", ["/planner", "/ns/planner", "/ns/sub/planner"])
def test_read_ros_params_gives_a_node_what_rcl_gives_it(node_name, tmp_path):
    """``yaml_files.read_ros_params`` (the launcher's look at model.checkpoint) matches rcl."""
    import rclpy

    from vjepa_ros.yaml_files import read_ros_params

    path = tmp_path / "params.yaml"
    path.write_text("planner:\n  ros__parameters: {a: own, c: 3}\n"
                    "/*:\n  ros__parameters: {a: star, b: 2}\n"
                    "/ns/planner:\n  ros__parameters: {a: other, d: 4}\n"
                    "ns:\n  '*':\n    ros__parameters: {f: 6}\n"
                    "/**/planner:\n  ros__parameters: {e: 5}\n"
                    "/**:\n  ros__parameters: {c: 7}\n")
    context = rclpy.Context()
    rclpy.init(context=context)
    try:
        namespace, _, name = node_name.rpartition("/")
        node = rclpy.create_node(name, namespace=namespace or "/", context=context,
                                 cli_args=["--ros-args", "--params-file", str(path)])
        given = {key: value.value for key, value in node._parameter_overrides.items()}
        node.destroy_node()
    finally:
        context.try_shutdown()
    assert read_ros_params(path, node_name) == given


def test_read_ros_params_merges_groups_by_full_name_as_rcl_does(tmp_path):
    """A node section's ``model:`` replaced the ``/**`` section's whole group (dict.update)."""
    import rclpy

    from vjepa_ros.nodes.param_sources import dotted
    from vjepa_ros.yaml_files import read_ros_params

    path = tmp_path / "params.yaml"
    path.write_text("/**:\n  ros__parameters:\n    model: {checkpoint: demo, crop: {low: 0.5}}\n"
                    "planner:\n  ros__parameters:\n    model: {image_size: 64, "
                    "crop: {high: 2.0}}\n    model.checkpoint: mine\n")
    context = rclpy.Context()
    rclpy.init(context=context)
    try:
        node = rclpy.create_node("planner", context=context,
                                 cli_args=["--ros-args", "--params-file", str(path)])
        given = {key: value.value for key, value in node._parameter_overrides.items()}
        node.destroy_node()
    finally:
        context.try_shutdown()
    params = read_ros_params(path, "/planner")
    assert {name: _at(params, name) for name in dotted(params)} == given
    assert given == {"model.checkpoint": "mine", "model.crop.low": 0.5, "model.crop.high": 2.0,
                     "model.image_size": 64}


def _at(params: dict, name: str):
    for key in name.split("."):
        params = params[key]
    return params

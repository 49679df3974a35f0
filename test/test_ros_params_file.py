"""``--params-file`` is checked as rcl will read it, before rclpy loads (``nodes/params_file``).

Each file here is given both to :func:`check_params_file` and to rcl itself (``rclpy.init``
with ``--params-file``): the check refuses exactly the files rcl refuses, in one line naming the
option and the problem.
"""

from __future__ import annotations

import pytest

from vjepa_ros.nodes.params_file import check_params_file

FILES = {  # name -> (text, what the one-line refusal says; None: accepted)
    "flat": ("/**:\n  ros__parameters:\n    a: 1\n    b: [1, 2]\n", None),
    "namespaced": ("ns:\n  node:\n    ros__parameters:\n      a: x\n", None),
    "groups": ("node:\n  ros__parameters:\n    model: {device: cpu, sizes: []}\n", None),
    "list": ("- a\n- b\n", "holds a YAML list, not a mapping of nodes"),
    "bare_value": ("node:\n  a: 1\n", "'node/a' holds the value 1 outside any ros__parameters"),
    "sibling": ("/**:\n  ros__parameters:\n    a: 1\n  extra: 2\n", "'/**/extra' holds"),
    "parameters_list": ("/**:\n  ros__parameters: [1, 2]\n",
                        "'/**/ros__parameters' holds the value [1, 2], not a mapping"),
    "parameters_null": ("/**:\n  ros__parameters:\n", "holds nothing, not a mapping"),
    "no_value": ("n:\n  ros__parameters:\n    g:\n      a:\n",
                 "parameter 'g.a' of n has no value"),
    "int_float": ("/**:\n  ros__parameters:\n    a: [1, 2.5]\n",
                  "parameter 'a' of /** mixes types in one list (float, int)"),
    "bool_int": ("/**:\n  ros__parameters:\n    a: [true, 1]\n", "mixes types"),
    "digit_node": ("3:\n  ros__parameters:\n    a: 1\n", "node name '3' starts with a digit"),
    "broken": ("a: [\n", "is not valid YAML ("),
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
    with pytest.raises(ValueError) as caught:
        check_params_file(path)
    message = str(caught.value)
    assert message.startswith(f"--params-file {path}") and refusal in message, message
    assert "\n" not in message and message.endswith("(<node>: ros__parameters: {name: value})")


@pytest.mark.parametrize("text", ["", "\n\n", "# planner settings to come\n"])
def test_an_empty_file_is_refused_though_rcl_reads_no_parameters_from_it(text, tmp_path):
    """An empty file is a mistake (a wrong or unsaved file), not a request for the defaults."""
    path = tmp_path / "params.yaml"
    path.write_text(text)
    assert rcl_accepts(path)
    with pytest.raises(ValueError) as caught:
        check_params_file(path)
    assert str(caught.value) == (
        f"--params-file {path} is empty (nothing but comments or blank lines): give a ROS 2 "
        "parameter file like config/planner.yaml (<node>: ros__parameters: {name: value})")


def test_a_missing_folder_or_binary_file_is_refused_by_name(tmp_path):
    binary = tmp_path / "b.yaml"
    binary.write_bytes(b"\x80\x81")
    for path, problem in ((tmp_path / "none.yaml", "does not exist"), (tmp_path, "is a folder"),
                          (binary, "is not a text file")):
        with pytest.raises(ValueError, match=f"^--params-file {path} {problem}: give a ROS 2 "):
            check_params_file(path)
    assert not rcl_accepts(binary)


def test_the_packaged_parameter_files_pass(tmp_path):
    from vjepa_ros.config import package_share_dir

    files = sorted((package_share_dir() / "config").glob("*.yaml"))
    node_files = [path for path in files if "ros__parameters" in path.read_text()]
    assert len(node_files) >= 5
    for path in node_files:
        assert check_params_file(path) == path

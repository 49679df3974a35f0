"""A ``--params-file`` path with ``~``/``$VAR`` no shell expanded reaches rcl expanded (fix57f2).

rcl opens the path as written (breaker57f: "Error opening YAML file" about a file that is
there). The node executables (``run_node``) and ``vjepa-ros launch`` hand it the expanded path.
"""

from __future__ import annotations

import pytest

from vjepa_ros.nodes.ros_args import with_params_files_expanded


@pytest.fixture
def home(tmp_path, monkeypatch):
    """Return a stand-in HOME holding lab.yaml (the planner's image_transport), LAB too."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "lab.yaml").write_text("/**:\n  ros__parameters:\n    image_transport: compressed\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("LAB", str(home))
    monkeypatch.delenv("NOT_SET_57F2", raising=False)
    return home


@pytest.mark.parametrize("given", ["~/lab.yaml", "$HOME/lab.yaml", "${HOME}/lab.yaml",
                                   "$LAB/lab.yaml", "~/../home/lab.yaml"])
def test_each_params_file_path_is_expanded_for_rcl(home, given):
    argv = ["planner_node", "--ros-args", "--params-file", given, "--params-file", given]
    expanded = with_params_files_expanded(argv)
    assert expanded[:2] == argv[:2] and expanded[2] == expanded[4] == "--params-file"
    assert expanded[3] == expanded[5] and not expanded[3].startswith(("~", "$"))
    assert (home / "lab.yaml").samefile(expanded[3])


def test_only_params_file_values_inside_ros_args_are_rewritten(home):
    argv = ["image_publisher", "--ros-args", "-p", "path:=$HOME/goal.png", "-r",
            "image:=/$x", "--params-file", "/etc/lab.yaml", "--", "--params-file",
            "~/lab.yaml"]
    assert with_params_files_expanded(argv) == argv  # -p: the node expands its own paths


def test_an_unset_variable_is_kept_for_the_check_to_name(home):
    argv = ["planner_node", "--ros-args", "--params-file", "$NOT_SET_57F2/lab.yaml"]
    assert with_params_files_expanded(argv) == argv
    from vjepa_ros.nodes.ros_args import check_ros_args

    with pytest.raises(ValueError, match="NOT_SET_57F2, which is not set"):
        check_ros_args(argv, "vjepa_planner")


@pytest.mark.parametrize("given", ["~/lab.yaml", "$HOME/lab.yaml", "${HOME}/lab.yaml"])
def test_launch_hands_the_planner_the_expanded_file(home, given, monkeypatch):
    from vjepa_ros.cli import build_parser
    from vjepa_ros.nodes import launcher

    seen = {}

    class Captured(Exception):
        pass

    def capture(nodes, use_sim_time=None, **kwargs):
        seen["nodes"] = nodes
        raise Captured

    monkeypatch.setattr(launcher, "Launch", capture)
    monkeypatch.setattr(launcher, "use_camera_profile", lambda: None)
    args = build_parser().parse_args(["launch", "--checkpoint", "demo", "-p",
                                      "planner.model.device:=cpu", "--params-file", given])
    with pytest.raises(Captured):
        launcher._launch(args)
    planner = seen["nodes"][0]
    (path, label), = planner.files()
    assert path == str(home / "lab.yaml") and label == f"--params-file {given}"
    assert planner.start_value("image_transport", "raw") == "compressed"


# layouts where a --params-file is a value, not a flag, or comes after --ros-args again
LAYOUTS = [
    ["n", "--ros-args", "-p", "--params-file", "--params-file", "~/lab.yaml"],
    ["n", "--params-file", "~/x", "--ros-args", "--remap", "a:=b", "--params-file", "~/lab.yaml"],
    ["n", "--ros-args", "--", "--ros-args", "--params-file", "~/lab.yaml", "--params-file"],
    ["n", "--ros-args", "--enable-rosout-logs", "--params-file", "~/lab.yaml", "--",
     "--params-file", "~/y"],
]


@pytest.mark.parametrize("argv", LAYOUTS, ids=range(len(LAYOUTS)))
def test_the_expanded_paths_are_the_params_files_rcl_reads(home, argv):
    """Exactly the ``--params-file`` values ``ros_arguments`` finds change (one walk)."""
    from vjepa_ros.nodes.ros_args import ros_arguments

    expanded = with_params_files_expanded(argv)
    changed = [(before, after) for before, after in zip(argv, expanded, strict=True)
               if before != after]
    files = [value for flag, value in ros_arguments(argv) if flag == "--params-file" and value]
    assert [before for before, _ in changed] == files == ["~/lab.yaml"]
    assert (home / "lab.yaml").samefile(changed[0][1])

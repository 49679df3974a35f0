"""mend56q: camera-check --params-file F says that F's search settings are not the check's.

The check uses only F's model.checkpoint (README); with F's ``planner.samples: 100`` the
up-front time note still predicted S 800, I 10 and nothing said why (user56u). A note line now
names F's search settings the check does not use and the options that give them.
"""

import pytest

from vjepa_ros.cli import build_parser, main
from vjepa_ros.eval.camera_check_base import file_planner_params
from vjepa_ros.eval.camera_check_command import checked_options
from vjepa_ros.eval.camera_check_file_search import file_search_note


def _file(tmp_path, planner: str, section: str = "/**") -> str:
    path = tmp_path / "lab.yaml"
    path.write_text(f"{section}:\n  ros__parameters:\n    planner:\n{planner}")
    return str(path)


def _note(params, *options):
    args = build_parser().parse_args(["camera-check", "BAG", "--checkpoint", "demo",
                                      *(["--params-file", params] if params else []), *options])
    return file_search_note(args, checked_options(args)[0], file_planner_params(args))


def test_the_files_samples_and_iterations_are_named_with_the_options(tmp_path):
    params = _file(tmp_path, "      samples: 100\n      iterations: 5\n      horizon: 2\n")
    assert _note(params) == (
        f"--params-file {params}'s planner.iterations 5, planner.samples 100 are not used: the "
        "check searches with its own options (iterations 10, samples 800); give --iterations 5 "
        "--samples 100 for the file's")


@pytest.mark.parametrize("planner, said", [
    ("      method: icem\n", "planner.method icem is not used"),  # another search
    ("      topk: 20\n", "give --topk 20 for"),
    ("      close_gripper: 3\n", "give --close-gripper 3 for"),
    ("      momentum_mean: 0.5\n", "give --momentum-mean 0.5 for"),
])
def test_every_search_setting_with_an_option_is_named(tmp_path, planner, said):
    assert said in _note(_file(tmp_path, planner, "vjepa_planner"))


@pytest.mark.parametrize("planner, options", [
    ("      samples: 100\n", ["--samples", "100"]),  # given: the check's, as the file's
    ("      samples: 100\n", ["--samples", "200"]),  # given: the user chose another
    ("      samples: 800\n      close_gripper: -1\n", []),  # the check's own values
    ("      horizon: 2\n", []),  # the check searches one step: said by its own refusal
])
def test_nothing_is_said_where_the_file_agrees_or_an_option_chose(tmp_path, planner, options):
    assert _note(_file(tmp_path, planner), *options) == ""


def test_no_params_file_or_the_packaged_one_says_nothing():
    assert _note(None) == ""
    assert _note("config/planner.yaml") == ""


def test_the_command_prints_it_up_front(tmp_path, capsys):
    params = _file(tmp_path, "      samples: 100\n")
    assert main(["camera-check", str(tmp_path / "no_bag"), "--checkpoint", "demo",
                 "--params-file", params, "--out", str(tmp_path / "out")]) != 0
    out = capsys.readouterr().out
    assert f"note          --params-file {params}'s planner.samples 100 is not used" in out, out
    assert "give --samples 100 for the file's" in out

"""``--gripper-max-width``: train has eval's option, meaning, range and words (mend59a #5)."""

import pytest

from vjepa_ros.cli import build_parser, main


def _help(command: str) -> str:
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    action = next(a for a in sub.choices[command]._actions
                  if "--gripper-max-width" in a.option_strings)
    return action.help


def test_train_and_eval_give_the_option_one_meaning():
    assert _help("eval") in _help("train") and "robot.gripper_max_width" in _help("train")
    assert _help("camera-check") == _help("eval")


@pytest.mark.parametrize("value", ["0.2", "0", "nan", "-0.01"])
def test_train_refuses_a_width_out_of_range_in_eval_s_words(value, tmp_path, capsys):
    words = []
    for argv in (["eval", str(tmp_path / "no_bag"), "--out", str(tmp_path / "e")],
                 ["train", "--data", str(tmp_path / "no_bag"), "--out", str(tmp_path / "t")]):
        assert main([*argv, "--gripper-max-width", value]) == 2
        err = capsys.readouterr().err
        words.append(err.partition(": ")[2])
    assert words[0] == words[1] and words[0].startswith("--gripper-max-width must lie in "
                                                        "(0, 0.08], got "), words


def test_train_names_each_bag_topic_option_it_refuses(tmp_path, capsys):
    """``data.topics: tcp_xyz ...`` named --tcp-xyz as eval does, not the nested key."""
    argv = ["train", "--data", str(tmp_path / "no_bag"), "--out", str(tmp_path / "t")]
    assert main([*argv, "--tcp-xyz", "9", "9", "9"]) == 2
    assert "vjepa-ros train: --tcp-xyz must be 3 numbers" in capsys.readouterr().err
    assert main([*argv, "--max-clock-offset", "0.1"]) == 2
    assert "vjepa-ros train: --max-clock-offset must lie in" in capsys.readouterr().err


def test_train_records_the_width_given(tmp_path):
    from vjepa_ros.train.command import config_from_args

    (tmp_path / "data").mkdir()
    args = build_parser().parse_args(["train", "--data", str(tmp_path / "data"), "--out",
                                      str(tmp_path / "t"), "--init", "demo",
                                      "--gripper-max-width", "0.07"])
    assert config_from_args(args).data.topics.gripper_max_width == pytest.approx(0.07)

r"""A path the user gave, in a command's one-line error: as typed, or ``$'...'`` quoted.

The output and settings-file errors of every command (``out_paths``, ``config``) printed the
path as it is: a name holding a line break split the line in two. The joining of an
exception's text (``" ".join(text.split())``) squeezed two spaces in a row into one, naming
another file (``my  run`` as ``my run``); ``path_text.one_line`` joins line breaks only.
"""

from __future__ import annotations

import pytest

from vjepa_ros.cli import main
from vjepa_ros.path_text import shown_path


def one_error_line(argv: list[str], status: int, capsys) -> str:
    """Run ``vjepa-ros ARGV`` in-process; return its one stderr line (exit status ``status``)."""
    assert main(argv) == status
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return err.strip()


def test_an_existing_bag_named_with_a_line_break_is_named_in_one_line(tmp_path, capsys):
    bag = tmp_path / "a\nb"
    bag.mkdir()
    err = one_error_line(["record", str(bag), "--frames", "2"], 1, capsys)
    assert err == (f"vjepa-ros record: bag {shown_path(bag)} exists already (a folder); rosbag2 "
                   "bags are never overwritten: give a new name or remove it")
    assert shown_path(bag).startswith("$'") and "\\n" in shown_path(bag)


def test_a_settings_file_named_with_a_line_break_is_named_in_one_line(tmp_path, capsys):
    config = tmp_path / "reach\n.yaml"
    config.write_text("planner: [1\n")
    err = one_error_line(["reach", "--config", str(config), "--out", str(tmp_path / "o")], 2,
                         capsys)
    assert err.startswith(f"vjepa-ros reach: settings file {shown_path(config)} is not valid "
                          "YAML ("), err


def test_a_path_with_two_spaces_in_a_row_is_named_as_it_is(tmp_path, capsys):
    """``--checkpoint 'my  model.txt'`` (not a checkpoint): the line named ``my model.txt``."""
    model = tmp_path / "my  model.txt"
    model.write_text("the model is on the other machine\n")
    err = one_error_line(["demo", "--checkpoint", str(model)], 1, capsys)
    assert err.startswith(f"vjepa-ros demo: --checkpoint {model} is not a vjepa_ros checkpoint")


@pytest.mark.parametrize("text, line", [
    ("--out /data/my  run: is a directory", "--out /data/my  run: is a directory"),
    ("while parsing\n  in \"x.yaml\", line 3\r\n\n  column 2 ", "while parsing in \"x.yaml\", "
     "line 3 column 2"),
    ("  a\tb  \n", "a\tb"),
    ("x\u2028y", "x y"),
])
def test_one_line_joins_line_breaks_only(text, line):
    from vjepa_ros.command_errors import error_line
    from vjepa_ros.path_text import one_line

    assert one_line(text) == line
    assert error_line(ValueError(text)) == line

"""Every command checks its output location before it works, with one line naming the option."""

import pytest

from vjepa_ros.cli import main
from vjepa_ros.out_paths import output_dir, output_file


def test_output_dir_creates_parents_and_refuses_files_in_the_way(tmp_path):
    made = output_dir(tmp_path / "a" / "b")
    assert made.is_dir()
    blocker = tmp_path / "file"
    blocker.write_text("x")
    for path in (blocker, blocker / "below"):
        with pytest.raises(ValueError, match=f"--out {path}: {blocker} is a file"):
            output_dir(path)


def test_output_dir_can_check_without_creating(tmp_path):
    path = output_dir(tmp_path / "later" / "run", create=False)
    assert not path.exists() and not path.parent.exists()
    (tmp_path / "f").write_text("x")
    with pytest.raises(ValueError, match="is a file"):
        output_dir(tmp_path / "f" / "run", create=False)


def test_output_file_refuses_a_directory_and_creates_the_folder(tmp_path):
    with pytest.raises(ValueError, match="is a directory; give a file name"):
        output_file(tmp_path)
    path = output_file(tmp_path / "new" / "encoder.pt")
    assert path.parent.is_dir() and not path.exists()


@pytest.mark.parametrize("command", [
    ["collect", "--task", "motion", "--episodes", "1"],
    ["collect", "--task", "grasp", "--episodes", "1"],
    ["eval", "missing.mcap"],
    ["pretrain", "--data", "missing"],
    ["reach"],
])
def test_commands_refuse_a_file_as_output_before_working(tmp_path, capsys, command):
    blocker = tmp_path / "taken"
    blocker.write_text("x")
    out = blocker / "enc.pt" if command[0] == "pretrain" else blocker
    assert main([*command, "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"{blocker} is a file" in err and err.count("\n") == 1

"""``vjepa-ros pretrain``'s output file: never overwritten, never a directory's name."""

import pytest

from vjepa_ros.cli import main


@pytest.fixture
def data(tmp_path):
    """Return a --data folder (the output is checked before it is read)."""
    folder = tmp_path / "episodes"
    folder.mkdir()
    return folder


def test_an_existing_out_is_refused_and_left_as_it_was(tmp_path, data, capsys):
    """``pretrain --out ow.pt --steps 0`` replaced an existing encoder without a word."""
    out = tmp_path / "ow.pt"
    out.write_bytes(b"an encoder trained for hours")
    assert main(["pretrain", "--data", str(data), "--out", str(out), "--steps", "0"]) == 1
    assert capsys.readouterr().err == (f"vjepa-ros pretrain: --out {out} exists already; choose "
                                       "another --out, or remove it\n")
    assert out.read_bytes() == b"an encoder trained for hours"


@pytest.mark.parametrize("make", [False, True])
def test_an_out_ending_in_a_slash_is_refused_as_a_directory(tmp_path, data, capsys, make):
    """``pretrain --out newdir/`` wrote the files newdir, newdir.png and newdir.json."""
    folder = tmp_path / "newdir"
    if make:
        folder.mkdir()
    assert main(["pretrain", "--data", str(data), "--out", f"{folder}/", "--steps", "0"]) == 1
    assert capsys.readouterr().err == (f"vjepa-ros pretrain: --out {folder}/: ends in '/', a "
                                       "directory; give a file name\n")
    assert folder.is_dir() is make and sorted(tmp_path.iterdir()) == sorted(
        [data] + ([folder] if make else []))
    if make:
        assert not any(folder.iterdir())

"""breaker27e: data discovery holes left after breaker27b's fixes (ROS-free).

Strict xfails: each passes once its hole is fixed (then drop the mark). Reproductions are in
breaker27e's report (/tmp/breaker27e/mk2.py).
"""

import shutil

import pytest

from conftest import write_test_bag


def test_upper_case_suffix_advice_does_not_overwrite_the_lower_case_file(tmp_path):
    """A folder with EP0.NPZ and EP0.npz (two episodes, Linux): the advice must not clobber one.

    Found: ``skipped .../EP0.NPZ: its suffix is not lower case ...; to read it:
    `mv .../EP0.NPZ .../EP0.npz``` — plain ``mv`` replaces the episode EP0.npz that is read.
    """
    from vjepa_ros.path_advice import shell_command
    from vjepa_ros.recordings.bag_folders import walk_files

    (tmp_path / "EP0.NPZ").write_bytes(b"one episode")
    (tmp_path / "EP0.npz").write_bytes(b"another episode")
    notes: list[str] = []
    walk_files(tmp_path, notes)
    said = " ".join(notes)
    assert "EP0.NPZ" in said, notes  # it is named, as now
    assert shell_command("mv", tmp_path / "EP0.NPZ", tmp_path / "EP0.npz") not in said, notes
    assert shell_command("mv", "-n", tmp_path / "EP0.NPZ", tmp_path / "EP0_1.npz") in said, notes


def test_numbered_recordings_in_one_folder_are_refused_where_one_bag_is_read(tmp_path):
    """eval/camera-check given such a folder: one line naming a file to give, not one bag."""
    from vjepa_ros.recordings.bag_files import BagError
    from vjepa_ros.recordings.bags import read_recording

    folder = tmp_path / "mcaps"
    folder.mkdir()
    for number in (1, 3):
        bag = write_test_bag(tmp_path / f"src{number}", seed=number)
        shutil.copy(next(bag.glob("*.mcap")), folder / f"ep_{number}.mcap")
    with pytest.raises(BagError) as caught:
        read_recording(folder)
    text = str(caught.value)
    assert "\n" not in text and "do not follow one another" in text, text
    assert text.endswith(f"e.g. {folder / 'ep_1.mcap'}"), text

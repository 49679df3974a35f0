"""breaker27e: data discovery holes left after breaker27b's fixes (ROS-free).

Strict xfails: each passes once its hole is fixed (then drop the mark). Reproductions are in
breaker27e's report (/tmp/breaker27e/mk2.py).
"""

import shutil

import pytest

from vjepa_ros.recordings.bags import write_bag
from vjepa_ros.train.episodes import EpisodeError, find_sources
from vjepa_ros.train.synthetic import blob_episode


def _bag(path, frames=4, seed=1):
    episode = blob_episode(frames=frames, seed=seed, size=16)
    return write_bag(path, episode.frames, episode.states, episode.timestamps)


@pytest.mark.parametrize("names", [("ep_1.mcap", "ep_2.mcap", "ep_3.mcap"),
                                   ("ep_0.mcap", "ep_1.mcap")])
def test_numbered_recordings_copied_into_one_folder_are_not_merged(tmp_path, names):
    """Recordings named ep_<N>.mcap in one folder without metadata.yaml are not read as one.

    Each starts at the default time, as sim-time bags do, so their messages overlap in time:
    no killed recorder wrote them (its parts follow each other). Read as ONE recording, the
    three 17-step recordings of /tmp/breaker27e/D/E give one 17-step bag; with ep_1 and ep_3
    only, a note even says ep_2 is missing. Separate recordings, or a one-line refusal naming
    the folder, are both fine.
    """
    folder = tmp_path / "mcaps"
    folder.mkdir()
    for number, name in enumerate(names):
        bag = _bag(tmp_path / f"src{number}", seed=number + 1)
        shutil.copy(next(bag.glob("*.mcap")), folder / name)
    try:
        sources = find_sources([folder])
    except EpisodeError as exc:  # refused in one line naming the folder: fine too
        assert str(folder) in str(exc)
        return
    assert len(sources) > 1, [s.path for s in sources]


def test_upper_case_suffix_advice_does_not_overwrite_the_lower_case_file(tmp_path):
    """A folder with EP0.NPZ and EP0.npz (two episodes, Linux): the advice must not clobber one.

    Found: ``skipped .../EP0.NPZ: its suffix is not lower case ...; to read it:
    `mv .../EP0.NPZ .../EP0.npz``` — plain ``mv`` replaces the episode EP0.npz that is read.
    """
    from vjepa_ros.input_paths import shell_command
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
        bag = _bag(tmp_path / f"src{number}", seed=number)
        shutil.copy(next(bag.glob("*.mcap")), folder / f"ep_{number}.mcap")
    with pytest.raises(BagError) as caught:
        read_recording(folder)
    text = str(caught.value)
    assert "\n" not in text and "do not follow one another" in text, text
    assert text.endswith(f"e.g. {folder / 'ep_1.mcap'}"), text

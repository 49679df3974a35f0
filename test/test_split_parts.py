"""Loose parts of one split recording are refused with the move that reads them as one.

``ros2 bag record --max-bag-duration`` writes ``x_0.mcap``, ``x_1.mcap``; copied loose into a data
folder beside other recordings, each part was read as a recording of its own (no clip across the
split, one part in training and the next in validation). Files named alike but recorded apart
(separate episodes ``ep_0.mcap``, ``ep_1.mcap``) stay separate recordings.
"""

import shutil
import subprocess

import numpy as np
import pytest

from vjepa_ros.eval.synthetic import synthetic_episode
from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS, write_bag
from vjepa_ros.recordings.bags import read_recording
from vjepa_ros.train.episodes import EpisodeError, find_sources

SEC = 1_000_000_000


@pytest.fixture(scope="module")
def halves(tmp_path_factory):
    """Two data files of one 4 Hz recording split at its middle, and one recorded 60 s later."""
    root = tmp_path_factory.mktemp("halves")
    frames, states, _ = synthetic_episode(15)  # 16 frames
    times = np.arange(len(frames)) * 0.25
    first = write_bag(root / "a", frames[:8], states[:8], times[:8])
    second = write_bag(root / "b", frames[8:], states[8:], times[8:] - times[8],
                       start_time_ns=DEFAULT_START_NS + 2 * SEC)  # 0.25 s after the first's end
    later = write_bag(root / "c", frames[8:], states[8:], times[8:] - times[8],
                      start_time_ns=DEFAULT_START_NS + 60 * SEC)
    return [next(bag.glob("*.mcap")) for bag in (first, second, later)], len(frames)


def _data_folder(tmp_path, halves, names, which=(0, 1)):
    folder = tmp_path / "data"
    (folder / "other").mkdir(parents=True)
    shutil.copytree(halves[0][0].parent, folder / "other" / "bag")  # another recording
    for name, index in zip(names, which, strict=True):
        shutil.copy(halves[0][index], folder / name)
    return folder


def test_loose_parts_of_one_split_recording_are_refused_with_the_move(tmp_path, halves):
    folder = _data_folder(tmp_path, halves, ["rec_0.mcap", "rec_1.mcap"])
    for given in ([folder], [folder / "rec_0.mcap", folder / "rec_1.mcap"]):
        with pytest.raises(EpisodeError) as caught:
            find_sources(given)
        text = str(caught.value)
        assert text.startswith(f"rec_0.mcap, rec_1.mcap in {folder} are the parts of one split "
                               "recording"), text
        move = (f"`mkdir {folder / 'rec'} && mv {folder / 'rec_0.mcap'} "
                f"{folder / 'rec_1.mcap'} {folder / 'rec'}/`")
        assert text.endswith(move) and "\n" not in text
    subprocess.run(move.strip("`"), shell=True, check=True)  # the advice, as given
    sources = find_sources([folder])
    assert [s.path for s in sources] == [folder / "other" / "bag", folder / "rec"]
    assert len(read_recording(folder / "rec").image_times) == halves[1]  # one recording


def test_files_named_alike_but_recorded_apart_stay_separate_recordings(tmp_path, halves):
    folder = _data_folder(tmp_path, halves, ["ep_0.mcap", "ep_1.mcap"], which=(0, 2))
    paths = [s.path for s in find_sources([folder])]
    assert paths == [folder / "ep_0.mcap", folder / "ep_1.mcap", folder / "other" / "bag"]


def test_parts_given_as_data_and_val_are_refused_before_training(tmp_path, halves, capsys):
    from vjepa_ros.cli import main
    from vjepa_ros.train.synthetic import write_tiny_encoder

    folder = _data_folder(tmp_path, halves, ["rec_0.mcap", "rec_1.mcap"])
    encoder = write_tiny_encoder(tmp_path / "encoder.pt")
    out = tmp_path / "run"
    assert main(["train", "--data", str(folder / "rec_0.mcap"), "--val",
                 str(folder / "rec_1.mcap"), "--out", str(out), "--encoder", str(encoder),
                 "--steps", "1", "--batch-size", "2", "--frames-per-clip", "3",
                 "--predictor-dim", "32", "--heads", "2", "--depth", "1", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "are the parts of one split recording" in err, err
    assert not (out / "latest.pt").exists()


def test_one_part_read_alone_says_the_others_are_unread_and_how_to_read_them(tmp_path, halves):
    folder = _data_folder(tmp_path, halves, ["rec_0.mcap", "rec_1.mcap"])
    recording = read_recording(folder / "rec_1.mcap")  # eval's bag: this part only
    assert len(recording.image_times) == halves[1] - 8
    assert recording.notes[0].startswith(
        f"{folder / 'rec_1.mcap'} is one part of a split recording (its parts: rec_0.mcap, "
        "rec_1.mcap): only this part is read; to read the whole recording, move its parts "
        f"into a folder of their own and give that: `mkdir {folder / 'rec'} && mv "), \
        recording.notes
    shutil.rmtree(folder / "other")  # nothing else recorded there: the folder is the recording
    note = read_recording(folder / "rec_0.mcap").notes[0]
    assert note.endswith(f"to read the whole recording, give its folder {folder}"), note
    assert not read_recording(halves[0][2]).notes  # a bag of one file: no note

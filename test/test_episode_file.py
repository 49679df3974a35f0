"""Every reader of episode .npz files refuses a damaged or foreign file in the same one line.

An empty .npz once crashed ``train`` and ``pretrain`` with numpy's EOFError traceback (``demo``
and ``bag-from-npz`` said ``not an .npz archive``), and a garbage file was refused with numpy's
advice to load it unsafely (``allow_pickle``).
"""

import json
import os
import pickle
import re

import numpy as np
import pytest

from vjepa_ros.cli import main
from vjepa_ros.eval.synthetic import synthetic_episode
from vjepa_ros.input_paths import FRAMES_FORMAT
from vjepa_ros.recordings.episode import Episode, recorded_success
from vjepa_ros.recordings.episode_file import read_episode_arrays
from vjepa_ros.train.config import DataConfig
from vjepa_ros.train.episodes import EpisodeError, find_sources, load_segments
from vjepa_ros.train.pretrain_data import load_clip_segments

GIVE = "give an .npz with observations [T, H, W, 3] uint8 and states [T, 7]"


def good_episode(path):
    frames, states, _ = synthetic_episode(5, size=8)
    np.savez(path, observations=frames[None], states=states[None].astype(np.float32))
    return path


def write_empty(path):
    path.write_bytes(b"")


def write_truncated(path):
    whole = good_episode(path).read_bytes()
    path.write_bytes(whole[: len(whole) // 2])


def write_garbage(path):
    path.write_text("x")


def write_npy(path):
    with open(path, "wb") as file:
        np.save(file, np.zeros((2, 7)))


def write_pickle(path):
    path.write_bytes(pickle.dumps({"states": [0.0] * 7}))


def write_bad_crc(path):
    whole = bytearray(good_episode(path).read_bytes())
    whole[len(whole) // 3] ^= 0xFF  # inside the first member's data
    path.write_bytes(bytes(whole))


def write_lacking(path):
    np.savez(path, frames=np.zeros((2, 8, 8, 3), np.uint8))


FAMILY = {  # writer, what the one line says after "episode PATH "
    "empty": (write_empty, "is not an .npz archive (No data left in file)"),
    # as the bag readers say of a cut MCAP (breaker61a: "not an .npz archive (File is not a zip
    # file)"), with what to do
    "truncated": (write_truncated, "is truncated (a zip archive without its end record: a copy "
                  "or save cut short): copy it again from its source, or give "),
    "garbage": (write_garbage, "is not an .npz archive (neither a zip archive nor a .npy array)"),
    "npy": (write_npy, "is not an .npz archive (it holds one array, a .npy)"),
    "pickle": (write_pickle, "is not an .npz archive (neither a zip archive nor a .npy array)"),
    "crc": (write_bad_crc, "is a damaged .npz archive (observations: Bad CRC-32"),
    "lacking": (write_lacking, "is missing arrays ['observations', 'states'] (has ['frames'])"),
}


def assert_one_line(message: str, path, problem: str, give: str = ""):
    assert "\n" not in message and "allow_pickle" not in message, message
    give = f"give {give}" if give else GIVE
    assert message.startswith(f"episode {path} {problem}") and message.endswith(give), message


@pytest.mark.parametrize("kind", sorted(FAMILY))
def test_every_episode_reader_refuses_a_damaged_file_in_one_line(kind, tmp_path, capsys):
    write, problem = FAMILY[kind]
    path = tmp_path / f"{kind}.npz"
    write(path)
    with pytest.raises(ValueError) as caught:
        Episode.load(path)
    assert_one_line(str(caught.value), path, problem)
    (source,) = find_sources([path])  # train and pretrain: given alone, or inside a folder
    with pytest.raises(EpisodeError) as caught:
        load_segments(source, DataConfig(frames_per_clip=4))
    assert_one_line(str(caught.value), path, problem)
    good_episode(tmp_path / "good.npz")
    with pytest.raises(EpisodeError) as caught:
        load_clip_segments([tmp_path], frames_per_clip=4, log=None)
    # pretraining reads the frames alone: it asks for them, not for states (fix55a)
    frames_only = problem.replace("['observations', 'states']", "['observations']")
    assert_one_line(str(caught.value), path, frames_only, FRAMES_FORMAT)
    if "observations" in frames_only:  # every layout read, as the frames' own error says
        for layout in ("RGBA [T, H, W, 4]", "grey [T, H, W, 1]", "16-bit colour as uint16"):
            assert layout in str(caught.value)
    assert main(["bag-from-npz", str(tmp_path / "bag"), "--episode", str(path)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("vjepa-ros bag-from-npz: ")
    assert_one_line(err.removeprefix("vjepa-ros bag-from-npz: "), path, problem)
    assert recorded_success(path) is None


def test_a_folder_or_an_unreadable_file_is_refused_naming_it(tmp_path, monkeypatch):
    folder = tmp_path / "folder.npz"
    folder.mkdir()
    with pytest.raises(ValueError) as caught:
        Episode.load(folder)
    assert_one_line(str(caught.value), folder, "is a folder")
    # a folder named *.npz inside a data directory is searched, not read as an episode
    good = good_episode(folder / "inside.npz")
    assert [s.path for s in find_sources([tmp_path])] == [good]
    locked = good_episode(tmp_path / "locked.npz")
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: p != locked and real_access(p, mode))
    with pytest.raises(ValueError) as caught:  # chmod 000 is readable by root: pretend it
        read_episode_arrays(locked)
    message = str(caught.value)  # the file is fine: its permissions are the fix
    assert message.startswith(f"episode {locked} cannot be read by this user")
    assert f"`chmod u+r {locked}`" in message and "\n" not in message  # this user's file


def test_only_the_arrays_asked_for_are_read(tmp_path):
    path = good_episode(tmp_path / "good.npz")
    assert set(read_episode_arrays(path, names=("states",))) == {"states"}
    assert read_episode_arrays(path, names=("metadata",), required=()) == {}
    assert recorded_success(path) is None


def test_a_torch_file_given_as_an_episode_names_a_few_of_its_entries_not_all(tmp_path, capsys):
    """user32: ``bag-from-npz --episode enc.pt`` listed 60+ zip entries in its one line."""
    import torch

    path = tmp_path / "enc.pt"
    torch.save({f"block{i}.weight": torch.zeros(2) for i in range(40)}, path)  # a zip of 40+
    assert main(["bag-from-npz", str(tmp_path / "bag"), "--episode", str(path)]) == 1
    err = capsys.readouterr().err.strip()
    assert_one_line(err.removeprefix("vjepa-ros bag-from-npz: "), path,
                    "is missing arrays ['observations', 'states'] (has [")
    assert re.search(r"\] and \d+ more entries\): give", err), err
    assert err.count("', '") == 1 + 4, err  # the missing two, then 5 entries shown


def write_with(path, **arrays):
    frames, states, _ = synthetic_episode(5, size=8)
    np.savez(path, **{"observations": frames[None], "states": states[None].astype(np.float32),
                      **arrays})
    return path


BAD_ARRAYS = {  # arrays, what the one line says after "episode PATH: "
    "text_metadata": (dict(metadata=np.array("robot fr3")),
                      "metadata must be a JSON string of a mapping (np.array(json.dumps({...}))), "
                      "got 'robot fr3'"),
    "dict_metadata": (dict(metadata=np.array({"robot": "fr3"}, dtype=object)),
                      "its metadata array holds Python objects (a pickle), not numbers: save "
                      "metadata as a JSON string (json.dumps)"),
    "text_timestamps": (dict(timestamps=np.array([["a", "b", "c", "d", "e"]])),
                        "timestamps must be numbers [T] in seconds, got <U1 [1, 5]"),
    "object_states": (dict(states=np.array([{"x": 0.0}], dtype=object)),
                      "its states array holds Python objects (a pickle), not numbers: save "
                      "states as an array of numbers"),
}


@pytest.mark.parametrize("kind", sorted(BAD_ARRAYS))
def test_a_bad_array_is_refused_in_one_line_naming_the_file_and_the_array(kind, tmp_path):
    """Metadata not JSON, text timestamps, a pickled dict: numpy's or json's words, no name.

    They said ``Expecting value: line 1 column 1 (char 0)``, ``could not convert string to
    float: np.str_('a')``, or ``is a damaged .npz archive (metadata: Python objects ...)`` of
    an intact file.
    """
    arrays, problem = BAD_ARRAYS[kind]
    path = write_with(tmp_path / f"{kind}.npz", **arrays)
    with pytest.raises(ValueError) as caught:
        Episode.load(path)
    assert str(caught.value) == f"episode {path}: {problem}"
    (source,) = find_sources([path])
    if kind.endswith("metadata"):  # train and pretrain do not use it: a note, read without it
        segments, notes = load_segments(source, DataConfig(frames_per_clip=4))
        notes = [note for note in notes if "no timestamps" not in note]  # none: at the step rate
        assert len(segments) == 1 and notes == [f"episode {path}: {problem}; read without it"]
        assert len(load_clip_segments([path], frames_per_clip=4, log=None)) == 1
        assert recorded_success(path) is None
    else:
        with pytest.raises(EpisodeError) as caught:
            load_segments(source, DataConfig(frames_per_clip=4))
        assert str(caught.value) == f"episode {path}: {problem}"


def test_json_metadata_is_read(tmp_path):
    path = write_with(tmp_path / "ok.npz", metadata=np.array(json.dumps({"success": False})))
    assert Episode.load(path).metadata == {"success": False}
    assert recorded_success(path) is False


@pytest.mark.parametrize("batch", [1, 3])
def test_nan_states_name_the_file_episode_and_step_and_what_to_do(tmp_path, capsys, batch):
    """bag-from-npz said "FILE: states contain NaN or inf (step 5)" and no fix."""
    frames, states, _ = synthetic_episode(5)
    states = states.copy()
    states[2, 1] = np.nan
    path = tmp_path / "nan.npz"
    np.savez(path, observations=np.stack([frames] * batch), states=np.stack([states] * batch))
    assert main(["bag-from-npz", str(tmp_path / "bag"), "--episode", str(path)]) == 1
    episode = " (episode 0 of the file's 3, the one read)" if batch == 3 else ""
    assert capsys.readouterr().err == (
        f"vjepa-ros bag-from-npz: {path}{episode}: states contain NaN or inf (step 2): repair "
        "that step's state, or cut the episode before it\n")
    assert not (tmp_path / "bag").exists()


def test_big_endian_16_bit_frames_read_as_little_endian_ones_do(tmp_path):
    """m56t: ``>u2`` != np.uint16: big-endian colour was refused with advice to astype(uint8)."""
    frames, states, _ = synthetic_episode(5, size=8)
    colour = frames.astype(np.uint16) * 257 + 100 * (frames < 255)  # 16-bit values, not x257
    read = {}
    for order in "<>":
        path = tmp_path / f"rgb16{'le' if order == '<' else 'be'}.npz"
        np.savez(path, observations=colour.astype(f"{order}u2")[None],
                 states=states[None].astype(np.float32))
        assert np.load(path)["observations"].dtype == np.dtype(f"{order}u2")
        read[order] = Episode.load(path).frames
        (segment,) = load_clip_segments([path], frames_per_clip=4, log=None)
        np.testing.assert_array_equal(segment, read[order])
    np.testing.assert_array_equal(read["<"], frames)
    np.testing.assert_array_equal(read[">"], read["<"])


def test_big_endian_16_bit_grey_is_refused_as_depth_as_little_endian_is(tmp_path):
    """m56t: a ``>u2`` [T, H, W, 1] (a depth camera's frames) passed the depth refusal."""
    frames, states, _ = synthetic_episode(5, size=8)
    refusals = []
    for order in "<>":
        path = tmp_path / f"depth{'le' if order == '<' else 'be'}.npz"
        np.savez(path, observations=(frames[..., :1].astype(np.uint16) * 40).astype(f"{order}u2"),
                 states=states.astype(np.float32))
        with pytest.raises(ValueError) as caught:
            Episode.load(path)
        refusals.append(str(caught.value).replace(str(path), "PATH"))
    assert refusals[0] == refusals[1], refusals
    assert "depth or infrared" in refusals[1] and "astype" not in refusals[1], refusals[1]


@pytest.mark.parametrize("layout", ["[T, H, W]", "[1, T, H, W]"])
def test_grey_frames_without_a_channel_axis_are_read_as_grey_by_every_reader(tmp_path, layout):
    """m56t: grey saved as [T, H, W] (no trailing 1) was refused with no hint."""
    frames, states, _ = synthetic_episode(5, size=8)
    grey = frames[..., 1]
    path = tmp_path / "grey.npz"
    np.savez(path, observations=grey if layout == "[T, H, W]" else grey[None],
             states=states.astype(np.float32))
    rgb = np.repeat(grey[..., None], 3, -1)
    np.testing.assert_array_equal(Episode.load(path).frames, rgb)
    (segment,) = load_clip_segments([path], frames_per_clip=4, log=None)
    np.testing.assert_array_equal(segment, rgb)
    (source,) = find_sources([str(path)])
    segments, _ = load_segments(source, DataConfig(frames_per_clip=4))
    np.testing.assert_array_equal(np.concatenate([s.frames for s in segments]), rgb)


@pytest.mark.parametrize("shape", [(8, 8, 3), (8, 8, 4), (8, 6, 2), (3, 8, 8, 8)])
def test_frames_that_could_be_one_frame_or_grey_are_refused_with_the_channel_axis_fix(
        tmp_path, shape):
    """m56t: [H, W, 3] (one frame? grey 3 wide?) and grey of a batch of 3 are not guessed."""
    path = tmp_path / "odd.npz"
    np.savez(path, observations=np.zeros(shape, np.uint8),
             states=np.zeros((shape[0], 7), np.float32))
    with pytest.raises(ValueError) as caught:
        Episode.load(path)
    message = str(caught.value)
    assert f"got uint8 {list(shape)}" in message, message
    assert ("save them as [T, H, W, 1] (frames[..., None])" in message) == (len(shape) == 3), \
        message

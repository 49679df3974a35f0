"""Which recordings a data folder holds, and one-line refusals of files that cannot be one.

A loose ``.mcap`` / ``.db3`` beside bag folders or ``.npz`` episodes was read as the whole
folder's bag (everything else dropped without a word); empty files, a broken ``metadata.yaml``,
a FIFO named like a data file and a gripper-only JointState topic got misleading or
multi-line messages, or a hang; ``eval .`` wrote ``./eval_``.
"""

import os
import shutil

import pytest

from conftest import write_test_bag
from vjepa_ros.cli import main
from vjepa_ros.recordings.bag_files import BagError, open_reader, walk_files
from vjepa_ros.recordings.bag_topics import BagTopics
from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS, write_bag
from vjepa_ros.recordings.bags import read_recording
from vjepa_ros.recordings.topic_choice import resolve_state_topic
from vjepa_ros.train.episodes import EpisodeError, find_sources
from vjepa_ros.train.synthetic import blob_episode

KILLED = ("nothing to read; the recorder stopped (was killed) before it wrote a message: leave "
          "this bag out of the data given, or record it again")


def _data_folder(root):
    """data/b1 (a bag folder), data/ep.npz and data/loose.mcap (a bag file of its own)."""
    data = root / "data"
    bag = write_test_bag(data / "b1")
    shutil.copy(next(bag.glob("*.mcap")), data / "loose.mcap")
    blob_episode(frames=4, seed=2, size=16).save(data / "ep.npz")
    return data


def _found(paths):
    return [(s.path.relative_to(paths[0].parent).as_posix(), s.kind)
            for s in find_sources(paths)]


def test_a_loose_bag_file_in_a_data_folder_is_a_recording_beside_the_others(tmp_path):
    """``train --data data`` read data/loose.mcap as the folder's bag and dropped b1, ep.npz."""
    data = _data_folder(tmp_path)
    expected = [("data/b1", "bag"), ("data/ep.npz", "npz"), ("data/loose.mcap", "bag")]
    assert _found([data]) == expected
    assert _found([tmp_path]) == [(f"{tmp_path.name}/{p}", k) for p, k in expected]  # nested
    killed = tmp_path / "killed"  # a killed recorder's split files and nothing else: one bag
    killed.mkdir()
    episode = blob_episode(frames=8, seed=1, size=16)
    for part, cut in enumerate((slice(0, 4), slice(4, 8))):  # the second starts as the first ends
        bag = write_bag(tmp_path / f"part{part}", episode.frames[cut], episode.states[cut],
                        episode.timestamps[cut] - episode.timestamps[cut][0],
                        start_time_ns=DEFAULT_START_NS + part * 1_000_000_000)
        shutil.copy(next(bag.glob("*.mcap")), killed / f"killed_{part}.mcap")
    assert _found([killed]) == [("killed", "bag")]


def test_eval_refuses_a_data_folder_naming_a_bag_in_it(tmp_path):
    """``eval data`` read data/loose.mcap alone as if it were the folder's one recording."""
    data = _data_folder(tmp_path)
    with pytest.raises(BagError) as refused:
        open_reader(data)
    assert str(refused.value) == (
        f"{data} holds several recordings, not one bag: no metadata.yaml, and its data file "
        "(loose.mcap) beside other recordings (bag folders or .npz episodes under it) is one "
        f"of its own; give one of them, e.g. {data / 'loose.mcap'}")
    assert len(read_recording(data / "loose.mcap").image_times) == 4  # given alone: read
    from vjepa_ros.eval.out_reuse import bag_identity

    # the recording an --out's report is of: the file, not the folder it shares with others
    assert bag_identity(data / "loose.mcap") == (data / "loose.mcap").resolve()


def test_train_names_a_damaged_loose_file_of_a_data_folder(tmp_path, capsys):
    """A junk data/junk.mcap beside data/b1 gave "cannot hold one out for validation"."""
    data = tmp_path / "data"
    write_test_bag(data / "b1")
    (data / "junk.mcap").write_bytes(b"not a recording" * 100)
    assert [s.path.name for s in find_sources([data])] == ["b1", "junk.mcap"]
    assert main(["train", "--data", str(data), "--out", str(tmp_path / "run"), "--init",
                 "demo", "--steps", "1", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{data / 'junk.mcap'} does not start with the MCAP" in err


@pytest.mark.parametrize("name", ["empty.db3", "empty.mcap", "empty.mcap.zstd"])
def test_an_empty_data_file_is_named_empty(tmp_path, name):
    """A 0-byte .db3 was "the SQLite3 file is damaged"; the README promises "FILE is empty"."""
    empty = tmp_path / name
    empty.touch()
    with pytest.raises(BagError) as refused:
        open_reader(empty)
    assert str(refused.value) == f"{empty} is empty (0 bytes): {KILLED}"


@pytest.mark.parametrize("text, problem", [
    ("", "is empty (0 bytes)"),
    ("rosbag2_bagfile_information:\n  files: [unclosed\n", "is not valid YAML (line 3, column 1: "
     "expected ',' or ']', but got '<stream end>')"),
])
def test_an_empty_or_broken_metadata_yaml_is_one_line_naming_it(tmp_path, text, problem):
    """A broken metadata.yaml gave PyYAML's 8 lines with caret art; an empty one no "empty"."""
    bag = write_test_bag(tmp_path / "bag")
    metadata = bag / "metadata.yaml"
    metadata.write_text(text)
    reader = open_reader(bag)  # its data file is read
    reader.close()
    assert reader.notes == [f"{metadata} {problem}: reading its data files directly; delete it "
                            f"and `ros2 bag reindex {bag}` writes it again"]
    next(bag.glob("*.mcap")).unlink()
    with pytest.raises(BagError) as refused:
        open_reader(bag)
    assert str(refused.value) == (
        f"{metadata} {problem}, and {bag} holds no rosbag2 data file (.mcap, .db3, .mcap.zstd, "
        ".db3.zstd): give the directory `ros2 bag record` wrote, or one of its data files")


def test_a_fifo_named_as_a_data_file_is_refused_not_read(tmp_path):
    """A FIFO named *.mcap hung train (waiting for a writer) and was "Not a directory" in eval."""
    fifo = tmp_path / "x.mcap"
    os.mkfifo(fifo)
    refusal = (f"{fifo} is a FIFO (named pipe), not a regular file: reading it would wait for a "
               "writer; give the recording's own file (copy the data into a regular file "
               "first), or leave it out of the data given")
    with pytest.raises(BagError) as refused:
        open_reader(fifo)
    assert str(refused.value) == refusal
    with pytest.raises(EpisodeError) as refused:
        find_sources([fifo])
    assert str(refused.value) == refusal
    data = tmp_path / "data"
    bag = write_test_bag(data / "b1")
    os.mkfifo(bag / "b1_1.db3")  # inside a bag folder: hashed, and read as its data
    with pytest.raises(EpisodeError, match=f"^{bag / 'b1_1.db3'} is a FIFO"):
        find_sources([data])
    with pytest.raises(BagError, match=f"^{bag / 'b1_1.db3'} is a FIFO"):
        open_reader(bag)
    (bag / "b1_1.db3").unlink()
    os.mkfifo(bag / "pipe")  # a FIFO of another name is no data: never opened
    assert bag / "pipe" not in walk_files(data)


def test_a_gripper_only_joint_state_topic_is_named_as_the_grippers():
    """A bag whose only JointState is the gripper's got "the bag has no ... JointState topic"."""
    types = {"/camera/camera/color/image_raw": "sensor_msgs/msg/Image",
             "/franka_gripper/joint_states": "sensor_msgs/msg/JointState"}
    with pytest.raises(BagError) as refused:
        resolve_state_topic("bag", types, BagTopics())
    message = str(refused.value)
    assert "no sensor_msgs/msg/JointState topic" not in message
    assert ("the bag has no arm state: no geometry_msgs/msg/PoseStamped or "
            "geometry_msgs/msg/PoseWithCovarianceStamped topic, and its JointState topic "
            "/franka_gripper/joint_states is the gripper's (named *gripper*: finger joints, not "
            "the arm's joint1..7): record the arm's state") in message
    assert "give --joint-states-topic /franka_gripper/joint_states" in message


def test_eval_of_the_current_folder_names_its_output_after_it(tmp_path, monkeypatch, capsys):
    """``vjepa-ros eval .`` inside a bag folder wrote ./eval_ (an empty name)."""
    bag = write_test_bag(tmp_path / "b1")
    monkeypatch.chdir(bag)
    for taken in ("eval_b1", "eval_"):  # files: the default --out is refused at once
        (bag / taken).write_text("")
    assert main(["eval", ".", "--quiet"]) == 1
    assert "--out eval_b1: eval_b1 is a file" in capsys.readouterr().err
    from vjepa_ros.out_paths import named_after

    assert [str(named_after("eval", given)) for given in
            ("..", "metadata.yaml", "b1.mcap", "x.mcap.zstd", "/")] == \
        ["eval_" + tmp_path.name, "eval_b1", "eval_b1", "eval_x", "eval_bag"]


class _Listing:
    """What ``os.scandir`` returns, its entries in a chosen order (a context manager)."""

    def __init__(self, entries):
        self._entries = iter(entries)

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._entries)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def close(self):
        pass


def _listed_in_order(monkeypatch, reverse: bool, refused=None):
    """Make ``os.scandir`` (os.walk's too) list names sorted or reversed; ``refused``: EACCES."""
    scandir = os.scandir

    def listing(path="."):
        if refused is not None and os.fspath(path) == os.fspath(refused):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        with scandir(path) as entries:
            return _Listing(sorted(entries, key=lambda e: e.name, reverse=reverse))

    monkeypatch.setattr(os, "scandir", listing)


@pytest.mark.parametrize("reverse", [False, True])
def test_a_link_into_a_sibling_folder_is_found_whatever_the_listing_order(
        tmp_path, monkeypatch, reverse):
    """data/a (x.mcap, l -> ../b) and data/b (a bag) were read by the order of the listing.

    a/x.mcap was one bag beside a/l when a was listed first, and data/a a killed recorder's bag
    when b was (walk_files skipped the folder it had reached already).
    """
    data = tmp_path / "data"
    bag = write_test_bag(data / "b")
    (data / "a").mkdir()
    shutil.copy(next(bag.glob("*.mcap")), data / "a" / "x.mcap")
    os.symlink("../b", data / "a" / "l")
    _listed_in_order(monkeypatch, reverse)
    notes = []
    assert _found([data]) == [("data/a/x.mcap", "bag"), ("data/b", "bag")]
    assert [s.path for s in find_sources([data], notes)][1] == bag  # the one without a link
    assert notes == [f"skipped {data / 'a' / 'l'}: the same recording as {bag} (read once)"]


def test_recordings_inside_a_bag_folder_are_read_with_a_note(tmp_path):
    """A bag folder holding a bag folder and an .npz: both dropped without a word."""
    bag = write_test_bag(tmp_path / "b0")
    inner = write_test_bag(bag / "b1")
    blob_episode(frames=4, seed=2, size=16).save(bag / "ep.npz")
    for given in (bag, tmp_path):
        notes = []
        assert [(s.path, s.kind) for s in find_sources([given], notes)] == \
            [(bag, "bag"), (inner, "bag"), (bag / "ep.npz", "npz")]
        assert notes == [f"read b1, ep.npz in bag folder {bag} as recordings of their own: its "
                         "metadata.yaml does not list them (rosbag2 writes none there); move "
                         "them out of it to keep the bag on its own"]


def test_an_unreadable_folder_in_the_data_is_refused_not_dropped(tmp_path, monkeypatch):
    """A bag folder without read permission in --data was left out without a word."""
    data = tmp_path / "data"
    blob_episode(frames=4, seed=2, size=16).save(data / "ep.npz")
    locked = write_test_bag(data / "locked")
    locked.chmod(0)
    try:
        if os.geteuid() == 0:  # root reads it anyway: the listing fails as it does for others
            _listed_in_order(monkeypatch, False, refused=locked)
        with pytest.raises(EpisodeError) as refused:
            find_sources([data])
    finally:
        locked.chmod(0o755)
    assert str(refused.value) == (
        f"{locked} cannot be read (Permission denied): the recordings in it would be left out; "
        f"give read access to it (chmod -R a+rX {locked}), or move it out of the data given")


def test_a_bags_metadata_file_is_read_as_its_folder_with_a_note_by_every_command(tmp_path):
    """``eval BAG/metadata.yaml`` was read without a word, ``train --data`` refused it (user30).

    ``open_reader`` (eval, camera-check) and ``find_sources`` (train, pretrain) take it alike:
    the bag folder, and a note saying to give the folder.
    """
    bag = write_test_bag(tmp_path / "bag")
    given = bag / "metadata.yaml"
    note = f"{given} is the bag's metadata file: read its folder {bag} (give the folder)"
    reader = open_reader(given)
    try:
        assert reader.path == bag and reader.notes[0] == note, reader.notes
    finally:
        reader.close()
    notes = []
    assert [(s.path, s.kind) for s in find_sources([given], notes)] == [(bag, "bag")]
    assert notes == [note]


@pytest.mark.parametrize("spelling", ["$F56F_DATA", "${F56F_DATA}/b1", "$F56F_DATA/ep.npz",
                                      "$F56F_DATA/loose.mcap"])
def test_a_data_path_naming_an_environment_variable_is_read_where_it_points(
        tmp_path, monkeypatch, spelling):
    """A path no shell expanded (a script's argument list): its files, not "cannot be read".

    ``input_paths.missing`` expanded it and called it present; the walk then read the path as
    written and refused it as unreadable (final56f).
    """
    data = _data_folder(tmp_path)
    monkeypatch.setenv("F56F_DATA", str(data))
    expected = {"$F56F_DATA": {data / "b1", data / "ep.npz", data / "loose.mcap"},
                "${F56F_DATA}/b1": {data / "b1"}, "$F56F_DATA/ep.npz": {data / "ep.npz"},
                "$F56F_DATA/loose.mcap": {data / "loose.mcap"}}[spelling]
    assert {source.path for source in find_sources([spelling])} == expected
    monkeypatch.delenv("F56F_DATA")
    with pytest.raises(EpisodeError) as refused:
        find_sources([str(data / "ep.npz"), spelling])
    message = str(refused.value)
    assert message.startswith(f"{spelling} names the environment variable F56F_DATA, which is "
                              "not set here: set it in the environment") and "\n" not in message

"""What opening and discovering recordings does once, and the advice each builder gives.

Session 27's review: a bag's ``metadata.yaml`` was parsed twice per ``open_reader`` (three times
with rosbags'), each data file checked for permissions twice, the ``--val`` copy check digested
sources ``data_identity`` had just digested, and train's reading of every bag asked whether it
was a lone split part (its siblings already grouped by discovery).
"""

import os
import pwd
import shlex
import shutil
from pathlib import Path

import numpy as np
import pytest

from vjepa_ros.eval.synthetic import synthetic_episode
from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS, write_bag
from vjepa_ros.train.config import DataConfig
from vjepa_ros.train.episodes import find_sources, load_segments

SEC = 1_000_000_000


@pytest.fixture(scope="module")
def episode():
    frames, states, _ = synthetic_episode(7, size=16)
    return frames, states


def test_open_reader_parses_metadata_once_and_a_rewritten_one_again(tmp_path, episode,
                                                                    monkeypatch):
    import yaml

    from vjepa_ros.recordings.bag_files import open_reader
    from vjepa_ros.recordings.recorded_files import listed_data_files

    bag = write_bag(tmp_path / "bag", *episode)
    parses = []
    real = yaml.safe_load
    monkeypatch.setattr(yaml, "safe_load", lambda *a, **k: parses.append(1) or real(*a, **k))
    open_reader(bag).close()
    assert len(parses) == 1  # ours; rosbags reads it with its own parser
    data_file = next(bag.glob("*.mcap"))
    assert listed_data_files(bag) == [data_file] and len(parses) == 1  # the same version
    metadata = bag / "metadata.yaml"  # rewritten: listing nothing that is there
    metadata.write_text(metadata.read_text().replace(data_file.name, "gone_0.mcap"))
    assert listed_data_files(bag) == [] and len(parses) == 2


def test_each_data_file_is_checked_for_permissions_once(tmp_path, episode, monkeypatch):
    from vjepa_ros.recordings import bag_files

    bag = write_bag(tmp_path / "bag", *episode)
    (bag / "metadata.yaml").unlink()  # read by its data files: the path that checked twice
    data_file = next(bag.glob("*.mcap"))
    checked = []
    real = bag_files.refuse_unreadable
    monkeypatch.setattr(bag_files, "refuse_unreadable",
                        lambda file: checked.append(file) or real(file))
    for given in (bag, data_file):  # a folder; a data file given by itself
        checked.clear()
        bag_files.open_reader(given).close()
        assert checked == [data_file], given


def test_the_copy_check_uses_the_digests_already_taken(tmp_path, episode, monkeypatch):
    from vjepa_ros.train import data_identity
    from vjepa_ros.train.same_recording import CopyPair, shared_recordings

    write_bag(tmp_path / "train" / "bag", *episode)
    shutil.copytree(tmp_path / "train", tmp_path / "val")  # a byte-identical copy
    train, val = find_sources([tmp_path / "train"]), find_sources([tmp_path / "val"])
    identity = data_identity.data_identity({"--data": train, "--val": val})

    def digested(path):
        raise AssertionError(f"{path} digested again")

    monkeypatch.setattr(data_identity, "source_digest", digested)
    pairs = shared_recordings(train, val, {**identity["--data"], **identity["--val"]})
    assert pairs == [CopyPair(train[0], val[0])]


def test_train_reads_a_lone_part_without_asking_and_says_it_when_given(tmp_path, monkeypatch):
    from vjepa_ros.recordings import split_parts

    frames, states, _ = synthetic_episode(15, size=16)
    times = np.arange(len(frames)) * 0.25
    first = write_bag(tmp_path / "a", frames[:8], states[:8], times[:8])
    second = write_bag(tmp_path / "b", frames[8:], states[8:], times[8:] - times[8],
                       start_time_ns=DEFAULT_START_NS + 2 * SEC)  # the next part
    data = tmp_path / "data"
    data.mkdir()
    for name, bag in (("rec_0.mcap", first), ("rec_1.mcap", second)):
        shutil.copy(next(bag.glob("*.mcap")), data / name)
    shutil.copytree(first, data / "other")
    notes = []
    sources = find_sources([data / "rec_1.mcap", data / "other"], notes)
    assert [note.split(" is one part")[0] for note in notes] == [str(data / "rec_1.mcap")]
    asked = []
    monkeypatch.setattr(split_parts, "lone_part_note", lambda file: asked.append(file) or "")
    for source in sources:  # reading: the note was discovery's
        load_segments(source, DataConfig(frames_per_clip=2))
    assert asked == []


def test_data_files_order_and_recording_names_come_from_the_part_name():
    from vjepa_ros.recordings.bag_folders import part_name, recording_name

    assert part_name(Path("x_3.mcap.zstd")) == ("x", 3)
    assert part_name(Path("take a.db3")) == ("take a", -1)
    names = ["x_10.mcap", "x_2.mcap", "x.mcap", "x_1.db3.zstd"]
    files = sorted(map(Path, names), key=lambda p: (part_name(p)[1], p.name))
    assert [f.name for f in files] == ["x.mcap", "x_1.db3.zstd", "x_2.mcap", "x_10.mcap"]
    assert {recording_name(f) for f in files} == {"x"}


def test_permission_advice_is_one_builder_by_what_is_read(tmp_path):
    from vjepa_ros.path_advice import permission_fix, read_access
    from vjepa_ros.recordings.bag_folders import unreadable_folder

    folder = tmp_path / "my data"
    folder.mkdir()
    file = folder / "x.mcap"
    file.write_bytes(b"")
    quoted = shlex.quote(str(folder))
    assert read_access(file) == f"chmod a+r {shlex.quote(str(file))}"
    assert read_access(folder) == f"chmod -R a+rX {quoted}"  # walked: folders entered
    assert f"`chmod -R a+rX {quoted}` as its owner" in permission_fix(folder)
    user = shlex.quote(pwd.getpwuid(os.getuid()).pw_name)  # named: not the owner's $USER
    assert f"`sudo chown -R {user} {quoted}`" in permission_fix(folder)
    line = unreadable_folder(folder, PermissionError(13, "Permission denied"))
    assert f"({read_access(folder)})" in line and "\n" not in line


def test_the_mcap_recover_command_is_built_once(tmp_path):
    from vjepa_ros.recordings.bag_files import mcap_recover, repair_hint
    from vjepa_ros.recordings.mcap_salvage import Damage

    path = tmp_path / "a b.mcap"
    command = mcap_recover(path)
    assert command == (f"`mcap recover {shlex.quote(str(path))} -o recovered.mcap` (MCAP CLI: "
                       "https://github.com/foxglove/mcap/releases)")
    assert repair_hint(path, "mcap").endswith(command)
    assert f"{command} rewrites it" in Damage(file_size=10, truncated_at=8).summary(path)

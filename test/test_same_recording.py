"""One recording reached by two paths is read once, and never both trained and validated on.

``train --data src/m0 src/m1 --val src/m0/m0.mcap`` trained and validated on m0 without a word;
a bag folder and its own file, a link to a bag beside a link to its file, and ``m2.mcap`` beside
its ``.zstd`` copy were each read twice; ``--data eps eps/`` was refused as "no episodes".
"""

import os
import shutil

import pytest

from conftest import write_test_bag
from vjepa_ros.cli import main
from vjepa_ros.recordings.bag_files import zstd_module
from vjepa_ros.train.episodes import find_sources
from vjepa_ros.train.synthetic import blob_episode


def _found(paths, notes=None):
    return [(s.path, s.kind) for s in find_sources(paths, notes)]


def test_a_bag_folder_and_its_own_file_or_links_to_both_are_one_recording(tmp_path):
    bag = write_test_bag(tmp_path / "src" / "m0")
    file = next(bag.glob("*.mcap"))
    notes = []
    assert _found([bag, file], notes) == [(bag, "bag")]
    assert notes == [f"skipped {file}: the same recording as {bag} (read once)"]
    assert _found([file, bag]) == [(bag, "bag")]  # the folder (its metadata) in either order
    data = tmp_path / "data"
    other = write_test_bag(data / "b1", seed=2)
    os.symlink(bag, data / "m0")
    os.symlink(file, data / "m0.mcap")
    assert _found([data]) == [(other, "bag"), (data / "m0", "bag")]


def test_a_compressed_copy_beside_its_recording_is_read_once_with_a_note(tmp_path):
    data = tmp_path / "data"
    other = write_test_bag(data / "b1")
    shutil.copy(next(write_test_bag(tmp_path / "m2").glob("*.mcap")), data / "m2.mcap")
    (data / "m2.mcap.zstd").write_bytes(zstd_module().compress((data / "m2.mcap").read_bytes()))
    notes = []
    assert _found([data], notes) == [(other, "bag"), (data / "m2.mcap", "bag")]
    assert notes == [f"skipped {data / 'm2.mcap.zstd'}: a compressed copy of "
                     f"{data / 'm2.mcap'} beside it (the recording is read once)"]


def test_train_refuses_one_recording_given_as_data_and_as_val(tmp_path, capsys):
    m0, m1 = write_test_bag(tmp_path / "src" / "m0"), write_test_bag(tmp_path / "src" / "m1",
                                                                      seed=2)
    val = next(m0.glob("*.mcap"))
    assert main(["train", "--data", str(m0), str(m1), "--val", str(val), "--out",
                 str(tmp_path / "run"), "--init", "demo", "--steps", "1", "--quiet"]) == 2
    err = capsys.readouterr().err  # known from the paths: a usage error, nothing read (cli31)
    assert err == (f"vjepa-ros train: --val {val} lies inside --data {m0}: a recording "
                   "validated on must not be trained on; give each recording to one of --data "
                   "and --val only\n")
    assert not (tmp_path / "run" / "latest.pt").exists()


@pytest.mark.parametrize("inner", ["", "/", "/sub"])
def test_overlapping_data_paths_are_read_once_not_refused(tmp_path, inner):
    """``--data eps eps/`` (or ``N N/a``): "eps/: no episodes ... in it"."""
    data = tmp_path / "eps"
    blob_episode(frames=4, seed=1, size=16).save(data / "e0.npz")
    bag = write_test_bag(data / "sub" / "b1")
    expected = [(data / "e0.npz", "npz"), (bag, "bag")]
    assert _found([data, str(data) + inner]) == expected
    assert _found([str(data) + inner, data]) == expected


def test_a_folder_given_twice_by_two_paths_is_noted_in_a_few_lines(tmp_path):
    data = tmp_path / "eps"
    for seed in range(4):
        blob_episode(frames=4, seed=seed, size=16).save(data / f"e{seed}.npz")
    os.symlink(data, tmp_path / "link")
    notes = []
    assert _found([data, tmp_path / "link"], notes) == _found([data])
    assert notes == [f"skipped {tmp_path / 'link' / 'e0.npz'}: the same recording as "
                     f"{data / 'e0.npz'} (read once)",
                     f"skipped {tmp_path / 'link' / 'e1.npz'}: the same recording as "
                     f"{data / 'e1.npz'} (read once)",
                     "skipped 2 more paths to recordings read by another path (each recording "
                     "is read once)"]

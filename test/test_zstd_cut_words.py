"""A file-compressed data file (``.mcap.zstd`` / ``.db3.zstd``) cut short or damaged: said so.

A copy stopped early leaves a zstd stream that ends early: what unpacks is read with a note
("the zstd stream ends early"), or, when nothing of it reads, refused saying so, never as a
recorder that wrote nothing ("empty (0 bytes)"). A repair command unpacks first (sqlite3 and
the MCAP CLI read no zstd file) and the temporary unpacked copy is never named.
"""

from __future__ import annotations

import numpy as np
import pytest

from vjepa_ros.eval.playback import bag_contents
from vjepa_ros.eval.synthetic import synthetic_episode
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.bag_reader import zstd_module
from vjepa_ros.recordings.bag_writing import write_bag
from vjepa_ros.recordings.bags import read_recording


def packed_bag(tmp_path, storage, steps=11):
    frames, states, _ = synthetic_episode(steps)
    bag = write_bag(tmp_path / "bag", frames, states, storage=storage, compression="file")
    (bag / "metadata.yaml").unlink()
    return bag, next(bag.glob("*.zstd")), frames


@pytest.mark.parametrize("storage", ["mcap", "sqlite3"])
@pytest.mark.parametrize("fraction", [0.05, 0.3, 0.7, 0.99])
def test_a_cut_zstd_file_reads_what_is_whole_or_says_it_is_cut(tmp_path, storage, fraction):
    bag, packed, frames = packed_bag(tmp_path, storage, steps=80)
    raw = packed.read_bytes()
    packed.write_bytes(raw[:int(len(raw) * fraction)])
    for read in (read_recording, bag_contents):
        try:
            result = read(bag)
        except BagError as exc:
            words = str(exc)
            assert "zstd stream ends early" in words and packed.name in words
            assert "vjepa_ros_" not in words and "before it wrote a message" not in words
            assert "is empty" not in words and f"{packed} .recover" not in words
            continue
        assert any("zstd stream ends early" in note for note in result.notes)
        if read is read_recording:
            assert result.damage
            times = result.image_times
            assert np.array_equal(result.load_frames(range(len(times))), frames[:len(times)])
        else:
            assert result.lost


@pytest.mark.parametrize("storage, suffix", [("sqlite3", ".db3"), ("mcap", ".mcap")])
def test_a_whole_zstd_stream_of_a_damaged_file_unpacks_before_its_repair(
        tmp_path, storage, suffix):
    bag, packed, _ = packed_bag(tmp_path, storage)
    inner = zstd_module().decompress(packed.read_bytes())
    garbage = inner[:100] + b"\x07" * (len(inner) - 100)  # header kept, the rest overwritten
    packed.write_bytes(zstd_module().compress(garbage))
    with pytest.raises(BagError) as caught:
        read_recording(bag)
    words = str(caught.value)
    assert packed.name in words and "vjepa_ros_" not in words and "ends early" not in words
    if storage == "sqlite3":
        unpacked = packed.with_name(packed.name.removesuffix(".zstd"))
        assert f"zstd -d {packed} -o {unpacked}" in words
        assert f"sqlite3 {unpacked} .recover" in words and f"{packed} .recover" not in words

"""A camera changing resolution mid-bag: train splits there (every change), eval still refuses."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from train_bags import CAMERA, _frame, _frame_number, _read, _sliding_bag

SMALL, LARGE = (48, 64), (96, 128)


def _bag(path, sizes):
    frames = [_frame(k, size) for k, size in enumerate(sizes)]
    return _sliding_bag(path, frames, [(k / 100, 0.04) for k in range(25 * len(sizes))])


def test_a_camera_restarted_twice_gives_a_segment_per_part_with_one_note(tmp_path):
    """64x48 for 8 frames, 128x96 for 8, 64x48 again for 8: three segments, two changes said."""
    sizes = [SMALL] * 8 + [LARGE] * 8 + [SMALL] * 8
    segments, notes = _read(_bag(tmp_path / "bag", sizes), frames_per_clip=3)
    parts = [(segment.frames.shape[1:3], [_frame_number(f) for f in segment.frames])
             for segment in segments]
    assert parts == [(SMALL, list(range(8))), (LARGE, list(range(8, 16))),
                     (SMALL, list(range(16, 24)))], parts
    for segment in segments:  # each step's state at its own frame's time
        shown = np.array([_frame_number(frame) for frame in segment.frames])
        np.testing.assert_allclose(segment.states[:, 0], 0.4 + 0.01 * shown, atol=1e-6)
    (said,) = [note for note in notes if "change size" in note]
    assert CAMERA in said and "64x48 -> 128x96 px at step 8" in said, said
    assert "128x96 -> 64x48 px at step 16" in said and "\n" not in said, said


def test_a_part_shorter_than_a_clip_is_left_out_as_a_short_run(tmp_path):
    """2 frames of another size between two long parts: not a clip, counted as a short run."""
    sizes = [SMALL] * 10 + [LARGE] * 2 + [SMALL] * 10
    segments, notes = _read(_bag(tmp_path / "bag", sizes), frames_per_clip=3)
    assert [len(s) for s in segments] == [10, 10]
    assert {s.frames.shape[1:3] for s in segments} == {SMALL}
    assert any("1 run(s) of valid steps shorter than a clip left out (2 steps)" in note
               for note in notes), notes


def test_eval_still_refuses_a_bag_that_changes_size(tmp_path):
    """Eval's frames come through the one-size read: refused naming --start / --end."""
    from vjepa_ros.recordings.bag_files import BagError
    from vjepa_ros.recordings.bag_topics import BagTopics
    from vjepa_ros.recordings.bags import read_recording

    path = _bag(tmp_path / "bag", [SMALL] * 4 + [LARGE] * 4)
    recording = read_recording(path, BagTopics(image=CAMERA))
    with pytest.raises(BagError, match="change size.*--start / --end"):
        recording.load_frames(np.arange(8))
    assert len(dict(recording.iter_frames(np.arange(8), one_size=False))) == 8


def test_a_source_of_two_sizes_records_both_and_compares_at_the_smaller_grid():
    from vjepa_ros.train.data_banks import frame_sizes
    from vjepa_ros.train.episodes import Segment
    from vjepa_ros.train.same_content import block_means, source_blocks

    small = np.full((3, *SMALL, 3), 100, np.uint8)
    large = np.full((2, *LARGE, 3), 200, np.uint8)
    segments = [Segment("a#0", small, np.zeros((3, 7)), np.zeros((2, 7))),
                Segment("a#1", large, np.zeros((2, 7)), np.zeros((1, 7)))]
    blocks = source_blocks(segments)
    assert tuple(blocks.shape) == (5, 3, 3, 4)  # the 64x48 grid: 4 x 3 blocks
    assert blocks[:3].eq(100).all() and blocks[3:].eq(200).all()
    torch.testing.assert_close(source_blocks(segments[:1]), block_means(small))
    assert source_blocks([]) is None
    new = {"frame_sizes": torch.tensor([SMALL, LARGE])}  # a shard written now
    old = {"frame_size": torch.tensor(SMALL)}  # a shard written before
    assert frame_sizes([new, old]) == [list(SMALL), list(LARGE)]
    assert frame_sizes([old, {}]) is None

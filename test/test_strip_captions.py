"""The captions under the tiles of ``run``'s and ``reach``'s strips and GIFs: words stand apart.

``run``'s strip once read ``1g1`` and ``g1goal``: Pillow's default font (>= 10.1, FreeType) draws
a space 2 px wide at 10 px, less than the gaps inside a word.
"""

from types import SimpleNamespace

import numpy as np
from PIL import Image

from vjepa_ros.sim.reach_media import CAPTION_HEIGHT, save_step_pictures

SIZE = 96  # px, a tile's side


def _word_gaps(bar: np.ndarray) -> int:
    """Return how many blank runs of >= 5 px columns lie between the ink of a caption ``bar``."""
    ink = np.flatnonzero(bar.any(axis=0))
    return int(np.sum(np.diff(ink) > 5))  # 5 blank columns: a step of 6


def test_the_words_of_each_caption_of_a_task_strip_stand_apart(tmp_path):
    frame = np.full((SIZE, SIZE, 3), 150, np.uint8)
    setup = SimpleNamespace(names=["grasp", "goal"], goals=[SimpleNamespace(frame=frame)] * 2)
    steps = [SimpleNamespace(step=1, subgoal=SimpleNamespace(index=0), frame=frame),
             SimpleNamespace(step=12, subgoal=None, frame=frame)]
    strip, _ = save_step_pictures(tmp_path, setup, steps, "task", (frame, "end ok"))

    image = np.asarray(Image.open(strip).convert("L"))
    captions = ["g1 grasp", "g2 goal", "1 g1", "12 g2", "end ok"]  # as save_step_pictures words
    assert image.shape == (SIZE + CAPTION_HEIGHT, SIZE * len(captions))
    for index, caption in enumerate(captions):
        bar = image[SIZE:, index * SIZE:(index + 1) * SIZE] < 128  # black text on white
        assert bar.any(), caption
        assert _word_gaps(bar) == caption.count(" "), caption


def test_a_caption_wider_than_its_tile_wraps_instead_of_being_cut(tmp_path):
    # breaker41h: under 64 px frames the strip read "g1 approac" (the word cut at the tile's edge)
    from vjepa_ros.sim.reach_media import LINE_HEIGHT, caption_lines, save_gif, save_strip

    small = np.full((64, 64, 3), 150, np.uint8)
    assert caption_lines("g1 approach", 64) == ["g1", "approach"]
    assert caption_lines("1 g1", 64) == ["1 g1"]
    strip = save_strip(tmp_path / "strip.png", [small], [small, small],
                       ["g1 approach", "1 g1", "end ok"])
    image = np.asarray(Image.open(strip).convert("L"))
    assert image.shape == (64 + CAPTION_HEIGHT + LINE_HEIGHT, 3 * 64), "every tile one height"
    first, second = image[64:64 + 12, :64] < 128, image[64 + 12:, :64] < 128
    assert first.any() and second.any(), "both lines of the long caption drawn"
    assert not (image[64 + 12:, 64:] < 128).any(), "short captions keep one line"
    gif = save_gif(tmp_path / "a.gif", small, [small], ["1 g1"], goal_captions=["g1 approach"])
    assert Image.open(gif).size == (128, 64 + CAPTION_HEIGHT + LINE_HEIGHT)

"""run_loop.save_stopped_episode's words: one step saved is "step 1", not "steps 1-1".

Seen live (session 55): ``vjepa-ros run --episodes 3`` stopped by Ctrl-C after the first step of
episode 2 said ``steps 1-1 of seed 900001 saved: ...``. The savers are replaced by one that names
the files.
"""

from __future__ import annotations

import argparse

import pytest

from vjepa_ros.sim import reach_media
from vjepa_ros.sim.run_loop import save_stopped_episode
from vjepa_ros.sim.run_stop import SavedPictures


@pytest.mark.parametrize(("count", "words"), [(1, "step 1 of seed 7 saved: "),
                                               (3, "steps 1-3 of seed 7 saved: ")])
def test_the_steps_saved_are_counted_in_words(tmp_path, monkeypatch, count, words):
    written = []

    def save(out_dir, setup, steps, name):
        written.append(len(steps))
        return tuple(str(out_dir / n) for n in reach_media.picture_names(name))

    monkeypatch.setattr(reach_media, "save_step_pictures", save)
    args = argparse.Namespace(task="grasp", object="box")
    said = save_stopped_episode(tmp_path, None, [object()] * count, args, 7,
                                SavedPictures(tmp_path))
    assert said.startswith(words), said
    assert "grasp_box_7_stopped_strip.png" in said and written == [count]

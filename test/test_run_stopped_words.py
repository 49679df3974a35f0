"""run_loop.save_stopped_episode's words: one step saved is "step 1", not "steps 1-1".

Seen live (session 55): ``vjepa-ros run --episodes 3`` stopped by Ctrl-C after the first step of
episode 2 said ``steps 1-1 of seed 900001 saved: ...``. The savers are replaced by one that names
the files.
"""

from __future__ import annotations

import argparse
import contextlib
import os
from types import SimpleNamespace

import numpy as np
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


def test_pictures_rewritten_within_the_filesystems_time_tick_are_still_named(tmp_path,
                                                                             monkeypatch):
    """Pictures rewritten on a filesystem with coarse modification times are named.

    FAT's 2 s, some network mounts: an earlier run's stopped pictures of the seed rewritten
    within one tick keep their times. The stop's line named nothing saved (the files were told
    by a changed time); each save now says so itself.
    """
    frame = np.full((32, 32, 3), 90, np.uint8)
    setup = SimpleNamespace(names=["grasp"], goals=[SimpleNamespace(frame=frame)])
    steps = [SimpleNamespace(step=1, subgoal=SimpleNamespace(index=0), frame=frame)]
    args = argparse.Namespace(task="grasp", object="box")
    earlier = [tmp_path / name for name in reach_media.picture_names("grasp_box_7_stopped")]
    for path in earlier:
        path.write_bytes(b"an earlier run's")
    times = {path.name: os.stat(path).st_mtime_ns for path in earlier}
    real = reach_media.replacing

    def coarse(path):  # the write lands, its time stays (the tick did not pass)
        with real(path) as partial:
            yield partial
        os.utime(path, ns=(times[path.name], times[path.name]))

    monkeypatch.setattr(reach_media, "replacing", contextlib.contextmanager(coarse))
    pictures = SavedPictures(tmp_path)
    said = save_stopped_episode(tmp_path, setup, steps, args, 7, pictures)
    assert said.startswith("step 1 of seed 7 saved: "), said
    assert all(os.stat(path).st_mtime_ns == times[path.name] for path in earlier)
    assert all(path.read_bytes() != b"an earlier run's" for path in earlier)  # rewritten
    assert [(seed, path.name) for seed, path in pictures.files] == [
        (7, "grasp_box_7_stopped_strip.png"), (7, "grasp_box_7_stopped.gif")]
    assert pictures.stop_text() == (f"seed 7 saved in {tmp_path}: 2 files "
                                    "(grasp_box_7_stopped_strip.png, grasp_box_7_stopped.gif)")

"""review61a: defects found reading session 61's first merges (mend61d, mend61a, docs61, mend61b).

Both were fixed in the integration (``planning.memory.memory_size`` keeps a decimal below 10 of a
unit; inspect decides train's opening over the paths that exist); the tests pin the fixes.

"""

import json
import re
from types import SimpleNamespace

import numpy as np
import pytest

from vjepa_ros.cli import main
from vjepa_ros.eval.rep_memory import representations_problem
from vjepa_ros.recordings import BagTopics
from vjepa_ros.recordings.bag_writing import write_bag

UNITS = {"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}


def test_representations_refusal_states_a_per_frame_size_that_adds_up_to_its_total():
    """What the user does: ``vjepa-ros eval`` a long bag at a high ``--rate`` with ViT-g.

    What happens: the refusal says "(20000 frames x 1 MiB) need about 26.9 GiB": 20000 x 1 MiB
    is 19.5 GiB, and a ViT-L model's refusal says the same "1 MiB" a frame (before mend61d,
    eval's own size words said "1.4 MiB"). What should happen: the per-frame size is said
    precisely enough that frames x size is the total said (within rounding, 5 %), and ViT-g's
    differs from ViT-L's.
    """
    said = {}
    for name, dim in (("vitg", 1408), ("vitl", 1024)):
        model = SimpleNamespace(tokens_per_frame=256, embed_dim=dim)
        text = representations_problem(model, 20000, 10000, 8 << 30)
        match = re.search(r"\((\d+) frames x ([\d.]+) (\wiB)\) need about ([\d.]+) (\wiB)", text)
        assert match, text
        frames, each, unit, total, total_unit = match.groups()
        stated = int(frames) * float(each) * UNITS[unit]
        assert stated == pytest.approx(float(total) * UNITS[total_unit], rel=0.05), text
        said[name] = (each, unit)
    assert said["vitg"] != said["vitl"], said


def _bag(path, width):
    """Write a 12-frame bag by the package's writer, its fingers at opening ``width`` [m]."""
    states = np.zeros((12, 7))
    states[:, 0] = 0.4 + 0.01 * np.arange(12)
    states[:, 2] = 0.3
    states[:, 6] = np.linspace(0.0, 0.9, 12)
    frames = np.random.default_rng(7).integers(0, 255, (12, 32, 32, 3), dtype=np.uint8)
    return write_bag(path, frames, states, topics=BagTopics(gripper_max_width=width))


def test_inspect_with_a_missing_path_keeps_train_s_opening_for_the_bags_there(tmp_path, capsys):
    """What the user does: ``vjepa-ros inspect narrow_bag typo_path`` (a 0.07 m hand's bag).

    What happens: the missing path is an error entry (status 1), as it should be; and the bag
    that is there gets "eval reads it at 0.07 m, train at 0.08 m" with a warning that its
    closedness is not what was recorded and advice to give --gripper-max-width. No train run
    reads it at 0.08 m: ``train --data narrow_bag typo_path`` refuses the missing path, and
    ``train --data narrow_bag`` (the typo fixed) reads it at 0.07 m. What should happen: the
    bag's train part says the opening train takes for the paths that can be read (0.07 m, as
    ``vjepa-ros inspect narrow_bag`` alone says), the missing path reported on its own.
    """
    bag = _bag(tmp_path / "narrow", 0.07)
    missing = tmp_path / "typo"
    assert main(["inspect", str(bag), str(missing), "--frames-per-clip", "2", "--json"]) == 1
    answer = json.loads(capsys.readouterr().out)
    entries = {entry["path"]: entry for entry in answer["sources"]}
    entry = entries[str(bag)]
    assert entry["eval"]["gripper_max_width"] == 0.07
    assert entry["train"]["gripper_max_width"] == 0.07, entry["hand"]

"""user59w: the ``data val`` line of ``vjepa-ros train`` names the sources it held out.

A run on a mix of bags held out one recording (a 64x48 field bag among 128x128 simulator
bags) and its validation loss, above the 'nothing moves' baseline, was of that recording; the
line gave the share and the rule, not which one (only ``log.json``'s ``info.val.names``).
"""

from __future__ import annotations

import pytest

from vjepa_ros.train.config import make_config
from vjepa_ros.train.distributed import Topology
from vjepa_ros.train.run_log import log_data

SPLIT = "whole episodes, by --seed, nearest --val-fraction of the frames"


def _info(val_names: list[str], split: str = SPLIT) -> dict:
    def counts(names, frames):
        return {"sources": len(names), "segments": len(names), "frames": frames, "clips": 3,
                "names": names, "failed": []}

    return {"train": counts(["sim1", "sim2", "joint-states-split"], 90),
            "val": counts(val_names, 10 * len(val_names)), "split": split,
            "features": {"encoded": 64, "from_disk": 0, "seconds": 1.0, "megabytes": 1.3,
                         "dtype": "float16", "cache": None}}


def _val_line(info: dict) -> str:
    lines: list[str] = []
    log_data(info, make_config({}), lines.append, Topology())
    (line,) = [line for line in lines if line.startswith("data val")]
    return line


@pytest.mark.parametrize(("names", "said"), [
    (["killed-no-metadata-db3"], ": killed-no-metadata-db3"),
    ([f"ep{i}.npz" for i in range(5)], ": ep0.npz, ep1.npz, ep2.npz and 2 more")])
def test_the_held_out_sources_are_named_three_at_most(names, said):
    line = _val_line(_info(names))
    assert line.endswith(f"({SPLIT}){said}"), line
    assert "held out: " in line and "\n" not in line


def test_a_given_val_set_is_not_called_held_out():
    """``--val`` given: the user chose it; the line says no share and names nothing."""
    line = _val_line(_info(["val_bag"], split=""))
    assert "held out" not in line and "val_bag" not in line, line


def test_a_split_holding_out_far_more_than_the_fraction_is_noted():
    """user59w: 2 usable bags, one held out: the run trained on half its frames unsaid."""
    from vjepa_ros.train.run_log import held_out_note

    lines: list[str] = []
    info = _info(["sim1"])
    info["train"]["frames"] = 10  # one train source, one val source of 10 frames: 50 %
    log_data(info, make_config({}), lines.append, Topology())
    (note,) = [line for line in lines if line.startswith("note")]
    assert "held out 50 % of the frames for validation" in note, note
    assert "--val-fraction 0.1" in note and "give --val" in note and "--val-fraction 0" in note
    assert held_out_note(_info(["ep0.npz"]), 0.1) == ""  # 10 of 100 frames: as asked
    assert held_out_note(_info(["ep0.npz", "ep1.npz"]), 0.1) == ""  # 18 %: within twice
    assert held_out_note(_info(["v"], split=""), 0.1) == ""  # --val given: the user's choice

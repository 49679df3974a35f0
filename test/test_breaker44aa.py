"""breaker44aa: today's collection outputs through the training path.

Attacked: a manipulation collection that skipped a seed (``sim.manipulation.collect_manipulation``:
a SKIPPED line, no file, a gap in the names) with the ``collected.txt`` record that
scripts/collect_manipulation_episodes.sh writes into each folder, read by what reads those
folders: ``train.episodes.find_sources`` (``vjepa-ros train`` and ``pretrain --data``),
``train.data_identity`` (the resume check and the split keys; the feature cache keys each
``.npz`` source on its own), benchmarks/device_pack.py (what it packs, whether a gap is refused)
and ``vjepa-ros collect`` into a folder holding only ``collected.txt``. No defect found in these
paths: the tests below hold what held up, so that a change that breaks it is caught.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RECORD = "vjepa-ros collect --task grasp --object cup --episodes 3 --seed 0: 2 episodes\n"


@pytest.fixture(scope="module")
def gap_folder(tmp_path_factory):
    """3 grasp episodes asked, seed 1 skipped by the collector itself (32x32)."""
    from vjepa_ros.sim import manipulation

    real = manipulation.setup_task
    lines = []

    def setup(sim, seed, task, expert=None):
        if seed == 1:
            raise RuntimeError("seed 1: the clean expert missed its sub-goal (test)")
        return real(sim, seed, task, expert=expert)

    folder = tmp_path_factory.mktemp("gap") / "grasp_cup"
    mp = pytest.MonkeyPatch()
    mp.setattr(manipulation, "setup_task", setup)
    try:
        paths = manipulation.collect_manipulation(folder, "grasp", "cup", 3, seed=0, width=32,
                                                  height=32, log=lines.append)
    finally:
        mp.undo()
    assert [p.name for p in paths] == ["grasp_cup_000000.npz", "grasp_cup_000002.npz"]
    assert any("seed 1: SKIPPED" in line for line in lines), lines
    return folder


def test_collected_txt_and_gap_leave_sources_and_identity_alone(gap_folder, tmp_path):
    """collected.txt is no episode, and adding it changes no digest: a resume is not refused."""
    from vjepa_ros.train.data_identity import data_identity, resume_change
    from vjepa_ros.train.episodes import find_sources

    notes: list[str] = []
    before = find_sources([gap_folder], notes)
    stored = data_identity({"--data": before})
    (gap_folder / "collected.txt").write_text(RECORD)
    try:
        after = find_sources([gap_folder], notes)
        assert [s.path.name for s in after] == ["grasp_cup_000000.npz", "grasp_cup_000002.npz"]
        assert notes == []
        assert data_identity({"--data": after}) == stored
        assert resume_change(stored, {"--data": after}) is None
    finally:
        (gap_folder / "collected.txt").unlink()


def test_device_pack_takes_a_folder_with_a_gap_and_leaves_collected_txt_out(gap_folder):
    """The pack holds the two episodes under their own names, not the record, and no refusal."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from device_pack import episodes_of

    (gap_folder / "collected.txt").write_text(RECORD)
    try:
        notes: list[str] = []
        found = episodes_of([gap_folder], notes)
        assert [name for _, name in found] == ["grasp_cup/grasp_cup_000000.npz",
                                               "grasp_cup/grasp_cup_000002.npz"]
        assert notes == []
    finally:
        (gap_folder / "collected.txt").unlink()


def test_collect_check_accepts_a_folder_holding_only_collected_txt(tmp_path):
    """A folder the script recorded, its episodes removed, is not refused as holding episodes."""
    from vjepa_ros.sim.command import _check_no_episodes

    (tmp_path / "collected.txt").write_text(RECORD)
    _check_no_episodes(tmp_path)  # no ValueError
    (tmp_path / "grasp_cup_000000.npz").write_bytes(b"")
    with pytest.raises(ValueError, match="holds 1 episode file"):
        _check_no_episodes(tmp_path)

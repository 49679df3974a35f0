"""Sources left out as shorter than a clip get one advice that keeps them all (mend55b).

Three frozen-camera episodes whose longest runs of valid steps were 7, 4 and 2 were each told
their own ``--frames-per-clip`` (7, 4, 2): giving 7 still left the other two out. The advice is
now computed for the sources actually left out (``train/left_out.py``): the longest clips that
keep every one of them, or that none does; train's and pretrain's, and the value advised keeps
them when given.
"""

import re
from pathlib import Path

import numpy as np
import pytest

from vjepa_ros.cli import main
from vjepa_ros.eval.synthetic import synthetic_episode
from vjepa_ros.train.data_banks import clip_fix
from vjepa_ros.train.episodes import ShortSourceError, shorter_fix
from vjepa_ros.train.left_out import left_out_notes
from vjepa_ros.train.pretrain_data import load_clip_segments, pretrain_clip_fix


def _short(name: str, longest: int, damage: str = "") -> ShortSourceError:
    return ShortSourceError(Path(f"/data/{name}"), f"no 8 consecutive valid steps (longest run "
                            f"{longest} of 31 steps)", longest, damage=damage)


def _advised(note: str) -> str:
    return note.split("; ")[-1]


@pytest.mark.parametrize("runs, fix, advice", [
    ((7, 4, 2), clip_fix(2), "give --frames-per-clip 2 --auto-steps 1"),
    ((7, 4), clip_fix(2), "give --frames-per-clip 4 ("),
    ((4, 7, 5), clip_fix(2), "give --frames-per-clip 4 ("),  # the order read does not matter
    ((6, 3), clip_fix(4), "give --frames-per-clip 3 --auto-steps 2"),
    ((7, 5), pretrain_clip_fix, "set frames_per_clip: 4 in --config ("),  # the tubelet's 2
    ((7, 3), shorter_fix, "use clips of at most 3 frames"),
])
def test_every_source_left_out_is_advised_the_clips_that_keep_them_all(runs, fix, advice):
    errors = [_short(f"ep{i}.npz", run) for i, run in enumerate(runs)]
    notes = left_out_notes(errors, fix)
    assert len(notes) == len(runs)
    shortest = runs.index(min(runs))
    for index, note in enumerate(notes):
        assert note.startswith(f"left out /data/ep{index}.npz: no 8 consecutive"), note
        assert advice in note, note
        assert "leave " not in note, note  # it is left out already (breaker61a)
        assert f"keep all {len(runs)} sources left out as too short, /data/ep{shortest}.npz's " \
            f"run of {min(runs)} steps the shortest)" in note, note


@pytest.mark.parametrize("fix, alone", [
    (clip_fix(2), {7: "give --frames-per-clip 7", 4: "give --frames-per-clip 4"}),
    (clip_fix(4), {7: "give --frames-per-clip 7",
                   4: "give --frames-per-clip 4 --auto-steps 3 (--auto-steps 4 needs clips of "
                   ">= 5 frames)"}),
    (pretrain_clip_fix, {7: "set frames_per_clip: 6 in --config",  # even: the tubelet's 2
                         4: "set frames_per_clip: 4 in --config"}),
])
def test_no_clip_length_keeps_a_source_without_two_valid_steps(fix, alone):
    """No clip length keeps every source left out: each note says so.

    It advises the clips that keep its own source alone, in the command's terms, and nothing
    for the source of one valid step (breaker61a: "1 steps would keep this one", and 7 steps
    for pretrain, whose clips are even).
    """
    notes = left_out_notes([_short("a.npz", 7), _short("b.npz", 1), _short("c.npz", 4)], fix)
    for note, own in zip(notes, (7, 1, 4), strict=True):
        assert "; no clip length keeps all 3 sources left out as too short (/data/b.npz has " \
            "no 2 consecutive valid steps)" in note, note
        assert "leave " not in note and "steps would keep" not in note, note
        if own in alone:
            assert note.endswith(f"; to keep this one alone: {alone[own]}"), note
        else:
            assert note.endswith("valid steps)"), note


def test_one_source_left_out_keeps_its_own_advice_and_a_damaged_one_its_damage():
    (alone,) = left_out_notes([_short("a.npz", 5)], clip_fix(2))
    assert alone == ("left out /data/a.npz: no 8 consecutive valid steps (longest run 5 of 31 "
                     "steps); give --frames-per-clip 5 to keep it")
    for fix in (clip_fix(2), pretrain_clip_fix, None):  # no clip keeps it: no advice at all
        (alone,) = left_out_notes([_short("a.npz", 1)], fix)
        assert alone == ("left out /data/a.npz: no 8 consecutive valid steps (longest run 1 of "
                         "31 steps)"), alone
    damaged = _short("b.db3", 3, damage="b.db3 is damaged at message 40")
    notes = left_out_notes([_short("a.npz", 6), damaged, _short("c.npz", 4)], clip_fix(2))
    assert notes[1] == f"left out {damaged}" and "intact copy" in notes[1]
    assert "give --frames-per-clip 4 (" in notes[0] and "keep all 2 sources" in notes[0]
    # three left out, one of them damaged: the count says what it counts (user59w)
    for note in (notes[0], notes[2]):
        assert "keep all 2 sources left out as too short" in note, note
        assert "the 1 damaged bag left out besides, which no clip length brings back, not " \
            "counted)" in note, note


def _episodes(folder: Path, frozen_after: list[int | None], length: int = 30) -> Path:
    """Write one episode per entry: its camera frozen from that step on (None: moving)."""
    folder.mkdir()
    rng = np.random.default_rng(0)
    for index, frozen in enumerate(frozen_after):
        frames, states, _ = synthetic_episode(length, size=16)
        states = states + rng.normal(0.0, 1e-3, states.shape)  # no two alike (read once)
        frames = np.roll(frames, index, axis=2)
        if frozen is not None:
            frames[frozen:] = frames[frozen]
        np.savez(folder / f"ep{index}.npz", observations=frames,
                 states=states.astype(np.float32))
    return folder


def _train(data: Path, out: Path, capsys, *options: str) -> str:
    assert main(["train", "--init", "demo", "--data", str(data), "--out", str(out), "--steps",
                 "1", "--quiet", *options]) == 0
    captured = capsys.readouterr()
    return captured.out + captured.err


def test_frozen_episodes_left_out_are_kept_by_the_value_advised(tmp_path, capsys):
    data = _episodes(tmp_path / "data", [6, 3, 5, None, None, None])
    err = _train(data, tmp_path / "a", capsys)
    notes = [line for line in err.splitlines() if "left out " in line]
    assert len(notes) == 3, err
    advice = {re.search(r"give (--frames-per-clip \d+(?: --auto-steps \d+)?)", note)[1]
              for note in notes}
    assert len(advice) == 1, notes  # one value for all three
    (given,) = advice
    assert all("keep all 3 sources left out" in note for note in notes), notes
    err = _train(data, tmp_path / "b", capsys, *given.split())
    assert "left out" not in err, err


def test_pretrain_sources_left_out_get_one_advice_too(tmp_path):
    folder = tmp_path / "clips"
    folder.mkdir()
    for index, length in enumerate((7, 5, 30)):
        frames, states, _ = synthetic_episode(length - 1, size=16)
        np.savez(folder / f"c{index}.npz", observations=np.roll(frames, index, axis=2),
                 states=states.astype(np.float32))
    logged = []
    segments = load_clip_segments([folder], frames_per_clip=8, log=logged.append)
    assert len(segments) == 1
    notes = [note for note in logged if "left out" in note]
    assert len(notes) == 2, logged
    assert all("set frames_per_clip: 4 in --config" in note for note in notes), notes
    assert len(load_clip_segments([folder], frames_per_clip=4, log=None)) == 3


def test_pretrain_at_a_rate_above_the_cameras_advises_what_works(tmp_path, capsys):
    """``vjepa-ros pretrain --rate 10`` on two 4 Hz ``.npz`` episodes (breaker61a, noticed).

    Was: refused, each note ending ``leave c0.npz out (...; 1 steps would keep this one)``:
    leaving out a source already left out, and a clip of 1 frame, which no command takes.
    Now: the rate advice (``give --rate 4``) and no clip length advised, nothing left out twice.
    """
    folder = tmp_path / "eps"
    folder.mkdir()
    for index in range(2):
        frames, states, _ = synthetic_episode(29, size=16)
        np.savez(folder / f"c{index}.npz", observations=np.roll(frames, index, axis=2),
                 states=states.astype(np.float32), timestamps=np.arange(len(frames)) * 0.25)
    code = main(["pretrain", "--data", str(folder), "--rate", "10", "--out",
                 str(tmp_path / "encoder.pt"), "--steps", "1", "--quiet"])
    err = capsys.readouterr().err
    assert code == 1 and "no usable source among 2 sources" in err, err
    assert err.count("give --rate 4 (or less)") == 2, err
    assert "no clip length keeps all 2 sources left out as too short" in err, err
    assert "leave " not in err and "would keep" not in err and "frames_per_clip:" not in err, err
    assert not (tmp_path / "encoder.pt").exists()

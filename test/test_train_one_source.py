"""One episode source whose data is unusable says why, not "cannot hold one out" (user54u).

``vjepa-ros train`` on one fully frozen ``.npz`` (the camera published the same frame while
the arm moved) said "1 episode source(s): cannot hold one out for validation; ... or
--val-fraction 0", and only with --val-fraction 0 the real cause. The lone source is read
before the split is refused: its own refusal comes first; a usable one still gets the split's.
"""

import numpy as np

from vjepa_ros.cli import main
from vjepa_ros.eval.synthetic import synthetic_episode


def _episode(path, frozen: bool):
    frames, states, _ = synthetic_episode(30, size=16)
    if frozen:
        frames[:] = frames[0]
    np.savez(path, observations=frames, states=states.astype(np.float32))
    return path


def _train(tmp_path, episode, capsys) -> str:
    assert main(["train", "--init", "demo", "--data", str(episode), "--out",
                 str(tmp_path / "out"), "--steps", "1", "--quiet"]) == 1
    return capsys.readouterr().err


def test_a_lone_frozen_episode_is_refused_for_its_frames(tmp_path, capsys):
    episode = _episode(tmp_path / "frozen.npz", frozen=True)
    err = _train(tmp_path, episode, capsys)
    assert err.startswith(f"vjepa-ros train: {episode}: no 8 consecutive valid steps"), err
    assert "frame did not change while the arm moved" in err and "hold one out" not in err


def test_a_lone_usable_episode_still_gets_the_split_refusal(tmp_path, capsys):
    episode = _episode(tmp_path / "moving.npz", frozen=False)
    assert _train(tmp_path, episode, capsys) == (
        "vjepa-ros train: 1 episode source(s): cannot hold one out for validation; add "
        "episodes, give --val DIR, or --val-fraction 0 (no validation)\n")

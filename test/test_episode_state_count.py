"""An .npz whose states are not one per frame is refused saying what to give, in every layout."""

from __future__ import annotations

import numpy as np
import pytest
from train_bags import _picture, _read

FRAMES = 17


def _states(count: int) -> np.ndarray:
    states = np.zeros((count, 7))
    states[:, 0] = np.linspace(0.4, 0.56, count)
    states[:, 2], states[:, 3] = 0.3, np.pi
    return states


LAYOUTS = {  # name -> (states count, arrays besides observations)
    "1 kHz states, actions for the frames, batched": (4001, lambda s: {
        "states": s[None], "actions": np.zeros((1, FRAMES - 1, 7))}),
    "1 kHz states, their own actions": (4001, lambda s: {
        "states": s, "actions": np.diff(s, axis=0)}),
    "100 Hz states, no timestamps": (401, lambda s: {"states": s}),
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_more_states_than_frames_are_refused_with_the_resampling(layout, tmp_path):
    from vjepa_ros.train.episodes import EpisodeError

    count, arrays = LAYOUTS[layout]
    path = tmp_path / "ep.npz"
    np.savez(path, observations=np.stack([_picture(k) for k in range(FRAMES)]),
             **arrays(_states(count)))
    with pytest.raises(EpisodeError) as caught:
        _read(path, frames_per_clip=3)
    text = str(caught.value)
    assert "\n" not in text and "ep.npz" in text, text
    assert f"{FRAMES} frames but {count} states: give one state per frame" in text, text
    assert "resample them at the frames' timestamps" in text and "Slerp" in text, text


def test_fewer_states_than_frames_are_refused_without_the_resampling(tmp_path):
    from vjepa_ros.recordings.episode import Episode

    path = tmp_path / "ep.npz"
    np.savez(path, observations=np.stack([_picture(k) for k in range(FRAMES)]),
             states=_states(FRAMES - 1), timestamps=np.arange(FRAMES) * 0.25)
    with pytest.raises(ValueError) as caught:
        Episode.load(path)  # demo --episode, bag-from-npz: the one loader
    text = str(caught.value)
    assert "17 frames but 16 states: give one state per frame, the state at that frame's " \
           "time" in text and "resample" not in text, text

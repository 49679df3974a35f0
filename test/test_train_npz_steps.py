"""An .npz episode on the step grid as a bag is (by its timestamps); its unused actions.

breaker33t: a 10 Hz episode was trained as 4 Hz steps, while the bag of the same episode was
resampled; an episode whose stored actions held a NaN was refused though train recomputes them.
"""

import numpy as np
import pytest

from vjepa_ros.recordings.bag_writing import write_episode
from vjepa_ros.recordings.episode import Episode
from vjepa_ros.train import DataConfig, find_sources
from vjepa_ros.train.episodes import EpisodeError, load_segments
from vjepa_ros.train.synthetic import blob_episode


def _episode(frames, rate_hz, seed=3):
    episode = blob_episode(frames=frames, seed=seed)
    return Episode(episode.frames, episode.states, episode.actions,
                   np.arange(frames) / rate_hz, {})


def _load(path, **settings):
    return load_segments(find_sources([path])[0], DataConfig(frames_per_clip=4, **settings))


@pytest.mark.parametrize("rate_hz", [10.0, 6.0, 4.0])
def test_an_npz_episode_gives_the_steps_of_its_bag(tmp_path, rate_hz):
    episode = _episode(16, rate_hz)
    npz = episode.save(tmp_path / "ep.npz")
    bag = write_episode(tmp_path / "ep_bag", episode)
    (npz_segments, notes), (bag_segments, _) = _load(npz), _load(bag)
    assert [len(s) for s in npz_segments] == [len(s) for s in bag_segments]
    for ours, theirs in zip(npz_segments, bag_segments, strict=True):
        np.testing.assert_array_equal(ours.frames, theirs.frames)
        np.testing.assert_allclose(ours.states, theirs.states, atol=1e-5)
    assert len(npz_segments[0]) == int((16 - 1) / rate_hz * 4) + 1  # 4 Hz steps of its time
    assert any(f"{rate_hz:g} Hz" in note for note in notes) == (rate_hz != 4.0), notes


def test_an_episode_at_the_step_rate_is_read_frame_for_frame(tmp_path):
    episode = _episode(9, 4.0)
    [segment], notes = _load(episode.save(tmp_path / "ep.npz"))
    np.testing.assert_array_equal(segment.frames, episode.frames)
    np.testing.assert_array_equal(segment.states, episode.states)
    assert notes == []


def test_an_episode_at_another_data_rate_is_resampled_to_it(tmp_path):
    episode = _episode(12, 4.0)  # 2.75 s: 12 steps at 4 Hz, 6 at 2 Hz
    segments, notes = _load(episode.save(tmp_path / "ep.npz"), rate_hz=2.0)
    assert [len(s) for s in segments] == [6]
    np.testing.assert_array_equal(segments[0].frames, episode.frames[::2])
    assert any("resampled to 2 Hz" in note for note in notes), notes


def test_an_episode_slower_than_the_steps_is_refused_naming_it(tmp_path):
    episode = _episode(8, 1.0)  # a frame every 1 s: no frame for 3 steps of 4
    with pytest.raises(EpisodeError, match="slow.npz"):
        _load(episode.save(tmp_path / "slow.npz"))


def _saved(path, episode, actions):
    np.savez(path, observations=episode.frames[None], states=episode.states[None],
             actions=actions, timestamps=episode.timestamps[None])
    return path


@pytest.mark.parametrize("actions", ["inf", "shape", "text"])
def test_unusable_stored_actions_are_recomputed_with_a_note(tmp_path, actions):
    episode = blob_episode(frames=8, seed=1)
    stored = {"inf": np.where(np.eye(7, dtype=bool)[:1], np.inf, episode.actions)[None],
              "shape": episode.actions[None, :3], "text": np.array(["padded"] * 7)}[actions]
    [segment], notes = _load(_saved(tmp_path / "ep.npz", episode, stored))
    np.testing.assert_allclose(segment.actions, _load(episode.save(tmp_path / "ok.npz"))[0][0]
                               .actions)
    assert any("ep.npz" in note and "recomputes" in note for note in notes), notes


def test_nan_in_the_states_is_still_refused(tmp_path):
    episode = blob_episode(frames=8, seed=1)
    states = episode.states.copy()
    states[2, 0] = np.nan
    path = tmp_path / "bad.npz"
    np.savez(path, observations=episode.frames[None], states=states[None],
             actions=episode.actions[None], timestamps=episode.timestamps[None])
    with pytest.raises(EpisodeError, match="bad.npz"):
        _load(path)

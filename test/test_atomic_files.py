"""Files a later run reads back are written whole or not at all (``vjepa_ros.atomic_files``)."""

import numpy as np
import pytest

from vjepa_ros.atomic_files import replacing, write_text


def _stopped_while_writing(target, *args, **kwargs):
    half = b"PK\x03\x04 half an archive"
    target.write(half) if hasattr(target, "write") else open(target, "wb").write(half)
    raise KeyboardInterrupt  # Ctrl-C mid-write


def test_a_write_stopped_midway_leaves_the_old_file_and_no_partial(tmp_path):
    path = write_text(tmp_path / "rows.json", "old")
    with pytest.raises(KeyboardInterrupt), replacing(path) as partial:
        _stopped_while_writing(partial)
    assert path.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["rows.json"]
    write_text(path, "new")
    assert path.read_text() == "new" and len(list(tmp_path.iterdir())) == 1


def test_an_episode_stopped_while_saved_leaves_no_truncated_file(tmp_path, monkeypatch):
    """``collect`` stopped mid-save left a truncated .npz that ``train`` then read."""
    from vjepa_ros.sim.episode import Episode

    states = np.zeros((3, 7), np.float32)
    states[:, 2] = [0.3, 0.31, 0.32]
    episode = Episode.from_states(np.zeros((3, 8, 8, 3), np.uint8), states, [0.0, 0.1, 0.2])
    save = np.savez_compressed
    monkeypatch.setattr(np, "savez_compressed", _stopped_while_writing)
    with pytest.raises(KeyboardInterrupt):
        episode.save(tmp_path / "episode_000000.npz")
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setattr(np, "savez_compressed", save)
    path = episode.save(tmp_path / "episode_000000.npz")
    assert len(Episode.load(path)) == 3 and list(tmp_path.iterdir()) == [path]

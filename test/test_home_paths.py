"""Every public function that takes a file path expands ``~`` (as a shell would).

A user following the README writes ``load_world_model("~/.cache/torch/hub/checkpoints/...")``;
``Path("~/x")`` alone names a folder called ``~`` in the current directory.
"""

import numpy as np
import pytest

from vjepa_ros.demo import small_random_world_model
from vjepa_ros.models import load_world_model, save_world_model
from vjepa_ros.recordings.episode import Episode
from vjepa_ros.sim.reach_media import save_strip
from vjepa_ros.train.report import write_json


@pytest.fixture
def home(tmp_path, monkeypatch):
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))
    monkeypatch.chdir(tmp_path)  # a literal "~" folder would appear here
    return folder


def test_world_model_files_take_a_home_path(home, tmp_path):
    model = small_random_world_model(seed=0)
    written = save_world_model("~/m.pt", model.encoder, model.predictor)
    assert (home / "m.pt").is_file() and written == home / "m.pt"
    loaded = load_world_model("~/m.pt", device="cpu")
    assert loaded.predictor is not None
    assert not (tmp_path / "~").exists()


def test_episode_media_and_reports_take_a_home_path(home, tmp_path):
    frames = np.zeros((2, 8, 8, 3), np.uint8)
    states = np.zeros((2, 7), np.float32)
    states[:, 0] = 0.4
    Episode.from_states(frames, states, np.arange(2.0)).save("~/episodes/e.npz")
    assert len(Episode.load("~/episodes/e.npz")) == 2
    save_strip("~/strip.png", frames[0], list(frames), ["0", "1", "2"])
    write_json("~/report.json", {"a": 1})
    assert {p.name for p in home.iterdir()} == {"episodes", "strip.png", "report.json"}
    assert not (tmp_path / "~").exists()

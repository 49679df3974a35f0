"""Input paths are checked with one line naming the option and what to give (``input_paths``)."""

import pytest

from vjepa_ros.input_paths import CHECKPOINT_FORMAT, input_path, world_model_path


def test_input_path_accepts_a_file_and_a_folder_only_when_asked(tmp_path):
    episode = tmp_path / "e.npz"
    episode.write_bytes(b"x")
    assert input_path(episode, "--episode", "an .npz") == episode
    assert input_path(tmp_path, "--data", "episodes", folder=True) == tmp_path
    with pytest.raises(ValueError, match=f"^--episode {tmp_path} is a folder: give an .npz$"):
        input_path(tmp_path, "--episode", "an .npz")
    missing = tmp_path / "none" / "e.npz"
    with pytest.raises(ValueError, match=f"^--data {missing} does not exist: give episodes$"):
        input_path(missing, "--data", "episodes", folder=True)


def test_input_path_expands_the_home_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "m.pt").write_bytes(b"x")
    assert input_path("~/m.pt", "--checkpoint", "a file") == tmp_path / "m.pt"


def test_world_model_path_names_the_option_for_a_missing_file_and_a_folder(tmp_path):
    with pytest.raises(ValueError, match=f"^--world-model {tmp_path / 'x.pt'} does not exist: "
                                         "give Meta's vjepa2-ac-vitg.pt"):
        world_model_path(str(tmp_path / "x.pt"), "--world-model")
    with pytest.raises(ValueError) as caught:
        world_model_path(str(tmp_path))
    assert str(caught.value) == f"--checkpoint {tmp_path} is a folder: give {CHECKPOINT_FORMAT}"


def test_world_model_path_demo_is_the_packaged_file_or_says_how_to_get_it(tmp_path,
                                                                          monkeypatch):
    from vjepa_ros.sim import reach_config

    assert world_model_path("demo") == reach_config.demo_model_path()
    monkeypatch.setattr(reach_config, "demo_model_path", lambda: tmp_path / "demo.pt")
    with pytest.raises(ValueError) as caught:
        world_model_path("demo", "--world-model")
    message = str(caught.value)
    assert message.startswith("--world-model demo: the demo world model is not installed")
    assert message.endswith("or pass --world-model FILE") and "\n" not in message

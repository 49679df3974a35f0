"""``demo`` for the packaged model wherever train takes a model file: options, --config, --set."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("items", [["--set", "predictor={init: demo}"],
                                   ["--set", "encoder=demo", "--set", "predictor.init=demo"]])
def test_demo_in_a_nested_or_repeated_set_is_the_packaged_model(tmp_path, items):
    """``--set`` said 'demo does not exist', nested in its section too."""
    from vjepa_ros.cli import build_parser
    from vjepa_ros.sim.reach_config import demo_model_path
    from vjepa_ros.train.command import config_from_args
    from vjepa_ros.train.synthetic import write_blob_episodes

    write_blob_episodes(tmp_path / "episodes", 1, frames=4, seed=1)
    args = build_parser().parse_args(["train", "--data", str(tmp_path / "episodes"), "--out",
                                      str(tmp_path / "out"), *items])
    config = config_from_args(args)
    assert config.predictor.init == str(demo_model_path())
    assert config.encoder == (str(demo_model_path()) if "encoder=demo" in items else "")


LOWER = "no such file; the keyword is lower case:"


@pytest.mark.parametrize("items, said", [
    (["--set", "predictor.init=Demo"],
     f"--set predictor.init=Demo: {LOWER} --set predictor.init=demo"),
    (["--set", "encoder=DEMO"],
     f"--set encoder=DEMO: {LOWER} --set encoder=demo"),
    (["--set", "predictor={init: Demo}"],
     f"--set predictor.init=Demo: {LOWER} --set predictor.init=demo"),
    (["--config", "CONFIG"],
     f"predictor.init: Demo: {LOWER} predictor.init: demo"),
])
def test_demo_in_other_letters_names_the_setting_and_the_keyword(tmp_path, items, said):
    """mend58c: ``--set predictor.init=Demo`` said "predictor.init: Demo does not exist".

    As ``--init Demo`` does, the refusal names the setting as given and the keyword's spelling.
    """
    from vjepa_ros.cli import build_parser
    from vjepa_ros.train.command import config_from_args

    config = tmp_path / "train.yaml"
    config.write_text("predictor:\n  init: Demo\n")
    items = [str(config) if item == "CONFIG" else item for item in items]
    args = build_parser().parse_args(["train", "--data", str(tmp_path), "--out",
                                      str(tmp_path / "out"), *items])
    with pytest.raises(ValueError) as err:
        config_from_args(args)
    assert said in str(err.value) and "does not exist" not in str(err.value), err.value
    if "--config" in items:
        assert str(err.value).startswith(str(config)) or "train.yaml" in str(err.value)


def test_a_file_named_like_the_keyword_is_a_path(tmp_path, monkeypatch):
    """``Demo`` that exists is a file as given, not refused as the keyword's spelling."""
    from vjepa_ros.cli import build_parser
    from vjepa_ros.train.command import config_from_args

    monkeypatch.chdir(tmp_path)
    (tmp_path / "Demo").write_bytes(b"not a model")
    args = build_parser().parse_args(["train", "--data", str(tmp_path), "--out",
                                      str(tmp_path / "out"), "--set", "predictor.init=Demo"])
    with pytest.raises(ValueError) as err:
        config_from_args(args)
    assert "keyword is lower case" not in str(err.value), err.value

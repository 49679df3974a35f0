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

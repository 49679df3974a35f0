"""fix53b: setting names rewritten only where they stand as settings; unknown settings worded once.

``cli_options.option_message`` turned ``planner.X`` / ``refine.X`` / ``icem.X`` / ``mppi.X`` /
``goals.X`` anywhere in a message into an option, file paths included (``/d/planner.yaml`` ->
``/d/--yaml``, ``planner.d/refine.pt`` -> ``--d/--refine-pt``); ``config.from_dict`` repeated the
whole list of known settings for each unknown key and never said whose file it was given.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from vjepa_ros.cli import main
from vjepa_ros.cli_options import option_message
from vjepa_ros.config import UsageError
from vjepa_ros.train.config import TrainConfig
from vjepa_ros.train.pretrain_config import PretrainConfig, load_pretrain_config

REPO = Path(__file__).resolve().parent.parent
SECTION_FILES = ["planner.yaml", "refine.yaml", "icem.yaml", "mppi.yml", "goals.yaml",
                 "planner.d/x.yaml", "refine.pt", "CEMConfig.json"]


@pytest.mark.parametrize("name", SECTION_FILES)
@pytest.mark.parametrize("where", ["", "/data/", "config/", "C:\\\\cfg\\\\", "'"])
def test_a_file_named_after_a_section_keeps_its_name(name, where):
    message = f"{where}{name}: steps must lie in [0, inf), got -3"
    assert option_message(message) == message
    assert option_message(message, {"steps": "--steps"}) == message.replace(" steps", " --steps")


@pytest.mark.parametrize("message, want", [
    ("planner.samples must lie in [1, 100000]", "--samples must lie in [1, 100000]"),
    ("CEMConfig.topk (3) must be less", "--topk (3) must be less"),
    ("icem.noise_beta must be >= 0", "--icem-noise-beta must be >= 0"),
    ("set planner.refine.steps to 0.", "set --refine-steps to 0."),
    ("`planner.mppi.temperature`, then", "`--mppi-temperature`, then"),
    ("goals.energy_threshold (2) too", "--subgoal-energy-threshold (2) too"),
    ("(planner.samples)", "(--samples)"),
])
def test_a_setting_is_still_named_as_its_option(message, want):
    assert option_message(message) == want


def test_an_option_name_inside_a_longer_name_or_path_is_kept():
    options = {"rate_hz": "--rate", "episode.max_steps": "--max-steps"}
    assert option_message("rate_hz.yaml: rate_hz 0 must be > 0", options) == \
        "rate_hz.yaml: --rate 0 must be > 0"
    assert option_message("/d/episode.max_steps/x: episode.max_steps 0", options) == \
        "/d/episode.max_steps/x: --max-steps 0"


def test_train_names_a_missing_encoder_in_a_folder_named_after_a_section(tmp_path, capsys):
    """Was: ``--encoder: DIR/--d/--refine-pt does not exist``."""
    (tmp_path / "d").mkdir()
    encoder = tmp_path / "planner.d" / "refine.pt"
    code = main(["train", "--data", str(tmp_path / "d"), "--out", str(tmp_path / "o"),
                 "--encoder", str(encoder)])
    err = capsys.readouterr().err
    assert code != 0 and f"{encoder} does not exist" in err, err


# ----------------------------------------------------------------- unknown settings, worded


def _write(tmp_path: Path, settings: dict, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(settings))
    return path


def test_a_single_typo_keeps_its_did_you_mean(tmp_path):
    with pytest.raises(UsageError) as raised:
        load_pretrain_config(_write(tmp_path, {"stpes": 3}))
    assert str(raised.value).endswith("s.yaml: stpes: unknown setting (closest: steps)")


def test_several_unknown_keys_list_the_known_settings_once(tmp_path):
    path = _write(tmp_path, {"stpes": 3, "foo": 1, "bar": 2, "lr": 1e-3, "depth": 2})
    with pytest.raises(UsageError) as raised:
        load_pretrain_config(path)
    text = str(raised.value)
    assert f"{path}: stpes: unknown setting (closest: steps); bar, foo: unknown settings " \
           "(known: batch_size, " in text
    assert text.count("(known: ") == 1 and text.count("weight_decay") == 2  # final_ + plain
    assert "looks like" not in text  # its known keys (lr, depth) are pretrain's


@pytest.mark.parametrize("read_as, shipped, other", [
    ("pretrain", "train.yaml", "vjepa-ros train (as config/train.yaml)"),
    ("train", "pretrain.yaml", "vjepa-ros pretrain (as config/pretrain.yaml)"),
    ("pretrain", "reach_demo.yaml", "vjepa-ros reach / run (as config/reach_demo.yaml)"),
    ("train", "reach_demo.yaml", "vjepa-ros reach / run (as config/reach_demo.yaml)"),
])
def test_another_commands_file_is_named_as_that(read_as, shipped, other):
    from vjepa_ros.config import from_dict
    from vjepa_ros.yaml_files import read_yaml_mapping

    cls = PretrainConfig if read_as == "pretrain" else TrainConfig
    with pytest.raises(UsageError) as raised:
        from_dict(cls, read_yaml_mapping(REPO / "config" / shipped))
    text = str(raised.value)
    assert text.startswith(f"this looks like a settings file for {other}: "), text
    assert f"give a settings file for vjepa-ros {read_as}, like config/{read_as}.yaml" in text
    assert "(known: " not in text and "did you mean" not in text and len(text) < 800


@pytest.mark.parametrize("command", ["train", "pretrain"])
@pytest.mark.parametrize("shipped", ["planner.yaml", "sim.yaml"])
def test_a_ros_parameter_file_is_named_as_one(tmp_path, capsys, command, shipped):
    (tmp_path / "d").mkdir()
    out = tmp_path / ("o.pt" if command == "pretrain" else "o")
    code = main([command, "--data", str(tmp_path / "d"), "--out", str(out),
                 "--config", str(REPO / "config" / shipped)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{shipped}: this looks like a ROS 2 parameter file (for vjepa-ros launch " \
           "--params-file" in err, err
    assert len(err.strip().splitlines()) == 1


def test_a_settings_class_of_no_command_is_not_judged():
    """A section (``optim``) or a node's parameters: the per-key words only."""
    from vjepa_ros.config import from_dict
    from vjepa_ros.train.config import OptimConfig

    with pytest.raises(UsageError) as raised:
        from_dict(OptimConfig, {"steps": 3, "batch_size": 2, "momentum": 1})
    assert "looks like" not in str(raised.value)


def test_one_or_two_keys_of_another_command_keep_their_own_hints(tmp_path):
    """``lr`` alone (a pretrain setting) in a train file: a key in the wrong section."""
    from vjepa_ros.config import from_dict

    for data in ({"lr": 1e-3}, {"lr": 1e-3, "ema_start": 0.99}):
        with pytest.raises(UsageError) as raised:
            from_dict(TrainConfig, data)
        text = str(raised.value)
        assert "looks like" not in text
        assert text.startswith("lr: unknown setting here; did you mean optim.lr?")
        assert text.endswith(
            "; ema_start: unknown setting (known: activation_checkpointing, auto_steps, "
            "batch_size, data, device, dtype, encoder, encoder_args, encoder_key, eval_every, "
            "export_dtype, grad_accum_steps, optim, out, predictor, predictor_args, progress, "
            "save_every, seed, steps, threads)") == (len(data) > 1)

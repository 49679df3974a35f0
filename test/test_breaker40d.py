"""Breaker40d: ``vjepa-ros pretrain`` and ``vjepa-ros camera-check`` as a lab user runs them.

Each test was a strict xfail on the code it was written against (it asserts what should happen),
fixed in session 40.
Pretraining runs are a step or two of a 32 px encoder on two 8-frame episodes.
"""

import pytest

from vjepa_ros.cli import main

pytestmark = pytest.mark.usefixtures("one_thread")


def _run(capsys, argv) -> tuple[int, str, str]:
    """Run ``vjepa-ros argv`` in-process; return its exit status, stdout and stderr."""
    try:
        status = main(argv)
    except SystemExit as exc:  # argparse's refusal of an option's value
        status = exc.code
    captured = capsys.readouterr()
    return status, captured.out, captured.err.strip()


@pytest.fixture(scope="module")
def episodes(tmp_path_factory):
    """Two 8-frame 32x32 episodes, as ``vjepa-ros collect`` writes them."""
    out = tmp_path_factory.mktemp("b40d") / "eps"
    assert main(["collect", "--out", str(out), "--episodes", "2", "--frames", "8",
                 "--width", "32", "--height", "32"]) in (0, None)
    return out


def _config(tmp_path, text: str):
    path = tmp_path / "pretrain.yaml"
    path.write_text("img_size: 32\n" + text)
    return path


# ------------------------------------------- an option's bad value blamed on the --config file


@pytest.mark.parametrize("option, value, key", [
    ("--seed", "-1", "seed"), ("--steps", "-1", "steps"), ("--batch-size", "0", "batch_size"),
    ("--data-seed", "-3", "data_seed")])
def test_a_bad_option_with_a_good_config_names_the_option_not_the_file(
        tmp_path, capsys, episodes, option, value, key):
    config = _config(tmp_path, "")  # valid on its own
    status, _, err = _run(capsys, ["pretrain", "--data", str(episodes), "--out",
                                   str(tmp_path / "enc.pt"), "--config", str(config),
                                   option, value])
    assert status == 2, (status, err)
    line = err.splitlines()[-1]
    assert f"{option} must lie in" in line, line  # as without --config: '--seed must lie in'
    assert f"pretrain.yaml: {key} must" not in line, line


# ------------------------------------------------- --out named like its own curves or plot


@pytest.mark.parametrize("suffix", [".json", ".png"])
def test_out_named_like_its_curves_or_plot_is_refused_or_keeps_the_encoder(
        tmp_path, capsys, episodes, suffix):
    import torch

    out = tmp_path / f"enc{suffix}"
    status, printed, err = _run(capsys, [
        "pretrain", "--data", str(episodes), "--out", str(out), "--steps", "1", "--quiet",
        "--config", str(_config(tmp_path, ""))])
    if status not in (0, None):  # refused: fine, in one line naming --out, nothing written
        assert "--out" in err.splitlines()[-1], err
        assert not out.exists()
        return
    assert out.stat().st_size > 1e6, f"{out} holds {out.stat().st_size} bytes, no encoder"
    checkpoint = torch.load(out, map_location="cpu", weights_only=False)  # the encoder file
    assert "encoder" in checkpoint and checkpoint["pretrain"]["trained_steps"] == 1


# ------------------------------------------------ a partial mask setting in the --config file


def test_a_partial_mask_long_keeps_its_other_defaults(tmp_path):
    from vjepa_ros.train.pretrain_config import PretrainConfig, load_pretrain_config

    path = tmp_path / "pretrain.yaml"
    path.write_text("mask_long:\n  spatial_scale: [0.5, 0.5]\n")
    config = load_pretrain_config(path)
    assert config.mask_long.spatial_scale == [0.5, 0.5]
    default = PretrainConfig().mask_long
    assert config.mask_long.num_blocks == default.num_blocks == 2, config.mask_long
    assert config.mask_long.aspect_ratio == default.aspect_ratio


def test_a_mask_that_covers_every_token_is_refused_naming_the_file_and_the_mask(
        tmp_path, capsys, episodes):
    config = _config(tmp_path, "mask_long:\n  num_blocks: 2\n  spatial_scale: [1.0, 1.0]\n"
                     "  aspect_ratio: [0.75, 1.5]\n")
    status, _, err = _run(capsys, ["pretrain", "--data", str(episodes), "--out",
                                   str(tmp_path / "enc.pt"), "--config", str(config),
                                   "--steps", "1", "--quiet"])
    assert status in (1, 2), (status, err)
    line = err.splitlines()[-1]
    assert "pretrain.yaml" in line and "mask_long" in line, line


# ------------------------------------------------------------- an --out starting with '~'


def test_an_out_under_the_home_tilde_is_never_overwritten(tmp_path, capsys, episodes,
                                                         monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path)
    earlier = home / "enc.pt"
    earlier.write_bytes(b"an earlier run's encoder")
    status, _, err = _run(capsys, ["pretrain", "--data", str(episodes), "--out", "~/enc.pt",
                                   "--config", str(_config(tmp_path, "")), "--steps", "1",
                                   "--quiet"])
    assert earlier.read_bytes() == b"an earlier run's encoder", "overwritten"
    assert status == 1 and "--out" in err.splitlines()[-1], (status, err)


# ------------------------------------ camera-check: "does not see the motion" that it explains


@pytest.mark.filterwarnings("ignore:Optimal rotation")
def test_a_model_that_sees_the_motion_but_infers_it_too_long_is_not_called_blind():
    import numpy as np

    from vjepa_ros.eval.camera_check import check_motions
    from vjepa_ros.eval.camera_check_result import Verdict

    # as the command gave it on a simulated xyz bag with an exact model whose z actions move the
    # hand half as far (a camera nearer than the training views: motion looks longer), 64 / 4
    step = 0.03
    executed = np.array([[step, 0, 0], [-step, 0, 0], [0, step, 0], [0, -step, 0],
                         [0, 0, step], [0, 0, -step]] * 2)
    inferred = executed * [1.0, 1.0, 1.9]
    result = check_motions(executed, inferred, explained=np.full(len(executed), 0.86),
                           repeat=inferred.copy(), search_settings=(64, 4))
    assert result.explained["z"] == pytest.approx(0.86)
    assert result.verdict == Verdict.MOVE  # 190% along z: outside 30-150%
    assert "does not see the motion" not in result.explanation, result.explanation
    assert "search's spread" not in result.explanation, result.explanation


# ------------------------ camera-check: an exact model under a weak search called blind


@pytest.mark.filterwarnings("ignore:Optimal rotation")
def test_a_weak_search_whose_actions_are_worse_than_none_is_undecided_not_blind():
    import numpy as np

    from vjepa_ros.eval.camera_check import check_motions
    from vjepa_ros.eval.camera_check_result import Verdict

    step = 0.03
    executed = np.array([[step, 0, 0], [-step, 0, 0], [0, step, 0], [0, -step, 0],
                         [0, 0, step], [0, 0, -step]] * 2)
    rng = np.random.default_rng(0)
    inferred, repeat = rng.normal(size=(2, 12, 3)) * 0.02  # two searches, scattered apart
    explained = rng.uniform(-1.0, -0.2, 12)  # each answer far worse than no action
    result = check_motions(executed, inferred, explained=explained, repeat=repeat,
                           search_settings=(16, 2))
    assert result.search["too_weak"] and max(result.explained.values()) < -0.2
    # a blind model's best action is about as good as none (random weights: 0.003 %); one
    # much worse than none is the search failing: the verdict is the search's
    assert result.verdict == Verdict.UNDECIDED, result.explanation


# ---------------------------------------- a run that diverges at a monitor step: a traceback


def test_weights_turning_non_finite_before_the_monitors_end_in_one_line(tmp_path, capsys,
                                                                        episodes):
    # in range: lr > 0; final_lr too, as a 1-step schedule's only update is its last (fix50c:
    # stepped before the update as the official WarmupCosineSchedule, it gets final_lr)
    config = _config(tmp_path, "lr: 1.0e+30\nfinal_lr: 1.0e+30\n")
    try:
        status, _, err = _run(capsys, ["pretrain", "--data", str(episodes), "--out",
                                       str(tmp_path / "enc.pt"), "--config", str(config),
                                       "--steps", "1", "--quiet"])
    except Exception as exc:  # noqa: BLE001  (what a user sees as a traceback)
        pytest.fail(f"traceback: {type(exc).__name__}: {exc}")
    assert status == 1, (status, err)
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert "non-finite" in err or "nan" in err or "inf" in err, err

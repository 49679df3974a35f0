"""bench_gripper_visibility: encoders side by side (seeded from settings, files), its measures.

Synthetic episodes with known frame pairs: a grey "hand" block that moves with the state's x and
two "fingers" whose gap follows the gripper closedness, so what each kind of pair changes in the
image is set by the test.
"""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from vjepa_ros.models.checkpoint import save_world_model
from vjepa_ros.recordings.episode import Episode
from vjepa_ros.sim.encoder_model import load_encoder_model
from vjepa_ros.train.pretrain import load_pretrain_config, seeded_encoder

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.usefixtures("one_thread")

# (x [m], closedness, phase of the change to the next frame)
SCRIPT = [(0.40, 0.0, "approach"), (0.40, 0.0, "approach"), (0.44, 0.0, "approach"),
          (0.48, 0.0, "close"), (0.48, 1.0, "hold"), (0.48, 1.0, "lift"), (0.52, 1.0, "end")]
KINDS_EXPECTED = {"still": 2, "move": 2, "close": 1, "lift": 1}


def bench():
    spec = importlib.util.spec_from_file_location(
        "bench_gripper_visibility", ROOT / "benchmarks" / "bench_gripper_visibility.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def synthetic_episode(path: Path, finger: int, size: int = 32) -> Path:
    """Write an episode of SCRIPT with fingers ``finger`` px long (how visible closing is)."""
    frames = np.full((len(SCRIPT), size, size, 3), 90, dtype=np.uint8)
    states = np.zeros((len(SCRIPT), 7))
    for frame, state, (x, closed, _) in zip(frames, states, SCRIPT, strict=True):
        left = int(round((x - 0.40) * 100))  # 1 px per cm
        frame[4:10, 4 + left:12 + left] = 200  # the hand
        gap = 6 - int(round(4 * closed))
        for column in (8 + left - gap // 2 - 1, 8 + left + gap // 2):
            frame[10:10 + finger, column] = 240  # a finger
        state[0], state[2], state[6] = x, 0.3, closed
    metadata = {"phases": [phase for _, _, phase in SCRIPT]}
    return Episode.from_states(frames, states, np.arange(len(SCRIPT)) / 4.0, metadata).save(path)


def write_yaml(path: Path, **settings) -> str:
    path.write_text(yaml.safe_dump(settings))
    return str(path)


TINY = dict(embed_dim=48, depth=1, num_heads=2)


def test_settings_yaml_gives_the_seeded_encoder_at_its_size_and_patch(tmp_path):
    module = bench()
    for img_size, patch_size, tokens in ((32, 16, 4), (32, 8, 16), (48, 8, 36)):
        spec = write_yaml(tmp_path / f"e{img_size}_{patch_size}.yaml", img_size=img_size,
                          patch_size=patch_size, seed=3, **TINY)
        model = load_encoder_model(spec)
        assert model.predictor is None and model.tokens_per_frame == tokens
        assert model.img_size == (img_size, img_size)
        expected = seeded_encoder(load_pretrain_config(spec))
        for a, b in zip(model.encoder.parameters(), expected.parameters(), strict=True):
            assert torch.equal(a, b)
        assert f"{img_size} px, patch {patch_size}, {tokens} tokens, width 48, depth 1" \
            == module.encoder_text(model)
    other_seed = load_encoder_model(write_yaml(tmp_path / "s4.yaml", img_size=32,
                                                      patch_size=8, seed=4, **TINY))
    assert not torch.equal(next(other_seed.encoder.parameters()), next(expected.parameters()))


def test_encoder_only_files_load_and_bad_specs_are_refused_naming_the_option(tmp_path):
    config = load_pretrain_config(None, img_size=32, patch_size=8, **TINY)
    path = save_world_model(tmp_path / "encoder.pt", seeded_encoder(config))
    model = load_encoder_model(str(path))
    assert model.predictor is None and model.tokens_per_frame == 16
    assert load_encoder_model("demo").predictor is not None
    (tmp_path / "junk.pt").write_bytes(b"not a model")
    write_yaml(tmp_path / "typo.yaml", img_sise=64)
    write_yaml(tmp_path / "odd.yaml", img_size=30)
    for spec, words in (("oracle", "no image encoder"),
                        (str(tmp_path / "none.pt"), "does not exist"),
                        (str(tmp_path / "junk.pt"), "junk.pt"),
                        (str(tmp_path / "typo.yaml"), "img_sise"),
                        (str(tmp_path / "odd.yaml"), "multiple"),
                        (str(tmp_path / "none.yaml"), "none.yaml")):
        with pytest.raises(ValueError) as caught:
            load_encoder_model(spec, "--model")
        message = str(caught.value)
        assert message.startswith("--model ") and words in message and "\n" not in message


def test_a_gripper_change_weighs_more_when_it_changes_more_of_the_image(tmp_path):
    """The cm-equivalent of a close follows how many pixels the fingers change; still = 0."""
    module = bench()
    model = load_encoder_model(write_yaml(tmp_path / "e.yaml", img_size=32,
                                                 patch_size=8, **TINY))
    summaries = {}
    for finger in (2, 12):
        path = synthetic_episode(tmp_path / f"f{finger}" / "grasp_000000.npz", finger)
        rows = module.measure(model, [path])
        assert {kind: len(found) for kind, found in rows.items()} == KINDS_EXPECTED
        assert all(value == 0.0 for value, _ in rows["still"])  # identical frames
        assert all(abs(moved - 0.04) < 1e-6 for _, moved in rows["move"] + rows["lift"])
        summary = module.summarize(rows)
        assert summary["close"] > 0 and summary["move_per_cm"] > 0
        assert summary["close_cm"] == pytest.approx(summary["close"] / summary["move_per_cm"])
        assert summary["still"] == 0 and summary["close_vs_still"] == float("inf")
        assert summary["move_per_cm"] == pytest.approx(
            np.median([value for value, _ in rows["move"]]) / 4)
        summaries[finger] = summary
    assert summaries[12]["close_cm"] > 1.4 * summaries[2]["close_cm"]  # measured: 1.6x


def test_command_compares_models_side_by_side_and_refuses_bad_input(tmp_path, monkeypatch,
                                                                     capsys):
    module = bench()
    episodes = tmp_path / "eps"
    synthetic_episode(episodes / "grasp_cup_000000.npz", 8)
    synthetic_episode(tmp_path / "eps48" / "grasp_cup_000000.npz", 8, size=48)
    p16 = write_yaml(tmp_path / "p16.yaml", img_size=32, patch_size=16, **TINY)
    p8 = write_yaml(tmp_path / "p8.yaml", img_size=48, patch_size=8, **TINY)
    monkeypatch.setattr(sys, "argv", [
        "bench_gripper_visibility.py", "--model", p16, str(episodes), "--model", p8,
        str(tmp_path / "eps48"), "--repeats", "1", "--timing-frames", "2"])
    assert module.main() == 0
    out = capsys.readouterr().out
    table = [line for line in out.splitlines() if line.startswith(f"| {tmp_path}")]
    assert len(table) == 2
    assert "32 px, patch 16, 4 tokens" in table[0] and "48 px, patch 8, 36 tokens" in table[1]
    cells = table[1].split("|")
    assert int(cells[3]) == 36 and float(cells[-2]) > 0  # tokens, encode CPU ms per frame
    for argv, words in (
            (["--model", p16], "give its episodes after it"),
            (["--model", p16, str(episodes), "--episodes", str(episodes)], "goes with"),
            ([], "give --model"),
            (["--model", p16, str(episodes), "--repeats", "0"], "--repeats 0")):
        monkeypatch.setattr(sys, "argv", ["bench_gripper_visibility.py", *argv])
        with pytest.raises(SystemExit) as usage:
            module.main()
        assert usage.value.code == 2 and words in capsys.readouterr().err
    # a path missing: a failure at work (1, run_script's one line), not a usage error
    from vjepa_ros.command_errors import run_script

    for option in ("--model", "--episodes"):
        nowhere = tmp_path / "nowhere"
        given = [p16, str(nowhere)] if option == "--model" else [str(nowhere)]
        monkeypatch.setattr(sys, "argv", ["bench_gripper_visibility.py", option, *given])
        assert run_script(module.main) == 1
        assert capsys.readouterr().err == (
            f"bench_gripper_visibility.py: {option} {nowhere} does not exist: give manipulation "
            "episode files (.npz) or folders holding them\n")


def test_plan_step_times_a_demo_sized_predictor_on_the_encoders_grid(tmp_path):
    from vjepa_ros.planning.config import CEMConfig

    module = bench()
    model = load_encoder_model(write_yaml(tmp_path / "e.yaml", img_size=32,
                                                 patch_size=8, **TINY))
    demo = {"embed_dim": 192, "predictor_embed_dim": 32, "depth": 1, "num_heads": 2,
            "img_size": 128, "patch_size": 16}
    predictor = module.timing_predictor(model, demo)
    assert predictor.config.embed_dim == 48 and predictor.tokens_per_frame == 16
    result = module.plan_step(model, demo, CEMConfig(samples=8, topk=2, iterations=1))()
    assert result.first_action.shape[-1] == 7 and torch.isfinite(result.first_action).all()

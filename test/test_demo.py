"""The end-to-end example (`vjepa-ros demo`): real frames -> encoder -> CEM -> first action."""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from vjepa_ros.cli import main
from vjepa_ros.demo import load_example, run_demo, small_random_world_model
from vjepa_ros.models import save_world_model


def test_packaged_example_is_the_shared_real_data(franka_example):
    example = load_example()
    np.testing.assert_array_equal(example.frames, franka_example["frames"])
    np.testing.assert_array_equal(example.states, franka_example["states"])


def test_demo_plans_on_real_frames_and_reports_the_executed_move(capsys):
    out = run_demo(cem_preset="notebook", samples=16, iterations=2, seed=1)
    states = load_example().states
    r0 = Rotation.from_euler("xyz", states[0, 3:6])
    r1 = Rotation.from_euler("xyz", states[1, 3:6])
    expected = np.concatenate([
        states[1, :3] - states[0, :3],
        (r1 * r0.inv()).as_euler("xyz"),
        [states[1, 6] - states[0, 6]],
    ])
    np.testing.assert_allclose(out["executed_action"], expected, atol=1e-5)
    action = np.array(out["first_action"])
    assert np.all(np.abs(action[:3]) <= 0.05 + 1e-6), "xyz must stay inside the notebook maxnorm"
    assert np.all(action[3:6] == 0.0), "rotation is not searched by default"
    assert len(out["elite_energies"]) == 2 and np.isfinite(out["elite_energies"]).all()
    printed = capsys.readouterr().out
    assert "RANDOM weights" in printed and "agreement" in printed


def test_demo_loads_a_checkpoint_file(tmp_path):
    model = small_random_world_model(seed=3)
    path = tmp_path / "small.pt"
    save_world_model(path, model.encoder, model.predictor)
    out = run_demo(checkpoint=path, samples=12, iterations=1, horizon=1)
    assert len(out["elite_energies"]) == 1


def test_demo_names_the_packaged_demo_world_model():
    from vjepa_ros.demo import load_planning_model
    from vjepa_ros.sim.reach_config import resolve_checkpoint

    model, source = load_planning_model("demo", device="cpu")
    assert source == str(resolve_checkpoint("")) and source.endswith("demo_world_model.pt")
    assert model.predictor is not None and tuple(model.encoder.img_size) == (128, 128)


def test_cli_reports_bad_inputs_without_a_traceback(tmp_path, capsys):
    assert main(["demo", "--checkpoint", str(tmp_path / "missing.pt")]) == 1
    assert "missing.pt" in capsys.readouterr().err
    bad = tmp_path / "bad.npz"
    np.savez(bad, frames=np.zeros((2, 8, 8, 3), np.uint8))
    assert main(["demo", "--episode", str(bad)]) == 1
    assert "missing arrays" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["demo", "--samples", "many"])


def _collect_like_episode(tmp_path, second_move_m):
    """Write an episode: a first step of 0.4 mm (as collect's), a second of ``second_move_m``."""
    frames = np.random.default_rng(0).integers(0, 256, (1, 3, 64, 64, 3), dtype=np.uint8)
    states = np.zeros((1, 3, 7), np.float32)
    states[0, :, :3] = [[0.40, 0.0, 0.40], [0.40, 0.0004, 0.40], [0.40 + second_move_m, 0.0, 0.40]]
    np.savez(tmp_path / "episode_000000.npz", observations=frames, states=states)
    return str(tmp_path / "episode_000000.npz")


def test_demo_plans_the_first_step_that_moves_and_says_which(tmp_path, capsys):
    """user32: collect's first step (0.4 mm) gave a cosine of noise with no note."""
    episode = _collect_like_episode(tmp_path, 0.04)
    out = run_demo(episode=episode, samples=12, topk=4, iterations=1, horizon=1)
    printed = capsys.readouterr().out
    assert "step 0 -> 1 moves 0.4 mm" in printed and "planning step 1 -> 2" in printed, printed
    assert out["step"] == 1 and np.isfinite(out["cosine_xyz"])
    assert out["executed_action"][0] == pytest.approx(0.04, abs=1e-5)


def test_demo_says_the_cosine_of_an_episode_that_never_moves_means_nothing(tmp_path, capsys):
    episode = _collect_like_episode(tmp_path, 0.0)
    out = run_demo(episode=episode, samples=12, topk=4, iterations=1, horizon=1)
    agreement = [line for line in capsys.readouterr().out.splitlines()
                 if line.startswith("agreement")]
    assert agreement[0].startswith("agreement     n/a") and "too small" in agreement[0]
    assert out["step"] == 0 and np.isnan(out["cosine_xyz"])

"""Offline evaluation end to end: bags -> resample -> encode -> CEM -> report, JSON and plots."""

import json

import numpy as np
import pytest
import torch

from vjepa_ros.cli import main
from vjepa_ros.eval.evaluate import EvalConfig, evaluate_bag
from vjepa_ros.eval.report import summary_lines, write_report
from vjepa_ros.eval.synthetic import oracle_for, render_state_frames, synthetic_episode
from vjepa_ros.models import WorldModel, build_encoder, build_predictor, save_world_model
from vjepa_ros.planning import preset, state_difference
from vjepa_ros.recordings import bags
from vjepa_ros.recordings import recording as recording_module
from vjepa_ros.recordings.bag_writing import write_bag

pytestmark = pytest.mark.usefixtures("one_thread")  # small torch work: 1 thread is fastest

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def tiny_world_model(seed=0):
    """Build the V-JEPA 2 architecture at 64 px, width 32, one block: seconds on a CPU."""
    torch.manual_seed(seed)
    size = dict(img_size=64, embed_dim=32, depth=1, num_heads=2)
    return WorldModel(build_encoder(**size), build_predictor(predictor_embed_dim=32, **size),
                      "cpu", torch.float32)


def test_synthetic_frames_differ_whenever_states_do():
    _, states, _ = synthetic_episode(5)
    moved = states.copy()
    moved[:, 2] += 1e-4  # 0.1 mm: still a different frame
    frames, frames_moved = render_state_frames(states), render_state_frames(moved)
    assert len({f.tobytes() for f in frames}) == 6
    assert not any(np.array_equal(a, b) for a, b in zip(frames, frames_moved, strict=True))


@pytest.mark.parametrize("storage, image_format", [("mcap", "raw"), ("sqlite3", "png")])
def test_oracle_world_model_recovers_the_executed_actions(tmp_path, monkeypatch, storage,
                                                         image_format):
    frames, states, times = synthetic_episode(10, seed=3)
    times[6:] += 1.0  # a one-second camera and state dropout between frames 5 and 6
    bag = write_bag(tmp_path / "bag", frames, states, times, storage=storage,
                    image_format=image_format)
    opened, open_reader = [], bags.open_reader
    for module in (bags, recording_module):  # indexing, then decoding the frames
        monkeypatch.setattr(module, "open_reader",
                            lambda path, *rest: opened.append(path) or open_reader(path, *rest))
    cem = preset("paper", samples=64, iterations=3)
    report = evaluate_bag(bag, oracle_for(frames, states), cem,
                          EvalConfig(landscape_points=9, encode_batch=3))
    assert len(opened) == 2, "one pass to index the bag, one to decode every frame used"
    summary, recording = report["summary"], report["recording"]
    assert recording["storage"] == storage
    assert recording["dropped_steps"], "the dropout must drop grid steps"
    # Steps whose next frame lies across the gap cannot be scored: 10 steps minus the one at 5.
    assert [r["step"] for r in report["steps"]][:5] == [0, 1, 2, 3, 4]
    assert summary["steps_evaluated"] == 9
    actions = summary["actions"]
    assert actions["sign_agreement"] == {"x": 1.0, "y": 1.0, "z": 1.0}
    assert actions["cosine_xyz_mean"] > 0.97
    assert actions["magnitude_error_m_mean"] < 0.005
    executed = np.array([r["executed_action"] for r in report["steps"]])
    expected = state_difference(torch.tensor(states[:-1]), torch.tensor(states[1:])).numpy()
    np.testing.assert_allclose(executed, np.delete(expected, 5, axis=0), atol=1e-6)
    # The executed action reaches the goal frame exactly: near-zero energy, below the plan's.
    assert summary["energy"]["executed_mean"] < 1e-3 < summary["energy"]["planned_mean"]
    scape = report["landscape"]
    energy = np.array(scape["energy"])  # [dz][dx]
    row, col = np.unravel_index(energy.argmin(), energy.shape)
    dx, dz = np.array(scape["dx"]), np.array(scape["dz"])
    assert col == np.abs(dx - scape["executed"][0]).argmin()
    assert row == np.abs(dz - scape["executed"][1]).argmin()
    assert summary["latency_s"]["plan"]["count"] == 9 and summary["latency_s"]["plan"]["p50"] > 0

    written = write_report(report, tmp_path / "out")
    assert set(written) == {"report", "energies", "actions", "landscape"}
    for name in ("energies", "actions", "landscape"):
        assert written[name].read_bytes()[:8] == PNG_MAGIC
    loaded = json.loads(written["report"].read_text())  # strict JSON: no NaN
    assert loaded["summary"]["actions"]["sign_agreement"]["x"] == 1.0
    assert loaded["plots"]["landscape"] == "landscape.png"
    assert any(line.startswith("sign agree") for line in summary_lines(report))

    # Written again into the same folder: no plot of the earlier run stays beside the new report.
    (tmp_path / "out" / "mine.png").write_bytes(PNG_MAGIC)  # not the report's: left alone
    again = write_report({**report, "landscape": None}, tmp_path / "out")
    assert set(again) == {"report", "energies", "actions"}
    assert not (tmp_path / "out" / "landscape.png").exists()
    write_report(report, tmp_path / "out", plots=False)  # --no-plots
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["mine.png", "report.json"]


def test_a_goal_image_replaces_the_frame_k_steps_later(tmp_path):
    frames, states, times = synthetic_episode(4, seed=1)
    bag = write_bag(tmp_path / "bag", frames, states, times)
    cem = preset("notebook", samples=32, iterations=2, horizon=2)
    oracle = oracle_for(frames, states)
    report = evaluate_bag(bag, oracle, cem, EvalConfig(landscape_points=0), goal_image=frames[-1])
    assert report["eval"]["goal"] == "image" and report["landscape"] is None
    assert [r["goal_step"] for r in report["steps"]] == [None, None, None]  # k + H <= 4
    with pytest.raises(ValueError, match="no step to evaluate"):
        evaluate_bag(bag, oracle, cem, EvalConfig(goal_offset=5))
    with pytest.raises(ValueError, match="landscape_step 3 is not an evaluated step"):
        evaluate_bag(bag, oracle, cem, EvalConfig(landscape_step=3))  # H 2: steps 0..2


def test_the_planner_line_names_the_method_and_shows_refinement_when_it_is_on(tmp_path):
    from vjepa_ros.planning.methods import RefineSettings

    frames, states, times = synthetic_episode(2, seed=2)
    bag = write_bag(tmp_path / "bag", frames, states, times)
    oracle = oracle_for(frames, states)
    lines = {}
    for name, cem in (("plain", preset("paper", samples=16, topk=4, iterations=1)),
                      ("refined", preset("paper", samples=16, topk=4, iterations=1,
                                         method="icem", refine=RefineSettings(steps=2, lr=0.05)))):
        report = evaluate_bag(bag, oracle, cem, EvalConfig(landscape_points=0))
        (lines[name],) = [x for x in summary_lines(report) if x.startswith("planner")]
    assert lines["plain"].startswith("planner       CEM S 16, H 1, I 1, k 4; model ")
    assert lines["refined"].startswith("planner       ICEM S 16, H 1, I 1, k 4, refine 2 steps "
                                       "lr 0.05; model ")


def test_real_franka_frames_evaluate_end_to_end(tmp_path, franka_example, capsys):
    bag = tmp_path / "real"
    assert main(["bag-from-npz", str(bag), "--storage", "sqlite3"]) == 0
    checkpoint = tmp_path / "tiny.pt"
    model = tiny_world_model()
    save_world_model(checkpoint, model.encoder, model.predictor)
    out = tmp_path / "out"
    code = main(["eval", str(bag), "--checkpoint", str(checkpoint), "--out", str(out),
                 "--samples", "12", "--iterations", "1", "--landscape-points", "3", "--quiet"])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "steps         1 evaluated of 2 at 4 Hz" in printed
    report = json.loads((out / "report.json").read_text())
    assert report["recording"]["frames"] == 2 and report["recording"]["storage"] == "sqlite3"
    assert report["model"]["type"] == "WorldModel" and report["model"]["tokens_per_frame"] == 16
    (step,) = report["steps"]
    states = torch.tensor(franka_example["states"], dtype=torch.float64)
    np.testing.assert_allclose(step["executed_action"],
                               state_difference(states[0], states[1]).numpy(), atol=1e-6)
    np.testing.assert_allclose(step["state"], franka_example["states"][0], atol=1e-6)
    assert np.all(np.abs(step["planned_action"][:3]) <= 0.075 + 1e-6)  # the paper's bound
    assert np.isfinite([step["energy_planned"], step["energy_executed"]]).all()
    assert np.array(report["landscape"]["energy"]).shape == (3, 3)
    assert set(report["summary"]["latency_s"]["plan"]) == {"count", "mean", "p50", "p90", "p99",
                                                           "max"}
    assert {p.name for p in out.iterdir()} == {"report.json", "energies.png", "actions.png",
                                               "landscape.png"}


def test_cli_errors_are_one_readable_line(tmp_path, capsys, franka_example):
    assert main(["eval", str(tmp_path / "nope"), "--quiet"]) == 1
    assert "bag not found" in capsys.readouterr().err
    bag = write_bag(tmp_path / "bag", franka_example["frames"], franka_example["states"])
    checkpoint = tmp_path / "tiny.pt"
    model = tiny_world_model()
    save_world_model(checkpoint, model.encoder, model.predictor)
    assert main(["eval", str(bag), "--checkpoint", str(checkpoint), "--image-topic", "/rgb",
                 "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "/rgb is not in the bag" in err and "Traceback" not in err
    assert main(["bag-from-npz", str(bag)]) == 1
    assert "exists already" in capsys.readouterr().err

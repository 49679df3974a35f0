"""``vjepa-ros reach``: sim node + planner node in one process, goal through ~/capture_goal.

Real rclpy on loopback (the launcher makes a private context). Small camera, few samples and a
faster-than-real-time simulator keep it short; the nodes run on the simulator's /clock.
"""

import re

import numpy as np
import pytest
import torch

pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
pytest.importorskip("pybullet", reason="the simulator needs pybullet")

from vjepa_ros.cli import main  # noqa: E402
from vjepa_ros.models import build_encoder, build_predictor  # noqa: E402
from vjepa_ros.models.checkpoint import save_world_model  # noqa: E402
from vjepa_ros.sim import Sim  # noqa: E402
from vjepa_ros.sim.reach import make_reach_goal, reach_sim_config  # noqa: E402
from vjepa_ros.sim.reach_config import load_reach_config  # noqa: E402

FAST = """
episode: {max_steps: %d}
planner: {samples: 16, iterations: 2, topk: 4}
sim: {width: 64, height: 64, shadows: false, real_time_factor: 3.0}
"""
STEP_LINE = re.compile(r"^\s+(\d+)\s+(\d+\.\d{6}|-)\s+(\d+\.\d) cm\s+(\d+\.\d\d) s$")


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory):
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("model") / "tiny.pt"
    save_world_model(path, build_encoder(img_size=64, embed_dim=32, depth=1, num_heads=2),
                     build_predictor(img_size=64, embed_dim=32, predictor_embed_dim=32, depth=1,
                                     num_heads=2))
    return path


def _config(tmp_path, max_steps: int):
    path = tmp_path / "fast.yaml"
    path.write_text(FAST % max_steps)
    return path


def test_reach_command_prints_steps_and_saves_strip_and_gif(tiny_checkpoint, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["reach", "--checkpoint", str(tiny_checkpoint), "--config",
                 str(_config(tmp_path, 2)), "--out", str(out)])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    steps = [STEP_LINE.match(line) for line in printed.out.splitlines()]
    steps = [m for m in steps if m]
    assert [int(m.group(1)) for m in steps] == [1, 2], printed.out
    assert all(float(m.group(3)) > 0 for m in steps)
    assert "capture_goal" in printed.out and "step limit (2 steps)" in printed.out
    from PIL import Image

    with Image.open(out / "reach.gif") as gif:
        assert gif.n_frames == 3  # two planned frames and the final one
    with Image.open(out / "reach_strip.png") as strip:
        assert strip.width == 4 * 64  # goal, two steps, final
    assert str(out / "reach.gif") in printed.out


def test_missing_or_corrupt_model_exits_1_before_anything_moves(tmp_path, capsys):
    assert main(["reach", "--checkpoint", str(tmp_path / "missing.pt")]) == 1
    assert "world model file not found" in capsys.readouterr().err
    corrupt = tmp_path / "corrupt.pt"
    corrupt.write_bytes(b"PK\x03\x04 not really a zip")
    assert main(["reach", "--checkpoint", str(corrupt), "--config",
                 str(_config(tmp_path, 2)), "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert "vjepa-ros reach:" in err and "corrupt.pt" in err
    assert not (tmp_path / "o").exists()


def test_reach_over_ros_with_an_exact_model_succeeds_on_the_benchmark_goal(tmp_path, monkeypatch):
    """The oracle in the planner node: the demo must stop on success, with the goal of its seed."""
    from vjepa_ros.nodes import planner_node, reach_demo
    from vjepa_ros.sim.oracle import OracleWorldModel
    from vjepa_ros.sim.sim import Sim as SimClass

    oracle = OracleWorldModel()
    render = SimClass.render

    def remembering_render(self):
        frame = render(self)
        oracle.remember(frame, self.ee_state())
        return frame

    monkeypatch.setattr(SimClass, "render", remembering_render)
    monkeypatch.setattr(planner_node.PlannerNode, "_load_model", lambda self: oracle)
    config = load_reach_config(_config(tmp_path, 6), {"checkpoint": __file__,
                                                      "planner.samples": 64,
                                                      "planner.iterations": 4})
    lines = []
    episode = reach_demo.run_reach_demo(config, tmp_path / "out", say=lines.append)
    assert episode.success and episode.final_distance <= 0.05, "\n".join(lines)
    assert 2 <= len(episode.steps) <= 4, "it stops on success, before the step limit (6)"
    assert episode.steps[0].distance == pytest.approx(episode.start_distance, abs=0.003)
    with Sim(reach_sim_config(config.goal_seed, config.sim)) as sim:
        expected = make_reach_goal(sim, config.goal_seed)
    np.testing.assert_allclose(episode.goal_state[:3], expected.state[:3], atol=0.003)
    assert any(line.startswith("reached") for line in lines)

"""benchmarks/bench_compiled_agreement.py on the CPU: the demo model, exact and bf16."""

import argparse
import json
from pathlib import Path

import pytest

from benchmarks import bench_compiled_agreement as bench  # repository root on sys.path: conftest
from vjepa_ros.recordings.episode import Episode

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def episodes(tmp_path):
    """One real two-frame Franka episode (the packaged example) in a folder, as collect writes."""
    folder = tmp_path / "episodes"
    Episode.load(ROOT / "vjepa_ros" / "data" / "franka_example_traj.npz").save(
        folder / "episode_000000.npz")
    return folder


def test_exact_variant_agrees_and_bf16_is_measured_apart(episodes, tmp_path, capsys):
    out = tmp_path / "out"
    # aot_eager traces the compiled graphs without generating code: fp32 must equal eager
    assert bench.main(["--episodes", str(episodes), "--scenes", "1", "--goal-frame", "1",
                       "--backend", "aot_eager", "--samples", "24",  # default device
                       "--iterations", "2", "--topk", "4", "--no-paper-size", "--out", str(out),
                       "--variants", "compiled-fp32", "eager-bf16"]) == 0
    result = json.loads((out / "compiled_agreement.json").read_text())
    rows = {row["variant"]: row for row in result["rows"]}
    assert set(rows) == {"compiled-fp32", "eager-bf16"}
    exact = rows["compiled-fp32"]["per_scene"][0]
    assert exact["err_over_spread"] < 1e-4 and exact["topk_overlap"] == 1.0
    assert exact["plan_diff"] < 1e-3 and exact["cos"] > 0.9999
    assert exact["first_action_m"] != [0.0, 0.0, 0.0]  # a real plan, not an empty one
    rounded = rows["eager-bf16"]["per_scene"][0]
    assert rounded["err_over_spread"] > 1e-4  # bf16 rounds: the metric sees it
    assert rows["eager-bf16"]["config"] == {"samples": 24, "iterations": 2, "horizon": 1,
                                            "topk": 4, "maxnorm": 0.05}
    printed = capsys.readouterr().out
    assert "compiled-fp32" in printed and "S24 I2 k4" in printed


def test_too_few_episodes_refused_naming_the_folder(episodes, capsys):
    with pytest.raises(SystemExit) as exit_info:
        bench.main(["--episodes", str(episodes), "--scenes", "3", "--device", "cpu"])
    assert exit_info.value.code == 2
    assert "--episodes" in capsys.readouterr().err


def test_goal_frame_past_the_episode_refused(episodes, capsys):
    with pytest.raises(SystemExit) as exit_info:
        bench.main(["--episodes", str(episodes), "--scenes", "1", "--goal-frame", "5",
                    "--device", "cpu"])
    assert exit_info.value.code == 2
    assert "--goal-frame 5" in capsys.readouterr().err


@pytest.mark.parametrize("maxnorm", [0.0, -0.05, 0.5, 5.0, float("nan")])
def test_a_search_box_cemconfig_refuses_is_refused_naming_maxnorm(maxnorm):
    # CEMConfig.maxnorm's range (0, 0.2] (the node's, since fix58c): a line, not a traceback
    args = argparse.Namespace(samples=100, iterations=5, topk=10, maxnorm=maxnorm,
                              no_paper_size=True)
    assert bench.check_search_options(args) == f"--maxnorm {maxnorm}: give a length in (0, 0.2] m"
    assert bench.check_search_options(argparse.Namespace(**{**vars(args), "maxnorm": 0.2})) == ""

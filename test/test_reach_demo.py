"""``vjepa-ros reach``: the simulator node in a child process, the planner node in this one.

Real rclpy on loopback (the launcher makes a private context). Small camera, few samples and a
faster-than-real-time simulator keep it short; the nodes run on the simulator's /clock. Every test
that starts the demo checks that the simulator's process is gone afterwards.
"""

import os
import re
import threading
import time

import numpy as np
import pytest
import torch

pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
pytest.importorskip("pybullet", reason="the simulator needs pybullet")

from vjepa_ros.cli import main  # noqa: E402
from vjepa_ros.models import build_encoder, build_predictor  # noqa: E402
from vjepa_ros.models.checkpoint import save_world_model  # noqa: E402
from vjepa_ros.nodes import reach_demo  # noqa: E402
from vjepa_ros.sim import Sim  # noqa: E402
from vjepa_ros.sim.oracle import OracleWorldModel  # noqa: E402
from vjepa_ros.sim.reach import ReachEpisode, make_reach_goal, reach_sim_config  # noqa: E402
from vjepa_ros.sim.reach_config import load_reach_config  # noqa: E402

FAST = """
episode: {max_steps: %d}
planner: {samples: 16, iterations: 2, topk: 4}
sim: {width: 64, height: 64, shadows: false, real_time_factor: %s}
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


@pytest.fixture
def sim_processes(monkeypatch):
    """Record every simulator child the demo starts; assert each is gone after the test."""
    started = []

    class RecordingSimProcess(reach_demo.SimProcess):
        def start(self):
            started.append(self)
            return super().start()

    monkeypatch.setattr(reach_demo, "SimProcess", RecordingSimProcess)
    yield started
    for sim in started:
        assert sim.process.returncode is not None, "the simulator process was not waited for"
        with pytest.raises(ProcessLookupError):
            os.kill(sim.process.pid, 0)


def _config(tmp_path, max_steps: int, real_time_factor: float = 3.0):
    path = tmp_path / "fast.yaml"
    path.write_text(FAST % (max_steps, real_time_factor))
    return path


def test_reach_command_prints_steps_and_saves_strip_and_gif(tiny_checkpoint, tmp_path, capsys,
                                                            monkeypatch, sim_processes):
    other_publishers = []
    watch = reach_demo.ReachDemo._watch

    def watch_and_look(self, *args):
        steps = watch(self, *args)
        other_publishers.append(list(self.planner.other_publishers))
        return steps

    monkeypatch.setattr(reach_demo.ReachDemo, "_watch", watch_and_look)
    out = tmp_path / "out"
    code = main(["reach", "--checkpoint", str(tiny_checkpoint), "--config",
                 str(_config(tmp_path, 2)), "--out", str(out)])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert len(sim_processes) == 1
    assert other_publishers == [[]], "the guiding hand let go before the planner commanded"
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


def test_missing_or_corrupt_model_exits_1_and_stops_the_simulator(tmp_path, capsys,
                                                                  sim_processes):
    assert main(["reach", "--checkpoint", str(tmp_path / "missing.pt")]) == 1
    assert "world model file not found" in capsys.readouterr().err
    assert not sim_processes, "a missing file is caught before anything starts"
    corrupt = tmp_path / "corrupt.pt"
    corrupt.write_bytes(b"PK\x03\x04 not really a zip")
    assert main(["reach", "--checkpoint", str(corrupt), "--config",
                 str(_config(tmp_path, 2)), "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert "vjepa-ros reach:" in err and "corrupt.pt" in err
    assert not (tmp_path / "o").exists()
    assert len(sim_processes) == 1  # started beside the model loading, stopped on its error


def test_simulator_dying_is_reported_with_its_output(tiny_checkpoint, tmp_path, capsys,
                                                     sim_processes):
    code = main(["reach", "--checkpoint", str(tiny_checkpoint), "--config",
                 str(_config(tmp_path, 2, real_time_factor=-1.0)), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 1
    assert "the simulator process (sim_node) exited with code 1" in err
    assert "real_time_factor must be >= 0" in err, "the child's own message comes along"
    assert not (tmp_path / "o").exists()


def test_ctrl_c_stops_the_simulator_and_disables_the_planner(tiny_checkpoint, tmp_path, capsys,
                                                            monkeypatch, sim_processes):
    planners = []

    def interrupted(self):
        planners.append(self.session)
        raise KeyboardInterrupt

    monkeypatch.setattr(reach_demo.ReachDemo, "set_goal", interrupted)
    code = main(["reach", "--checkpoint", str(tiny_checkpoint), "--config",
                 str(_config(tmp_path, 2)), "--out", str(tmp_path / "o")])
    assert code == 130 and "interrupted; planner disabled" in capsys.readouterr().err
    assert len(planners) == 1 and not planners[0].enabled
    assert len(sim_processes) == 1


def _episode(success: bool) -> ReachEpisode:
    frame = np.zeros((8, 8, 3), np.uint8)
    return ReachEpisode(frame, np.zeros(7), 0.17, [], 0.03 if success else 0.12, frame, success,
                        "reached" if success else "step limit", 0.05)


def test_require_success_turns_a_miss_into_exit_1(monkeypatch, tmp_path, capsys):
    outcome = []
    monkeypatch.setattr(reach_demo, "run_reach_demo", lambda config, out_dir: outcome[-1])
    args = ["reach", "--checkpoint", __file__, "--out", str(tmp_path)]
    outcome.append(_episode(success=False))
    assert main(args) == 0, "by default a demo that ran exits 0, reached or not"
    assert main([*args, "--require-success"]) == 1
    assert "goal not reached (step limit, 12.0 cm); --require-success" in capsys.readouterr().err
    outcome.append(_episode(success=True))
    assert main([*args, "--require-success"]) == 0


class _RosOracle(OracleWorldModel):
    """The oracle, taught over ROS: a frame's state is the TCP pose with the same stamp.

    The planner may encode a frame before the demo's watcher has paired it: wait a little.
    """

    def __init__(self):
        super().__init__()
        self.known = threading.Condition()

    def remember(self, frame, state) -> None:
        with self.known:
            super().remember(frame, state)
            self.known.notify_all()

    def state_of(self, frame):
        deadline = time.monotonic() + 10.0
        with self.known:
            while True:
                try:
                    return super().state_of(frame)
                except ValueError:
                    if time.monotonic() > deadline:
                        raise
                    self.known.wait(0.05)


def test_reach_over_ros_with_an_exact_model_succeeds_on_the_benchmark_goal(tmp_path, monkeypatch,
                                                                           sim_processes):
    """The oracle in the planner node: the demo must stop on success, with the goal of its seed."""
    from vjepa_ros.nodes import planner_node

    oracle = _RosOracle()
    watcher_class = reach_demo._Watcher
    on_pose, on_image = watcher_class._on_pose, watcher_class._on_image

    def pair(watcher) -> None:
        with watcher.lock:
            states = dict(watcher.states)
            pairs = [(frame, states[stamp]) for stamp, frame in watcher.frames if stamp in states]
        for frame, state in pairs:
            oracle.remember(frame, state)

    monkeypatch.setattr(watcher_class, "_on_pose", lambda self, msg: (on_pose(self, msg),
                                                                      pair(self)))
    monkeypatch.setattr(watcher_class, "_on_image", lambda self, msg: (on_image(self, msg),
                                                                       pair(self)))
    monkeypatch.setattr(planner_node.PlannerNode, "_load_model", lambda self: oracle)
    episodes, run = [], reach_demo.run_reach_demo
    monkeypatch.setattr(reach_demo, "run_reach_demo",
                        lambda *args, **kwargs: episodes.append(run(*args, **kwargs)) or
                        episodes[-1])
    code = main(["reach", "--checkpoint", __file__, "--config", str(_config(tmp_path, 6)),
                 "--samples", "64", "--iterations", "4", "--out", str(tmp_path / "out"),
                 "--require-success"])
    assert code == 0 and len(episodes) == 1
    episode = episodes[0]
    assert episode.success and episode.final_distance <= 0.05
    assert 2 <= len(episode.steps) <= 4, "it stops on success, before the step limit (6)"
    assert episode.steps[0].distance == pytest.approx(episode.start_distance, abs=0.003)
    config = load_reach_config(_config(tmp_path, 6))
    with Sim(reach_sim_config(config.goal_seed, config.sim)) as sim:
        expected = make_reach_goal(sim, config.goal_seed)
    np.testing.assert_allclose(episode.goal_state[:3], expected.state[:3], atol=0.003)
    assert len(sim_processes) == 1


def test_simulator_child_dies_with_a_killed_demo(tmp_path):
    """SIGKILL to the demo cannot run its clean-up: the kernel stops the child (Linux)."""
    import signal
    import subprocess
    import sys

    if not sys.platform.startswith("linux"):
        pytest.skip("PR_SET_PDEATHSIG is Linux only")
    parent = subprocess.Popen(
        [sys.executable, "-c", "import time; from vjepa_ros.nodes.launcher import NodeLaunch; "
         "from vjepa_ros.nodes.reach_demo import SimProcess; "
         "print(SimProcess(NodeLaunch('sim')).start().process.pid, flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True, cwd=os.getcwd())
    try:
        child = int(parent.stdout.readline())
        assert _running(child)
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        parent.stdout.close()
    deadline = time.monotonic() + 10.0
    while _running(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(child), "the simulator outlived the demo"


def _running(pid: int) -> bool:
    """Return whether ``pid`` exists and is not a zombie (an orphan waits for init to reap it)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False

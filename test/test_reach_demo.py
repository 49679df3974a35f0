"""``vjepa-ros reach``: the simulator and the planner node in child processes, the demo a client.

Real rclpy on loopback. Small camera, few samples and a faster-than-real-time simulator keep it
short; the nodes run on the simulator's /clock. Every test that starts the demo checks that each
node's process is gone afterwards.
"""

import os
import re
import time
from pathlib import Path

import numpy as np
import pytest
import torch

pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
pytest.importorskip("pybullet", reason="the simulator needs pybullet")

from vjepa_ros.cli import main  # noqa: E402
from vjepa_ros.input_paths import CHECKPOINT_FORMAT  # noqa: E402
from vjepa_ros.nodes import (  # noqa: E402
    node_processes,
    node_registry,
    reach_client,
    reach_demo,
)
from vjepa_ros.sim import Sim, reach_follower  # noqa: E402
from vjepa_ros.sim.reach import ReachEpisode, make_reach_goal, reach_sim_config  # noqa: E402
from vjepa_ros.sim.reach_config import load_reach_config  # noqa: E402

FAST = """
episode: {max_steps: %d}
planner: {samples: 16, iterations: 2, topk: 4}
sim: {width: 64, height: 64, shadows: false, real_time_factor: %s}
"""
STEP_LINE = re.compile(r"^\s+(\d+)\s+(\d+\.\d{6}|-)\s+(\d+\.\d) cm\s+(\d+\.\d\d) s$")


@pytest.fixture
def node_children(monkeypatch):
    """Record every node process the demo starts (by ROS name); assert each is gone after."""
    started = []
    start = node_processes.NodeProcess.start

    def recording_start(self):
        started.append(self)
        return start(self)

    monkeypatch.setattr(node_processes.NodeProcess, "start", recording_start)
    yield started
    for child in started:
        assert child.process.returncode is not None, f"{child.ros_name} was not waited for"
        with pytest.raises(ProcessLookupError):
            os.kill(child.process.pid, 0)
        rule = {k: child.environment[k] for k in ("ROS_AUTOMATIC_DISCOVERY_RANGE",
                                                   "ROS_LOCALHOST_ONLY", "ROS_DOMAIN_ID")}
        assert rule == {"ROS_AUTOMATIC_DISCOVERY_RANGE": "LOCALHOST", "ROS_LOCALHOST_ONLY": "1",
                        "ROS_DOMAIN_ID": os.environ["ROS_DOMAIN_ID"]}, "the network rule"


def test_node_processes_get_the_network_rule_and_this_package(monkeypatch):
    monkeypatch.setenv("ROS_LOCALHOST_ONLY", "0")
    monkeypatch.delenv("ROS_AUTOMATIC_DISCOVERY_RANGE", raising=False)
    env = node_processes.child_environment({"OMP_NUM_THREADS": "1"})
    assert env["ROS_AUTOMATIC_DISCOVERY_RANGE"] == "LOCALHOST" and env["ROS_LOCALHOST_ONLY"] == "1"
    assert env["ROS_DOMAIN_ID"] == os.environ["ROS_DOMAIN_ID"] and env["OMP_NUM_THREADS"] == "1"
    root = str(Path(reach_demo.__file__).resolve().parents[2])
    assert env["PYTHONPATH"].split(os.pathsep)[0] == root
    environ = {}
    domain = node_processes.keep_dds_local(environ)
    assert 1 <= int(domain) <= 100 and environ["ROS_LOCALHOST_ONLY"] == "1"
    assert node_processes.keep_dds_local({"ROS_DOMAIN_ID": "42"}) == "42"


def test_the_planner_process_line_comes_from_diagnostics_values_not_log_words():
    values = {"mode": "blocking", "device": "cuda:0", "dtype": "torch.bfloat16",
              "torch_threads": "4", "gil_switch_interval_ms": "5"}
    assert reach_demo._device_text(values) == ("blocking control, device cuda:0, "
                                               "torch.bfloat16, 4 CPU threads, GIL switch "
                                               "interval 5 ms")
    assert "see its log" in reach_demo._device_text({"mode": "blocking"})


def test_demo_starts_each_node_as_the_launch_file_does(tmp_path):
    config = load_reach_config(_config(tmp_path, 2))
    processes = reach_demo.demo_processes(reach_demo.demo_nodes(config, Path("m.pt"))).processes
    assert [p.ros_name for p in processes] == ["sim_node", "vjepa_planner"]
    sim, planner = (p.command for p in processes)
    assert sim[1:3] == ["-m", "vjepa_ros.nodes.sim_node"]
    assert planner[1:3] == ["-m", "vjepa_ros.nodes.planner_node"]
    assert planner[planner.index("--params-file") + 1].endswith("config/planner.yaml")
    for remap in ("image:=/camera/camera/color/image_raw", "target_pose:=target_pose",
                  "joint_states:=/joint_states"):
        assert planner[planner.index(remap) - 1] == "-r"
    assert "use_sim_time:=true" in planner and "control.mode:=\"blocking\"" in planner
    assert "model.checkpoint:=\"m.pt\"" in planner and "publish_clock:=true" in sim


def _config(tmp_path, max_steps: int, real_time_factor: float = 3.0):
    path = tmp_path / "fast.yaml"
    path.write_text(FAST % (max_steps, real_time_factor))
    return path


def test_reach_command_prints_steps_and_saves_strip_and_gif(tiny_world_model, tmp_path, capsys,
                                                            monkeypatch, node_children):
    other_publishers = []
    follow = reach_client.ReachDemo.follow

    def follow_and_look(self, *args):
        stop = follow(self, *args)
        diagnostics = self.client.diagnostics  # the planner's /diagnostics, while enabled
        assert diagnostics["enabled"] == "True", diagnostics
        other_publishers.append(diagnostics["other_command_publishers"])
        return stop

    monkeypatch.setattr(reach_client.ReachDemo, "follow", follow_and_look)
    out = tmp_path / "out"
    code = main(["reach", "--checkpoint", str(tiny_world_model), "--config",
                 str(_config(tmp_path, 2)), "--out", str(out)])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert [child.ros_name for child in node_children] == ["sim_node", "vjepa_planner"]
    assert other_publishers == [""], "the guiding hand let go before the planner commanded"
    steps = [STEP_LINE.match(line) for line in printed.out.splitlines()]
    steps = [m for m in steps if m]
    assert [int(m.group(1)) for m in steps] == [1, 2], printed.out
    assert all(float(m.group(3)) > 0 for m in steps)
    assert "capture_goal" in printed.out and "step limit (2 steps)" in printed.out
    assert "vjepa_planner process: blocking control, device cpu" in printed.out, \
        "the planner's process, read from its /diagnostics values"
    from PIL import Image

    with Image.open(out / "reach.gif") as gif:
        assert gif.n_frames == 3  # two planned frames and the final one
    with Image.open(out / "reach_strip.png") as strip:
        assert strip.width == 4 * 64  # goal, two steps, final
    assert str(out / "reach.gif") in printed.out


def test_missing_or_corrupt_model_exits_1_and_stops_the_simulator(tmp_path, capsys,
                                                                  node_children, monkeypatch):
    assert main(["reach", "--checkpoint", str(tmp_path / "missing.pt")]) == 1
    assert capsys.readouterr().err == f"vjepa-ros reach: --checkpoint {tmp_path / 'missing.pt'} " \
        f"does not exist: give {CHECKPOINT_FORMAT}\n"
    assert not node_children, "a missing file is caught before anything starts"
    corrupt = tmp_path / "corrupt.pt"
    corrupt.write_bytes(b"PK\x03\x04 not really a zip")
    assert main(["reach", "--checkpoint", str(corrupt), "--config",
                 str(_config(tmp_path, 2)), "--out", str(tmp_path / "o")]) == 1
    assert capsys.readouterr().err == f"vjepa-ros reach: --checkpoint {corrupt} is not a " \
        "vjepa_ros checkpoint (a truncated or damaged torch.save file): give " \
        f"{CHECKPOINT_FORMAT}\n"
    assert not node_children, "a file that is no checkpoint is caught before anything starts"
    headless = tmp_path / "headless.pt"  # a checkpoint whose predictor lacks a weight
    torch.save({"encoder": {"patch_embed.proj.weight": torch.zeros(8, 3, 2, 4, 4)},
                "predictor": {"state_encoder.weight": torch.zeros(8, 7)}}, headless)
    assert main(["reach", "--checkpoint", str(headless), "--config",
                 str(_config(tmp_path, 2)), "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err  # the cheap check runs the load's entry checks (fix52h)
    assert err.startswith(f"vjepa-ros reach: --checkpoint {headless}: ")
    assert "predictor_embed.weight" in err and err.count("\n") == 1
    assert not node_children, "a predictor the load refuses is caught before anything starts"
    # a flaw only the planner's own load finds (stand-in: the cheap check bypassed) is reported
    # from its process, and the simulator started beside it is stopped
    import vjepa_ros.models.checkpoint as checkpoint_module

    monkeypatch.setattr(checkpoint_module, "check_checkpoint",
                        lambda *a, **k: checkpoint_module.CheckpointSizes(None, None))
    assert main(["reach", "--checkpoint", str(headless), "--config",
                 str(_config(tmp_path, 2)), "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert "vjepa-ros reach:" in err and "headless.pt" in err
    assert "the planner process (vjepa_planner) exited with code 1" in err
    assert not (tmp_path / "o").exists()
    assert len(node_children) == 2  # the simulator started beside it, stopped on its error


def test_simulator_dying_is_reported_with_its_output(tiny_world_model, tmp_path, capsys,
                                                     node_children, monkeypatch):
    """A sim_node that refuses its settings and exits: its code and its own message come along.

    ``reach`` refuses a negative real-time factor itself before any node starts (test_cli_errors);
    here that check is bypassed so that the child is the one to refuse it, as a setting only the
    node knows would be.
    """
    from vjepa_ros.sim.reach_config import ReachDemoConfig

    monkeypatch.setattr(ReachDemoConfig, "check_simulator_settings", lambda self: None)
    code = main(["reach", "--checkpoint", str(tiny_world_model), "--config",
                 str(_config(tmp_path, 2, real_time_factor=-1.0)), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 1
    # a -p value the node refuses is its usage error, 2 (fix61u); reach itself ends 1
    assert "the simulator process (sim_node) exited with code 2" in err
    assert "real_time_factor must lie in [0, 100], got -1.0" in err, "the child's own message"
    assert not (tmp_path / "o").exists()


def test_ctrl_c_disables_the_planner_and_stops_the_nodes(tiny_world_model, tmp_path, capsys,
                                                        monkeypatch, node_children):
    answers = []
    set_enabled = reach_client.ReachClient.set_enabled

    def recording_set_enabled(self, enabled, *args, **kwargs):
        answers.append((enabled, set_enabled(self, enabled, *args, **kwargs)))
        return answers[-1][1]

    def interrupted(self, follower):
        raise KeyboardInterrupt  # Ctrl-C while the planner commands the arm

    monkeypatch.setattr(reach_client.ReachClient, "set_enabled", recording_set_enabled)
    monkeypatch.setattr(reach_client.ReachDemo, "follow", interrupted)
    code = main(["reach", "--checkpoint", str(tiny_world_model), "--config",
                 str(_config(tmp_path, 2)), "--out", str(tmp_path / "o")])
    assert code == 130 and capsys.readouterr().err.endswith(
        "vjepa-ros reach: interrupted; planner disabled, nodes stopped; nothing saved (the "
        "pictures come after the episode)\n")
    assert [enabled for enabled, _ in answers] == [True, False]
    assert answers[-1][1].startswith("disabled: shadow mode"), "the planner confirmed it"
    assert len(node_children) == 2


def test_a_stop_during_start_up_says_the_planner_never_ran(tiny_world_model, tmp_path, capsys,
                                                           monkeypatch):
    """SIGTERM while the nodes start (was: "terminated; planner disabled", never enabled)."""
    from vjepa_ros.terminate import Terminated

    def terminated(self):
        raise Terminated

    monkeypatch.setattr(node_processes.NodeProcess, "start", terminated)
    code = main(["reach", "--checkpoint", str(tiny_world_model), "--config",
                 str(_config(tmp_path, 2)), "--out", str(tmp_path / "o")])
    assert code == 143 and capsys.readouterr().err == (
        "vjepa-ros reach: terminated; the nodes were starting (the planner never commanded the "
        "arm); nodes stopped; nothing saved\n")
    assert reach_demo.stop_line(KeyboardInterrupt()) == reach_demo.STOPPED["start-up"]


def _box_away_from_the_arm(monkeypatch):
    """Put the planner's safety box 30 cm in front of the arm: every pose is outside it."""
    nodes = reach_demo.demo_nodes

    def boxed(config, checkpoint):
        planner, *others = nodes(config, checkpoint)
        planner.parameters.update({"safety.workspace_min": [0.9, -0.45, 0.05],
                                   "safety.workspace_max": [1.0, 0.45, 0.70]})
        return [planner, *others]

    monkeypatch.setattr(reach_demo, "demo_nodes", boxed)


def _no_capture(monkeypatch):
    """Never capture the goal: the planner is enabled without one."""
    monkeypatch.setattr(reach_client.ReachClient, "capture_goal", lambda self, check: "skipped")


@pytest.mark.parametrize("hold, expected", [
    (_box_away_from_the_arm, "(safety in its /diagnostics): end effector is outside the "
     "workspace box"),
    (_no_capture, "(no_goal in its /diagnostics): no goal: call ~/capture_goal"),
])
def test_a_held_arm_ends_the_demo_at_once_with_why_and_what_to_do(hold, expected, tiny_world_model,
                                                                  tmp_path, capsys, monkeypatch,
                                                                  node_children):
    hold(monkeypatch)
    answers = []
    set_enabled = reach_client.ReachClient.set_enabled
    monkeypatch.setattr(reach_client.ReachClient, "set_enabled", lambda self, enabled, *a, **k:
                        answers.append(enabled) or set_enabled(self, enabled, *a, **k))
    config = _config(tmp_path, 5)
    config.write_text(config.read_text() + "timeout_s: 120\n")  # without the fix: no result
    code = main(["reach", "--checkpoint", str(tiny_world_model), "--config", str(config),
                 "--out", str(tmp_path / "o")])
    printed = capsys.readouterr()
    assert code == 1
    error = printed.err.strip().splitlines()[-1]
    assert error.startswith("vjepa-ros reach: the planner holds the arm "), printed.err
    assert expected in error and "the episode ends after 0 steps: " in error
    kind = expected[1:].split(" ")[0]
    assert error.endswith(reach_follower.HOLD_ADVICE[kind] + "; nothing saved")  # (fix31c)
    assert not [line for line in printed.out.splitlines() if STEP_LINE.match(line)], \
        "nothing commanded"
    assert answers == [True, False], "disabled once held: no further command"
    assert not (tmp_path / "o").exists() and len(node_children) == 2


@pytest.mark.parametrize("width, noted", [(32, True), (64, False)])
def test_reach_notes_a_camera_size_the_model_was_not_trained_at(width, noted, tiny_world_model,
                                                                 tmp_path, capsys, monkeypatch):
    """The size the checkpoint records (64 px here) against the simulator's camera."""
    def stop(*args):
        raise RuntimeError("stopped before the nodes start")

    monkeypatch.setattr(reach_demo, "demo_processes", stop)
    config = tmp_path / "camera.yaml"
    config.write_text(f"sim: {{width: {width}, height: {width}}}\n")
    assert main(["reach", "--checkpoint", str(tiny_world_model), "--config", str(config),
                 "--out", str(tmp_path / "o")]) == 1
    printed = capsys.readouterr()
    assert "stopped before the nodes start" in printed.err
    expected = f"note         the camera's frames are {width}x{width} px, smaller than the " \
        "world model's 64x64 input: they are upsampled"
    assert any(line.startswith(expected) for line in printed.out.splitlines()) is noted, \
        printed.out


def _episode(success: bool) -> ReachEpisode:
    frame = np.zeros((8, 8, 3), np.uint8)
    return ReachEpisode(frame, np.zeros(7), 0.17, [], 0.03 if success else 0.12, frame, success,
                        "reached" if success else "step limit", 0.05)


def test_require_success_turns_a_miss_into_exit_1(monkeypatch, tmp_path, capsys, tiny_world_model):
    outcome = []
    monkeypatch.setattr(reach_demo, "run_reach_demo", lambda config, out_dir, **_: outcome[-1])
    args = ["reach", "--checkpoint", str(tiny_world_model), "--out", str(tmp_path)]
    outcome.append(_episode(success=False))
    assert main(args) == 0, "by default a demo that ran exits 0, reached or not"
    assert main([*args, "--require-success"]) == 1
    assert "goal not reached (step limit, 12.0 cm); --require-success" in capsys.readouterr().err
    outcome.append(_episode(success=True))
    assert main([*args, "--require-success"]) == 0


def test_reach_over_ros_with_an_exact_model_succeeds_on_the_benchmark_goal(tmp_path, monkeypatch,
                                                                           node_children,
                                                                           tiny_world_model):
    """The oracle in the planner's process: the demo stops on success, at the goal of its seed."""
    here = str(Path(__file__).resolve().parent)  # test/ros_oracle_planner.py: the planner's main
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [
        here, os.environ.get("PYTHONPATH")])))
    monkeypatch.setitem(node_registry.NODES, "planner", node_registry.NodeEntry(
        "ros_oracle_planner:OraclePlannerNode", "planner.yaml"))
    episodes, run = [], reach_demo.run_reach_demo
    monkeypatch.setattr(reach_demo, "run_reach_demo",
                        lambda *args, **kwargs: episodes.append(run(*args, **kwargs)) or
                        episodes[-1])
    code = main(["reach", "--checkpoint", str(tiny_world_model), "--config",
                 str(_config(tmp_path, 6)),
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
    assert len(node_children) == 2


def test_simulator_child_dies_with_a_killed_demo(tmp_path):
    """SIGKILL to the demo cannot run its clean-up: the kernel stops the child (Linux)."""
    import signal
    import subprocess
    import sys

    if not sys.platform.startswith("linux"):
        pytest.skip("PR_SET_PDEATHSIG is Linux only")
    parent = subprocess.Popen(
        [sys.executable, "-c", "import time; from vjepa_ros.nodes.node_launch import NodeLaunch; "
         "from vjepa_ros.nodes.node_processes import NodeProcess; "
         "print(NodeProcess(NodeLaunch('sim'), 'simulator', 'sim_node').start().process.pid, "
         "flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True, cwd=os.getcwd())
    try:
        child = int(parent.stdout.readline())
        assert _running(child)
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        parent.stdout.close()
    # SIGTERM (PR_SET_PDEATHSIG) stops the child as a stop signal does: its line, then the
    # interpreter's exit after its imports (seconds; 10x that on a busy 2-core machine)
    deadline = time.monotonic() + 60.0
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


@pytest.mark.parametrize("spelling", ["$F56F_MODELS/wm.pt", "${F56F_MODELS}/wm.pt",
                                      "$F56F_SUB/wm.pt"])
def test_a_settings_files_checkpoint_naming_a_variable_is_the_file_it_points_to(
        tmp_path, monkeypatch, spelling):
    """``checkpoint: $HOME/models/wm.pt`` in a --config file: no shell expanded it (final56f).

    It was read as a relative path (``$HOME/...``) and refused as not in the working
    directory; ``$F56F_SUB`` expands to a relative path, which is the working directory's.
    """
    from vjepa_ros.sim.reach_config import ReachDemoConfig

    (tmp_path / "models").mkdir()
    model = tmp_path / "models" / "wm.pt"
    model.write_bytes(b"read later by the loader")
    monkeypatch.setenv("F56F_MODELS", str(tmp_path / "models"))
    monkeypatch.setenv("F56F_SUB", "models")
    monkeypatch.chdir(tmp_path)
    settings = tmp_path / "settings" / "reach.yaml"
    config = ReachDemoConfig(checkpoint=spelling)
    found = reach_demo.checkpoint_path(config, f"{settings}: checkpoint", settings)
    assert found.resolve() == model


def test_a_settings_files_checkpoint_naming_an_unset_variable_is_refused_naming_it(
        tmp_path, monkeypatch):
    from vjepa_ros.sim.reach_config import ReachDemoConfig

    monkeypatch.delenv("F56F_UNSET", raising=False)
    settings = tmp_path / "reach.yaml"
    option = f"{settings}: checkpoint"
    config = ReachDemoConfig(checkpoint="$F56F_UNSET/wm.pt")
    for given in (settings, None):  # from --config, and as --checkpoint would be
        with pytest.raises(ValueError) as refused:
            reach_demo.checkpoint_path(config, option, given)
        message = str(refused.value)
        assert message.startswith(f"{option} $F56F_UNSET/wm.pt names the environment variable "
                                  "F56F_UNSET, which is not set here: set it in the environment")
        assert message.endswith("or write the path out") and "\n" not in message

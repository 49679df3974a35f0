"""Ctrl-C ends every long-running ``vjepa-ros`` command with exit status 130 (128 + SIGINT).

The KeyboardInterrupt is injected where each command does its long work (model loading, bag
reading, simulation, training data), as Ctrl-C would raise it there. Every module of the
package's ROS-free core is imported before anything is patched: a module first imported while a
function is patched (``from vjepa_ros.recordings.bags import read_recording`` at its top) would
stay bound to the interrupting stand-in for the rest of the test run and abort later tests.
"""

from pathlib import Path

import pytest

from vjepa_ros.cli import main


def _interrupt(*args, **kwargs):
    raise KeyboardInterrupt


@pytest.fixture(autouse=True, scope="module")
def _core_imported():
    import importlib
    import pkgutil

    import vjepa_ros

    for info in pkgutil.walk_packages(vjepa_ros.__path__, "vjepa_ros."):
        if not info.name.startswith("vjepa_ros.nodes"):
            importlib.import_module(info.name)


@pytest.mark.parametrize("argv, module, name", [
    (["demo"], "vjepa_ros.demo", "run_demo"),
    (["eval", "BAG"], "vjepa_ros.recordings.bags", "open_reader"),  # read_recording opens it first
    (["camera-check", "BAG"], "vjepa_ros.recordings.bag_files", "open_reader"),  # checked first
    (["record", "OUT/new_bag"], "vjepa_ros.eval.record", "simulate_episode"),  # BAG exists
    (["bag-from-npz", "OUT/new_bag"], "vjepa_ros.example_episode", "load_example"),
    (["collect", "--out", "OUT/data", "--episodes", "1"], "vjepa_ros.sim.collector", "collect"),
    (["pretrain", "--data", "BAG", "--out", "OUT/enc.pt"], "vjepa_ros.train.pretrain_data",
     "load_clip_segments"),
    (["check"], "vjepa_ros.package_files", "config_path"),  # (torch, rclpy imported before)
])
def test_ctrl_c_in_a_command_exits_130_with_one_line(tmp_path, monkeypatch, capsys, argv,
                                                     module, name):
    import importlib

    monkeypatch.setattr(importlib.import_module(module), name, _interrupt)
    monkeypatch.chdir(tmp_path)  # eval makes its default output directory here
    bag = tmp_path / "bag"
    bag.mkdir()
    argv = [str(bag) if a == "BAG" else a.replace("OUT", str(tmp_path)) for a in argv]
    assert main(argv) == 130
    saved = {"collect": "; nothing saved (0 of 1 episode)",  # no folder named: none was made
             "pretrain": " before the first step; nothing written",
             # (were a bare "interrupted", as if something might have been kept)
             "eval": "; nothing saved (stopped before the first step was evaluated; eval "
                     "writes its report into eval_bag, partial when stopped later)",
             "record": f"; nothing saved (record writes the bag {tmp_path}/new_bag once its 16 "
                       "frames are simulated)",
             "bag-from-npz": f"; nothing saved (bag-from-npz writes the bag {tmp_path}/new_bag "
                             "once the episode is read)",
             "camera-check": "; nothing saved (camera_check.json, camera_check.png and "
                             "planner_camera_check.yaml go into camera_check_bag once the check "
                             "has ended)",
             "demo": "; nothing saved (demo writes no files)",
             "check": "; nothing saved (check writes no files)"}[argv[0]]
    assert capsys.readouterr().err == f"vjepa-ros {argv[0]}: interrupted{saved}\n"
    assert not (tmp_path / "new_bag").exists() and not (tmp_path / "eval_bag").exists()


@pytest.mark.parametrize("stop, word, status", [(KeyboardInterrupt, "interrupted", 130),
                                                ("sigterm", "terminated", 143)])
@pytest.mark.parametrize("argv, module, name", [
    (["eval", "BAG"], "vjepa_ros.eval.command", "cem_changes"),
    (["camera-check", "BAG"], "vjepa_ros.eval.camera_check_command", "checked_options"),
    (["record", "OUT/new_bag"], "vjepa_ros.sim.command", "checked_sim_options"),
    (["bag-from-npz", "OUT/new_bag"], "vjepa_ros.recordings.step_rates", "rate_problem"),
    (["collect", "--out", "OUT/data"], "vjepa_ros.sim.command", "_check_collect_options"),
])
def test_a_stop_while_a_command_checks_its_options_is_one_bare_line(
        tmp_path, monkeypatch, capsys, argv, module, name, stop, word, status):
    """Stopped before its work started, a command names nothing saved: ``PROG: interrupted``.

    The commands pass such a stop on (``command_errors.command_ended`` without ``saved``) to
    ``cli.main``'s handler, which says the one line and returns 130 (143 after SIGTERM).
    """
    import importlib

    from vjepa_ros.terminate import Terminated

    def stopped(*args, **kwargs):
        raise Terminated if stop == "sigterm" else KeyboardInterrupt

    monkeypatch.setattr(importlib.import_module(module), name, stopped)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bag").mkdir()
    argv = [str(tmp_path / "bag") if a == "BAG" else a.replace("OUT", str(tmp_path))
            for a in argv]
    assert main(argv) == status
    assert capsys.readouterr().err == f"vjepa-ros {argv[0]}: {word}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bag"]  # no output folder


def _simulated(*args, **kwargs):
    """Return a simulated episode of 3 frames at once (``record.simulate_episode``)."""
    from types import SimpleNamespace

    import numpy as np

    from vjepa_ros.eval.synthetic import synthetic_episode
    from vjepa_ros.recordings.state_stream import StateStream

    frames, states, _ = synthetic_episode(2)
    times = np.arange(len(frames)) / 4.0  # the states at the frames' times (4 Hz)
    return (SimpleNamespace(frames=frames, states=states, timestamps=times),
            StateStream(times, states, np.zeros((len(frames), 9))))


def _stopped_at_the_second_pose(stop):
    """Return ``messages.pose_message`` raising ``stop`` at its second call (the second frame)."""
    from vjepa_ros.recordings import messages

    real, calls = messages.pose_message, []

    def pose_message(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise stop
        return real(*args, **kwargs)
    return pose_message


@pytest.mark.parametrize("stop, word", [(KeyboardInterrupt, "interrupted"), ("sigterm",
                                                                              "terminated")])
@pytest.mark.parametrize("command", ["bag-from-npz", "record"])
def test_a_command_stopped_while_writing_its_bag_says_so_and_leaves_nothing(
        tmp_path, monkeypatch, capsys, stop, word, command):
    """Say "stopped while writing" (was: "once its 16 frames are simulated": they were).

    ``record`` stopped while writing its bag said "nothing saved (... once its 16 frames are
    simulated; the part written was removed)"; the frames were simulated.
    """
    from vjepa_ros.eval import record
    from vjepa_ros.recordings import messages
    from vjepa_ros.terminate import Terminated

    bag = tmp_path / "new_bag"
    monkeypatch.setattr(record, "simulate_episode", _simulated, raising=False)  # (record)
    monkeypatch.setattr(messages, "pose_message", _stopped_at_the_second_pose(
        Terminated if stop == "sigterm" else KeyboardInterrupt))
    assert main([command, str(bag)]) == (143 if stop == "sigterm" else 130)
    assert capsys.readouterr().err == (
        f"vjepa-ros {command}: {word}; stopped while writing the bag {bag}: nothing saved (the "
        "part written is removed)\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no bag, no partial folder


@pytest.mark.parametrize("command", ["bag-from-npz", "record"])
def test_a_stop_cutting_the_write_short_removes_the_partial_folder_only(
        tmp_path, monkeypatch, capsys, command):
    """What a stop left of the partial folder (a second Ctrl-C in its removal) is removed."""
    from vjepa_ros.atomic_files import partial_path
    from vjepa_ros.eval import record
    from vjepa_ros.recordings import bag_writing

    bag = tmp_path / "new_bag"

    def cut_short(path, *args, **kwargs):
        (partial_path(path) / "new_bag").mkdir(parents=True)
        (partial_path(path) / "new_bag" / "new_bag_0.mcap").write_bytes(b"part")
        raise KeyboardInterrupt

    monkeypatch.setattr(record, "simulate_episode", _simulated, raising=False)  # (record)
    monkeypatch.setattr(bag_writing if command == "bag-from-npz" else record,
                        "write_bag" if command == "bag-from-npz" else "write_sim_bag", cut_short)
    assert main([command, str(bag)]) == 130
    assert capsys.readouterr().err.endswith(
        f"stopped while writing the bag {bag}: nothing saved (the part written is removed)\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["bag-from-npz", "record"])
def test_a_stop_just_after_the_bag_was_renamed_keeps_it_and_says_it_is_saved(
        tmp_path, monkeypatch, capsys, command):
    """Keep the bag a stop found whole at NAME (renamed to it a moment before the stop).

    The clean-up after the stop removed whatever was at NAME, the whole bag, and said "nothing
    saved".
    """
    import shutil

    from vjepa_ros.eval import record
    from vjepa_ros.recordings.bags import read_recording

    bag = tmp_path / "new_bag"
    real, stops = shutil.rmtree, []

    def rmtree(path, *args, **kwargs):  # the partial folder's removal after the rename
        if bag.is_dir() and not stops:
            stops.append(path)
            raise KeyboardInterrupt
        return real(path, *args, **kwargs)

    monkeypatch.setattr(record, "simulate_episode", _simulated, raising=False)  # (record)
    monkeypatch.setattr(shutil, "rmtree", rmtree)
    assert main([command, str(bag)]) == 130
    assert stops, "the stop came after the rename"
    assert capsys.readouterr().err == (
        f"vjepa-ros {command}: interrupted; stopped just after writing the bag: {bag} is saved "
        "whole\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new_bag"]  # the partial folder gone
    assert len(read_recording(bag).states) == (3 if command == "record" else 2)


def test_bag_from_npz_never_imports_torch(tmp_path):
    """Write the bag without torch, whose import holds a stop until it ends (``held_imports``).

    ``bag-from-npz`` imported torch (for ``demo.load_example``): a SIGTERM meanwhile waited for
    its import to end, 25 s on a loaded machine.
    """
    import subprocess
    import sys

    from conftest import REPO_ROOT

    script = ("import sys\n"
              "from vjepa_ros.cli import main\n"
              f"status = main(['bag-from-npz', {str(tmp_path / 'bag')!r}])\n"
              "print('torch imported' if 'torch' in sys.modules else 'no torch')\n"
              "sys.exit(status)\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            cwd=REPO_ROOT, timeout=300)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.startswith(f"wrote {tmp_path / 'bag'} (mcap)")
    assert result.stdout.endswith("\nno torch\n")


def test_a_stopped_camera_check_names_an_earlier_checks_files_and_a_cut_short_write(tmp_path):
    """What ``camera-check`` and ``~/camera_check`` say they saved when stopped."""
    from vjepa_ros.eval.camera_check_report import stopped_check_saved

    files = "camera_check.json, camera_check.png and planner_camera_check.yaml"
    assert stopped_check_saved(tmp_path, writing=False) == (
        f"nothing saved ({files} go into {tmp_path} once the check has ended)")
    (tmp_path / "camera_check.json").write_text("{}")  # an earlier check's report
    assert stopped_check_saved(tmp_path, writing=False) == (
        f"nothing saved ({files} go into {tmp_path} once the check has ended; the files there "
        "are an earlier check's)")
    assert stopped_check_saved(tmp_path, writing=True) == (
        f"stopped while writing into {tmp_path}: {files} may be incomplete or an earlier "
        "check's; run the check again")


def test_launch_exits_130_on_ctrl_c_after_stopping_its_nodes(monkeypatch, capsys):
    from vjepa_ros.nodes import launcher

    events = []

    class Interrupted:
        nodes = []

        def __init__(self, nodes, use_sim_time=False, **kwargs):
            events.append("started")

        def spin(self):
            raise KeyboardInterrupt

        def shutdown(self):
            events.append("shut down")

    monkeypatch.setattr(launcher, "Launch", Interrupted)
    monkeypatch.setattr(launcher, "use_camera_profile", lambda: "")
    demo_model = Path(launcher.__file__).parent.parent / "data" / "demo_world_model.pt"
    assert main(["launch", "--checkpoint", str(demo_model)]) == 130  # a file: checked first
    assert events == ["started", "shut down"]
    assert capsys.readouterr().err.endswith("vjepa-ros launch: interrupted\n")


LAUNCH_UNTIL_SIGTERM = """
import os, signal, sys, time
from vjepa_ros.cli import main
from vjepa_ros.nodes import launcher

class Spinning:
    nodes = []
    def __init__(self, nodes, use_sim_time=False, **kwargs):
        print("started", flush=True)
    def spin(self):
        os.kill(os.getpid(), signal.SIGTERM)  # as kill PID from another terminal
        time.sleep(5)
    def shutdown(self):
        print("shut down", flush=True)

launcher.Launch = Spinning
launcher.use_camera_profile = lambda: ""
sys.exit(main(["launch", "--checkpoint", sys.argv[1]]))
"""


def test_launch_exits_143_on_sigterm_after_stopping_its_nodes():
    """SIGTERM (kill, systemctl stop) ended launch at once: no clean stop, no line."""
    import subprocess
    import sys

    demo_model = Path(__file__).parent.parent / "vjepa_ros" / "data" / "demo_world_model.pt"
    done = subprocess.run([sys.executable, "-c", LAUNCH_UNTIL_SIGTERM, str(demo_model)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 143, done.stderr
    assert done.stdout == "started\nshut down\n"
    assert done.stderr.endswith("vjepa-ros launch: terminated\n"), done.stderr


COMMAND_UNTIL_SIGTERM = """
import os, signal, sys, time
import vjepa_ros.sim.collector as collector
from vjepa_ros.cli import main

def collect(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGTERM)  # as kill PID from another terminal, mid-work
    time.sleep(5)

collector.collect = collect
sys.exit(main(["collect", "--out", sys.argv[1], "--episodes", "1"]))
"""

SCRIPT_UNTIL_SIGTERM = """
import os, signal, sys, time
from vjepa_ros.command_errors import run_script

def main():
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(5)

sys.argv[0] = "bench_x.py"
raise SystemExit(run_script(main))
"""


@pytest.mark.parametrize("code, line", [(COMMAND_UNTIL_SIGTERM, "vjepa-ros collect: terminated; "
                                         "nothing saved (0 of 1 episode)"),
                                        (SCRIPT_UNTIL_SIGTERM, "bench_x.py: terminated; "
                                         "nothing saved")])
def test_a_command_and_a_benchmark_exit_143_with_one_line_on_sigterm(tmp_path, code, line):
    """SIGTERM ended collect, run and the benchmarks at once: status 143 without a word."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=120)
    line = line.replace("OUT", str(tmp_path / "out"))
    assert (done.returncode, done.stderr) == (143, line + "\n")


COLLECT_UNTIL_SIGTERM = """
import os, signal, sys, time
from pathlib import Path
import vjepa_ros.sim.collector as collector
from vjepa_ros.cli import main

def collect(out_dir, episodes, seed, *args, **kwargs):
    Path(out_dir).mkdir(exist_ok=True)  # made already to hold its lock (out_lock)
    for index in range(3):  # 3 of 4 episodes written, then kill PID
        (Path(out_dir) / f"episode_{seed + index:06d}.npz").write_bytes(b"")
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(5)

collector.collect = collect
sys.exit(main(["collect", "--out", sys.argv[1], "--episodes", "4"]))
"""


def test_collect_stopped_says_how_many_episodes_it_saved_and_where(tmp_path):
    """SIGTERM after 3 of 4 episodes printed only ``vjepa-ros collect: terminated``."""
    import subprocess
    import sys

    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-c", COLLECT_UNTIL_SIGTERM, str(out)],
                          capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stderr) == (
        143, f"vjepa-ros collect: terminated; 3 of 4 episodes saved in {out}\n")


@pytest.mark.parametrize("code, line", [
    (COMMAND_UNTIL_SIGTERM.replace("SIGTERM)", "SIGINT)"),
     "vjepa-ros collect: interrupted; nothing saved (0 of 1 episode)"),
    (SCRIPT_UNTIL_SIGTERM.replace("SIGTERM)", "SIGINT)"),
     "bench_x.py: interrupted; nothing saved")])
def test_a_command_started_in_the_background_by_a_script_stops_on_sigint(tmp_path, code, line):
    """``vjepa-ros collect ... &`` in a script: kill -INT did nothing (the shell ignores SIGINT).

    The episodes ran to the end, status 0; launch and the node executables stopped already.
    """
    import signal
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=120,
                          preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    assert (done.returncode, done.stderr) == (130, line + "\n")


def test_collect_stopped_while_the_simulator_loads_says_nothing_was_saved(tmp_path, monkeypatch,
                                                                          capsys):
    """A stop during the simulator's imports (seconds) printed only ``... interrupted``."""
    import sys
    import types

    from vjepa_ros.cli import main

    class Loading(types.ModuleType):
        def __getattr__(self, name):
            raise KeyboardInterrupt  # Ctrl-C while pybullet and torch load

    monkeypatch.setitem(sys.modules, "vjepa_ros.sim.collector", Loading("collector"))
    out = tmp_path / "out"
    assert main(["collect", "--out", str(out), "--episodes", "2"]) == 130
    assert capsys.readouterr().err == ("vjepa-ros collect: interrupted; nothing saved "
                                       "(0 of 2 episodes)\n")

"""breaker49c: the README tried top to bottom as a new roboticist with a Franka.

Run as written (this checkout, one torch thread, 2 shared cores): ``vjepa-ros demo``, ``reach
--max-steps 3``, ``check`` (good and bad ``ROS_DOMAIN_ID``), every subcommand's ``--help``,
``bag-from-npz`` + ``eval`` (README's output), ``eval`` on the five field recordings, ``eval
--checkpoint demo`` on ``camera-8uc3`` (the cost note the README quotes), ``collect`` ->
``pretrain --steps 0`` -> ``train``, ``record sim_bag`` + ``camera-check --checkpoint demo``
(defaults, then ``--samples 64 --iterations 4``), ``run --task reach-with-object --world-model
oracle``, the launch files' arguments against the README.

Defects (fixed in fix49c): ``camera-check BAG --checkpoint demo`` on the CPU plans the paper's
S 800, I 10 twice a step without a word of what it costs (a 16-frame ``sim_bag`` ran 8 min for
the first of its two passes; ``eval`` on the same settings says "about 35 s a step" first);
``launch/sim.launch.py`` sends the simulator's goal images to ``/goal_image``, which no planner
reads, though the README's launch-file route sends goals with ``/goal_pose`` as its ``ros2 run``
line (``-r goal_image:=/vjepa_planner/goal_image``) does; the README's ``train`` output lacks the
``batch`` line and the ``held out`` part every run prints; its quoted no-timestamps note says
"10 Hz, the step rate" where the step rate (and the note) is 4 Hz. Pins: eval's cost note before
its first step, the remapping of ``reach`` / ``vjepa-ros launch --node sim``, train's lines.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
# the README's Post-training "Data" prose, moved word for word (docs61b)
TRAIN_REFERENCE = (ROOT / "docs" / "train_reference.md").read_text(encoding="utf-8")
ENTRY = "import sys; from vjepa_ros.entry_points import vjepa_ros_command as m; sys.exit(m())"


def _env() -> dict:
    """Return the environment of a user's command: this checkout, one torch thread, unbuffered."""
    return {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1",
            "PYTHONUNBUFFERED": "1"}


def vjepa_ros(*args: str, cwd: Path, timeout: float = 180) -> subprocess.CompletedProcess:
    """Run ``vjepa-ros ARGS`` in ``cwd`` as a user would; return the finished process."""
    return subprocess.run([sys.executable, "-c", ENTRY, *args], cwd=cwd, env=_env(),
                          capture_output=True, text=True, timeout=timeout)


def until_first_step(*args: str, cwd: Path, limit_s: float = 150, bar: str = "eval:") -> str:
    """Run ``vjepa-ros ARGS`` until its first progress bar (``bar``), stop it; return stdout.

    What a user sees before the first planned step (the process is stopped with SIGTERM then,
    or when it ends by itself, or after ``limit_s`` seconds); stderr is left in
    ``cwd/stderr.txt``.
    """
    out, err = cwd / "stdout.txt", cwd / "stderr.txt"
    with open(out, "w") as stdout, open(err, "w") as stderr:
        proc = subprocess.Popen([sys.executable, "-c", ENTRY, *args], cwd=cwd, env=_env(),
                                stdout=stdout, stderr=stderr)
        deadline = time.monotonic() + limit_s
        try:
            while proc.poll() is None and time.monotonic() < deadline:
                if bar in err.read_text():
                    break
                time.sleep(0.2)
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
    return out.read_text()


@pytest.fixture(scope="module")
def sim_bag(tmp_path_factory) -> Path:
    """``vjepa-ros record sim_bag --frames 16 --seed 0`` (the README's camera-check input)."""
    folder = tmp_path_factory.mktemp("bag")
    done = vjepa_ros("record", "sim_bag", "--frames", "16", "--seed", "0", cwd=folder)
    assert done.returncode == 0, done.stderr
    return folder / "sim_bag"


def test_eval_says_the_cpu_cost_before_its_first_step(sim_bag, tmp_path):
    """Pin: ``eval BAG --checkpoint demo`` (paper preset, CPU) notes the cost before step 1."""
    text = until_first_step("eval", str(sim_bag), "--checkpoint", "demo", "--out",
                            str(tmp_path / "ev"), "--threads", "1", "--no-plots",
                            cwd=tmp_path)
    assert "planning on the CPU with S 800, I 10" in text, text
    assert "--samples 100 --iterations 5 (what reach plans with on the CPU)" in text


def test_camera_check_says_the_cpu_cost_before_its_first_search(sim_bag, tmp_path):
    """``vjepa-ros camera-check sim_bag --checkpoint demo --out check`` on a CPU.

    Fixed in fix49c.

    Input: the README's offline command ("or --checkpoint demo") on ``vjepa-ros record sim_bag
    --frames 16 --seed 0``. What happened: one ``world model`` line, then ``eval:`` progress bars
    at 32 s a step, two passes of 15 steps (16 min; the first pass took 7 min 57 s before a
    user sees any other output). ``eval`` on the same model and settings first prints
    ``note planning on the CPU with S 800, I 10 (...) takes about 35 s a step, ...;
    --samples 100 --iterations 5 (what reach plans with on the CPU) about 2.2 s a step``
    (``eval/cpu_cost.py``, whose docstring names exactly this silent wait). Should: camera-check
    gives the same note (counting its two searches a step) before its first search.
    """
    text = until_first_step("camera-check", str(sim_bag), "--checkpoint", "demo", "--out",
                            str(tmp_path / "check"), "--threads", "1", cwd=tmp_path,
                            bar="camera-check search 1 of 2:")
    assert "planning on the CPU" in text, text
    bars = (tmp_path / "stderr.txt").read_text()  # its first bar says which search (mend50)
    assert "camera-check search 1 of 2:" in bars and "eval:" not in bars, bars


def test_other_routes_send_the_simulators_goal_images_to_the_planner():
    """Pin: the README's ``ros2 run`` line and ``vjepa-ros launch --node sim`` remap goal_image."""
    from vjepa_ros.nodes.node_launch import PLANNER_GOAL_IMAGE

    assert PLANNER_GOAL_IMAGE == "/vjepa_planner/goal_image"
    assert "-r goal_image:=/vjepa_planner/goal_image" in README
    sim_source = (ROOT / "vjepa_ros" / "nodes" / "sim_node.py").read_text()
    assert 'create_publisher(Image, "goal_image"' in sim_source  # relative: /goal_image
    planner = (ROOT / "vjepa_ros" / "nodes" / "planner_node.py").read_text()
    assert '"~/goal_image"' in planner


def test_sim_launch_file_sends_goal_images_to_the_planner(monkeypatch):
    """``ros2 launch vjepa_ros sim.launch.py publish_clock:=true width:=128 height:=128``.

    Fixed in fix49c.

    Input: the README's launch-file route (Demo section: "The same two launch files run the
    simulator without the demo command ... how to send a goal" in [Planner against the
    simulator], which is ``ros2 topic pub --once /goal_pose ...``: "The goal pose becomes a goal
    image for the planner"). What happens: ``sim.launch.py``'s ``Node`` has no remappings and no
    argument for one, so ``sim_node`` publishes the goal image on ``/goal_image``; the planner
    started by ``vjepa_mpc.launch.py`` subscribes ``/vjepa_planner/goal_image`` and never gets a
    goal. Should: the launch file remaps ``goal_image`` to the planner's topic (as ``reach`` and
    ``vjepa-ros launch --node sim`` do, ``node_launch.py``), or takes an argument for it and the
    README says so.
    """
    from test_launch_files import load_launch_file

    from vjepa_ros.nodes.node_launch import PLANNER_GOAL_IMAGE

    entities = load_launch_file(monkeypatch, "sim.launch.py")
    arguments = {e.args[0]: e.kwargs for e in entities
                 if type(e).__name__ == "DeclareLaunchArgument"}
    (node,) = [e.kwargs for e in entities if type(e).__name__ == "Node"]
    remapped = {source: target for source, target in node["remappings"]}
    assert remapped["goal_image"].args == ("goal_image_topic",)
    assert arguments["goal_image_topic"]["default_value"] == PLANNER_GOAL_IMAGE


@pytest.fixture(scope="module")
def train_run(tmp_path_factory) -> str:
    """``collect`` 3 episodes (one saved without timestamps), ``pretrain --steps 0``, ``train``.

    Returns train's stdout (``--quiet``: the lines the README shows, no progress bar).
    """
    folder = tmp_path_factory.mktemp("train")
    done = vjepa_ros("collect", "--out", "episodes", "--episodes", "3", "--frames", "16",
                     "--width", "64", "--height", "64", cwd=folder)
    assert done.returncode == 0, done.stderr
    first = folder / "episodes" / "episode_000000.npz"
    arrays = {k: v for k, v in np.load(first).items() if k != "timestamps"}
    np.savez(first, **arrays)  # the published notebook layout: no timestamps
    done = vjepa_ros("pretrain", "--data", "episodes", "--steps", "0", "--out", "encoder.pt",
                     "--threads", "1", "--quiet", cwd=folder)
    assert done.returncode == 0, done.stderr
    done = vjepa_ros("train", "--data", "episodes", "--out", "run", "--encoder", "encoder.pt",
                     "--steps", "2", "--threads", "1", "--quiet", cwd=folder)
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


def _readme_train_output() -> list[str]:
    """Return the lines of the README's ``vjepa-ros train`` output block."""
    start = README.index("Output (12 simulator episodes at 64×64")
    block = README[README.index("```\n", start) + 4:]
    return block[:block.index("```")].splitlines()


def _label(line: str) -> str:
    """Return a summary line's label: its first word, two for ``data train`` / ``data val``."""
    words = line.split()
    return " ".join(words[:2]) if words[0] == "data" else words[0]


def test_train_prints_the_readme_labels(train_run):
    """Pin: every line the README's train output shows is printed, in its order.

    ``note`` lines left out on both sides: they depend on the data (this run's episode without
    timestamps; the README's 64×64 frames below the encoder's input size).
    """
    printed = [_label(line) for line in train_run.splitlines() if line.strip()]
    shown = [_label(line) for line in _readme_train_output() if _label(line) != "note"]
    assert [label for label in printed if label in shown] == shown


def test_readme_train_output_shows_every_line_train_prints(train_run):
    """``vjepa-ros train --data episodes/ --out run/ --encoder encoder.pt`` (README).

    Fixed in fix49c.

    Input: the README's third command on ``collect``'s episodes (no ``--val``). What happened:
    train prints ``batch       8 clips x 1 process x 1 accumulated = 8 clips per step
    (official: 256); lr 0.000425`` (``train/run_log.py``, on every run) and ``data val ... ;
    held out: 33 % of the frames (whole episodes, by --seed, nearest --val-fraction of the
    frames)``; the README's output block (12 episodes, no ``--val`` either) has no ``batch``
    line and a ``data val`` line without the held-out part. Should: the block shows what the
    command prints (the batch size and learning rate a user checks first).
    """
    shown = _readme_train_output()
    printed = {_label(line) for line in train_run.splitlines() if line.strip()} - {"note"}
    assert printed <= {_label(line) for line in shown}
    (val,) = [line for line in shown if line.startswith("data val")]
    assert "held out" in val


def test_no_timestamps_note_is_printed(train_run):
    """Pin: an episode without ``timestamps`` gets one note naming the file and the step rate."""
    (note,) = [line for line in train_run.splitlines() if "no timestamps" in line]
    assert "episode_000000.npz: no timestamps: its frames taken as recorded at 4 Hz, " \
           "the step rate (data.rate_hz), one frame a step" in note


def test_readme_no_timestamps_note_matches_the_default(train_run):
    """docs/train_reference.md, Data (the README's Post-training, Data until docs61b).

    "One without ``timestamps`` (the published notebook layout).

    Fixed in fix49c.

    ... is taken as recorded at the step rate, a frame a step, with a note (``no timestamps:
    its frames taken as recorded at 10 Hz, the step rate …``)". The same paragraph puts episodes
    "on the same 4 Hz (``--rate``) grid"; ``train``'s default ``--rate`` is 4 and the note
    printed says ``recorded at 4 Hz, the step rate (data.rate_hz)``. A reader takes the step rate
    for 10 Hz. Should: the quote says 4 Hz (or names ``--rate 10``).
    """
    quoted = re.search(r"\(`(no timestamps: [^`…]*)", TRAIN_REFERENCE).group(1).strip()
    assert quoted in train_run, quoted


def test_collect_labels_its_wall_time(tmp_path):
    """Finding (fixed in fix49c): collect's ``..., 1.0 s`` read like the episode's length.

    A 4-frame episode at 4 Hz lasts 1 s of robot time; the number was the wall time the
    simulator took to collect it. It is labelled now.
    """
    done = vjepa_ros("collect", "--out", "eps", "--episodes", "1", "--frames", "4", "--width",
                     "32", "--height", "32", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (line,) = [line for line in (done.stdout + done.stderr).splitlines()
               if "episode_000000.npz" in line and "moved" in line]
    assert re.search(r"end effector moved [0-9.]+ m, collected in [0-9.]+ s$", line), line


def test_one_cpu_thread_is_singular():
    """Finding (fixed in fix49c): reach printed ``1 CPU threads`` for the planner's process."""
    from vjepa_ros.nodes.reach_demo import _device_text

    values = {"mode": "blocking", "device": "cpu", "dtype": "torch.float32",
              "gil_switch_interval_ms": "0.1"}
    assert "float32, 1 CPU thread, GIL" in _device_text({**values, "torch_threads": "1"})
    assert "float32, 2 CPU threads, GIL" in _device_text({**values, "torch_threads": "2"})

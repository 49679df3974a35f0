"""Test-suite set-up shared by every test module.

The network rule: DDS discovery stays on loopback for every rclpy process the tests start, whether
pytest was started by scripts/test.sh, by CI or by hand. This runs before any test imports rclpy.
"""

import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from vjepa_ros.ros_environment import rcl_domain_id  # noqa: E402 (no rclpy: before it)


def worker_domain(value: str, worker: int) -> int:
    """Return pytest-xdist worker ``worker``'s domain from the run's ``ROS_DOMAIN_ID`` text.

    The run's domain as rcl reads it (``010`` is 8, `` 5 `` is 5: ``rcl_domain_id``), plus
    ``worker``, wrapped into 1..100. Raises pytest.UsageError (one line) for a value rcl refuses.
    """
    domain = rcl_domain_id(value)
    if domain is None:
        raise pytest.UsageError(f"ROS_DOMAIN_ID={value!r} in the environment is not a whole "
                                "number (rcl refuses it): set a number in 0..101 or unset it")
    return (domain - 1 + worker) % 100 + 1


os.environ["ROS_AUTOMATIC_DISCOVERY_RANGE"] = "LOCALHOST"
os.environ["ROS_LOCALHOST_ONLY"] = "1"
os.environ.setdefault("ROS_DOMAIN_ID", str(os.getpid() % 100 + 1))
# pytest-xdist (scripts/test.sh runs `-n auto`): worker gwK gets the run's domain + K (1..100), so
# two workers' simulators and /clock never meet, and shares the cores with the others, torch
# threads and every child process's OpenMP threads included (oversubscribed OpenMP spins).
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if _WORKER.startswith("gw"):
    os.environ["ROS_DOMAIN_ID"] = str(worker_domain(os.environ["ROS_DOMAIN_ID"],
                                                    int(_WORKER[2:])))
    os.environ.setdefault("OMP_NUM_THREADS", str(max(
        1, (os.cpu_count() or 1) // int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")))))
# Hypothesis: in CI (CI set, as .ci/run and most CI services do) every property test draws the
# same examples each run (derandomize: a test passes or fails by the code, not by chance); by hand
# the draws are random (--hypothesis-seed=N repeats one). Either way a failure prints the blob
# that replays it (@reproduce_failure). HYPOTHESIS_PROFILE names another profile.
_DEFAULTS = hypothesis_settings.get_profile("default")  # not the one hypothesis loaded for CI
hypothesis_settings.register_profile("vjepa-ci", _DEFAULTS, derandomize=True, database=None,
                                     print_blob=True)
hypothesis_settings.register_profile("vjepa-dev", _DEFAULTS, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or (
    "vjepa-ci" if os.environ.get("CI") else "vjepa-dev"))
# The Fast DDS profile every node executable and launch file uses (raw camera frames between
# processes; vjepa_ros/nodes/dds_profile.py), also for the participants of the test process.
os.environ.setdefault("FASTDDS_DEFAULT_PROFILES_FILE", str(
    Path(__file__).resolve().parent.parent / "config" / "fastdds_camera.xml"))


def load_benchmark(name: str, tag: str):
    """Import ``benchmarks/<name>.py`` as a module of its own (``<name>_<tag>``).

    ``benchmarks/`` is on ``sys.path`` while it loads (its sibling imports), not after.
    """
    import importlib.util

    folder = Path(__file__).resolve().parent.parent / "benchmarks"
    sys.path.insert(0, str(folder))
    try:
        spec = importlib.util.spec_from_file_location(f"{name}_{tag}", folder / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(folder))
    return module


def write_test_bag(path, frames=4, seed=1, moving=False):
    """Write a 4 Hz rosbag2 bag (MCAP) of ``frames`` camera frames with states; return its folder.

    ``moving``: every step moves the arm 1-4 cm along each axis (32 px frames,
    ``eval.synthetic.synthetic_episode``: what eval and the camera check score); otherwise a
    16 px random-walk blob (``train.synthetic.blob_episode``: data discovery, train sources).
    ``seed``: the episode's; two seeds give two recordings of the same size, other bytes.
    """
    from vjepa_ros.recordings.bag_writing import write_bag

    if moving:
        from vjepa_ros.eval.synthetic import synthetic_episode

        return write_bag(path, *synthetic_episode(frames - 1, seed=seed))
    from vjepa_ros.train.synthetic import blob_episode

    episode = blob_episode(frames=frames, seed=seed, size=16)
    return write_bag(path, episode.frames, episode.states, episode.timestamps)


def camera_entries(frame_ms, latency_ns=1, clock_ns=0):
    """Return ``write_messages`` entries of synthetic camera frames taken at ``frame_ms`` [ms].

    Each frame is taken ``frame_ms`` after ``bag_writing.DEFAULT_START_NS``, stamped
    ``clock_ns`` later (a camera on another clock) and received ``latency_ns`` after it was
    taken, on ``BagTopics().image``.
    """
    from vjepa_ros.eval.synthetic import synthetic_episode
    from vjepa_ros.recordings import messages as m
    from vjepa_ros.recordings.bag_topics import BagTopics
    from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS

    frames, _, _ = synthetic_episode(len(frame_ms))
    topic = BagTopics().image
    return [(topic, m.IMAGE, DEFAULT_START_NS + int(ms * 1e6) + latency_ns,
             m.image_message(frame, DEFAULT_START_NS + int(ms * 1e6) + clock_ns, "camera"))
            for frame, ms in zip(frames, frame_ms, strict=False)]


def rewritten_bag(src, dst, change=None, extra=None):
    """Write the bag ``src`` anew at ``dst`` (MCAP) with each message changed; return its folder.

    ``change(entry, entries)`` edits ``entry`` = [topic, type name, receive time ns, message]
    in place (``entries``: all of them, in the bag's order), e.g. a frozen header stamp or one
    receive time for all: the clocks a lab's drivers and recorders get wrong. ``extra(entry)``
    returns entries to add beside it (a second publisher's messages: a copy of the message
    changed, at a later receive time); the messages are written in receive-time order.
    """
    from rosbags.rosbag2 import Reader

    from vjepa_ros.recordings import messages as m
    from vjepa_ros.recordings.bag_writing import write_messages

    store, entries = m.typestore(), []
    with Reader(src) as reader:
        for connection, time_ns, raw in reader.messages():
            entries.append([connection.topic, connection.msgtype, time_ns,
                            store.deserialize_cdr(raw, connection.msgtype)])
    for entry in list(entries):
        if change:
            change(entry, entries)
        entries += extra(entry) if extra else []
    entries.sort(key=lambda entry: entry[2])
    return write_messages(dst, [tuple(entry) for entry in entries])


def wal_sqlite_bag(tmp_path):
    """Return (a sqlite3 bag folder in ``tmp_path/bag``, a connection to its .db3 in WAL mode).

    Six frames and states (``eval.synthetic.synthetic_episode(5)``); the log is never
    checkpointed by itself (``wal_autocheckpoint`` 0): what the test writes stays in
    ``x.db3-wal`` until it checkpoints, as a recorder killed before a checkpoint leaves it.
    """
    import sqlite3

    from vjepa_ros.eval.synthetic import synthetic_episode
    from vjepa_ros.recordings.bag_writing import write_bag

    frames, states, _ = synthetic_episode(5)
    bag = write_bag(tmp_path / "bag", frames, states, storage="sqlite3")
    connection = sqlite3.connect(next(bag.glob("*.db3")))
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA wal_autocheckpoint=0")
    return bag, connection


def write_killed_sqlite_bag(tmp_path):
    """Return a sqlite3 bag folder whose last 3 messages are in ``x.db3-wal`` alone.

    As a recorder killed before its log was checkpointed leaves it (6 frames and states,
    ``eval.synthetic.synthetic_episode(5)``), with its ``metadata.yaml``; written in
    ``tmp_path/bag`` and copied to ``tmp_path/killed``, the folder returned.
    """
    import shutil

    bag, connection = wal_sqlite_bag(tmp_path)
    db = next(bag.glob("*.db3"))
    last = connection.execute("SELECT id, topic_id, timestamp, data FROM messages ORDER BY "
                              "timestamp DESC LIMIT 3").fetchall()
    connection.executemany("DELETE FROM messages WHERE id = ?", [(r[0],) for r in last])
    connection.commit()
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.executemany("INSERT INTO messages(topic_id, timestamp, data) VALUES (?, ?, ?)",
                           [r[1:] for r in last])
    connection.commit()
    killed = tmp_path / "killed"
    killed.mkdir()
    for name in ("metadata.yaml", db.name, f"{db.name}-wal"):
        shutil.copy(bag / name, killed / name)
    connection.close()
    return killed


@pytest.fixture(autouse=True)
def _release_output_claims():
    """Release what a test claimed outside ``cli.main`` (``out_lock``), as a command's end does."""
    yield
    from vjepa_ros.out_lock import release_outputs

    release_outputs()


@pytest.fixture(autouse=True)
def _fresh_rclpy_probes():
    """Forget what ``publisher_ids`` found of rclpy: tests stand in Humble's or Jazzy's rclpy."""
    from vjepa_ros.nodes import publisher_ids

    publisher_ids.gives_publisher_ids.cache_clear()
    publisher_ids.gives_message_info.cache_clear()
    yield
    publisher_ids.gives_publisher_ids.cache_clear()
    publisher_ids.gives_message_info.cache_clear()


@pytest.fixture(autouse=True)
def _shut_down_launch_files():
    """Shut down the launch files a test loaded (test_launch_files): their values files go."""
    yield
    loaded = sys.modules.get("test_launch_files")
    if loaded is not None:
        loaded.shut_down_launches()


@pytest.fixture(scope="session")
def tiny_world_model(tmp_path_factory):
    """Save a tiny random world model (64 px, one block; save_world_model); return its path."""
    import torch

    from vjepa_ros.models import build_encoder, build_predictor
    from vjepa_ros.models.checkpoint import save_world_model

    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("model") / "tiny.pt"
    save_world_model(path, build_encoder(img_size=64, embed_dim=32, depth=1, num_heads=2),
                     build_predictor(img_size=64, embed_dim=32, predictor_embed_dim=32, depth=1,
                                     num_heads=2))
    return path


@pytest.fixture(scope="module")
def model():
    """Build test_robot_mpc's tiny random world model once a module (``script_rig``'s tests).

    A module that needs another world model defines its own ``model`` fixture, which wins.
    """
    from test_robot_mpc import tiny_world_model as build

    return build()


@pytest.fixture
def gripper_action(monkeypatch):
    """Give the node a ``control_msgs.action.GripperCommand`` and an ActionClient, no server."""
    import types

    import rclpy.action
    from diagnostics_rig import NoGripperServer
    from hand_rigs import Goal

    action = types.ModuleType("control_msgs.action")
    action.GripperCommand = types.SimpleNamespace(Goal=Goal)
    package = types.ModuleType("control_msgs")
    package.action = action
    monkeypatch.setitem(sys.modules, "control_msgs", package)
    monkeypatch.setitem(sys.modules, "control_msgs.action", action)
    monkeypatch.setattr(rclpy.action, "ActionClient", NoGripperServer)


@pytest.fixture(scope="module")
def far_slide():
    """Return the 2 m camera's slide: 1 cm a step, 24 steps at 4 Hz (256x256)."""
    from train_bags import _render_slide

    return _render_slide(2.0, 0.01, 24)


@pytest.fixture(scope="session")
def franka_example():
    """Load the two real Franka frames and end-effector states shipped in ../shared/data."""
    import numpy as np

    path = SHARED_DATA / "franka_example_traj.npz"
    if not path.is_file():
        pytest.fail(f"real test data missing: {path} (../shared must sit beside the repository)")
    with np.load(path) as data:
        return {"frames": data["observations"][0], "states": data["states"][0]}


@pytest.fixture
def context():
    """Give one test a private, initialized rclpy context (DDS on loopback); shut it down after."""
    rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
    ctx = rclpy.Context()
    rclpy.init(context=ctx)
    yield ctx
    ctx.try_shutdown()


@pytest.fixture(scope="module")
def one_thread():
    """Run a module's tests on one torch thread; use with ``pytest.mark.usefixtures``.

    Tiny models: more threads only synchronise, which is very slow on a busy 2-core machine.
    """
    from vjepa_ros.train.synthetic import single_thread

    with single_thread():
        yield


@pytest.fixture
def two_ctrl_c():
    """Return a function sending Ctrl-C (SIGINT) twice to this process, as an impatient user.

    Within ``stop_request.deferred_stop`` the first requests the stop, the second stops at once.
    """
    import signal

    def send() -> None:
        signal.raise_signal(signal.SIGINT)
        signal.raise_signal(signal.SIGINT)

    return send

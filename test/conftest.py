"""Test-suite set-up shared by every test module.

The network rule: DDS discovery stays on loopback for every rclpy process the tests start, whether
pytest was started by scripts/test.sh, by CI or by hand. This runs before any test imports rclpy.
"""

import os
import sys
from pathlib import Path

import pytest

os.environ["ROS_AUTOMATIC_DISCOVERY_RANGE"] = "LOCALHOST"
os.environ["ROS_LOCALHOST_ONLY"] = "1"
os.environ.setdefault("ROS_DOMAIN_ID", str(os.getpid() % 100 + 1))
# The Fast DDS profile every node executable and launch file uses (raw camera frames between
# processes; vjepa_ros/nodes/dds_profile.py), also for the participants of the test process.
os.environ.setdefault("FASTDDS_DEFAULT_PROFILES_FILE", str(
    Path(__file__).resolve().parent.parent / "config" / "fastdds_camera.xml"))

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))


@pytest.fixture(autouse=True)
def _release_output_claims():
    """Release what a test claimed outside ``cli.main`` (``out_lock``), as a command's end does."""
    yield
    from vjepa_ros.out_lock import release_outputs

    release_outputs()


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

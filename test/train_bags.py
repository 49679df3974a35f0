"""Bags written for the training-data tests, and what train reads of a path.

:func:`_joint_bag` writes 13 camera frames (:func:`_picture`, no two alike) at 4 Hz and an
arm's and hand's joint states at 50 Hz (the arm from :data:`READY` at :data:`JOINT_RATE`);
:func:`_expected_joint_states` is what train must read of it (FK, closedness t / 3);
:func:`_read` returns (segments, notes) of a path as ``train`` reads it. First written for
breaker54e. :func:`_arm_and_hands` / :func:`_fingers` (breaker54m): an arm's joint states and
hands of any prefix on their own topics; :func:`_render_slide` / :func:`_npz` (breaker54m): the
package's scene rendered as the hand slides, saved as an ``.npz`` episode (conftest.py's
``far_slide`` fixture: the 2 m camera's slide). :func:`reset_frames` (fix49h): an episode's
frames drawn so that a simulator reset 80 cm aside stays in the picture. :func:`_sliding_bag` /
:func:`_frame` / :func:`_frame_number` (breaker56e): a bag of given frames (any sizes), the hand
sliding 1 cm a step and fingers as given; :func:`_tiny_run` (breaker56e): a 2-step tiny trainer
at a given ``data.rate_hz``. :func:`_pose_bag` (breaker45r): 8 frames with poses in the frame a
function names, fingers, and the arm's joints on a topic or none.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import torch

T0 = 1_700_000_000 * 10**9  # [ns] the bags' first stamp
CAMERA = "/camera/camera/color/image_raw"
GRIPPER = "/fr3_gripper/joint_states"
POSE = "/franka_robot_state_broadcaster/current_pose"
FR3 = [f"fr3_joint{i}" for i in range(1, 8)]
READY = np.array([0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785])  # [rad] Franka's ready pose
JOINT_RATE = np.array([0.1, 0.05, -0.1, 0.1, 0.2, -0.1, 0.3])  # [rad/s] the written motion


def _picture(seed: int) -> np.ndarray:
    """Return a 48x64 RGB picture of random pixels, one per seed (no two alike, as a camera's)."""
    return np.random.default_rng(seed).integers(0, 255, (48, 64, 3), dtype=np.uint8)


def _read(path: Path, **data):
    """Return (segments, notes) of ``path`` as ``train`` reads it.

    ``data``: DataConfig fields (``topics``: a dict of BagTopics fields).
    """
    from vjepa_ros.train.config import DataConfig
    from vjepa_ros.train.episodes import find_sources, load_segments

    topics = data.pop("topics", {})
    config = DataConfig(**data)
    config = dataclasses.replace(config, topics=dataclasses.replace(config.topics, **topics))
    notes: list[str] = []
    segments = []
    for source in find_sources([path], notes):
        found, more = load_segments(source, config)
        segments += found
        notes += more
    return segments, notes


def _joint_bag(path: Path, arm_names, finger_names, *, fingers_apart: bool,
               reverse: bool = False) -> Path:
    """Write 13 frames at 4 Hz over 3 s and the arm's and hand's joints at 50 Hz; return the bag.

    Arm: READY + JOINT_RATE t; fingers closing linearly, closedness t / 3, on ``/joint_states``
    with the arm or on GRIPPER (``fingers_apart``); ``reverse``: each /joint_states message
    lists its joints last first.
    """
    from vjepa_ros.recordings import messages as m
    from vjepa_ros.recordings.bag_writing import write_messages

    entries = []
    for k in range(13):
        time = T0 + k * 250_000_000
        entries.append((CAMERA, m.IMAGE, time, m.image_message(_picture(k), time, "camera")))
    for k in range(151):
        seconds, time = k / 50, T0 + k * 20_000_000
        arm = list(READY + JOINT_RATE * seconds)
        finger = (1 - seconds / 3) * 0.04  # [m] each finger's distance from the centre
        hand = [finger] * len(finger_names)
        if fingers_apart:
            entries.append((GRIPPER, m.JOINT_STATE, time,
                            m.joint_state_message(list(finger_names), hand, time)))
            entries.append(("/joint_states", m.JOINT_STATE, time,
                            m.joint_state_message(list(arm_names), arm, time)))
        else:
            names, values = [*arm_names, *finger_names], arm + hand
            if reverse:
                names, values = names[::-1], values[::-1]
            entries.append(("/joint_states", m.JOINT_STATE, time,
                            m.joint_state_message(names, values, time)))
    entries.sort(key=lambda entry: entry[2])
    return write_messages(path, entries)


def _expected_joint_states(count: int = 13) -> np.ndarray:
    """[count, 7]: FK of the written joints at the frames' times, closedness t / 3."""
    from vjepa_ros.robot.kinematics import FrankaKinematics

    seconds = np.arange(count) * 0.25
    pose = FrankaKinematics().ee_pose(READY + JOINT_RATE * seconds[:, None])
    return np.concatenate([pose, (seconds / 3)[:, None]], axis=1)


def _render_slide(distance_m: float, step_m: float, count: int, size=(256, 256)):
    """Render the package's scene: the hand sliding ``step_m`` a step in +y, ``count`` steps.

    The camera looks from the default direction (``CameraConfig``'s eye towards its target) at
    ``distance_m`` from the target. Returns (frames [count, H, W, 3] uint8, states [count, 7]).
    """
    from vjepa_ros.sim.config import SimConfig
    from vjepa_ros.sim.sim import Sim

    config = SimConfig()
    eye, target = np.array(config.camera.eye), np.array(config.camera.target)
    config.camera.eye = (target + distance_m * (eye - target) / np.linalg.norm(eye - target)
                         ).tolist()
    config.camera.width, config.camera.height = size
    frames, states = [], []
    with Sim(config) as sim:
        start = sim.ee_state().copy()
        start[:3] = [0.45, -0.15, 0.3]
        sim.move_to(start, timeout=6)
        for k in range(count):
            goal = start.copy()
            goal[1] += step_m * k
            sim.move_to(goal, timeout=2)
            frames.append(sim.render())
            states.append(sim.ee_state())
    return np.stack(frames), np.asarray(states, dtype=np.float64)


def _npz(path: Path, frames, states, rate_hz: float) -> Path:
    np.savez(path, observations=frames, states=states.astype(np.float32),
             timestamps=np.arange(len(frames)) / rate_hz)
    return path


def _arm_and_hands(path: Path, arm_topic: str, arm_names, hands) -> Path:
    """Write 13 frames at 4 Hz and the arm at 50 Hz over 3 s; return the bag.

    ``hands``: (topic, finger joint names, from s, to s): published while ``from <= t <= to``,
    each finger at (1 - t / 3) * 0.04 m (closedness t / 3).
    """
    from vjepa_ros.recordings import messages as m
    from vjepa_ros.recordings.bag_writing import write_messages

    entries = [(CAMERA, m.IMAGE, T0 + k * 250_000_000,
                m.image_message(_picture(k), T0 + k * 250_000_000, "camera"))
               for k in range(13)]
    for k in range(151):
        seconds, time = k / 50, T0 + k * 20_000_000
        entries.append((arm_topic, m.JOINT_STATE, time, m.joint_state_message(
            list(arm_names), list(READY + JOINT_RATE * seconds), time)))
        finger = (1 - seconds / 3) * 0.04
        for topic, names, start, stop in hands:
            if start <= seconds <= stop:
                entries.append((topic, m.JOINT_STATE, time,
                                m.joint_state_message(list(names), [finger] * len(names), time)))
    entries.sort(key=lambda entry: entry[2])
    return write_messages(path, entries)


def _fingers(prefix: str) -> list[str]:
    return [f"{prefix}finger_joint1", f"{prefix}finger_joint2"]


def reset_frames(states: np.ndarray, size: int = 16) -> np.ndarray:
    """Draw ``states``' frames with their y scaled by 1/4, so an 80 cm reset stays in the picture.

    blob_frames shows y within about 0.3 m of its centre: an arm 80 cm aside draws a blob off the
    picture's edge whose 1 cm steps change no frame, and since fix54e such steps are dropped as
    stale (the frame did not change while the arm moved). A reset must beat 3 m/s (76 cm at 4 Hz),
    so the jump stays; only its picture is drawn 20 cm aside.
    """
    from vjepa_ros.train.synthetic import blob_frames

    shown = np.array(states, np.float64)
    shown[:, 1] *= 0.25
    return blob_frames(shown, size)


def _frame(k: int, size) -> np.ndarray:
    return np.random.default_rng(k).integers(0, 255, (*size, 3), dtype=np.uint8)


def _sliding_bag(path: Path, frames, fingers) -> Path:
    """Write ``frames`` at 4 Hz, poses at 100 Hz over their span and ``fingers``; return the bag.

    The hand slides +x 4 cm/s (1 cm a step), pointing down; ``fingers``: (seconds, finger
    position [m]) of each finger message on GRIPPER.
    """
    from vjepa_ros.recordings import messages as m
    from vjepa_ros.recordings.bag_writing import write_messages

    entries = []
    for k, frame in enumerate(frames):
        time = T0 + k * 250_000_000
        entries.append((CAMERA, m.IMAGE, time, m.image_message(frame, time, "camera")))
    for k in range(25 * (len(frames) - 1) + 1):
        time = T0 + k * 10_000_000
        state = [0.4 + 0.0004 * k, 0.0, 0.3, np.pi, 0.0, 0.0, 0.0]
        entries.append((POSE, m.POSE_STAMPED, time, m.pose_message(state, time, "base")))
    for seconds, finger in fingers:
        time = T0 + round(seconds * 1e9)
        entries.append((GRIPPER, m.JOINT_STATE, time, m.joint_state_message(
            ["fr3_finger_joint1", "fr3_finger_joint2"], [finger, finger], time)))
    entries.sort(key=lambda entry: entry[2])
    return write_messages(path, entries)


def _frame_number(frame: np.ndarray) -> int:
    """Return k of the written frame ``frame`` is (:func:`_frame` k of its size, k < 25)."""
    return next(k for k in range(25) if np.array_equal(frame, _frame(k, frame.shape[:2])))


def _tiny_run(out: Path, rate_hz: float):
    """Train 2 steps of a tiny predictor at data.rate_hz ``rate_hz``; return the Trainer."""
    from vjepa_ros.models.encoder import EncoderConfig, VisionEncoder
    from vjepa_ros.models.predictor import ACPredictor, PredictorConfig
    from vjepa_ros.train.config import make_config
    from vjepa_ros.train.features import FeatureBank
    from vjepa_ros.train.trainer import Trainer

    torch.manual_seed(0)
    encoder = VisionEncoder(EncoderConfig(embed_dim=16, depth=1, num_heads=1, img_size=32))
    predictor = ACPredictor(PredictorConfig(embed_dim=16, predictor_embed_dim=24, depth=1,
                                            num_heads=1, img_size=32))
    frames = 12
    bank = FeatureBank(torch.randn(frames, 4, 16).half(), torch.zeros(frames, 7),
                       torch.zeros(frames, 7), torch.tensor([0]), torch.tensor([frames]),
                       ["rec0"])
    config = make_config({"out": str(out), "steps": 2, "batch_size": 2, "eval_every": 0,
                          "save_every": 0, "progress": False, "device": "cpu",
                          "data.frames_per_clip": 3, "data.rate_hz": rate_hz})
    return Trainer(config, encoder, predictor, bank, None)


def _pose_bag(path, frame_of, arm_topic="", x_of=lambda k: 0.4 + 0.01 * k):
    """Write 8 frames at 4 Hz: poses in ``frame_of(k)``, fingers, arm joints on ``arm_topic``.

    The poses' x is ``x_of(k)`` [m]; ``arm_topic`` '': no arm joints recorded (else at
    :data:`READY`).
    """
    from vjepa_ros.recordings import messages as m
    from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS, write_messages

    entries = []
    for k in range(8):
        t = DEFAULT_START_NS + k * 250_000_000
        entries += [
            (CAMERA, m.IMAGE, t, m.image_message(np.full((8, 8, 3), 10 * k, np.uint8), t, "cam")),
            (POSE, m.POSE_STAMPED, t,
             m.pose_message(np.array([x_of(k), 0, 0.3, np.pi, 0, 0, 0]), t, frame_of(k))),
            ("/franka_gripper/joint_states", m.JOINT_STATE, t,
             m.joint_state_message(["fr3_finger_joint1", "fr3_finger_joint2"], [0.04] * 2, t))]
        if arm_topic:
            entries.append((arm_topic, m.JOINT_STATE, t, m.joint_state_message(
                [f"fr3_joint{i}" for i in range(1, 8)], list(READY), t)))
    return write_messages(path, entries)

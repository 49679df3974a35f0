"""Record simulator episodes straight into rosbag2 bags, with the topics a Franka lab records.

``vjepa-ros record OUT`` runs one scripted episode of the simulator (``vjepa_ros.sim.collector``)
and writes the camera, the end-effector pose, the gripper's finger joints and the full
``/joint_states`` (arm and fingers, as the simulator measured them when each frame was rendered).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vjepa_ros.recordings.bag_writing import write_episode


def record_sim_bag(path: str | Path, seed: int = 0, sim_config=None, collector_config=None,
                   storage: str = "mcap", image_format: str = "raw"):
    """Record one simulator episode (seed ``seed``) as a bag; return ``(path, episode)``.

    :func:`simulate_episode`, then :func:`write_sim_bag`.
    """
    episode, joints = simulate_episode(seed, sim_config, collector_config)
    return write_sim_bag(path, episode, joints, storage, image_format), episode


def simulate_episode(seed: int = 0, sim_config=None, collector_config=None):
    """Run one scripted simulator episode; return ``(episode, joints)``.

    ``joints`` [T, 9]: the arm's and fingers' positions (rad, m) as measured when each of the
    episode's T frames was rendered.
    """
    from vjepa_ros.sim import Sim, collect_episode

    with Sim(sim_config) as sim:
        joints = []
        sim.add_render_hook(lambda frame, state: joints.append(sim.joint_states()[1]))
        episode = collect_episode(sim, seed, collector_config)
    return episode, np.asarray(joints[-len(episode):])  # its frames are the last rendered


def write_sim_bag(path: str | Path, episode, joints, storage: str = "mcap",
                  image_format: str = "raw") -> Path:
    """Write a :func:`simulate_episode` episode as the new bag ``path``; return ``path``.

    With ``/joint_states`` (``joints``) in the simulated arm's base frame; whole or not at all
    (``recordings.bag_writing.write_bag``).
    """
    from vjepa_ros.sim.panda import BASE_FRAME, JOINT_NAMES

    return write_episode(path, episode, storage=storage, image_format=image_format,
                         joint_names=list(JOINT_NAMES), joint_positions=joints,
                         base_frame=BASE_FRAME)

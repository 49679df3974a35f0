"""Record simulator episodes straight into rosbag2 bags, with the topics a Franka lab records.

``vjepa-ros record OUT`` runs one scripted episode of the simulator (``vjepa_ros.sim.collector``)
and writes the camera, the end-effector pose, the gripper's finger joints and the full
``/joint_states`` (arm and fingers, as the simulator measured them when each frame was rendered).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vjepa_ros.recordings.bags import write_episode


def record_sim_bag(path: str | Path, seed: int = 0, sim_config=None, collector_config=None,
                   storage: str = "mcap", image_format: str = "raw"):
    """Record one simulator episode (seed ``seed``) as a bag; return ``(path, episode)``."""
    from vjepa_ros.sim import Sim, collect_episode
    from vjepa_ros.sim.panda import BASE_FRAME, JOINT_NAMES

    with Sim(sim_config) as sim:
        joints = []
        sim.add_render_hook(lambda frame, state: joints.append(sim.joint_states()[1]))
        episode = collect_episode(sim, seed, collector_config)
    joints = np.asarray(joints[-len(episode):])  # the episode's frames are the last rendered
    path = write_episode(path, episode, storage=storage, image_format=image_format,
                         joint_names=list(JOINT_NAMES), joint_positions=joints,
                         base_frame=BASE_FRAME)
    return path, episode

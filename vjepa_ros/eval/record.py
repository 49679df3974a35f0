"""Record simulator episodes straight into rosbag2 bags, with the topics a Franka lab records.

``vjepa-ros record OUT`` runs one scripted episode of the simulator (``vjepa_ros.sim.collector``)
and writes the camera at its frame rate (4 Hz) and, as a lab's arm publishes them, the
end-effector pose, the gripper's finger joints and the full ``/joint_states`` (arm and fingers)
at the state rate (``--state-rate``, default 120 Hz: ``sim.state_sampler``), each stamped with
the sim time of its physics step.
"""

from __future__ import annotations

from pathlib import Path

from vjepa_ros.recordings.bag_writing import write_episode
from vjepa_ros.recordings.state_stream import StateStream
from vjepa_ros.sim.state_sampler import DEFAULT_STATE_RATE_HZ, StateSampler


def record_sim_bag(path: str | Path, seed: int = 0, sim_config=None, collector_config=None,
                   storage: str = "mcap", image_format: str = "raw",
                   state_rate_hz: float = DEFAULT_STATE_RATE_HZ):
    """Record one simulator episode (seed ``seed``) as a bag; return ``(path, episode)``.

    :func:`simulate_episode`, then :func:`write_sim_bag`.
    """
    episode, states = simulate_episode(seed, sim_config, collector_config, state_rate_hz)
    return write_sim_bag(path, episode, states, storage, image_format), episode


def simulate_episode(seed: int = 0, sim_config=None, collector_config=None,
                     state_rate_hz: float = DEFAULT_STATE_RATE_HZ):
    """Run one scripted simulator episode; return ``(episode, states)``.

    ``states``: a :class:`~vjepa_ros.recordings.state_stream.StateStream` of the arm from the
    episode's first frame to its last, at ``state_rate_hz`` [Hz] (at most the physics rate,
    240 Hz; ValueError otherwise) and at every frame, on the episode's clock: its pose, closedness
    and the arm's and fingers' positions (rad, m) as the simulator measured them.
    """
    from vjepa_ros.sim import Sim, collect_episode

    with Sim(sim_config) as sim:
        sampler = StateSampler(sim, state_rate_hz)
        episode = collect_episode(sim, seed, collector_config)
    return episode, sampler.stream(float(episode.timestamps[-1]))


def write_sim_bag(path: str | Path, episode, states: StateStream, storage: str = "mcap",
                  image_format: str = "raw") -> Path:
    """Write a :func:`simulate_episode` episode as the new bag ``path``; return ``path``.

    The pose, gripper and ``/joint_states`` (in the simulated arm's base frame) at the times of
    ``states``; whole or not at all (``recordings.bag_writing.write_bag``).
    """
    from vjepa_ros.sim.panda import BASE_FRAME, JOINT_NAMES

    return write_episode(path, episode, storage=storage, image_format=image_format,
                         joint_names=list(JOINT_NAMES), state_stream=states,
                         base_frame=BASE_FRAME)

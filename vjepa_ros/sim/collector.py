"""Scripted data collection in the simulator: varied arm motions recorded as 4 Hz episodes.

Per episode (its own seed): reset the scene (object placement from the seed), move unrecorded to
a random start pose, then record ``frames`` frames. Between two frames the script commands one
target — the current target moved towards a random waypoint by at most ``max_step`` per axis and
``max_rotation_step`` in angle, like one planner action — and the controller tracks it for one
frame period at physics rate. Waypoints (position, a tilt and a yaw about the start orientation)
change when reached; the gripper toggles now and then; sometimes the arm pauses.

    vjepa-ros collect --out episodes/ --episodes 20 --frames 16 --seed 0
"""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path

import numpy as np
import torch

from vjepa_ros.atomic_files import write_text
from vjepa_ros.config import flatten
from vjepa_ros.planning.pose import apply_action, state_difference
from vjepa_ros.recordings.episode import Episode
from vjepa_ros.sim.collector_config import CollectorConfig
from vjepa_ros.sim.command import SUMMARY_NAME
from vjepa_ros.sim.config import SimConfig
from vjepa_ros.sim.randomize import SceneRandomization, randomized_sim_config
from vjepa_ros.sim.sim import Sim


def bounded_step(target: np.ndarray, waypoint: np.ndarray, max_step: float,
                 max_rotation_step: float) -> np.ndarray:
    """Return ``target`` [7] moved towards ``waypoint`` [7] by one planner-sized action.

    At most ``max_step`` [m] per axis and ``max_rotation_step`` [rad] of rotation; the gripper
    entry stays ``target``'s. The step is ``waypoint ⊖ target`` (facts §4) clipped, then applied.
    """
    step = state_difference(torch.from_numpy(target), torch.from_numpy(waypoint)).numpy()
    step[:3] = np.clip(step[:3], -max_step, max_step)
    # Scaling the Euler angles of the relative rotation bounds its angle (small angles).
    angle = float(np.linalg.norm(step[3:6]))
    if angle > max_rotation_step:
        step[3:6] *= max_rotation_step / angle
    step[6] = 0.0
    return apply_action(torch.from_numpy(target), torch.from_numpy(step)).numpy()


class _Script:
    """The scripted motion of one episode: waypoints, bounded steps, gripper toggles, pauses."""

    def __init__(self, config: CollectorConfig, home_state: np.ndarray, rng: np.random.Generator):
        self.config, self.home, self.rng = config, home_state, rng
        self.low = np.array(config.workspace[::2])
        self.high = np.array(config.workspace[1::2])

    def random_pose(self) -> np.ndarray:
        """Draw a state [7]: a workspace position, the home orientation tilted and turned."""
        cfg, rng = self.config, self.rng
        tilt = rng.uniform(-cfg.max_tilt, cfg.max_tilt, size=2)
        yaw = rng.uniform(-cfg.max_yaw, cfg.max_yaw)
        turn = torch.tensor([0.0, 0.0, 0.0, *tilt, yaw, 0.0], dtype=torch.float64)
        state = apply_action(torch.from_numpy(self.home), turn).numpy()
        state[:3] = rng.uniform(self.low, self.high)
        return state

    def next_target(self, target: np.ndarray, waypoint: np.ndarray) -> np.ndarray:
        """Move ``target`` [7] towards ``waypoint`` by at most one step; toggle the gripper."""
        cfg, rng = self.config, self.rng
        nxt = bounded_step(target, waypoint, cfg.max_step, cfg.max_rotation_step)
        if rng.random() < cfg.pause_probability:
            nxt = target.copy()
        if rng.random() < cfg.gripper_toggle_probability:
            nxt[6] = 1.0 - round(float(target[6]))
        return nxt


def collect_episode(sim: Sim, seed: int, config: CollectorConfig | None = None) -> Episode:
    """Reset ``sim`` with ``seed`` and record one scripted episode."""
    config = config or CollectorConfig()
    rng = np.random.default_rng(seed)
    sim.reset(seed)
    script = _Script(config, sim.ee_state(), rng)
    start = script.random_pose()
    start[6] = float(rng.random() < 0.3)
    sim.move_to(start, timeout=4.0)
    target, waypoint = start, script.random_pose()
    period = 1.0 / config.rate_hz
    started_at = sim.time
    frames, states, times, targets = [], [], [], []
    for index in range(config.frames):
        frames.append(sim.render())
        states.append(sim.ee_state())
        times.append(sim.time - started_at)
        if index + 1 == config.frames:
            break
        if np.linalg.norm(target[:3] - waypoint[:3]) < 0.01:
            waypoint = script.random_pose()
        target = script.next_target(target, waypoint)
        targets.append(target)
        sim.set_target_state(target)
        sim.advance(period)
    metadata = {
        "source": "vjepa_ros.sim.collector",
        "seed": int(seed),
        "rate_hz": config.rate_hz,
        "objects": sim.handles.object_names,
        "collector": {name: value for name, value, _ in flatten(config)},
        "sim": sim.settings(),
        "commanded_targets": np.asarray(targets).round(6).tolist(),
    }
    return Episode.from_states(np.stack(frames), np.stack(states), np.array(times), metadata)


def collect(
    out_dir: str | Path,
    episodes: int,
    seed: int = 0,
    sim_config: SimConfig | None = None,
    config: CollectorConfig | None = None,
    log=print,
    randomization: SceneRandomization | None = None,
) -> list[Path]:
    """Record ``episodes`` episodes (seeds ``seed``, ``seed + 1``, ...) into ``out_dir``.

    With ``randomization`` every episode gets a scene of its own (camera, light, objects drawn
    from its seed by ``sim.randomize.randomized_sim_config``); without, all share ``sim_config``
    and only the object placement follows the seed.
    """
    if episodes < 1:
        raise ValueError(f"episodes must be >= 1, got {episodes}")
    config = config or CollectorConfig()
    sim_config = sim_config or SimConfig()
    out_dir = Path(out_dir).expanduser()
    paths = []
    with contextlib.ExitStack() as stack:
        sim = None if randomization else stack.enter_context(Sim(sim_config))
        for index in range(episodes):
            started = time.perf_counter()
            if randomization:
                scene = randomized_sim_config(sim_config, seed + index, randomization,
                                              config.workspace)
                with Sim(scene) as scene_sim:
                    episode = collect_episode(scene_sim, seed + index, config)
            else:
                episode = collect_episode(sim, seed + index, config)
            path = episode.save(out_dir / f"episode_{seed + index:06d}.npz")
            paths.append(path)
            moved = float(np.linalg.norm(np.diff(episode.states[:, :3], axis=0), axis=1).sum())
            log(
                f"{path}  {len(episode)} frames {episode.frames.shape[2]}x"
                f"{episode.frames.shape[1]}, end effector moved {moved:.2f} m, "
                f"collected in {time.perf_counter() - started:.1f} s"
            )
    summary = {"episodes": [p.name for p in paths], "seed": seed,
               "randomized_scenes": randomization is not None,
               "randomized": randomization.what if randomization else "nothing"}
    write_text(out_dir / SUMMARY_NAME, json.dumps(summary, indent=1))  # whole or not at all
    return paths

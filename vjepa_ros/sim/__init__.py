"""A simulated Franka Panda scene (pybullet, CPU rendering, no display, no ROS).

Public API::

    Sim(SimConfig(seed=0)) -> sim                      private pybullet client; close() / with
    sim.set_target_state(state [7]) / set_target(xyz, euler [3] | quat xyzw [4]) / set_gripper(c)
    sim.step(n) / sim.advance(seconds) / sim.move_to(state [7]) -> reached
    sim.render() -> [H, W, 3] uint8;  sim.ee_state() -> [7];  sim.joint_states() -> names, q, dq, τ
    with sim.preserved(): ...                          world and commands put back afterwards
    capture_goal(sim, target [7]) -> Goal(frame, state, target, reached)
    sample_reach_target(start [7], rng, ReachTaskConfig()) -> target [7];  reach_error(a, b) -> m
    collect_episode(sim, seed, CollectorConfig()) -> Episode;  collect(out_dir, episodes, seed)
    OracleWorldModel().attach(sim)                     test stand-in for the world model (torch)

Manipulation (``scene.graspable``: cup or box; ``manipulation.py``, ``expert.py``,
``detectors.py``, ``gripper.py``, ``manipulation_loop.py``)::

    sim.command_gripper(position, max_effort)          GripperCommand, franka semantics
    sim.object_reading() -> ObjectReading;  SuccessMonitor(sim).grasped() / .placed(xy)
    setup_task(sim, seed, task) -> TaskSetup(goals, ...);  record_expert_episode(sim, setup)
    run_task_episode(sim, model, setup, cem)           closed loop toward the sub-goals

States are 7 numbers in the robot base frame: TCP xyz [m], extrinsic xyz Euler angles [rad],
gripper closedness [0, 1] (V-JEPA 2-AC facts §4); the TCP is the Franka Hand's (``panda.py``).
Episodes (``Episode``, their ``.npz`` files) are ``vjepa_ros.recordings``'s. Every other name above
is exported here and imported on first use (``lazy_exports.py``): ``import
vjepa_ros.sim`` loads neither pybullet nor torch.
"""

from vjepa_ros.lazy_exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "collector": ("collect", "collect_episode"),
    "collector_config": ("CollectorConfig",),
    "config": ("CameraConfig", "ControllerConfig", "SceneConfig", "SimConfig"),
    "detectors": ("ObjectReading", "SuccessMonitor"),
    "manipulation": ("TaskSetup", "record_expert_episode", "setup_task"),
    "manipulation_loop": ("run_task_episode",),
    "oracle": ("OracleWorldModel",),
    "sim": ("Sim",),
    "tasks": ("Goal", "ReachTaskConfig", "capture_goal", "reach_error", "sample_reach_target"),
})

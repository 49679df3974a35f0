"""The live camera check on the simulated arm, without ROS: the planner node's session drives it.

``run_live_check`` runs :meth:`MPCSession.start_camera_check` exactly as the node's
``~/camera_check`` service does — the same moves through the safety filter and the set-point
stream, frames after ``settle_s``, the estimate on the planning worker's turn — with the
simulator's frames, TCP state and controller in place of the topics (``reach._SimDriver``, the
transport of the reach loop). Simulated time stands still while the model infers. Used by the
camera check benchmark and tests.
"""

from __future__ import annotations

from collections.abc import Callable

from vjepa_ros.planning.config import CEMConfig
from vjepa_ros.robot.camera_check_motions import CheckMotionConfig
from vjepa_ros.robot.camera_check_run import CameraCheckRun
from vjepa_ros.robot.camera_check_trial import CheckTrialConfig
from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.mpc import MPCSession
from vjepa_ros.robot.safety import SafetyLimits
from vjepa_ros.sim.reach import _SimDriver
from vjepa_ros.sim.reach_config import ReachConfig


def run_live_check(sim, model, cem: CEMConfig, limits: SafetyLimits | None = None,
                   control: ControlConfig | None = None,
                   config: CheckMotionConfig | None = None, thresholds=None,
                   trial: CheckTrialConfig | None = None,
                   on_tick: Callable[[MPCSession], None] | None = None,
                   camera_rate_hz: float = ReachConfig().camera_rate_hz,
                   ) -> tuple[CameraCheckRun, MPCSession]:
    """Run the live check from the simulated hand's pose; return (the finished run, session).

    ``trial``: the correction trial's settings (default ``CheckTrialConfig()``: when the motions'
    verdict is not "placement fine"; ``CheckTrialConfig(when="never")``: the motions alone).

    ``on_tick(session)`` is called after every stream tick (a test may disable the session
    there). The session is disabled at the end. Raises the session's one-line refusal
    (``MPCSession.start_camera_check``): ValueError when the motions do not fit from this start
    (``config.distance_m`` too long, the box's edge too near), RuntimeError for its state.
    """
    control = control or ControlConfig()
    driver = _SimDriver(sim, control.stream_rate_hz, camera_rate_hz, done=lambda state: False)
    session = MPCSession(model, cem, limits or SafetyLimits(), control, clock=lambda: sim.time)
    driver.session = session
    driver.observe(force_frame=True)
    session.set_enabled(True)
    try:
        run = session.start_camera_check(config, thresholds, trial)
        while not run.done.is_set():
            if run.needs_worker:
                session.plan_step()  # the worker's turn: infer and estimate, or a trial's plan
            else:
                driver.tick()
                if on_tick is not None:
                    on_tick(session)
    finally:
        session.set_enabled(False)
    return run, session

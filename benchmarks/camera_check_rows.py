"""bench_camera_check.py's rows: the live check from a reach start, then reach without/with it.

:func:`check_row` runs the planner node's live camera check in the simulator
(``sim.check_motions.run_live_check``) and reaches the held-out goals uncorrected and corrected
(:func:`reach`); the numbers of one row, as ``--json`` keeps them.
"""

import time

import numpy as np

from vjepa_ros.eval.camera_check_thresholds import CheckThresholds
from vjepa_ros.robot.camera_check_motions import CheckMotionConfig
from vjepa_ros.robot.camera_check_trial import CheckTrialConfig
from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.safety import SafetyLimits
from vjepa_ros.robot.workspace_box import in_box


def reach(sim, model, seeds, config, rpy) -> dict:
    """Reach the goals of ``seeds`` with the model's frame corrected by ``rpy`` [deg]: counts."""
    from vjepa_ros.planning.cem import checked_seed  # -1: random (None)
    from vjepa_ros.sim.reach import make_reach_goal, run_reach_episode

    cem = config.planner.to_cem()
    control = ControlConfig(model_frame_rpy_deg=list(rpy))
    outcomes = []
    for seed in seeds:
        goal = make_reach_goal(sim, seed)
        episode = run_reach_episode(sim, model, goal, cem, config.episode, control=control,
                                    seed=checked_seed(config.planner.seed))
        outcomes.append((episode.success, len(episode.steps), episode.final_distance))
    return {"successes": sum(o[0] for o in outcomes), "goals": len(seeds),
            "mean_steps": float(np.mean([o[1] for o in outcomes])),
            "median_final_distance_m": float(np.median([o[2] for o in outcomes]))}


def check_row(sim, model, seeds, config, motion: CheckMotionConfig, no_reach,
              reach_with_yaw: bool = False, thresholds: CheckThresholds | None = None,
              trial: CheckTrialConfig | None = None, reach_with_candidate: bool = False
              ) -> dict:
    """Run the live check from the first goal's start pose, then reach without/with correction.

    ``thresholds``: the verdict's (default: the node's ``camera_check.verdict.*``); ``trial``:
    the correction trial's (default the node's ``camera_check.trial.*``). With
    ``reach_with_yaw`` the row also holds ``yaw_corrected``: reach corrected by the check's yaw
    estimate alone (rotation about base z), whatever the verdict; with ``reach_with_candidate``
    ``candidate_corrected``: by the rotation the trial tries (the check's best fit), whatever
    the verdict.
    """
    from vjepa_ros.sim.check_motions import run_live_check

    cem = config.planner.to_cem()
    sim.reset(seeds[0])
    started, sim_started, start = time.perf_counter(), sim.time, sim.ee_state()
    limits = SafetyLimits()
    # a start the motions do not fit from: ValueError, one line (command_errors.run_script)
    run, _ = run_live_check(sim, model, cem, limits, config=motion, thresholds=thresholds,
                            trial=trial)
    if run.error:
        raise SystemExit(f"camera check: {run.error}")
    result = run.result
    commands = np.array(run.commands)
    row = {
        "estimated_rpy_deg": result.rotation_rpy_deg,
        "estimated_angle_deg": result.rotation_angle_deg,
        "yaw_deg": result.yaw_deg,
        "residual_deg": result.residual_deg, "scale": result.scale,
        "explained": result.explained, "verdict": result.verdict,
        "motions_verdict": (result.trial or {}).get("motions_verdict", result.verdict),
        "trial": result.trial, "candidate_rpy_deg": result.candidate_rpy_deg,
        "uncertainty": result.uncertainty,
        "correction_rpy_deg": result.correction_rpy_deg,
        "check_wall_s": time.perf_counter() - started,
        "check_sim_s": sim.time - sim_started,
        "commands": len(commands),
        "commands_in_box": bool(all(in_box(c[:3], limits) for c in commands)),
        "farthest_command_m": float(np.linalg.norm(commands[:, :3] - start[:3], axis=1).max()),
        "executed": result.executed, "inferred": result.inferred,
    }
    if not no_reach:
        row["uncorrected"] = reach(sim, model, seeds, config, (0, 0, 0))
        row["corrected"] = (row["uncorrected"] if result.correction == "none" else
                            reach(sim, model, seeds, config, result.correction_rpy_deg))
        if reach_with_yaw:
            row["yaw_corrected"] = reach(sim, model, seeds, config, (0, 0, result.yaw_deg))
        if reach_with_candidate:
            same = np.allclose(result.correction_rpy_deg, result.candidate_rpy_deg)
            row["candidate_corrected"] = row["corrected"] if same else reach(
                sim, model, seeds, config, result.candidate_rpy_deg)
    return row

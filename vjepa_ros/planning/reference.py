"""The published CEM planner written the plain way, kept only for tests and benchmarks.

It follows the official notebook planner step for step: at every rollout step the predictor is run
on the whole sequence so far (all frames, actions and poses, block-causal mask) and only the last
frame's prediction is kept; poses are propagated sample by sample on the CPU with scipy. It draws
its noise exactly as the fast planner does (one standard-normal [S, H, 7] tensor per iteration from
a CPU generator; the searched columns xyz and gripper are used), so both return the same plan for
the same generator state. Only the published options are supported (L1 energy, no rotation search,
no warm start, no early stop).
"""

import time

import numpy as np
import torch
import torch.nn.functional as F

from vjepa_ros.planning.cem import PlanResult, make_generator
from vjepa_ros.planning.config import CEMConfig
from vjepa_ros.planning.rollout import ImaginedRollout

# The official code builds its tensors under torch's float32 default; explicit here, so a process
# that set another default (torch.set_default_dtype) plans the same.
F32 = torch.float32
SEARCHED_COLUMNS = [0, 1, 2, 6]  # xyz and gripper, as the official 4-vector (x, y, z, gripper)


def _next_pose_per_sample(poses: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
    """Step poses [S, 7] by actions [S, 7] the official way: scipy, one sample at a time."""
    from scipy.spatial.transform import Rotation

    pose_np = poses.cpu().numpy()
    action_np = actions.cpu().numpy()
    rows = []
    for pose, action in zip(pose_np, action_np, strict=True):
        rotation = (
            Rotation.from_euler("xyz", action[3:6]).as_matrix()
            @ Rotation.from_euler("xyz", pose[3:6]).as_matrix()
        )
        angles = Rotation.from_matrix(rotation).as_euler("xyz")
        gripper = np.clip(pose[6:] + action[6:], 0.0, 1.0)
        rows.append(np.concatenate([pose[:3] + action[:3], angles, gripper]))
    return torch.from_numpy(np.stack(rows)).to(poses.device, poses.dtype)


def reference_plan(
    model,
    context_reps: torch.Tensor,
    context_state: torch.Tensor,
    goal_reps: torch.Tensor,
    config: CEMConfig,
    generator: int | torch.Generator | None = 0,
) -> PlanResult:
    """Run one replanning step of the published planner the plain way (slow; tests, benchmarks)."""
    if config.search_rotation or config.energy != "l1" or config.early_stop_patience is not None:
        raise ValueError(
            "reference_plan implements the published CEM only (l1, no rotation, no early stop)"
        )
    # Reuse the fast rollout's input checks; its tensors are the validated, device-placed inputs.
    inputs = ImaginedRollout(model, context_reps, context_state, goal_reps)
    predictor, device, dtype = inputs.predictor, inputs.device, inputs.dtype
    generator = make_generator(generator)
    samples, horizon, topk = config.samples, config.horizon, config.topk
    tokens, width = predictor.tokens_per_frame, predictor.embed_dim
    started = time.perf_counter()
    with torch.inference_mode():
        context = inputs.context_reps.repeat(samples, 1, 1, 1)  # [S, 1, N, D]
        goal = inputs.goal_reps.float().repeat(samples, 1, 1)  # [S, N, D]
        pose = inputs.context_state.repeat(samples, 1, 1)  # [S, 1, 7] float32
        mean = torch.zeros(horizon, 4, dtype=F32, device=device)
        std = torch.cat(
            [
                torch.full((horizon, 3), config.maxnorm, dtype=F32, device=device),
                torch.full((horizon, 1), config.gripper_init_std, dtype=F32, device=device),
            ],
            dim=-1,
        )
        fixed = {SEARCHED_COLUMNS.index(index): value for index, value in config.fixed_axes}
        for column, value in fixed.items():
            mean[:, column] = value
        elite_energies, best_energies = [], []
        for _ in range(config.iterations):
            noise = torch.randn((samples, horizon, 7), generator=generator, dtype=F32).to(device)
            action_traj, frame_traj, pose_traj = None, context, pose
            for h in range(horizon):
                sampled = noise[:, h, SEARCHED_COLUMNS] * std[h] + mean[h]  # [S, 4]
                sampled[:, :3] = sampled[:, :3].clip(-config.maxnorm, config.maxnorm)
                sampled[:, 3:] = sampled[:, 3:].clip(-config.gripper_clip, config.gripper_clip)
                for column, value in fixed.items():
                    sampled[:, column] = value
                no_rotation = torch.zeros(samples, 3, dtype=F32, device=device)
                step_actions = torch.cat(
                    [sampled[:, :3], no_rotation, sampled[:, 3:]], dim=-1
                )[:, None]  # [S, 1, 7]
                if config.close_gripper is not None and h >= config.close_gripper:
                    step_actions[:, :, -1] = 1.0
                action_traj = (
                    step_actions
                    if action_traj is None
                    else torch.cat([action_traj, step_actions], dim=1)
                )
                # Full recompute: every frame so far goes through the predictor again.
                predicted = predictor(
                    frame_traj.flatten(1, 2).to(dtype), action_traj.to(dtype), pose_traj.to(dtype)
                )[:, -tokens:]
                next_frame = F.layer_norm(predicted.float(), (width,))
                next_pose = _next_pose_per_sample(pose_traj[:, -1], action_traj[:, -1])
                frame_traj = torch.cat([frame_traj, next_frame.to(dtype)[:, None]], dim=1)
                pose_traj = torch.cat([pose_traj, next_pose[:, None]], dim=1)
            energies = (next_frame.flatten(1) - goal.flatten(1)).abs().mean(dim=-1)  # [S]
            top = energies.topk(topk, largest=False)
            elites = action_traj[top.indices]  # [k, H, 7]
            elite_mean, elite_std = elites.mean(dim=0), elites.std(dim=0)
            mean = torch.cat(
                [
                    elite_mean[:, :3] * (1.0 - config.momentum_mean)
                    + mean[:, :3] * config.momentum_mean,
                    elite_mean[:, -1:] * (1.0 - config.momentum_mean_gripper)
                    + mean[:, -1:] * config.momentum_mean_gripper,
                ],
                dim=-1,
            )
            std = torch.cat(
                [
                    elite_std[:, :3] * (1.0 - config.momentum_std)
                    + std[:, :3] * config.momentum_std,
                    elite_std[:, -1:] * (1.0 - config.momentum_std_gripper)
                    + std[:, -1:] * config.momentum_std_gripper,
                ],
                dim=-1,
            )
            elite_energies.append(top.values.mean().item())
            best_energies.append(top.values[0].item())
        gripper = mean[:, -1:]
        gripper = torch.where(gripper.abs() < config.gripper_round_threshold, 0.0, gripper)
        no_rotation = torch.zeros(horizon, 3, dtype=F32, device=device)
        actions = torch.cat([mean[:, :3], no_rotation, gripper], dim=-1).cpu()
        full_mean = torch.cat([mean[:, :3], no_rotation, mean[:, -1:]], -1)
        full_std = torch.cat([std[:, :3], no_rotation, std[:, -1:]], -1)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return PlanResult(
        first_action=actions[0].clone(),
        actions=actions,
        elite_energies=torch.tensor(elite_energies, dtype=F32),
        best_energies=torch.tensor(best_energies, dtype=F32),
        mean=full_mean.cpu(),
        std=full_std.cpu(),
        iterations_run=config.iterations,
        stopped_early=False,
        timings={"total": time.perf_counter() - started},
    )

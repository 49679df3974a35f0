"""bench_search.py's planning problems: what each model's searches start from, and toward.

``demo``: context and goal encoded by the packaged demo world model from held-out reach
episodes (:func:`demo_problems`); ``mid``: random layer-normed context and goal for the random
mid-size predictor of ``bench_planner.py`` (:func:`mid_problems`). Each comes with the settings
its problems are planned with (:data:`DEMO_BASE`, :data:`MID_BASE`) but method, samples and
iterations, which the budget sets. torch, the models and the simulator load when called.
"""

import numpy as np

from vjepa_ros.planning.config import CEMConfig
from vjepa_ros.sim.reach_config import HELD_OUT_SEED_START, load_reach_config

# the settings each model's problems are planned with, but method, samples and iterations
DEMO_BASE = CEMConfig(horizon=1, samples=100, topk=10, iterations=5, maxnorm=0.05)
MID_BASE = CEMConfig(horizon=2, samples=100, topk=10, iterations=5, maxnorm=0.05)


def demo_problems(count: int):
    """(model, context_reps, state, goal_reps) from held-out reach episodes with the demo model."""
    import torch

    from vjepa_ros.models import load_world_model
    from vjepa_ros.sim import Sim
    from vjepa_ros.sim.reach import make_reach_goal, reach_sim_config
    from vjepa_ros.sim.reach_config import resolve_checkpoint

    model = load_world_model(resolve_checkpoint(""))
    settings = load_reach_config().sim
    problems = []
    with Sim(reach_sim_config(HELD_OUT_SEED_START, settings)) as sim:
        for seed in range(HELD_OUT_SEED_START, HELD_OUT_SEED_START + count):
            goal = make_reach_goal(sim, seed)
            sim.reset(seed)  # back to the start pose
            frame, state = sim.render(), torch.tensor(sim.ee_state(), dtype=torch.float32)
            with torch.inference_mode():
                reps = model.encode(np.stack([frame, goal.frame])).float()
            problems.append((model, reps[:1], state, reps[1:2]))
    return problems, DEMO_BASE


def mid_problems(count: int):
    """Random layer-normed context/goal for the random mid-size predictor (bench_planner.py)."""
    import torch
    import torch.nn.functional as F
    from bench_planner import MID_PREDICTOR

    from vjepa_ros.models import build_predictor

    torch.manual_seed(0)
    predictor = build_predictor(**MID_PREDICTOR).eval()
    tokens, width = predictor.tokens_per_frame, predictor.embed_dim
    problems = []
    for index in range(count):
        generator = torch.Generator().manual_seed(index)
        context = F.layer_norm(torch.randn(1, tokens, width, generator=generator), (width,))
        goal = F.layer_norm(torch.randn(1, tokens, width, generator=generator), (width,))
        state = torch.tensor([0.45, -0.05, 0.3, 2.9, 0.3, -1.2, 0.1])
        problems.append((predictor, context, state, goal))
    return problems, MID_BASE

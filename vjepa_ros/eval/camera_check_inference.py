"""The world model's inferred motions for the camera check: the planner's search, horizon 1.

:func:`infer_motions` runs the planner from each frame before a motion toward the frame after
it and returns its first actions [N, 7] and the share of each frame change they explain
(:func:`explained_share`: ``1 − E(inferred) / E(still)``). torch is imported inside.
"""

from __future__ import annotations

import numpy as np

# The lowest share: the best action twice as far from the frame after as standing still. Below
# it the ratio says nothing more (the search failed either way: camera_check_reasons), and near
# E(still) ~0 (a frame after that is, or nearly is, the frame before) it runs to -5000 and more,
# which a per-axis mean must not average in (breaker53c).
MIN_SHARE = -1.0


def explained_share(inferred_energy, still_energy) -> np.ndarray:
    """``1 − E(inferred) / E(still)`` per motion [N], within [:data:`MIN_SHARE`, 1].

    0 where standing still scores 0. Energies ≥ 0 (float, any shape that broadcasts).
    """
    inferred_energy = np.asarray(inferred_energy, dtype=np.float64)
    still_energy = np.asarray(still_energy, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = 1.0 - inferred_energy / still_energy
    return np.where(still_energy > 0, np.clip(share, MIN_SHARE, 1.0), 0.0)


def infer_motions(model, cem, befores, states, afters, planner=None,
                  should_stop=None) -> tuple[np.ndarray, np.ndarray]:
    """Return the model's inferred motion [N, 7] for each (frame before, state, frame after).

    Args:
        model: the world model (``encode`` + action-conditioned ``predictor``).
        cem: ``CEMConfig`` of the search (its horizon is set to 1 here).
        befores, afters: N frames [H, W, 3] uint8 each (before and after each motion).
        states: [N, 7] the measured states at the frames before (base frame).
        planner: the search to run (reset before each motion; its noise stream goes on across
            calls: ``camera_check_search.search_planners``); None: a new one seeded 0.
        should_stop: optional callable polled before each motion and by each motion's search
            between its iterations and sample chunks (the live check's end).
    Returns:
        The planner's first action toward each frame after, from the frame before (see the
        module docstring), float64 [N, 7], in the model's frame; and the share of each frame
        change it explains [N] (:func:`explained_share`).
    Raises:
        PlanCancelled: ``should_stop`` became true (nothing is returned for any motion).
    """
    import torch

    from vjepa_ros.eval.evaluate import sequence_energies
    from vjepa_ros.planning.cancel import check_stop
    from vjepa_ros.planning.planners import build_planner

    cem = cem.with_(horizon=1)
    planner = planner if planner is not None else build_planner(model, cem, seed=0)
    before_reps = model.encode(np.stack(befores))
    after_reps = model.encode(np.stack(afters))
    actions, explained = [], []
    for k in range(len(befores)):
        check_stop(should_stop, f"before motion {k + 1} of {len(befores)}")
        planner.reset()
        context, goal = before_reps[k:k + 1], after_reps[k:k + 1]
        state = torch.as_tensor(np.asarray(states[k], dtype=np.float32))
        result = planner.plan(context, state, goal, should_stop=should_stop)
        candidates = torch.stack([result.actions, torch.zeros_like(result.actions)])
        energies = sequence_energies(model, cem, context, state, goal, candidates)
        actions.append(result.first_action.double().numpy())
        explained.append(float(explained_share(energies[0], energies[1])))
    return np.stack(actions), np.array(explained)

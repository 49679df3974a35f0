"""World-model rollout: imagine S action sequences from one frame with the predictor's KV cache.

Step h feeds frame h's representation, action a_h and state s_h; the predictor returns frame h+1
(layer-normed here, as the published planner does before feeding it back and scoring) and keeps
frame h's keys/values in its cache, so no earlier frame is ever recomputed. Poses are propagated on
the device for all samples at once (``pose.apply_action``). The energy of a sequence compares the
last imagined frame with the goal.
"""

import copy
import itertools
from collections.abc import Callable

import torch
import torch.nn.functional as F

from vjepa_ros.models.predictor import KVCache
from vjepa_ros.planning.cancel import check_stop
from vjepa_ros.planning.cost import auto_chunk_size, predictor_dims
from vjepa_ros.planning.energy import check_token_weights, energy
from vjepa_ros.planning.memory import chunk_failures_named
from vjepa_ros.planning.plan_inputs import as_reps, as_state
from vjepa_ros.planning.pose import apply_action


def predictor_of(model) -> torch.nn.Module:
    """Return the AC predictor of a ``WorldModel`` (``.predictor``), or ``model`` if it is one."""
    predictor = getattr(model, "predictor", model)
    for name in ("step", "new_cache", "tokens_per_frame", "embed_dim"):
        if not hasattr(predictor, name):
            raise TypeError(
                f"{type(predictor).__name__} is not an AC predictor: it has no `{name}`"
            )
    return predictor


class ImaginedRollout:
    """Scores action sequences [S, H, 7] by imagining them from one context frame and state.

    ``chunk_size`` bounds how many samples go through the predictor at once (its KV cache and
    activations scale with it); results do not depend on it beyond float rounding.
    ``context_cache``: a predictor cache of batch 1 that already holds the frames before the
    context frame (its keys/values are shared by every sample; each chunk steps a ``copy()``).
    Asynchronous control passes the cache that imagined the context frame, so the predictor sees
    the real frame before it as history; None starts every rollout from an empty cache.
    """

    def __init__(
        self,
        model,
        context_reps: torch.Tensor,
        context_state: torch.Tensor,
        goal_reps: torch.Tensor,
        energy_kind: str = "l1",
        token_weights: torch.Tensor | None = None,
        chunk_size: int | None = None,
        context_cache=None,
    ):
        self.predictor = predictor_of(model)
        self.context_cache = context_cache
        tensors = itertools.chain(self.predictor.parameters(), self.predictor.buffers())
        parameter = next(tensors, None)
        if parameter is None:
            raise TypeError("the predictor has no parameters or buffers to take device/dtype from")
        self.device, self.dtype = parameter.device, parameter.dtype
        tokens, width = self.predictor.tokens_per_frame, self.predictor.embed_dim
        self.context_reps = as_reps("context_reps", context_reps, tokens, width).to(
            self.device, self.dtype
        )
        # the goal, encoded once, is checked once (the same tensor every plan); the context each
        self.goal_reps = as_reps("goal_reps", goal_reps, tokens, width, remember=True).to(
            self.device)
        self.context_state = as_state(context_state).to(self.device)
        self.energy_kind = energy_kind
        self.token_weights = check_token_weights(token_weights, tokens)
        if chunk_size is not None and chunk_size < 1:
            raise ValueError(f"chunk_size must be None or >= 1, got {chunk_size}")
        self.chunk_size = chunk_size
        self._auto_chunks: dict[tuple[int, int], int] = {}

    def samples_per_call(self, samples: int, horizon: int) -> int:
        """Return samples per predictor call: ``chunk_size``, or ``cost.auto_chunk_size``.

        The automatic size counts the context cache's frames (:attr:`context_frames`): every
        sample's keys/values hold them from the first step on.
        """
        if self.chunk_size is not None:
            return min(self.chunk_size, samples)
        try:
            dims = predictor_dims(self.predictor)
        except AttributeError:  # not an official-layout predictor: no estimate, one call
            return samples
        key = (samples, horizon)
        if key not in self._auto_chunks:  # decided once, so every iteration runs the same shapes
            dtype_bytes = torch.finfo(self.dtype).bits // 8
            chunk = auto_chunk_size(dims, horizon, dtype_bytes, self.device,
                                    context_frames=self.context_frames)
            self._auto_chunks[key] = min(samples, chunk)
        return self._auto_chunks[key]

    @property
    def context_frames(self) -> int:
        """Frames the context cache holds before the context frame (0 without one)."""
        return 0 if self.context_cache is None else int(self.context_cache.num_frames)

    def differentiable(self) -> "ImaginedRollout":
        """Return this rollout over plain-tensor copies of its inputs, for gradient rollouts.

        The planner scores under ``torch.inference_mode``; tensors made there (encoder outputs,
        an async control's context cache) cannot be saved for backward. The copy shares the
        predictor, energy and chunking, so its :meth:`energies` under ``torch.enable_grad()``
        (outside inference mode) is the same computation with a graph back to the actions.
        """
        twin = copy.copy(self)
        with torch.inference_mode(False):
            twin.context_reps = self.context_reps.clone()
            twin.goal_reps = self.goal_reps.clone()
            twin.context_state = self.context_state.clone()
            if isinstance(self.context_cache, KVCache):
                twin.context_cache = self.context_cache.copy()
                for tensors in (twin.context_cache.keys, twin.context_cache.values):
                    tensors[:] = [None if t is None else t.clone() for t in tensors]
        return twin

    def _check_actions(self, actions: torch.Tensor) -> None:
        if actions.ndim != 3 or actions.shape[-1] != 7 or actions.shape[1] < 1:
            raise ValueError(f"actions must have shape [S, H>=1, 7], got {list(actions.shape)}")

    def imagine(self, actions: torch.Tensor) -> torch.Tensor:
        """Return the last imagined frame [S, N, D] (layer-normed, float32) of each sequence."""
        self._check_actions(actions)
        chunk = self.samples_per_call(actions.shape[0], actions.shape[1])
        with self._chunk_failures_named(chunk, actions):
            return torch.cat([self._imagine_chunk(part) for part in actions.split(chunk)], dim=0)

    def energies(
        self, actions: torch.Tensor, should_stop: Callable[[], bool] | None = None
    ) -> torch.Tensor:
        """Energy [S] (float32) of each action sequence [S, H, 7]; lower is closer to the goal.

        ``should_stop`` is polled before every chunk after the first (``cem.PlanCancelled``).
        """
        self._check_actions(actions)
        chunk = self.samples_per_call(actions.shape[0], actions.shape[1])
        parts = actions.split(chunk)
        energies = []
        for index, part in enumerate(parts):
            if index:
                check_stop(should_stop, f"after sample chunk {index} of {len(parts)}")
            with self._chunk_failures_named(chunk, actions):
                imagined = self._imagine_chunk(part)
                energies.append(
                    energy(imagined, self.goal_reps, self.energy_kind, self.token_weights))
        return torch.cat(energies, dim=0)

    def _chunk_failures_named(self, chunk: int, actions: torch.Tensor):
        """Name ``chunk_size`` for an allocation failing in a chunk below the samples [S, H, 7]."""
        return chunk_failures_named(chunk, actions.shape[0], actions.shape[1], self.chunk_size)

    def _imagine_chunk(self, actions: torch.Tensor) -> torch.Tensor:
        samples, horizon, _ = actions.shape
        actions = actions.to(self.device, torch.float32)
        width = self.predictor.embed_dim
        if self.context_cache is None:
            cache = self.predictor.new_cache()
        else:
            cache = self.context_cache.copy()
        reps = self.context_reps.expand(samples, -1, -1)  # [s, N, D], shared context frame
        states = self.context_state.expand(samples, 7)  # [s, 7] float32
        for step in range(horizon):
            last = step + 1 == horizon
            action, state = actions[:, step].to(self.dtype), states.to(self.dtype)
            # The last step only reads the cache: no keys/values of all layers kept alive.
            predicted = self.predictor.step(reps, action, state, cache, append=not last)
            normed = F.layer_norm(predicted.float(), (width,))  # float32, as scored
            if last:
                return normed
            reps = normed.to(self.dtype)
            states = apply_action(states, actions[:, step])
        raise AssertionError("unreachable: horizon >= 1")

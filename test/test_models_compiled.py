"""model.compile_predictor: the predictor's blocks through torch.compile (inductor on this CPU).

The compiled predictor must compute what the eager one does (within float32 rounding: fused
kernels may reorder sums) in every way the planner calls it — the full block-causal forward, the
cached step — and a CEM plan through it must find the same optimum. Compilation takes ~20 s here.
"""

import os
import shutil

import pytest
import torch
from test_robot_mpc import tiny_world_model
from torch import nn

from vjepa_ros.models.compiled import compile_blocks, is_compiled
from vjepa_ros.planning.cem import plan
from vjepa_ros.planning.config import CEMConfig
from vjepa_ros.planning.methods import RefineSettings

START = torch.tensor([0.40, 0.00, 0.30, 3.0, 0.2, -1.0, 0.0])


# inductor generates C++ on the CPU; without a compiler the same graphs are traced (aot_eager)
BACKEND = "inductor" if shutil.which(os.environ.get("CXX", "g++")) or shutil.which("c++") \
    else "aot_eager"


@pytest.fixture(scope="module")
def models():
    eager = tiny_world_model()
    compiled = tiny_world_model()  # the same seed: the same weights
    compile_blocks(compiled.predictor, backend=BACKEND)
    yield eager, compiled
    # inductor's compile pool (non-daemon threads) lives as long as its process: not beyond
    # these tests in a pytest-xdist worker (test_process_exit warned of its ThreadPoolExecutor-*)
    from torch._inductor.async_compile import AsyncCompile

    if AsyncCompile.pool.cache_info().currsize:
        AsyncCompile.pool().shutdown()
        AsyncCompile.pool.cache_clear()


def test_the_compiled_predictor_computes_what_the_eager_one_does(models):
    eager, compiled = models
    assert is_compiled(compiled.predictor) and not is_compiled(eager.predictor)
    generator = torch.Generator().manual_seed(1)
    tokens, width = eager.tokens_per_frame, eager.embed_dim
    x = torch.randn(3, 2 * tokens, width, generator=generator)
    actions = torch.randn(3, 2, 7, generator=generator) * 0.05
    states = START.expand(3, 2, 7).clone()
    with torch.inference_mode():
        full = [m.predictor(x, actions, states) for m in models]
        torch.testing.assert_close(full[1], full[0], atol=2e-5, rtol=1e-4)
        steps = []
        for model in models:  # the planner's path: cache the context, then step the samples
            cache = model.predictor.new_cache()
            model.predictor(x[:1, :tokens], actions[:1, :1], states[:1, :1], cache=cache)
            steps.append(model.predictor(x[:, tokens:], actions[:, 1:], states[:, 1:],
                                         cache=cache, append=False))
        torch.testing.assert_close(steps[1], steps[0], atol=2e-5, rtol=1e-4)
    assert not torch.equal(steps[0], torch.zeros_like(steps[0]))


@pytest.mark.parametrize("refine_steps", [0, 2])  # 2: gradients through the compiled blocks
def test_a_cem_plan_through_the_compiled_predictor_matches_the_eager_plan(models, refine_steps):
    config = CEMConfig(horizon=2, samples=64, topk=8, iterations=3,
                       refine=RefineSettings(steps=refine_steps))
    generator = torch.Generator().manual_seed(2)
    shape, width = (1, models[0].tokens_per_frame, models[0].embed_dim), (models[0].embed_dim,)
    # normed as WorldModel.encode's (the planner refuses other representations: plan_inputs)
    context = torch.nn.functional.layer_norm(torch.randn(shape, generator=generator), width)
    goal = torch.nn.functional.layer_norm(torch.randn(shape, generator=generator), width)
    results = [plan(m.predictor, context, START, goal, config, generator=0) for m in models]
    torch.testing.assert_close(results[1].elite_energies, results[0].elite_energies,
                               atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(results[1].first_action, results[0].first_action,
                               atol=1e-4, rtol=0)
    assert len(results[1].refine_energies) == refine_steps + (1 if refine_steps else 0)
    torch.testing.assert_close(results[1].refine_energies, results[0].refine_energies,
                               atol=1e-5, rtol=1e-4)


def test_a_predictor_without_blocks_is_refused_naming_the_parameter():
    with pytest.raises(RuntimeError, match="model.compile_predictor"):
        compile_blocks(nn.Linear(2, 2))


def test_the_world_model_says_whether_it_compiled(models):
    assert models[1].compiled is True  # read from its blocks: compiled by hand above too
    from vjepa_ros.models import WorldModel
    model = tiny_world_model()
    again = WorldModel(model.encoder, model.predictor, device="cpu", dtype=torch.float32,
                       compile_predictor=True)
    assert again.compiled and is_compiled(again.predictor)
    encoder_only = WorldModel(model.encoder, None, device="cpu", compile_predictor=True)
    assert not encoder_only.compiled

"""The searches' own tensors: float32 whatever the default dtype; warm starts checked, kept apart.

- Noise, mean, std, momenta and the result are float32 by explicit dtype: a process that calls
  ``torch.set_default_dtype(torch.float64)`` plans the same plan, in float32 (PlanResult's
  documented dtype), with every method, gradient refinement and the reference planner.
- A warm start (``warm_mean``, iCEM's ``warm_elites``) that is not finite, of another shape, or
  of an int, bool or complex dtype is refused naming it, before anything is imagined; one of
  another float dtype or requiring grad plans its values, in float32, with no autograd history.
- The warm-start state a planner keeps is its own copy: editing a returned ``PlanResult.mean``
  in place does not change the next plan.
"""

import math

import pytest
import torch
from test_planning_rollout import predictor, scene  # noqa: F401 (fixtures)

from vjepa_ros.planning import make_planner
from vjepa_ros.planning.cem import cem_search, make_generator, plan
from vjepa_ros.planning.colored_noise import colored_noise
from vjepa_ros.planning.config import CEMConfig
from vjepa_ros.planning.icem import icem_search
from vjepa_ros.planning.methods import RefineSettings
from vjepa_ros.planning.mppi import mppi_search
from vjepa_ros.planning.reference import reference_plan

pytestmark = pytest.mark.usefixtures("one_thread")
CPU = torch.device("cpu")
RESULT_TENSORS = ("first_action", "actions", "elite_energies", "best_energies", "mean", "std",
                  "refine_energies")


def _under_default(dtype, make):
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        return make()
    finally:
        torch.set_default_dtype(previous)


@pytest.mark.parametrize(("method", "refine"), [("cem", 0), ("icem", 0), ("mppi", 0), ("cem", 2),
                                               ("icem", 2), ("mppi", 2), ("reference", 0)])
def test_a_float64_default_plans_the_float32_plan_in_float32(predictor, scene, method,  # noqa: F811
                                                             refine):
    config = CEMConfig(horizon=2, samples=24, topk=4, iterations=3, warm_start=True,
                       method="cem" if method == "reference" else method,
                       refine=RefineSettings(steps=refine))

    def two_plans():  # the second warm-started from the first (reference: another seed)
        if method == "reference":
            return [reference_plan(predictor, *scene, config, generator=seed) for seed in (3, 4)]
        planner = make_planner(predictor, config, seed=3)
        return [planner.plan(*scene), planner.plan(*scene)]

    want = _under_default(torch.float32, two_plans)
    got = _under_default(torch.float64, two_plans)
    for want_plan, got_plan in zip(want, got, strict=True):
        for name in RESULT_TENSORS if method != "reference" else RESULT_TENSORS[:-1]:
            value = getattr(got_plan, name)
            assert value.dtype == torch.float32, name
            assert torch.equal(value, getattr(want_plan, name)), name


@pytest.mark.parametrize(("horizon", "beta"), [(1, 2.0), (4, 0.0), (4, 2.0), (5, 3.0)])
def test_colored_noise_is_the_float32_draw_under_a_float64_default(horizon, beta):
    def draw():
        return colored_noise(6, horizon, 7, beta, torch.Generator().manual_seed(9))

    want, got = _under_default(torch.float32, draw), _under_default(torch.float64, draw)
    assert got.dtype == torch.float32 and torch.equal(got, want)


def _quadratic(actions):
    target = torch.tensor([0.03, -0.02, 0.01], dtype=actions.dtype)
    return ((actions[:, :, :3].sum(1) - target) ** 2).sum(-1)


SEARCHES = {
    "cem": lambda config, **warm: cem_search(_quadratic, config, CPU, make_generator(0), **warm),
    "icem": lambda config, **warm: icem_search(_quadratic, config, CPU, make_generator(0), **warm),
    "mppi": lambda config, **warm: mppi_search(_quadratic, config, CPU, make_generator(0), **warm),
}
CONFIG = CEMConfig(horizon=3, samples=20, topk=4, iterations=2)


@pytest.mark.parametrize("search", sorted(SEARCHES))
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("entry", [(0, 0), (2, 6), (1, 4)])  # x, gripper, a rotation (unsearched)
def test_a_non_finite_warm_mean_is_refused_naming_it(search, bad, entry):
    warm = torch.zeros(3, 7)
    warm[entry] = bad
    with pytest.raises(ValueError, match=rf"^warm_mean \(warm start\) must be finite, got "
                                         rf"{bad} at index \[{entry[0]}, {entry[1]}\]"):
        SEARCHES[search](CONFIG, warm_mean=warm)


@pytest.mark.parametrize("search", sorted(SEARCHES))
def test_a_warm_mean_of_another_shape_or_type_is_refused_naming_it(search):
    for warm in (torch.zeros(2, 7), torch.zeros(3, 4), torch.zeros(1, 3, 7)):
        with pytest.raises(ValueError, match=r"warm_mean \(warm start\) must have shape \[3, 7\]"):
            SEARCHES[search](CONFIG, warm_mean=warm)
    with pytest.raises(ValueError, match="warm_mean must be a torch.Tensor, got list"):
        SEARCHES[search](CONFIG, warm_mean=[[0.0] * 7] * 3)


def test_finite_warm_starts_are_taken():
    warm = torch.full((3, 7), 0.01)
    for name in sorted(SEARCHES):
        assert SEARCHES[name](CONFIG, warm_mean=warm) is not None
    assert icem_search(_quadratic, CONFIG, CPU, make_generator(0), warm, torch.zeros(0, 3, 7))


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_icem_refuses_non_finite_or_misshapen_warm_elites_naming_them(bad):
    elites = torch.zeros(2, 3, 7)
    elites[1, 2, 0] = bad
    with pytest.raises(ValueError, match=r"warm_elites \(warm start\) must be finite, got "
                                         r".* at index \[1, 2, 0\]"):
        icem_search(_quadratic, CONFIG, CPU, make_generator(0), None, elites)
    with pytest.raises(ValueError, match=r"warm_elites \(warm start\) must have shape \[m, 3,"):
        icem_search(_quadratic, CONFIG, CPU, make_generator(0), None, torch.zeros(3, 7))


def test_plan_refuses_a_non_finite_warm_mean_before_imagining(predictor, scene):  # noqa: F811
    calls = []
    handle = predictor.register_forward_hook(lambda *args: calls.append(1))
    try:
        with pytest.raises(ValueError, match="warm_mean"):
            plan(predictor, *scene, CONFIG.with_(horizon=2),
                 warm_mean=torch.full((2, 7), math.inf))
    finally:
        handle.remove()
    assert not calls


@pytest.mark.parametrize("method", ["cem", "icem", "mppi"])
def test_editing_a_returned_mean_leaves_the_next_plan_alone(predictor, scene, method):  # noqa: F811
    config = CEMConfig(horizon=3, samples=20, topk=4, iterations=2, method=method,
                       warm_start=True)
    edited, untouched = make_planner(predictor, config, seed=5), make_planner(predictor, config,
                                                                              seed=5)
    first = edited.plan(*scene)
    assert torch.equal(first.actions, untouched.plan(*scene).actions)
    with torch.inference_mode():  # the result's tensors are inference tensors: edited there
        first.mean.fill_(0.04)  # a caller's own use of the result (in place)
        first.std.zero_()
    assert torch.equal(edited.plan(*scene).actions, untouched.plan(*scene).actions)


WARM_RESULTS = ("first_action", "actions", "elite_energies", "best_energies", "mean", "std")
ICEM = CONFIG.with_(method="icem")


def _warm_plans(search, warm):
    """Return the plan of ``search`` from ``warm`` [m, 3, 7] (its first as warm_mean)."""
    if search == "icem-elites":
        return icem_search(_quadratic, ICEM, CPU, make_generator(0), None, warm)[0]
    if search == "icem-both":
        return icem_search(_quadratic, ICEM, CPU, make_generator(0), warm[0], warm)[0]
    if search == "icem":
        return icem_search(_quadratic, ICEM, CPU, make_generator(0), warm[0])[0]
    return SEARCHES[search](CONFIG.with_(method=search), warm_mean=warm[0])


@pytest.mark.parametrize("search", ["cem", "icem", "mppi", "icem-elites", "icem-both"])
@pytest.mark.parametrize("dtype", [torch.float64, torch.float16, torch.bfloat16])
@pytest.mark.parametrize("grad", [False, True])
def test_a_warm_start_of_another_float_dtype_or_with_grad_plans_its_values_in_float32(
        search, dtype, grad):
    """A warm start loaded in float64 (numpy's), half precision, or requiring grad: its values.

    The plan equals the one from the same values in float32 without autograd history, and
    every PlanResult tensor is float32 requiring no grad (breaker54i).
    """
    warm = (torch.randn(4, 3, 7, generator=torch.Generator().manual_seed(1)) * 0.01).to(dtype)
    want = _warm_plans(search, warm.float())
    got = _warm_plans(search, warm.clone().requires_grad_(grad))
    for name in WARM_RESULTS:
        value = getattr(got, name)
        assert value.dtype == torch.float32 and not value.requires_grad, name
        assert torch.equal(value, getattr(want, name)), name


@pytest.mark.parametrize("search", ["cem", "icem", "mppi", "icem-elites"])
@pytest.mark.parametrize("dtype", [torch.int64, torch.int32, torch.bool, torch.complex64])
def test_a_warm_start_of_int_bool_or_complex_values_is_refused_naming_it(search, dtype):
    """An int warm start would plan truncated values; a complex one its real part, silently."""
    warm = torch.zeros(4, 3, 7, dtype=dtype)
    name = "warm_elites" if search == "icem-elites" else "warm_mean"
    with pytest.raises(ValueError, match=rf"^{name} \(warm start\) must be a real floating-point "
                                         rf"tensor .* got {dtype}"):
        _warm_plans(search, warm)

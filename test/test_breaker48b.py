"""breaker48b: the planner core returning a silently wrong plan, second round (first: breaker42b).

Attacked at main 8dab191 (vjepa_ros/planning: cem.py, icem.py, mppi.py, search_log.py,
energy.py, config.py, refine.py, reference.py, rollout.py), what changed since breaker42b: held
axes (``CEMConfig.with_held_axes``, per-plan ``fixed_axes``), elites from finite-scored samples
only, a cancelled plan restoring the noise generator, the topk >= samples refusal, warm starts.

Method: each search against a slow straightforward re-implementation written here from the
published definitions (CEM: facts §5; iCEM: Pinneri et al. 2020, colored noise, N_i =
max(N·γ^−i, 2K), elites kept into the next iteration and, shifted, into the next step, the mean
added in the last iteration, the best sequence executed; MPPI: Williams et al. 2017, weights
exp(−(E − min E)/λ)), on random settings (horizons 1-6, sample counts, close-gripper steps,
held axes, warm starts, NaN energies), with the same CPU generator; the fast cached rollout
against the plain reference planner on the tiny real AC predictor of test_planning_rollout.

Defects (strict xfails until fix48b, now fixed): ``CEMConfig.fixed_axes`` values were not
checked: NaN/inf is accepted and the plan is then refused with a message blaming the world
model (fp16 overflow, damaged checkpoint); a value beyond the box (x 0.5 with maxnorm 0.05) is
planned as is, a 0.5 m step;
an axis given twice is taken silently with the last value; ``fixed_axes`` given as a list is
accepted, and the first plan whose sub-goal holds an axis raises TypeError; an index True is
accepted (True == 1) and zeroes every axis of every sample (the arm never moves), 2.0 makes
every plan raise IndexError; close_gripper 1.5 and chunk_size 2.5 / True are accepted and every
plan fails inside torch (TypeError naming no setting).

Held up (pins): CEM, iCEM and MPPI equal their re-implementations (mean, std, plan) to 1e-5
for 40 random settings each, NaN energies included; gradient refinement equals projected Adam
written out (Kingma & Ba, straight through the plan rules, best of the iterates); a planner's
second plan is the re-implementation warm-started from the first plan's mean shifted by one
step, also after a plan with held axes (held in that plan only); the cached rollout's plan
equals the plain reference planner's bit for bit at H 1-3 with chunks that do not divide the
sample count; a plan cancelled during its gradient refinement leaves the seeded noise as it
was; a goal equal to the start plans a step of under 1 cm.
"""

import math
import random

import pytest
import torch
from test_planning_cem import START, _problem
from test_planning_rollout import predictor, scene  # noqa: F401 (fixtures)

from vjepa_ros.planning import PlanCancelled, make_planner
from vjepa_ros.planning.cem import cem_search, make_generator, plan, shift_plan
from vjepa_ros.planning.colored_noise import colored_noise
from vjepa_ros.planning.config import CEMConfig
from vjepa_ros.planning.icem import icem_search
from vjepa_ros.planning.methods import ICEMSettings, MPPISettings, RefineSettings
from vjepa_ros.planning.mppi import mppi_search
from vjepa_ros.planning.reference import reference_plan
from vjepa_ros.planning.refine import refine_plan
from vjepa_ros.planning.rollout import ImaginedRollout

CPU = torch.device("cpu")
pytestmark = pytest.mark.usefixtures("one_thread")


def _scorer(target, nan_every=0):
    """Energy ||Σ_h Δxyz_h − target||² + 0.01·Σ|g − 0.3|; every ``nan_every``-th sample NaN."""
    target = torch.tensor(target)

    def score(actions):
        energies = ((actions[:, :, :3].sum(1) - target) ** 2).sum(-1)
        energies = energies + 0.01 * (actions[:, :, 6] - 0.3).abs().sum(1)
        if nan_every:
            energies[::nan_every] = math.nan
        return energies

    return score


def _box(actions, config):
    """Apply the published sample rules: clip per axis, rotation 0, fixed axes, close step."""
    actions = actions.clone()
    actions[..., :3] = actions[..., :3].clamp(-config.maxnorm, config.maxnorm)
    actions[..., 3:6] = 0.0
    actions[..., 6] = actions[..., 6].clamp(-config.gripper_clip, config.gripper_clip)
    for index, value in config.fixed_axes:
        actions[..., index] = value
    if config.close_gripper is not None:
        actions[..., config.close_gripper:, 6] = 1.0
    return actions


def _start(config, warm):
    mean = torch.zeros(config.horizon, 7) if warm is None else _box(warm, config)
    std = torch.zeros(config.horizon, 7)
    std[:, :3], std[:, 6] = config.maxnorm, config.gripper_init_std
    for index, value in config.fixed_axes:
        mean[:, index] = value
    return mean, std


def _elites(actions, energies, k):
    """Return the k lowest finite energies and their samples (fewer if fewer finite)."""
    finite = torch.isfinite(energies)
    values, index = torch.where(finite, energies, math.inf).topk(
        min(k, int(finite.sum())), largest=False)
    return values, actions[index]


def _refit(mean, std, elites, config):
    """Refit: new = (1 − m)·elite + m·old per axis (own gripper momenta); one elite keeps std."""
    m_mean = torch.full((7,), config.momentum_mean)
    m_std = torch.full((7,), config.momentum_std)
    m_mean[6], m_std[6] = config.momentum_mean_gripper, config.momentum_std_gripper
    elite_std = elites.std(0) if len(elites) > 1 else std
    mean = elites.mean(0) * (1 - m_mean) + mean * m_mean
    std = elite_std * (1 - m_std) + std * m_std
    mean[:, 3:6], std[:, 3:6] = 0.0, 0.0
    return mean, std


def _naive_cem(score, config, generator, warm=None):
    mean, std = _start(config, warm)
    for _ in range(config.iterations):
        noise = torch.randn((config.samples, config.horizon, 7), generator=generator)
        actions = _box(noise * std + mean, config)
        mean, std = _refit(mean, std, _elites(actions, score(actions), config.topk)[1], config)
    return mean, std


def _naive_icem(score, config, generator, warm=None, warm_elites=None):
    settings, (mean, std) = config.icem, _start(config, warm)
    keep = math.ceil(round(settings.keep_elites_fraction * config.topk, 9))
    kept = _box(warm_elites[:keep], config) if warm_elites is not None and keep else None
    kept_energies, best, best_energy = None, None, math.inf
    for i in range(config.iterations):
        count = min(config.samples, max(round(config.samples / settings.population_decay**i),
                                        2 * config.topk))
        noise = colored_noise(count, config.horizon, 7, settings.noise_beta, generator)
        actions = [_box(noise * std + mean, config)]
        if kept is not None and kept_energies is None:
            actions.append(kept)  # the previous step's, shifted: scored (new frame)
        if settings.add_mean and i == config.iterations - 1:
            actions.append(_box(mean[None], config))
        actions = torch.cat(actions)
        energies = score(actions)
        if kept_energies is not None:  # the previous iteration's: energies known
            actions, energies = torch.cat([actions, kept]), torch.cat([energies, kept_energies])
        values, elites = _elites(actions, energies, config.topk)
        if values[0] < best_energy:
            best_energy, best = values[0].item(), elites[0]
        mean, std = _refit(mean, std, elites, config)
        kept, kept_energies = (elites[:keep], values[:keep]) if keep else (None, None)
    return mean, std, best


def _naive_mppi(score, config, generator, warm=None):
    settings, (mean, std) = config.mppi, _start(config, warm)
    std = std * settings.noise_sigma
    for _ in range(config.iterations):
        noise = torch.randn((config.samples, config.horizon, 7), generator=generator)
        actions = _box(noise * std + mean, config)
        energies = score(actions).double()
        finite = torch.isfinite(energies)
        costs = energies - energies[finite].min()
        if settings.normalize_costs and finite.sum() > 1 and costs[finite].std() > 0:
            costs = costs / costs[finite].std()
        weights = torch.where(finite, torch.exp(-costs / settings.temperature), 0.0)
        mean = torch.einsum("s,shd->hd", weights / weights.sum(), actions.double()).float()
        std = std * settings.noise_decay
    return mean


def _plan_rules(mean, config):
    plan = mean.clone()
    plan[:, 6] = torch.where(plan[:, 6].abs() < config.gripper_round_threshold, 0.0, plan[:, 6])
    return plan


def _random_config(rng, method):
    horizon = rng.randint(1, 6)
    samples = rng.randint(5, 50)
    close = rng.choice([None] + list(range(horizon)))
    fixed = rng.choice([(), ((2, 0.0),), ((0, 0.01), (1, 0.0)), ((6, 0.0),)])
    if close is not None and any(index == 6 for index, _ in fixed):
        fixed = ()
    return CEMConfig(
        horizon=horizon, samples=samples, topk=rng.randint(2, samples - 1),
        iterations=rng.randint(1, 5), maxnorm=rng.choice([0.05, 0.075]), close_gripper=close,
        fixed_axes=fixed, momentum_mean=rng.choice([0.0, 0.15, 0.5]),
        momentum_std_gripper=rng.choice([0.15, 0.9]), method=method,
        icem=ICEMSettings(noise_beta=rng.choice([0.0, 1.0, 2.5]),
                          keep_elites_fraction=rng.choice([0.0, 0.3, 1.0]),
                          population_decay=rng.choice([1.0, 1.25, 3.0]),
                          add_mean=rng.random() < 0.7, execute_best=True),
        mppi=MPPISettings(temperature=rng.choice([0.01, 0.1, 1.0]),
                          normalize_costs=rng.random() < 0.5))


def _trials(method, count=40):
    rng = random.Random(f"breaker48b-{method}")
    for trial in range(count):
        config = _random_config(rng, method)
        target = [rng.uniform(-0.1, 0.1) for _ in range(3)]
        score = _scorer(target, nan_every=rng.choice([0, 0, 3]))
        warm = torch.randn(config.horizon, 7) * 0.1 if rng.random() < 0.5 else None
        yield trial, config, score, warm


def test_cem_equals_the_published_refit_written_out():
    for trial, config, score, warm in _trials("cem"):
        result = cem_search(score, config, CPU, make_generator(trial), warm)
        mean, std = _naive_cem(score, config, make_generator(trial), warm)
        assert torch.allclose(result.mean, mean, atol=1e-5), (trial, config)
        assert torch.allclose(result.std, std, atol=1e-5), (trial, config)
        assert torch.allclose(result.actions, _plan_rules(mean, config), atol=1e-5)


def test_icem_equals_pinneri_et_al_written_out():
    for trial, config, score, warm in _trials("icem"):
        elites = None if warm is None else torch.randn(3, config.horizon, 7) * 0.1
        result, _ = icem_search(score, config, CPU, make_generator(trial), warm, elites)
        mean, std, best = _naive_icem(score, config, make_generator(trial), warm, elites)
        assert torch.allclose(result.mean, mean, atol=1e-5), (trial, config)
        assert torch.allclose(result.std, std, atol=1e-5), (trial, config)
        assert torch.allclose(result.actions, _plan_rules(best, config), atol=1e-5)


def test_mppi_equals_williams_et_al_written_out():
    for trial, config, score, warm in _trials("mppi"):
        result = mppi_search(score, config, CPU, make_generator(trial), warm)
        mean = _naive_mppi(score, config, make_generator(trial), warm)
        assert torch.allclose(result.mean, mean, atol=1e-5), (trial, config)


def _naive_refine(rollout, plan, config):
    """Adam (Kingma & Ba) on plan/bound, straight through the plan rules, projected; best."""
    bounds = torch.tensor([config.maxnorm] * 3 + [config.rotation_maxnorm] * 3
                          + [config.gripper_clip])
    free = torch.zeros(plan.shape, dtype=torch.bool)
    free[:, :3], free[:, 6] = True, True
    for index, _ in config.fixed_axes:
        free[:, index] = False
    if config.close_gripper is not None:
        free[config.close_gripper:, 6] = False
    start = plan / bounds
    x, m, v = start.clone(), torch.zeros_like(start), torch.zeros_like(start)
    best, best_energy, lr = plan, math.inf, config.refine.lr
    for step in range(config.refine.steps + 1):
        scaled = x.clone().requires_grad_(True)
        actions = scaled * bounds
        candidate = _plan_rules(actions.detach(), config)
        energy = rollout.energies((actions + (candidate - actions.detach()))[None])[0]
        if energy.item() < best_energy:
            best, best_energy = candidate, energy.item()
        if step == config.refine.steps:
            return best
        (gradient,) = torch.autograd.grad(energy, scaled)
        gradient = gradient * free
        m, v = 0.9 * m + 0.1 * gradient, 0.999 * v + 0.001 * gradient**2
        x = x - lr * (m / (1 - 0.9 ** (step + 1))) / ((v / (1 - 0.999 ** (step + 1))).sqrt()
                                                      + 1e-8)
        x = x.clamp(-1.0, 1.0)
        x[~free] = start[~free]


def test_gradient_refinement_equals_projected_adam_written_out():
    rng = random.Random("breaker48b-refine")
    for trial in range(12):
        horizon = rng.randint(1, 4)
        model, context, goal = _problem([rng.uniform(-0.06, 0.06) for _ in range(3)])
        config = CEMConfig(horizon=horizon, samples=10, topk=3,
                           close_gripper=rng.choice([None] + list(range(horizon))),
                           fixed_axes=rng.choice([(), ((2, 0.0),)]),
                           refine=RefineSettings(steps=rng.randint(1, 8),
                                                 lr=rng.choice([0.05, 0.1, 0.5])))
        plan = torch.randn(horizon, 7) * torch.tensor([0.03] * 3 + [0.0] * 3 + [0.5])
        plan = _box(plan, config)
        plan[:, 6] = torch.where(plan[:, 6].abs() < 0.25, 0.0, plan[:, 6])
        rollout = ImaginedRollout(model, context, START, goal)
        got = refine_plan(rollout, plan, config)
        want = _naive_refine(rollout, plan, config)
        assert torch.allclose(got.actions, want, atol=1e-6), (trial, got.actions, want)


@pytest.mark.parametrize("method", ["cem", "icem", "mppi"])
def test_a_warm_start_after_a_plan_with_held_axes_searches_them_again(method):
    # Plan 1 toward a sub-goal that holds x and z; plan 2 (next sub-goal, nothing held) is the
    # written-out search started from plan 1's mean shifted by one step, every axis searched.
    model, context, goal = _problem([0.03, -0.02, 0.01])
    config = CEMConfig(horizon=3, samples=30, topk=5, iterations=3, method=method,
                       warm_start=True, close_gripper=2,
                       icem=ICEMSettings(keep_elites_fraction=0.0))
    planner = make_planner(model, config, seed=4)
    first = planner.plan(context, START, goal, fixed_axes=((0, 0.0), (2, 0.0)))
    assert (first.actions[:, [0, 2]] == 0).all() and (first.mean[:, [0, 2]] == 0).all()
    generator = torch.Generator()
    generator.set_state(planner.generator.get_state())
    second = planner.plan(context, START, goal)
    rollout = ImaginedRollout(model, context, START, goal)

    def score(actions):
        with torch.inference_mode():
            return rollout.energies(actions)

    naive = {"cem": lambda *args: _naive_cem(*args)[0],
             "icem": lambda *args: _naive_icem(*args)[0], "mppi": _naive_mppi}[method]
    mean = naive(score, config, generator, shift_plan(first.mean))
    assert torch.allclose(second.mean, mean, atol=1e-5), (second.mean, mean)
    assert second.actions[:, [0, 2]].abs().max() > 1e-3, "held in plan 1 only"


@pytest.mark.parametrize("horizon", [1, 2, 3])
def test_the_cached_rollout_plans_bit_for_bit_as_the_plain_reference(predictor, scene, horizon):  # noqa: F811
    # README: the fast planner gives the same plan as the notebook's way given the same noise.
    config = CEMConfig(samples=24, topk=5, iterations=3, horizon=horizon, chunk_size=7,
                       close_gripper=horizon - 1 if horizon > 1 else None)
    fast = plan(predictor, *scene, config, generator=5)
    slow = reference_plan(predictor, *scene, config, generator=5)
    assert torch.equal(fast.actions, slow.actions), (fast.actions, slow.actions)
    assert torch.equal(fast.std, slow.std)


@pytest.mark.parametrize("method", ["cem", "icem", "mppi"])
def test_a_plan_cancelled_during_refinement_leaves_the_seeded_noise_as_it_was(method):
    model, context, goal = _problem([0.03, 0.0, 0.0])
    config = CEMConfig(horizon=2, samples=10, topk=3, iterations=2, method=method,
                       refine=RefineSettings(steps=3))
    expected = make_planner(model, config, seed=0).plan(context, START, goal).actions
    planner = make_planner(model, config, seed=0)
    calls = []

    def in_refinement():  # polled before each iteration (2), then before each refine step
        calls.append(1)
        return len(calls) > config.iterations + 1

    with pytest.raises(PlanCancelled, match="refinement"):
        planner.plan(context, START, goal, should_stop=in_refinement)
    assert torch.equal(planner.plan(context, START, goal).actions, expected)


@pytest.mark.parametrize("method", ["cem", "icem", "mppi"])
def test_a_goal_equal_to_the_start_plans_a_step_under_a_centimetre(method):
    model, context, _ = _problem([0.0, 0.0, 0.0])
    config = CEMConfig(horizon=1, samples=200, topk=10, iterations=10, method=method)
    result = make_planner(model, config, seed=0).plan(context, START, context)
    assert result.first_action[:3].abs().max() < 1e-2, result.first_action


def test_a_fixed_axis_value_that_is_not_finite_is_refused_naming_fixed_axes():
    """Refuse a NaN/inf held value in the settings, not as a model fault.

    Input: ``CEMConfig(fixed_axes=((0, nan),))`` (or ``planner.plan(fixed_axes=((2, inf),))``).
    Happened: accepted; the plan then raises NoFiniteEnergyError "the world model's output is not
    finite (an fp16 overflow? a damaged checkpoint?)": a lab checks its checkpoint. Should: a
    one-line ValueError naming CEMConfig.fixed_axes, as every other non-finite setting is
    refused (commit 4dec9473).
    """
    with pytest.raises(ValueError, match="fixed_axes"):
        CEMConfig(horizon=1, samples=20, topk=4, fixed_axes=((0, math.nan),))
    model, context, goal = _problem([0.02, 0.0, 0.0])
    planner = make_planner(model, CEMConfig(horizon=1, samples=20, topk=4), seed=0)
    with pytest.raises(ValueError, match="fixed_axes"):
        planner.plan(context, START, goal, fixed_axes=((2, math.inf),))


def test_a_fixed_axis_value_outside_the_search_box_is_refused_or_clipped():
    """Refuse or clip a held value beyond ±maxnorm (xyz) or ±gripper_clip (gripper).

    Input: ``CEMConfig(maxnorm=0.05, fixed_axes=((0, 0.5),))``. Happened: accepted, and the
    plan's first action is x 0.5 m, ten times the per-axis bound every other sample and plan
    obeys (``clip_to_box`` sets fixed axes after the clip); a gripper value 0.9 beyond the 0.75
    clip is planned too. Should: CEMConfig refuses it in one line naming fixed_axes and the
    bound (or the plan stays within ±maxnorm).
    """
    model, context, goal = _problem([0.02, 0.0, 0.0])
    try:
        config = CEMConfig(horizon=1, samples=20, topk=4, maxnorm=0.05, fixed_axes=((0, 0.5),))
    except ValueError as error:
        assert "fixed_axes" in str(error), error
        return
    result = make_planner(model, config, seed=0).plan(context, START, goal)
    assert result.first_action[0].abs() <= 0.05, result.first_action


def test_an_axis_fixed_twice_with_two_values_is_refused():
    """Refuse one axis fixed at two values.

    Input: ``CEMConfig(fixed_axes=((0, 0.01), (0, -0.02)))``. Happened: accepted; the samples
    and the plan hold x at −0.02 (the last pair), the 0.01 dropped without a word. Should: a
    ValueError naming CEMConfig.fixed_axes and the repeated index.
    """
    with pytest.raises(ValueError, match="fixed_axes"):
        CEMConfig(horizon=1, samples=20, topk=4, fixed_axes=((0, 0.01), (0, -0.02)))


def test_fixed_axes_given_as_a_list_plan_with_held_axes_or_are_refused_at_once():
    """Take (or refuse at construction) ``fixed_axes`` given as a list.

    Input: ``CEMConfig(fixed_axes=[(6, 0.0)])`` (a list, as Python and YAML users write it),
    then a plan toward a sub-goal that holds z (``goals.axes`` subgoal:
    ``planner.plan(fixed_axes=((2, 0.0),))``). Happened: the config is accepted (and is
    unhashable); the held-axes plan raises ``TypeError: can only concatenate list (not "tuple")
    to list`` from ``CEMConfig.with_held_axes``: plans without held axes work, so it shows only
    at the first sub-goal that holds an axis, as a planner error. Should: store a tuple (or
    refuse the list in one line naming fixed_axes) so the held-axes plan plans.
    """
    model, context, goal = _problem([0.0, 0.0, 0.02])
    try:
        config = CEMConfig(horizon=1, samples=20, topk=4, fixed_axes=[(6, 0.0)])
    except (TypeError, ValueError) as error:
        assert "fixed_axes" in str(error), error
        return
    result = make_planner(model, config, seed=0).plan(context, START, goal,
                                                      fixed_axes=((2, 0.0),))
    assert result.first_action[2] == 0 and result.first_action[6] == 0


def test_a_fixed_axis_index_that_is_not_an_integer_is_refused():
    """Refuse a fixed-axis index that is a bool or a float, as the integer settings are.

    Input: ``CEMConfig(fixed_axes=((True, 0.0),))`` (True == 1 passes ``index in (0, 1, 2,
    6)``), toward a goal 2 cm along +x. Happened: accepted, and ``actions[..., True] = 0.0`` in
    ``clip_to_box`` writes every entry: every sample and the plan are all 0, the arm never
    moves, nothing said. ``fixed_axes=((2.0, 0.0),)`` is accepted too and every plan raises
    IndexError. Should: a ValueError naming CEMConfig.fixed_axes, as CEMConfig refuses a bool
    or non-integer ``samples``.
    """
    for index in (True, 2.0):
        with pytest.raises(ValueError, match="fixed_axes"):
            CEMConfig(horizon=1, samples=20, topk=4, fixed_axes=((index, 0.0),))


@pytest.mark.parametrize("change", [dict(close_gripper=1.5), dict(chunk_size=2.5),
                                    dict(chunk_size=True)])
def test_a_step_or_chunk_that_is_not_an_integer_is_refused_by_the_config(change):
    """Refuse a non-integer close-gripper step or chunk size when the settings are made.

    Input: ``CEMConfig(horizon=2, close_gripper=1.5)`` (or ``chunk_size=2.5`` / ``True``), a
    Python caller's settings (the CLI and node parameters are typed). Happened: accepted (only
    the range is checked); every plan then raises torch's ``TypeError: slice indices must be
    integers`` (``split_with_sizes() ... must be tuple of ints, not float``), planner errors
    naming no setting. Should: a ValueError naming CEMConfig.close_gripper / chunk_size, as
    ``samples``, ``topk`` and ``iterations`` are refused.
    """
    name = next(iter(change))
    with pytest.raises(ValueError, match=name):
        CEMConfig(horizon=2, samples=20, topk=4, **change)

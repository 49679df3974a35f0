"""iCEM and MPPI beside the published CEM: optimum, rules, seeds, cancellation, settings."""

import argparse

import pytest
import torch
from test_planning_cem import START, _problem

from vjepa_ros.config import ConfigError, UsageError, from_dict
from vjepa_ros.planning import PlanCancelled, make_planner, plan
from vjepa_ros.planning.cem import CEMPlanner, cem_search, make_generator
from vjepa_ros.planning.colored_noise import colored_noise
from vjepa_ros.planning.config import CEMConfig
from vjepa_ros.planning.icem import ICEMPlanner, evaluations_per_step, icem_search, population
from vjepa_ros.planning.methods import (
    ICEMSettings,
    MPPISettings,
    RefineSettings,
    check_given_settings_used,
)
from vjepa_ros.planning.mppi import MPPIPlanner, mppi_search, mppi_weights
from vjepa_ros.planning.rollout import ImaginedRollout
from vjepa_ros.robot.planner_config import PlannerNodeConfig
from vjepa_ros.search_method_options import (
    add_search_method_arguments,
    search_method_changes,
    search_method_overrides,
)

METHODS = ["icem", "mppi"]


def _energy_of(model, context, goal, actions):
    with torch.inference_mode():
        return ImaginedRollout(model, context, START, goal).energies(actions[None]).item()


@pytest.mark.parametrize("method", METHODS)
def test_each_method_finds_the_unique_optimum(method):
    displacement = torch.tensor([0.03, -0.02, 0.01])
    model, context, goal = _problem(displacement.tolist())
    config = CEMConfig(horizon=1, samples=200, topk=10, iterations=10, maxnorm=0.05,
                       method=method)
    result = make_planner(model, config, seed=0).plan(context, START, goal)
    assert torch.allclose(result.first_action[:3], displacement, atol=1.5e-3), result.first_action
    assert (result.actions[:, 3:6] == 0).all()
    start_energy = _energy_of(model, context, goal, torch.zeros(1, 7))
    assert _energy_of(model, context, goal, result.actions) < 0.05 * start_energy
    # The best energy seen never rises (iCEM keeps its elites; both track the best sample),
    # and the elites end far below where they started.
    best = result.best_energies
    assert (best[1:] <= best[:-1]).all(), best
    assert result.elite_energies[-1] < 0.05 * result.elite_energies[0]


@pytest.mark.parametrize("method", METHODS)
def test_each_method_reaches_the_target_over_two_steps_and_the_clip_bound(method):
    displacement = torch.tensor([0.06, -0.03, 0.02])
    model, context, goal = _problem(displacement.tolist())
    config = CEMConfig(horizon=2, samples=300, topk=10, iterations=10, maxnorm=0.05,
                       method=method)
    # Only the sum of the two displacements matters (a valley of optima).
    for seed in (0, 1):
        result = make_planner(model, config, seed=seed).plan(context, START, goal)
        assert torch.allclose(result.actions[:, :3].sum(dim=0), displacement, atol=8e-3)
        start_energy = _energy_of(model, context, goal, torch.zeros(2, 7))
        assert _energy_of(model, context, goal, result.actions) < 0.1 * start_energy
    # 0.08 m along x in one step with maxnorm 0.05: the best is the bound itself.
    model, context, goal = _problem([0.08, 0.0, 0.0])
    one = config.with_(horizon=1, iterations=8)
    result = make_planner(model, one, seed=0).plan(context, START, goal)
    assert result.first_action[0] == pytest.approx(0.05, abs=2e-3)
    assert result.first_action[0] <= 0.05


@pytest.mark.parametrize("refine_steps", [0, 3])  # gradient refinement draws no noise
@pytest.mark.parametrize("method", ["cem", *METHODS])
def test_same_seed_same_plans_other_seed_other_plans(method, refine_steps):
    model, context, goal = _problem([0.03, -0.02, 0.01])
    config = CEMConfig(horizon=4, samples=40, topk=5, iterations=3, method=method,
                       refine=RefineSettings(steps=refine_steps))

    def run(seed):
        planner = make_planner(model, config, seed=seed)
        return [planner.plan(context, START, goal).actions for _ in range(2)]

    first, again, other = run(7), run(7), run(8)
    assert all(torch.equal(a, b) for a, b in zip(first, again, strict=True))
    assert not torch.equal(first[0], other[0])
    assert not torch.equal(first[0], first[1])  # the stream (and warm start) moves on


class Spy:
    """A scorer that records every batch it is asked to score (energy: distance to a target)."""

    def __init__(self, target=(0.02, 0.01, -0.01)):
        self.batches = []
        self.target = torch.tensor(target)

    def __call__(self, actions):
        self.batches.append(actions.clone())
        return (actions[:, :, :3].sum(dim=1) - self.target).abs().sum(dim=-1)


SEARCHES = {
    "icem": lambda score, config, generator, **kw: icem_search(
        score, config, torch.device("cpu"), generator, **kw)[0],
    "mppi": lambda score, config, generator, **kw: mppi_search(
        score, config, torch.device("cpu"), generator, **kw),
}


@pytest.mark.parametrize("method", METHODS)
def test_samples_obey_clipping_rotation_fixed_axes_and_close_gripper(method):
    config = CEMConfig(horizon=3, samples=300, topk=5, iterations=3, maxnorm=0.05,
                       close_gripper=2, fixed_axes=((1, 0.01),), method=method,
                       mppi=MPPISettings(noise_sigma=4.0), icem=ICEMSettings(noise_beta=0.0))
    spy = Spy()
    result = SEARCHES[method](spy, config, make_generator(0))
    actions = torch.cat(spy.batches)
    assert actions[..., [0, 2]].abs().max() == pytest.approx(0.05)  # the clip was reached
    assert (actions[..., 1] == 0.01).all() and (actions[..., 3:6] == 0).all()
    assert actions[:, :2, 6].abs().max() <= 0.75 and (actions[:, 2, 6] == 1.0).all()
    assert (result.actions[:, 3:6] == 0).all() and (result.actions[:, 1] == 0.01).all()
    assert result.actions[2, 6] == pytest.approx(1.0)
    assert result.actions[:, [0, 2]].abs().max() <= 0.05
    rotating = config.with_(search_rotation=True, rotation_maxnorm=0.2, close_gripper=None)
    spy = Spy()
    SEARCHES[method](spy, rotating, make_generator(0))
    rotation = torch.cat(spy.batches)[..., 3:6]
    assert rotation.abs().max() == pytest.approx(0.2) and (rotation != 0).any()


@pytest.mark.parametrize("method", METHODS)
def test_small_gripper_values_of_the_plan_round_to_zero(method):
    # Energy ignores the gripper, so it stays near its start mean 0 (|g| < 0.25 -> 0) ...
    config = CEMConfig(horizon=1, samples=50, topk=5, iterations=2, method=method,
                       gripper_init_std=0.01, mppi=MPPISettings(noise_sigma=1.0))
    result = SEARCHES[method](Spy(), config, make_generator(0))
    assert result.actions[0, 6] == 0.0 and result.mean[0, 6] != 0.0
    # ... and with a threshold of 0 nothing is rounded.
    result = SEARCHES[method](Spy(), config.with_(gripper_round_threshold=0.0), make_generator(0))
    assert result.actions[0, 6] != 0.0


@pytest.mark.parametrize("method", METHODS)
def test_should_stop_cancels_between_chunks_and_iterations_and_keeps_the_warm_start(method):
    model, context, goal = _problem([0.03, 0.0, 0.0])
    config = CEMConfig(horizon=2, samples=8, topk=2, iterations=3, chunk_size=2, method=method,
                       icem=ICEMSettings(population_decay=1.0))
    planner = make_planner(model, config, seed=0)
    planner.plan(context, START, goal)
    kept = planner._last_mean.clone()
    model.steps = 0
    with pytest.raises(PlanCancelled, match="before iteration 1 of 3"):
        planner.plan(context, START, goal, should_stop=lambda: True)
    assert model.steps == 0
    with pytest.raises(PlanCancelled, match="after sample chunk 1 of"):
        planner.plan(context, START, goal, should_stop=lambda: model.steps > 0)
    assert model.steps == 2, "only the first chunk (2 rollout steps) ran"
    assert torch.equal(planner._last_mean, kept), "a cancelled plan leaves the warm start alone"
    whole = make_planner(model, config.with_(chunk_size=None), seed=0)  # one chunk per iteration
    model.steps = 0
    with pytest.raises(PlanCancelled, match="before iteration 2 of 3"):
        whole.plan(context, START, goal, should_stop=lambda: model.steps >= 2)


def test_icem_population_decays_keeps_elites_and_counts_its_evaluations():
    config = CEMConfig(horizon=2, samples=100, topk=10, iterations=4, method="icem",
                       icem=ICEMSettings(keep_elites_fraction=0.3, population_decay=1.25))
    assert [population(config, i) for i in range(4)] == [100, 80, 64, 51]
    assert population(config.with_(samples=30), 3) == 20  # never below 2k
    spy = Spy()
    result, kept = icem_search(spy, config, torch.device("cpu"), make_generator(0))
    # Kept elites of one iteration are not scored again; the mean joins the last batch.
    assert [len(b) for b in spy.batches] == [100, 80, 64, 51 + 1]
    assert result.evaluations == 296 == evaluations_per_step(config, warm=False)
    assert kept.shape == (3, 2, 7)
    # The best sequence seen is executed: it is the lowest-energy one the scorer was given.
    everything = torch.cat(spy.batches)
    best = everything[spy(everything).argmin()]
    assert torch.equal(result.actions[:, :3], best[:, :3])
    # Next step: the kept elites, shifted by one step, are scored in the first batch.
    spy_next = Spy()
    warm = torch.cat([kept[:, 1:], kept[:, -1:]], dim=1)
    icem_search(spy_next, config, torch.device("cpu"), make_generator(1), warm_elites=warm)
    assert len(spy_next.batches[0]) == 103 and torch.equal(spy_next.batches[0][100:], warm)


def test_icem_shifted_warm_elites_are_put_in_the_sample_box():
    # Shifted by one step, a close-gripper step's gripper 1 lands on a step clipped to ±0.75.
    config = CEMConfig(horizon=2, samples=20, topk=4, iterations=1, close_gripper=1,
                       method="icem", icem=ICEMSettings(keep_elites_fraction=0.5))
    warm = torch.zeros(2, 2, 7)
    warm[:, :, 6], warm[:, 0, 0] = 1.0, 0.2  # gripper 1 at both steps, x beyond maxnorm
    spy = Spy()
    icem_search(spy, config, torch.device("cpu"), make_generator(0), warm_elites=warm)
    kept = spy.batches[0][20:22]
    assert (kept[:, 0, 6] == 0.75).all() and (kept[:, 1, 6] == 1.0).all()
    assert (kept[:, 0, 0] == 0.05).all() and warm[0, 0, 6] == 1.0  # the given ones untouched


def test_icem_planner_warm_starts_from_shifted_mean_and_elites_and_reset_forgets():
    model, context, goal = _problem([0.06, -0.03, 0.02])
    config = CEMConfig(horizon=3, samples=40, topk=5, iterations=2, method="icem")
    planner = ICEMPlanner(model, config, seed=0)
    planner.plan(context, START, goal)
    assert planner._last_elites.shape == (2, 3, 7)
    assert planner.plan(context, START, goal).evaluations == evaluations_per_step(config)
    planner.reset()
    assert planner._last_elites is None and planner._last_mean is None
    cold = planner.plan(context, START, goal).evaluations
    assert cold == evaluations_per_step(config, warm=False)
    no_shift = config.with_(icem=ICEMSettings(shift_warm_start=False, execute_best=False))
    planner = ICEMPlanner(model, no_shift, seed=0)
    planner.plan(context, START, goal)
    assert planner.plan(context, START, goal).evaluations == cold


def test_icem_with_white_noise_constant_population_and_no_memory_is_cem():
    # The iCEM additions switched off leave the published CEM: same noise, same plan.
    config = CEMConfig(horizon=2, samples=30, topk=5, iterations=3)
    plain = config.with_(method="icem", icem=ICEMSettings(
        noise_beta=0.0, keep_elites_fraction=0.0, population_decay=1.0, add_mean=False,
        execute_best=False))
    target = Spy()
    cem = cem_search(target, config, torch.device("cpu"), make_generator(3))
    icem, _ = icem_search(target, plain, torch.device("cpu"), make_generator(3))
    assert torch.equal(cem.actions, icem.actions) and torch.equal(cem.std, icem.std)


def test_mppi_weights_mean_noise_schedule_and_warm_start():
    energies = torch.tensor([0.3, 0.1, 0.2, 0.5])
    weights = mppi_weights(energies, temperature=1.0, normalize=False)
    assert weights.sum() == pytest.approx(1.0) and weights.argmax() == 1
    expected = torch.softmax(-(energies - 0.1), dim=0)
    assert torch.allclose(weights, expected)
    # Normalised costs: weights do not depend on the energy scale; a tiny λ picks the best.
    scaled = mppi_weights(energies * 10, 0.5, True)
    assert torch.allclose(scaled, mppi_weights(energies, 0.5, True))
    assert mppi_weights(energies, 1e-4, True)[1] == pytest.approx(1.0)
    assert torch.allclose(mppi_weights(torch.ones(5), 0.1, True), torch.full((5,), 0.2))
    config = CEMConfig(horizon=1, samples=50, topk=5, iterations=3, method="mppi",
                       mppi=MPPISettings(noise_sigma=2.0, noise_decay=0.5))
    spy = Spy()
    result = mppi_search(spy, config, torch.device("cpu"), make_generator(0))
    assert torch.allclose(result.std[0, :3], torch.full((3,), 0.05 * 2.0 * 0.5**3))
    assert result.evaluations == 150 and [len(b) for b in spy.batches] == [50] * 3
    model, context, goal = _problem([0.03, 0.0, 0.0])
    planner = MPPIPlanner(model, config.with_(horizon=2), seed=0)
    first = planner.plan(context, START, goal)
    frozen = config.with_(horizon=2, mppi=MPPISettings(temperature=1e6, normalize_costs=False,
                                                       noise_sigma=1e-6))
    planner.config = frozen  # (almost) no noise: the mean stays at the warm start
    second = planner.plan(context, START, goal)
    assert torch.allclose(second.mean, torch.stack([first.mean[1], first.mean[1]]), atol=1e-6)


def test_colored_noise_is_unit_variance_seeded_and_correlated_along_the_horizon():
    generator = torch.Generator().manual_seed(0)
    white = colored_noise(5, 8, 7, 0.0, generator)
    assert torch.equal(white, torch.randn(5, 8, 7, generator=torch.Generator().manual_seed(0)))
    for horizon, beta in [(10, 1.0), (10, 2.0), (7, 3.0), (4, 2.0)]:
        noise = colored_noise(4000, horizon, 7, beta, torch.Generator().manual_seed(1))
        assert noise.shape == (4000, horizon, 7)
        assert noise.var().item() == pytest.approx(1.0, abs=0.03)
        lag_one = (noise[:, 1:] * noise[:, :-1]).mean().item()
        assert lag_one > 0.1 * beta, (horizon, beta, lag_one)
    again = colored_noise(3, 10, 7, 2.0, torch.Generator().manual_seed(1))
    assert torch.equal(again, colored_noise(3, 10, 7, 2.0, torch.Generator().manual_seed(1)))
    with pytest.raises(ValueError, match="beta must be >= 0"):
        colored_noise(3, 10, 7, -1.0, generator)


def test_make_planner_picks_the_method_and_cem_stays_the_default():
    model, _, _ = _problem([0.0, 0.0, 0.0])
    assert type(make_planner(model, CEMConfig())) is CEMPlanner
    assert type(make_planner(model, CEMConfig(method="icem"))) is ICEMPlanner
    assert type(make_planner(model, CEMConfig(method="mppi"))) is MPPIPlanner
    assert PlannerNodeConfig().planner.to_cem().method == "cem"


@pytest.mark.parametrize("method", ["cem", *METHODS])
def test_plan_searches_with_config_method_from_the_given_warm_mean(method):
    """breaker58c's family: ``plan`` ran CEM whatever ``config.method``; now the method named.

    With a ``warm_mean`` too: the search starts from it as given (not shifted; iCEM without kept
    elites), as the method's search function started from it with the same noise.
    """
    model, context, goal = _problem([0.03, -0.02, 0.01])
    config = CEMConfig(horizon=2, samples=20, topk=4, iterations=2, method=method)
    warm = torch.tensor([[0.01, -0.02, 0.03, 0, 0, 0, 0.1], [0.02, 0.0, -0.01, 0, 0, 0, -0.2]])
    searches = {"cem": lambda score, config, generator, **kw: cem_search(
        score, config, torch.device("cpu"), generator, **kw), **SEARCHES}
    rollout = ImaginedRollout(model, context, START, goal)
    with torch.inference_mode():
        want = searches[method](rollout.energies, config, make_generator(5), warm_mean=warm)
    got = plan(model, context, START, goal, config, generator=5, warm_mean=warm)
    assert torch.equal(got.actions, want.actions) and torch.equal(got.std, want.std)
    first = make_planner(model, config, seed=5).plan(context, START, goal)
    assert torch.equal(plan(model, context, START, goal, config, generator=5).actions,
                       first.actions)
    assert not torch.equal(got.actions, first.actions)  # the warm mean was searched from


@pytest.mark.parametrize("planner", [CEMPlanner, ICEMPlanner, MPPIPlanner])
def test_a_planner_given_another_methods_config_is_refused_naming_method(planner):
    # ICEMPlanner(model, a cem config) planned iCEM, CEMPlanner(an icem config) CEM, silently.
    model, context, goal = _problem([0.03, 0.0, 0.0])
    other = next(method for method in ("cem", "icem", "mppi") if planner.METHOD != method)
    config = CEMConfig(horizon=1, samples=20, topk=4, iterations=2)
    with pytest.raises(ValueError, match=rf"^CEMConfig.method is '{other}' but "
                       rf"{planner.__name__} plans '{planner.METHOD}': .*make_planner"):
        planner(model, config.with_(method=other), seed=0)
    made = planner(model, config.with_(method=planner.METHOD), seed=0)
    made.config = config.with_(method=other)  # assigned later (the config is an attribute)
    with pytest.raises(ValueError, match=r"^CEMConfig.method is .*make_planner"):
        made.plan(context, START, goal)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: CEMConfig(method="random"), "method must be one of"),
        (lambda: ICEMSettings(noise_beta=-1.0), r"icem.noise_beta must lie in \[0, 8\], got -1.0"),
        (lambda: ICEMSettings(noise_beta=float("inf")), "icem.noise_beta must lie in"),
        (lambda: ICEMSettings(keep_elites_fraction=1.5), "icem.keep_elites_fraction"),
        (lambda: ICEMSettings(population_decay=0.5),
         r"icem.population_decay must lie in \[1, 10\], got 0.5"),
        (lambda: ICEMSettings(population_decay=float("inf")), "icem.population_decay must lie in"),
        (lambda: MPPISettings(temperature=0.0),
         r"mppi.temperature must lie in \(0, inf\), got 0.0"),
        (lambda: MPPISettings(temperature=float("inf")), "mppi.temperature must lie in"),
        (lambda: MPPISettings(noise_sigma=-1.0),
         r"mppi.noise_sigma must lie in \(0, 10\], got -1.0"),
        (lambda: MPPISettings(noise_sigma=float("nan")), "mppi.noise_sigma must lie in"),
        (lambda: RefineSettings(steps=1, lr=float("inf")),
         r"refine.lr must lie in \(0, 1\], got inf"),
        (lambda: MPPISettings(noise_decay=1.5), r"mppi.noise_decay must lie in \(0, 1\]"),
    ],
)
def test_bad_method_settings_raise_clear_errors(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_node_parameters_and_cli_options_reach_the_planner_config():
    config = from_dict(PlannerNodeConfig, {"planner.method": "icem",
                                           "planner.icem.noise_beta": 3,
                                           "planner.mppi.temperature": 0.5})
    cem = config.planner.to_cem()
    assert cem.method == "icem" and cem.icem.noise_beta == 3.0
    # mppi's, idle under icem: kept as the node's parameter (it warns), the default to the
    # planning package (mend57a: CEMConfig notes a setting its method ignores)
    assert config.planner.mppi.temperature == 0.5 and cem.mppi == MPPISettings()
    with pytest.raises(ConfigError, match="planner.icem.beta"):
        from_dict(PlannerNodeConfig, {"planner.icem.beta": 3.0})
    with pytest.raises(ValueError, match="method must be one of"):
        from_dict(PlannerNodeConfig, {"planner.method": "pso"})
    parser = argparse.ArgumentParser()
    add_search_method_arguments(parser)
    args = parser.parse_args(["--method", "mppi", "--mppi-temperature", "0.3"])
    changes = search_method_changes(args)
    assert changes["method"] == "mppi" and changes["mppi"].temperature == 0.3
    assert CEMConfig(**changes).mppi.temperature == 0.3
    assert search_method_overrides(args) == {"planner.method": "mppi",
                                             "planner.mppi.temperature": 0.3}
    # the settings of either method are read here; whether the method in force (from
    # --method, a preset or a --config file) uses them is checked on the whole configuration
    args = parser.parse_args(["--mppi-temperature", "0.3", "--no-icem-execute-best"])
    changes = search_method_changes(args)
    assert changes["icem"].execute_best is False and changes["icem"].noise_beta == 2.0
    assert search_method_overrides(args) == {"planner.icem.execute_best": False,
                                             "planner.mppi.temperature": 0.3}
    with pytest.raises(UsageError, match="^planner.icem.execute_best is for planner.method "
                                         "icem, and this run plans with planner.method mppi"):
        check_given_settings_used(CEMConfig(method="mppi"), ["planner.icem.execute_best"])
    check_given_settings_used(CEMConfig(method="icem"), ["planner.icem.execute_best"])
    assert search_method_changes(parser.parse_args([])) == {}
    with pytest.raises(ValueError, match=r"^--mppi-noise-decay must lie in \(0, 1\], got 2"):
        search_method_changes(parser.parse_args(["--mppi-noise-decay", "2"]))

"""breaker52c: the planner core returning a silently wrong plan, third round (42b, 48b before).

Attacked at main 33af8d1 (vjepa_ros/planning: cem.py, icem.py, mppi.py, rollout.py, energy.py,
config.py, methods.py, search_log.py, reference.py, cost.py; benchmarks/bench_search.py), with
what 42b/48b did not vary: every CEM setting a lab may change (momenta, gripper std and clip,
round threshold, close-gripper step, chunks) against a plain published CEM written here from
/work/shared/docs/vjepa2-ac-facts.md §5 (full recompute of the whole sequence at every step,
per-sample scipy poses), the model dtype (bfloat16/float16 on CPU), the async context cache, the
search box under every method, and the settings' types.

Defects (strict xfails until fix52c, which fixed them all: every int/float field of CEMConfig,
ICEMSettings, MPPISettings, RefineSettings checked by one rule, planning/settings_check.py: ints
stored as floats, bools refused, declared ranges; MPPI's mean put in the box by the samples' rule,
cem.clip_to_box, so the close step survives a held gripper):
- A momentum given as a Python int (``CEMConfig(momentum_mean=0)`` / ``preset(..., momentum_std
  =1)``, the usual way to write 0 and 1) makes ``refit_distribution`` build an int64 momentum
  tensor, so the gripper's momentum written into it is truncated to 0 (or 1): the gripper mean
  jumps to the elites' mean and the plan differs from the published CEM (gripper 1.0 instead of
  0.9775 after two iterations at close step 0; -0.41 instead of -0.36) with no error. Only the
  Python API passes ints (the CLI options and node parameters are floats).
- A bool given for a float setting is accepted (CEMConfig, ICEMSettings, MPPISettings,
  RefineSettings): ``maxnorm=True`` plans in a ±1 m box (20x the default 5 cm per step);
  ``momentum_mean=True`` is accepted and every plan then fails inside torch ("Subtraction ...
  with a bool tensor is not supported"), naming no setting. The integer fields refuse bools
  since fix48b.
- MPPI with a held gripper (``fixed_axes`` (6, v)) and a close-gripper step: every sample closes
  at the close step, but ``mppi_search`` writes the held value over every step of the mean, so the
  plan never closes (gripper [0, 0]) where CEM and iCEM plan [0, 0.9966] / [0, 1]; the config
  accepts the combination (the node avoids it: goal_switch_config.planner_settings).
- ``CEMConfig.early_stop_rel_tol`` is not checked (the node's parameter has [0, 1]): NaN stops
  every plan after patience + 1 iterations whatever the energy does (0.9 mm off instead of 2 µm
  on a quadratic), a negative value turns early stop off, 5.0 always stops.

Held up (pins): the package's CEM equals the plain published CEM to 1e-6 over random settings
(float momenta; the ~1e-9 differences are the order of float operations), at horizons 1-3 and chunk
sizes that do not divide the samples, also searching rotation (states near gimbal lock imagined as
scipy's poses give, checked by hand); in bfloat16 and float16 the cached rollout's energies are as
close to the same rounded weights computed in float32 as the full recompute's (the bfloat16 plans
of the two differ by up to 9 mm at H 2, 0.39 at H 3: bfloat16 noise of the order of the energies'
spread, shared by both ways, so not a defect of the cache); a context cache (async control)
imagines exactly what a full recompute of [previous frame, context frame] does, and a plan leaves
that cache as it was, and gradient refinement scores with it too; CEM, iCEM and MPPI never score
nor return an action outside the search box (per-axis clip, rotation, close-gripper step, warm
starts beyond the box); iCEM's plan is the lowest finite energy it scored, NaN energies included.
``bench_search.py open-loop --models demo --budgets 50 100 250 --problems 3 --methods cem icem``
(this session, 2 shared cores): CEM 0.07156/0.06496/0.06438, iCEM 0.06431/0.06442/0.06424: iCEM
at 56 evaluations beats CEM at 250, so the README's "2-5x fewer evaluations" holds (the absolute
energies are ~0.002 below docs/planners.md's table; CEM's budget 50 now runs S 11 = 55
evaluations, since topk 10 needs samples > 10).

Not covered: CUDA (no device lent to this task: the CUDA auto chunk size, bfloat16 there, the
"same plan on any device" claim); bench_search closed-loop; async control beyond the cache.
"""

import copy
import dataclasses
import math
import random
import typing

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy.spatial.transform import Rotation
from test_planning_rollout import WIDTH, predictor, scene  # noqa: F401 (fixtures)

from vjepa_ros.planning import make_planner
from vjepa_ros.planning.cem import cem_search, make_generator, plan, refit_distribution
from vjepa_ros.planning.config import CEMConfig
from vjepa_ros.planning.icem import icem_search
from vjepa_ros.planning.methods import ICEMSettings, MPPISettings, RefineSettings
from vjepa_ros.planning.mppi import mppi_search
from vjepa_ros.planning.rollout import ImaginedRollout
from vjepa_ros.robot.cem_params import CEMParams

CPU = torch.device("cpu")
pytestmark = pytest.mark.usefixtures("one_thread")


def _scipy_step(poses, actions):
    """Return poses [S, 7] stepped by actions [S, 7] (facts §4), one sample at a time, scipy."""
    rows = []
    for pose, action in zip(poses.double().numpy(), actions.double().numpy(), strict=True):
        rotation = (Rotation.from_euler("xyz", action[3:6]).as_matrix()
                    @ Rotation.from_euler("xyz", pose[3:6]).as_matrix())
        rows.append(np.concatenate([pose[:3] + action[:3],
                                    Rotation.from_matrix(rotation).as_euler("xyz"),
                                    np.clip(pose[6:] + action[6:], 0.0, 1.0)]))
    return torch.from_numpy(np.stack(rows)).float()


def _imagine_full(model, context, state, goal, actions, previous=None):
    """Energy [S] of actions [S, H, 7], the whole sequence recomputed at every step.

    ``previous``: optional (frame [1, N, D], state [7], action [7]) before the context frame.
    """
    samples = actions.shape[0]
    frames, states, done = [context.expand(samples, -1, -1)], [state.expand(samples, 7)], []
    if previous is not None:
        frames.insert(0, previous[0].expand(samples, -1, -1))
        states.insert(0, previous[1].expand(samples, 7))
        done.append(previous[2].expand(samples, 7))
    for step in range(actions.shape[1]):
        done.append(actions[:, step])
        predicted = model(torch.cat(frames, 1), torch.stack(done, 1), torch.stack(states, 1))
        frames.append(F.layer_norm(predicted[:, -context.shape[1]:].float(), (WIDTH,)))
        states.append(_scipy_step(states[-1], actions[:, step]))
    return (frames[-1] - goal).abs().mean(dim=(1, 2))


def _plain_cem(model, context, state, goal, config, seed):
    """Return the mean, std [H, 7] of the published CEM of facts §5, written out."""
    generator = make_generator(seed)
    horizon, clip = config.horizon, config.gripper_clip
    mean = torch.zeros(horizon, 7)
    std = torch.zeros(horizon, 7)
    std[:, :3], std[:, 6] = config.maxnorm, config.gripper_init_std
    rotation = config.rotation_maxnorm if config.search_rotation else 0.0  # beyond published
    std[:, 3:6] = rotation
    m_mean = torch.tensor([config.momentum_mean] * 6 + [config.momentum_mean_gripper])
    m_std = torch.tensor([config.momentum_std] * 6 + [config.momentum_std_gripper])
    for _ in range(config.iterations):
        noise = torch.randn((config.samples, horizon, 7), generator=generator)
        actions = noise * std + mean
        actions[..., :3] = actions[..., :3].clamp(-config.maxnorm, config.maxnorm)
        actions[..., 3:6] = actions[..., 3:6].clamp(-rotation, rotation)
        actions[..., 6] = actions[..., 6].clamp(-clip, clip)
        if config.close_gripper is not None:
            actions[:, config.close_gripper:, 6] = 1.0
        with torch.inference_mode():
            energies = _imagine_full(model, context, state, goal, actions)
        elites = actions[energies.topk(config.topk, largest=False).indices]
        mean = elites.mean(0) * (1 - m_mean) + mean * m_mean
        std = elites.std(0) * (1 - m_std) + std * m_std
    return mean, std


def _random_settings(rng):
    horizon = rng.randint(1, 3)
    samples = rng.randint(6, 24)
    return dict(
        horizon=horizon, samples=samples, topk=rng.randint(2, samples - 1),
        iterations=rng.randint(1, 3), maxnorm=rng.choice([0.01, 0.05, 0.2]),
        gripper_clip=rng.choice([0.5, 0.75, 1.0]), gripper_init_std=rng.choice([0.1, 1.0, 3.0]),
        momentum_mean=rng.choice([0.0, 0.15, 0.9, 1.0]),
        momentum_std=rng.choice([0.0, 0.15, 0.95, 1.0]),
        momentum_mean_gripper=rng.choice([0.0, 0.15, 1.0]),
        momentum_std_gripper=rng.choice([0.0, 0.15, 1.0]),
        gripper_round_threshold=rng.choice([0.0, 0.25, 0.4]),
        close_gripper=rng.choice([None, *range(horizon)]), chunk_size=rng.choice([None, 1, 5]))


def test_cem_equals_the_published_cem_written_out_for_any_setting(predictor, scene):  # noqa: F811
    rng = random.Random("breaker52c")
    for trial in range(10):
        settings = _random_settings(rng)
        if settings["gripper_round_threshold"] >= settings["gripper_clip"]:
            continue
        config = CEMConfig(**settings)
        got = plan(predictor, *scene, config, generator=trial)
        mean, std = _plain_cem(predictor, *scene, config, trial)
        assert torch.allclose(got.mean, mean, atol=1e-6), (settings, got.mean, mean)
        assert torch.allclose(got.std, std, atol=1e-6), (settings, got.std, std)


@pytest.mark.parametrize("horizon", [1, 3])
def test_cem_searching_rotation_equals_the_written_out_search(predictor, scene, horizon):  # noqa: F811
    # Beyond published: rotation sampled with std and clip rotation_maxnorm, xyz's momenta.
    config = CEMConfig(horizon=horizon, samples=20, topk=4, iterations=3, search_rotation=True,
                       rotation_maxnorm=0.3, momentum_mean=0.3, momentum_std=0.5)
    got = plan(predictor, *scene, config, generator=2)
    mean, std = _plain_cem(predictor, *scene, config, 2)
    assert torch.allclose(got.mean, mean, atol=1e-6) and torch.allclose(got.std, std, atol=1e-6)
    assert got.mean[:, 3:6].abs().max() > 0.01


def _refit_gripper(**momenta):
    config = CEMConfig(horizon=1, **momenta)
    mean, std = torch.zeros(1, 7), torch.ones(1, 7)
    elites = torch.zeros(3, 1, 7)
    elites[:, 0, 6] = torch.tensor([0.2, 0.4, 0.6])
    new_mean, new_std = refit_distribution(mean, std, elites, config)
    return new_mean[0, 6].item(), new_std[0, 6].item()


@pytest.mark.parametrize("momenta", [dict(momentum_mean=0, momentum_std=0.0),
                                     dict(momentum_mean=1, momentum_std=0.0),
                                     dict(momentum_mean=0.15, momentum_std=0)])
def test_a_momentum_given_as_an_int_keeps_the_gripper_momenta(momenta):
    """An int xyz momentum silently replaces the gripper's own momenta by 0 or 1.

    Input: ``CEMConfig(momentum_mean=0)`` (or 1, or ``momentum_std=0``: how one writes 0 and 1
    in Python; ``preset("paper", momentum_mean=0)``), gripper momenta 0.5. Happened:
    ``refit_distribution`` fills ``torch.full((7,), 0)``, an int64 tensor, and writing the
    gripper's 0.5 into it stores 0: with momentum_mean 0 or 1 the gripper mean moves to the
    elites' 0.4 (0.2 wanted), with momentum_std 0 the std to 0.2 (0.6 wanted); only the Python
    API passes ints (the CLI and node parameters are floats). On the tiny predictor the plan's
    gripper was 1.0 instead of the
    published 0.9775 (close step 0), -0.41 instead of -0.36. No error. Should: the momenta as
    given (or ints refused naming the field).
    """
    mean, std = _refit_gripper(momentum_mean_gripper=0.5, momentum_std_gripper=0.5, **momenta)
    assert mean == pytest.approx(0.2) and std == pytest.approx(0.6), (mean, std)


@pytest.mark.parametrize(("settings", "field"), [
    (CEMConfig, "maxnorm"), (CEMConfig, "momentum_mean"), (CEMConfig, "gripper_init_std"),
    (ICEMSettings, "noise_beta"), (MPPISettings, "temperature"), (RefineSettings, "lr")])
def test_a_bool_for_a_float_setting_is_refused_naming_it(settings, field):
    """A bool for a float search setting is taken as 1.0 (or crashes the plan inside torch).

    Input: ``CEMConfig(maxnorm=True)`` (a YAML ``yes``/``true`` or a flag passed to the wrong
    keyword), also ``ICEMSettings(noise_beta=True)``, ``MPPISettings(temperature=True)``,
    ``RefineSettings(lr=True)``. Happened: accepted; ``maxnorm`` True samples xyz steps in ±1 m
    (the default box is 5 cm); ``momentum_mean=True`` is accepted and every plan then raises
    torch's "Subtraction, the `-` operator, with a bool tensor is not supported", naming no
    setting; refine lr True is a step across the whole box. The integer fields refuse bools
    (fix48b), and these refuse NaN/inf. Should: ValueError naming the field.
    """
    with pytest.raises(ValueError, match=field):
        settings(**{field: True})


@pytest.mark.parametrize("tolerance", [math.nan, -0.5, 5.0])
def test_an_early_stop_tolerance_outside_0_1_is_refused_naming_it(tolerance):
    """``CEMConfig.early_stop_rel_tol`` NaN, negative or above 1 is accepted and misplans.

    Input: ``CEMConfig(horizon=1, samples=100, iterations=10, early_stop_patience=2,
    early_stop_rel_tol=nan)`` toward a 3.7 cm goal (quadratic energy). Happened: accepted (the
    node's planner.early_stop_rel_tol has the range [0, 1], CEMConfig checks every other float);
    NaN makes no iteration an improvement, so every plan stops after 3 iterations however fast the
    energy falls (elite energy 1.1e-3, 9.8e-5, 2.1e-5 → stopped, plan 0.9 mm off where tol 1e-3
    runs all 10 and lands within 2 µm); -0.5 never stops (early stop silently off); 5.0 always
    stops. Should: ValueError naming ``CEMConfig.early_stop_rel_tol``.
    """
    with pytest.raises(ValueError, match=r"^CEMConfig.early_stop_rel_tol must lie in \[0, 1\]"):
        CEMConfig(early_stop_patience=2, early_stop_rel_tol=tolerance)


def test_mppi_with_a_held_gripper_plans_the_close_step_it_scored():
    """MPPI returns gripper 0 at the close step although every sample it scored closed there.

    Input: ``CEMConfig(horizon=2, samples=20, topk=5, iterations=3, fixed_axes=((6, 0.0),),
    close_gripper=1, method="mppi")`` (accepted; the Python API, ``reach --config`` users). Every
    sample has gripper 1 at step 1 (``clip_to_box``: close after fixed), so the weighted mean
    is 1 there; ``mppi_search`` then writes the fixed value 0 over every step of the mean. Plan:
    gripper [0, 0], the hand never closes, while CEM and iCEM (same samples rule, mean from the
    elites) plan [0, 0.9966] / [0, 1]: the three methods disagree on the same rules, and MPPI's
    plan is not what it imagined. Should: the close step kept in MPPI's mean as in CEM's (or the
    combination refused by CEMConfig naming fixed_axes and close_gripper).
    """
    target = torch.tensor([0.03, -0.02, 0.01])
    scored = []

    def score(actions):
        scored.append(actions.clone())
        return ((actions[:, :, :3].sum(1) - target) ** 2).sum(-1)

    try:
        config = CEMConfig(horizon=2, samples=20, topk=5, iterations=3, fixed_axes=((6, 0.0),),
                           close_gripper=1, method="mppi")
    except ValueError as error:
        assert "close_gripper" in str(error) and "fixed_axes" in str(error), error
        return
    result = mppi_search(score, config, CPU, make_generator(3))
    assert (torch.cat(scored)[:, 1, 6] == 1.0).all()
    assert result.actions[1, 6].item() == pytest.approx(1.0), result.actions[:, 6]


SETTINGS = ((CEMConfig, "CEMConfig."), (ICEMSettings, "icem."), (MPPISettings, "mppi."),
            (RefineSettings, "refine."))


def _float_fields():
    """Return (class, message prefix, field) for every float field of the settings classes."""
    found = []
    for cls, prefix in SETTINGS:
        hints = typing.get_type_hints(cls)
        for field in dataclasses.fields(cls):
            if float in (typing.get_args(hints[field.name]) or (hints[field.name],)):
                found.append((cls, prefix, field))
    return found


FLOAT_FIELDS = _float_fields()


def test_every_float_setting_is_found():
    names = {prefix + field.name for _, prefix, field in FLOAT_FIELDS}
    assert len(names) == 17 and {"CEMConfig.maxnorm", "CEMConfig.early_stop_rel_tol",
                                 "icem.noise_beta", "mppi.temperature", "refine.lr"} <= names


@pytest.mark.parametrize(("settings", "prefix", "field"), FLOAT_FIELDS,
                         ids=[prefix + field.name for _, prefix, field in FLOAT_FIELDS])
def test_every_float_setting_takes_an_int_as_a_float_and_refuses_a_bool(settings, prefix, field):
    # The int at the range's low end (or 1 above an open 0): in range for every field but
    # maxnorm ((0, 0.2] m holds no int: its bools and NaN are refused all the same).
    low, high = field.metadata["range"]
    value = int(low) + 1 if field.metadata.get("low_open") else int(low)
    if value <= high:
        taken = getattr(settings(**{field.name: value}), field.name)
        assert type(taken) is float and taken == value
    else:
        assert prefix + field.name == "CEMConfig.maxnorm"
    for bad in (True, False, "0.5", None):
        with pytest.raises(ValueError, match=rf"^{prefix}{field.name} must be a number in "):
            settings(**{field.name: bad})
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(ValueError, match=rf"^{prefix}{field.name} must lie in [\[(]"):
            settings(**{field.name: bad})


@pytest.mark.parametrize("method", ["cem", "icem", "mppi"])
def test_int_settings_plan_as_the_float_settings_bit_for_bit(predictor, scene, method):  # noqa: F811
    # xyz momenta ints beside the gripper's 0.15: an int64 momentum tensor truncated those to 0
    # (maxnorm, at most 0.2 m, takes no int: test_every_float_setting_takes_an_int_...)
    ints = dict(gripper_clip=1, momentum_mean=0, momentum_std=1, gripper_init_std=2,
                icem=dict(noise_beta=0, keep_elites_fraction=1, population_decay=1),
                mppi=dict(temperature=1, noise_sigma=1, noise_decay=1),
                refine=dict(steps=1, lr=1))
    groups = dict(icem=ICEMSettings, mppi=MPPISettings, refine=RefineSettings)

    def settings(cast):
        return {name: (groups[name](**{key: cast(v) if key != "steps" else v
                                       for key, v in value.items()})
                       if name in groups else cast(value)) for name, value in ints.items()}

    base = CEMConfig(horizon=2, samples=12, topk=3, iterations=2, close_gripper=1,
                     method=method)
    got = [make_planner(predictor, base.with_(**values), seed=4).plan(*scene)
           for values in (settings(lambda v: v), settings(float))]
    for name in ("actions", "mean", "std", "refine_energies"):
        assert torch.equal(getattr(got[0], name), getattr(got[1], name)), name
    assert got[0].mean.dtype == torch.float32


@pytest.mark.parametrize("method", ["cem", "icem", "mppi"])
def test_every_search_keeps_the_close_step_under_a_held_gripper(method):
    config = CEMConfig(horizon=2, samples=20, topk=5, iterations=3, fixed_axes=((6, 0.0),),
                       close_gripper=1, method=method)

    def score(actions):
        return ((actions[:, :, :3].sum(1) - torch.tensor([0.03, -0.02, 0.01])) ** 2).sum(-1)

    result = _search(method, score, config, 3, None)
    assert result.actions[0, 6].item() == 0.0 and result.actions[1, 6].item() > 0.99, (
        result.actions[:, 6])


def test_planner_ranges_hold_the_node_parameter_ranges():
    """Check CEMConfig takes what planner.* takes: one table (``setting_ranges``) since fix58c.

    The same range on both sides for every setting of the search box (breaker58c: CEMConfig
    planned a ±5 m box the node refuses); the node narrows only the counts (a typo in a
    parameter file) and writes None as -1 or 0.
    """
    def interval(metadata):
        low, high = metadata["range"]
        return low, high, metadata.get("low_open", False), metadata.get("high_open", False)

    node = {field.name: interval(field.metadata) for field in dataclasses.fields(CEMParams)
            if "range" in field.metadata}
    for _, prefix, field in FLOAT_FIELDS:
        if prefix != "CEMConfig.":
            continue  # icem/mppi/refine: the node's groups are these classes themselves
        assert interval(field.metadata) == node[field.name], field.name


def test_float_momenta_plan_the_published_gripper_mean(predictor, scene):  # noqa: F811
    # The xfail above end to end, with the float momenta that work (gripper momentum 0.15:
    # 0 -> 0.85 -> 0.9775): the int 0 instead of 0.0 gave 1.0.
    settings = dict(horizon=1, samples=29, topk=12, iterations=2, maxnorm=0.2, gripper_clip=0.5,
                    momentum_mean=0.0, momentum_std=0.95, momentum_std_gripper=1.0,
                    close_gripper=0, chunk_size=7)
    config = CEMConfig(**settings)
    got = plan(predictor, *scene, config, generator=5)
    mean, _ = _plain_cem(predictor, *scene, config, 5)
    assert got.mean[0, 6].item() == pytest.approx(0.9775) and mean[0, 6].item() == pytest.approx(
        0.9775)


def _actions(samples, horizon, seed):
    generator = torch.Generator().manual_seed(seed)
    actions = torch.randn(samples, horizon, 7, generator=generator) * 0.05
    actions[..., 3:6] = 0.0
    actions[..., 6] = (actions[..., 6] * 10).clamp(-0.75, 0.75)
    return actions


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_low_precision_cached_rollout_is_as_accurate_as_the_full_recompute(
        predictor, scene, dtype):  # noqa: F811
    context, state, goal = scene
    low_model = copy.deepcopy(predictor).to(dtype)
    exact_model = copy.deepcopy(low_model).float()  # the same rounded weights, in float32
    low = ImaginedRollout(low_model, context, state, goal)
    exact = ImaginedRollout(exact_model, context, state, goal)
    for horizon in (2, 3):
        actions = _actions(96, horizon, horizon)
        with torch.inference_mode():
            fast = low.energies(actions)
            full = _imagine_full(low_model, context.to(dtype), state, goal, actions)
            truth = exact.energies(actions)
        fast_error = (fast - truth).abs().mean()
        full_error = (full - truth).abs().mean()
        assert fast_error < 1.5 * full_error + 1e-6, (horizon, fast_error, full_error)


def test_a_context_cache_imagines_as_the_full_sequence_and_is_left_as_it_was(
        predictor, scene):  # noqa: F811
    context, state, goal = scene
    generator = torch.Generator().manual_seed(11)
    previous = F.layer_norm(torch.randn(1, context.shape[1], WIDTH, generator=generator),
                            (WIDTH,))
    previous_state = torch.tensor([0.44, -0.04, 0.31, 2.9, 0.3, -1.2, 0.1])
    previous_action = torch.tensor([0.01, -0.01, -0.01, 0.0, 0.0, 0.0, 0.0])
    cache = predictor.new_cache()
    with torch.inference_mode():
        predictor.step(previous, previous_action[None], previous_state[None], cache)
    keys = list(cache.keys)
    config = CEMConfig(horizon=2, samples=12, topk=3, iterations=2, chunk_size=5)
    first = plan(predictor, *scene, config, generator=1, context_cache=cache)
    assert cache.num_frames == 1 and all(a is b for a, b in zip(cache.keys, keys, strict=True))
    second = plan(predictor, *scene, config, generator=1, context_cache=cache)
    assert torch.equal(first.actions, second.actions)
    for horizon in (1, 3):
        actions = _actions(10, horizon, 20 + horizon)
        with torch.inference_mode():
            cached = ImaginedRollout(predictor, context, state, goal, chunk_size=4,
                                     context_cache=cache).energies(actions)
            full = _imagine_full(predictor, context, state, goal, actions,
                                 (previous, previous_state, previous_action))
        assert torch.allclose(cached, full, atol=1e-6), (cached - full).abs().max()


@pytest.mark.parametrize("method", ["cem", "icem", "mppi"])
def test_refinement_scores_with_the_context_cache(predictor, scene, method):  # noqa: F811
    # The gradient rollout (ImaginedRollout.differentiable) keeps the async history frame: its
    # first energy is the sampler's plan's under the cache (1.128 here), not without it (1.108).
    context, state, goal = scene
    cache = predictor.new_cache()
    with torch.inference_mode():
        predictor.step(torch.roll(context, 1, dims=1), torch.full((1, 7), 0.02), state[None],
                       cache)
    config = CEMConfig(horizon=2, samples=20, topk=4, iterations=2, method=method)
    sampled = make_planner(predictor, config, seed=0).plan(*scene, context_cache=cache)
    refined = make_planner(predictor, config.with_(refine=RefineSettings(steps=2)),
                           seed=0).plan(*scene, context_cache=cache)
    with torch.inference_mode():
        want = ImaginedRollout(predictor, *scene, context_cache=cache).energies(
            sampled.actions[None])[0]
        without = ImaginedRollout(predictor, *scene).energies(sampled.actions[None])[0]
    assert refined.refine_energies[0].item() == want.item() != without.item()


def _in_box(actions, config):
    eps = 1e-6
    rotation = config.rotation_maxnorm if config.search_rotation else 0.0
    high = torch.full((config.horizon,), config.gripper_clip)
    if config.close_gripper is not None:
        high[config.close_gripper:] = 1.0
    return bool((actions[..., :3].abs() <= config.maxnorm + eps).all()
                and (actions[..., 3:6].abs() <= rotation + eps).all()
                and (actions[..., 6] <= high + eps).all()
                and (actions[..., 6] >= -config.gripper_clip - eps).all())


def _search(method, score, config, trial, warm):
    generator = make_generator(trial)
    if method == "cem":
        return cem_search(score, config, CPU, generator, warm)
    if method == "mppi":
        return mppi_search(score, config, CPU, generator, warm)
    elites = None if warm is None else torch.randn(4, config.horizon, 7) * 0.5
    return icem_search(score, config, CPU, generator, warm, elites)[0]


@pytest.mark.parametrize("method", ["cem", "icem", "mppi"])
def test_no_method_scores_or_returns_an_action_outside_the_box(method):
    rng = random.Random(f"breaker52c-box-{method}")
    for trial in range(40):
        horizon, samples = rng.randint(1, 5), rng.randint(5, 40)
        config = CEMConfig(
            horizon=horizon, samples=samples, topk=rng.randint(2, samples - 1),
            iterations=rng.randint(1, 4), maxnorm=rng.choice([0.01, 0.05]),
            gripper_clip=rng.choice([0.5, 0.75]),
            close_gripper=rng.choice([None, *range(horizon)]),
            search_rotation=rng.random() < 0.3, method=method,
            icem=ICEMSettings(noise_beta=rng.choice([0.0, 2.0, 4.0]),
                              keep_elites_fraction=rng.choice([0.0, 0.3, 1.0])),
            mppi=MPPISettings(noise_sigma=rng.choice([1.0, 10.0])))
        target, scored = torch.randn(3) * 0.2, []

        def score(actions, target=target, scored=scored):
            scored.append(actions.clone())
            return ((actions[:, :, :3].sum(1) - target) ** 2).sum(-1) + 0.01 * (
                actions[:, :, 3:6] ** 2).sum((1, 2))

        warm = torch.randn(horizon, 7) * 0.5 if rng.random() < 0.5 else None  # beyond the box
        result = _search(method, score, config, trial, warm)
        everything = torch.cat([*scored, result.actions[None], result.mean[None]])
        assert _in_box(everything, config), (trial, config)
        if config.close_gripper is not None:
            assert (torch.cat(scored)[:, config.close_gripper:, 6] == 1.0).all()


def test_icem_plans_the_lowest_finite_energy_it_scored():
    rng = random.Random("breaker52c-best")
    for trial in range(40):
        horizon, samples = rng.randint(1, 5), rng.randint(5, 40)
        config = CEMConfig(
            horizon=horizon, samples=samples, topk=rng.randint(2, samples - 1),
            iterations=rng.randint(1, 4), method="icem",
            icem=ICEMSettings(noise_beta=rng.choice([0.0, 2.0]),
                              keep_elites_fraction=rng.choice([0.0, 0.3, 1.0]),
                              add_mean=rng.random() < 0.5,
                              population_decay=rng.choice([1.0, 1.25, 3.0])))
        target, energies, nan = torch.randn(3) * 0.05, [], rng.random() < 0.3

        def score(actions, target=target, energies=energies, nan=nan):
            values = ((actions[:, :, :3].sum(1) - target) ** 2).sum(-1)
            if nan:
                values[1::3] = math.nan
            energies.append(values.clone())
            return values

        warm = torch.randn(horizon, 7) * 0.05 if rng.random() < 0.5 else None
        result = _search("icem", score, config, trial, warm)
        scored = torch.cat(energies)
        lowest = scored[torch.isfinite(scored)].min()
        planned = ((result.actions[:, :3].sum(0) - target) ** 2).sum()
        assert torch.isclose(planned, lowest, rtol=0, atol=1e-9), (trial, planned, lowest)

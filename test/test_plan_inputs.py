"""The planner's inputs: layer-normed representations, a state in the model's units, seeds, OOM.

The family beside breaker56c's cases (test_breaker56c.py): every affine or raw representation
refused while layer-normed ones of any dtype pass unchanged; a canonical state passed bit for
bit, every non-canonical writing of a rotation planned as scipy's canonical angles; each wrong
unit refused naming its entry; one seed rule for the Python API and ``planner.seed``; an
allocation failing in a predictor chunk worded after ``chunk_size`` (also by the node).
"""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy.spatial.transform import Rotation

from vjepa_ros.planning.cem import checked_seed, make_generator
from vjepa_ros.planning.memory import (
    SamplesMemoryError,
    chunk_failures_named,
    chunk_out_of_memory_message,
)
from vjepa_ros.planning.plan_inputs import as_reps, as_state

TOKENS, WIDTH = 16, 64
STATE = torch.tensor([0.45, -0.05, 0.3, 2.9, 0.3, -1.2, 0.1])


def _normed(seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return F.layer_norm(3 * torch.randn(1, TOKENS, WIDTH, generator=generator) + 5, (WIDTH,))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16, torch.float64])
def test_layer_normed_representations_of_any_dtype_pass_unchanged(dtype):
    reps = _normed().to(dtype)
    assert as_reps("goal_reps", reps, TOKENS, WIDTH) is reps
    assert torch.equal(as_reps("goal_reps", reps[0], TOKENS, WIDTH), reps)  # [N, D] given


def test_a_constant_token_normed_to_zeros_passes():
    # layer_norm of a constant token is all zeros (a blank frame, a random-weights encoder)
    reps = _normed()
    reps[0, 3] = 0.0
    as_reps("context_reps", reps, TOKENS, WIDTH)


@pytest.mark.parametrize("change", [
    lambda x: x + 0.3,  # an affine bias only
    lambda x: 1.5 * x,  # affine weights only
    lambda x: 1.7 * x + 0.4,  # both (breaker56c's case)
    lambda x: x * torch.linspace(0.5, 3.0, WIDTH) + torch.linspace(-1, 1, WIDTH),  # per feature
    lambda x: 4 * torch.randn_like(x) + 2,  # raw encoder features, never normed
], ids=["bias", "scale", "affine", "per-feature", "raw"])
@pytest.mark.parametrize("name", ["context_reps", "goal_reps"])
def test_representations_not_layer_normed_are_refused_naming_them(change, name):
    torch.manual_seed(0)
    reps = change(_normed())
    with pytest.raises(ValueError, match=rf"^{name} is not layer-normed: token \d+ has mean "
                       r"\S+ and std \S+ over its 64 features .*layer_norm\(reps, \(64,\)\)"):
        as_reps(name, reps, TOKENS, WIDTH)


def test_one_affine_token_among_normed_ones_is_named():
    reps = _normed()
    reps[0, 11] = 2 * reps[0, 11] + 1
    with pytest.raises(ValueError, match=r"token 11 has mean 1 and std 2 "):
        as_reps("goal_reps", reps, TOKENS, WIDTH)


def _route_inference(goal):
    with torch.inference_mode():
        tensor = goal.clone()

    def write(change):
        with torch.inference_mode():
            tensor.copy_(change(tensor.clone()))
    return tensor, write


def _sharing_an_array(wrap):
    """Return a route: ``wrap`` (``torch.from_numpy``, ``from_dlpack``) of an array written to."""
    def route(goal):
        array = goal.numpy().copy()
        return wrap(array), lambda change: np.copyto(array, change(torch.from_numpy(
            array.copy())).numpy())
    return route


_route_from_numpy = _sharing_an_array(torch.from_numpy)
_route_dlpack = _sharing_an_array(torch.from_dlpack)


def _route_numpy_view(goal):
    tensor = goal.clone()
    return tensor, lambda change: np.copyto(tensor.numpy(), change(tensor.clone()).numpy())


def _route_data(goal):
    tensor = goal.clone()
    return tensor, lambda change: tensor.data.copy_(change(tensor.clone()))


def _route_frombuffer(goal):
    buffer = bytearray(goal.numpy().tobytes())
    tensor = torch.frombuffer(buffer, dtype=torch.float32).view(goal.shape)

    def write(change):
        buffer[:] = change(tensor.clone()).numpy().tobytes()
    return tensor, write


def _route_ordinary(goal):
    tensor = goal.clone()
    return tensor, lambda change: tensor.copy_(change(tensor.clone()))


ROUTES = [_route_inference, _route_from_numpy, _route_numpy_view, _route_data,
          _route_frombuffer, _route_dlpack, _route_ordinary]
ROUTE_NAMES = ["inference", "from_numpy", "numpy_view", "data", "frombuffer", "dlpack",
               "ordinary"]


def _one_token_affine(reps):
    reps[..., 5, :] = 1.7 * reps[..., 5, :] + 0.4
    return reps


def _one_value(value):
    def change(reps):
        reps[..., 2, 7] = value
        return reps
    return change


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_NAMES)
@pytest.mark.parametrize("change", [
    lambda reps: 1.7 * reps + 0.4, _one_token_affine, _one_value(math.nan), _one_value(math.inf),
], ids=["affine", "one-token", "nan", "inf"])
def test_a_remembered_goal_changed_in_place_by_any_route_is_checked_again(route, change):
    """breaker58c's family: a goal changed where torch's version counter does not see it.

    Inference tensors keep no version; writes through memory torch shares (numpy both ways,
    ``.data``, a buffer, DLPack) do not bump it. The memo compares values instead: every route
    is refused as a fresh tensor with those values is.
    """
    tensor, write = route(_normed(3))
    assert as_reps("goal_reps", tensor, TOKENS, WIDTH, remember=True) is not None
    write(change)
    with pytest.raises(ValueError, match="^goal_reps (contains NaN or inf|is not layer-normed)"):
        as_reps("goal_reps", tensor, TOKENS, WIDTH, remember=True)


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_NAMES)
def test_a_remembered_goal_unchanged_is_not_checked_again(route, monkeypatch):
    # The memo's point (the goal is encoded once, planned towards every step): by every route,
    # the same tensor with the same values is checked once, however often it is given.
    import vjepa_ros.planning.plan_inputs as plan_inputs

    tensor, write = route(_normed(4))
    checked = []
    real = plan_inputs.layer_norm_problem
    monkeypatch.setattr(plan_inputs, "layer_norm_problem",
                        lambda reps: checked.append(1) or real(reps))
    for _ in range(3):
        as_reps("goal_reps", tensor, TOKENS, WIDTH, remember=True)
    assert len(checked) == 1
    write(lambda reps: F.layer_norm(reps.flip(-2) * 2 + 1, (WIDTH,)))  # another normed goal
    for _ in range(2):
        as_reps("goal_reps", tensor, TOKENS, WIDTH, remember=True)
    assert len(checked) == 2


def test_a_dropped_goal_frees_its_remembered_copy():
    import gc

    import vjepa_ros.planning.plan_inputs as plan_inputs

    tensor = _normed(5)
    as_reps("goal_reps", tensor, TOKENS, WIDTH, remember=True)
    assert plan_inputs._PASSED.slot[1] is not None
    del tensor
    gc.collect()
    assert plan_inputs._PASSED.slot == (None, None)


def _with(**entries) -> torch.Tensor:
    state = STATE.clone()
    for index, value in entries.items():
        state[int(index[1:])] = value
    return state


@pytest.mark.parametrize("state", [
    STATE, _with(i3=float(np.float32(math.pi))), _with(i3=-math.pi, i5=math.pi),
    _with(i4=math.pi / 2), _with(i4=-math.pi / 2), _with(i6=1.005), _with(i6=-0.005),
    _with(i6=1.0), _with(i0=0.0, i1=0.0, i2=0.0),
], ids=["scene", "float32-pi", "minus-pi", "gimbal-up", "gimbal-down", "closed-rounded",
        "open-rounded", "closed", "origin"])
def test_a_state_in_the_model_conventions_passes_bit_for_bit(state):
    assert torch.equal(as_state(state), state)
    assert torch.equal(as_state(state[None].double()), state)  # [1, 7] float64: cast only


@pytest.mark.parametrize("angles", [
    (math.pi + 0.06, 0.3, -1.2), (-math.pi - 0.2, -0.1, 0.5), (0.4, 2.0, 0.2),
    (0.4, -2.5, 0.2), (2.9, 0.3, 5.0), (2.9 - 2 * math.pi, 0.3, 1.0),
    (6.0, 3.0, -6.0), (0.1, math.pi, 0.2),
], ids=["roll+", "roll-", "pitch+", "pitch-", "yaw-5", "roll-2pi", "all", "pitch-pi"])
def test_a_non_canonical_orientation_becomes_scipys_angles_of_the_same_rotation(angles):
    state = STATE.clone()
    state[3:6] = torch.tensor(angles)
    got = as_state(state)
    want = Rotation.from_euler("xyz", np.array(angles)).as_euler("xyz")
    assert np.allclose(got[3:6].double().numpy(), want, atol=1e-6), (got, want)
    assert torch.equal(got[[0, 1, 2, 6]], state[[0, 1, 2, 6]])
    assert torch.equal(as_state(got), got)  # canonical now: kept as it is


@pytest.mark.parametrize("entries, match", [
    ({"i0": 450.0, "i2": 300.0}, r"context_state\[0:3\]: .* beyond a Franka's reach"),
    ({"i2": -2.0}, r"context_state\[0:3\]: .*metres"),
    ({"i3": 180.0}, r"context_state\[3\] \(Euler angle\) = 180 lies beyond one turn"),
    ({"i4": -7.0}, r"context_state\[4\] \(Euler angle\) = -7 .*degrees"),
    ({"i5": 90.0}, r"context_state\[5\] \(Euler angle\)"),
    ({"i5": -1.2 - 2 * math.pi}, r"context_state\[5\] .*unwrapped past a turn"),
    ({"i6": 255.0}, r"context_state\[6\] \(gripper closedness\) = 255 is outside \[0, 1\]"),
    ({"i6": 50.0}, r"context_state\[6\] .*100 for a percentage"),
    ({"i6": 1.05}, r"context_state\[6\] \(gripper closedness\) = 1.05"),
    ({"i6": -0.5}, r"context_state\[6\] \(gripper closedness\) = -0.5"),
], ids=["xyz-mm", "below-floor-2m", "roll-deg", "pitch-deg", "yaw-deg", "yaw-unwrapped",
        "gripper-255", "gripper-percent", "gripper-above", "gripper-negative"])
def test_a_state_in_wrong_units_is_refused_naming_the_entry(entries, match):
    with pytest.raises(ValueError, match=match):
        as_state(_with(**entries))


@pytest.mark.parametrize("seed", [0, 7, np.int64(7), np.uint64(2**64 - 1), 2**64 - 1])
def test_integer_seeds_seed_the_generator(seed):
    assert make_generator(seed).initial_seed() == int(seed)


@pytest.mark.parametrize("seed", [0.0, 2.5, np.float32(1.0), True, np.bool_(False), "3", -2,
                                  2**64, torch.tensor(3)],
                         ids=["0.0", "2.5", "np1.0", "True", "npFalse", "str", "-2", "2**64",
                              "tensor"])
def test_other_seeds_are_refused_naming_the_seed(seed):
    with pytest.raises(ValueError, match=r"^the planner's seed must be "):
        make_generator(seed)


def test_seed_minus_one_is_random_as_planner_seed_says():
    assert checked_seed(-1) is None and checked_seed(np.int32(-1)) is None
    draws = {make_generator(-1).initial_seed() for _ in range(4)}
    assert len(draws) > 1  # random, not one fixed seed (64-bit draws: equal by chance ~never)


def _fail_in(chunk: int, samples: int, chunk_size):
    with chunk_failures_named(chunk, samples, 3, chunk_size):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")


def test_a_chunk_below_the_samples_that_fails_names_chunk_size():
    with pytest.raises(SamplesMemoryError, match=r"^out of memory in one predictor call of 8 "
                       r"of the 64 samples at horizon 3 \(CEMConfig\.chunk_size 8\): give a "
                       r"CEMConfig\.chunk_size below 8 "):
        _fail_in(8, 64, 8)
    with pytest.raises(SamplesMemoryError, match=r"chunk_size None: sized from the memory free"):
        _fail_in(40, 64, None)  # the automatic chunk


def test_a_call_of_all_the_samples_or_another_error_passes_unchanged():
    with pytest.raises(torch.OutOfMemoryError):  # the samples' failure: worded by the planner
        _fail_in(64, 64, None)
    with pytest.raises(RuntimeError, match="^shape mismatch$"):
        with chunk_failures_named(8, 64, 3, 8):
            raise RuntimeError("shape mismatch")


def test_the_planner_node_words_a_chunk_failure_after_planner_chunk_size():
    from types import SimpleNamespace

    from vjepa_ros.nodes.planner_node import PlannerNode
    from vjepa_ros.robot.planner_config import PlannerNodeConfig

    logged = []
    node = SimpleNamespace(config=PlannerNodeConfig(), closing=False, _failed=lambda where, exc:
                           logged.append(f"{type(exc).__name__}: {exc}"))
    PlannerNode._planning_failed(node, SamplesMemoryError(chunk_out_of_memory_message(8, 64, 3,
                                                                                      8)))
    assert logged == ["MemoryError: out of memory in one predictor call of 8 of the 64 samples "
                      "at horizon 3 (planner.chunk_size 8): give a planner.chunk_size below 8 "
                      "(fewer samples, while 8 or more, leave each call as large), or free memory"]


@pytest.mark.parametrize(("chunk_size", "given"), [
    (8, "chunk_size 8"), (None, "a chunk sized from the memory free when the plan began")])
def test_a_command_words_a_chunk_failure_after_its_samples_option(capsys, chunk_size, given):
    # a command has no option for the chunk: fewer samples than the chunk make one call
    from vjepa_ros.command_errors import run_reporting

    def work():
        _fail_in(8, 64, chunk_size)

    assert run_reporting("vjepa-ros eval", work) == 1
    assert capsys.readouterr().err == (
        f"vjepa-ros eval: out of memory in one predictor call of 8 of the 64 samples at horizon "
        f"3 ({given}): give --samples below 8 (one call for all of them), or free memory\n")
    assert run_reporting("bench_search.py", work, typed=set()) == 1  # a script without it
    assert "give samples below 8 " in capsys.readouterr().err

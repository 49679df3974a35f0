"""fix50g: every piece of advice these refusals print passes their check when followed as stated.

Over grids of inputs, not only breaker50g's named ones: pretraining's mask check (a lower
spatial_scale, fewer num_blocks, both, a smaller patch_size: each named value, parsed from the
line, is run through the check again); the state-gap hint (a stated interval is above the gap it
is compared with); eval's too-short-bag refusal (the horizon / goal offset named, used as said)
and its 'no step would be scored' under max_steps (the start_s named).
"""

import re

import numpy as np
import pytest
from test_breaker50g import _pose_recording, _scored

from vjepa_ros.eval.eval_config import EvalConfig
from vjepa_ros.eval.step_choice import valid_steps
from vjepa_ros.recordings.dropped_steps import state_gap_hint
from vjepa_ros.train.pretrain_config import MaskConfig, PretrainConfig
from vjepa_ros.train.pretrain_mask_check import mask_passes, mask_problem

SCALE = r"e\.g\. ([0-9.]+), spatial_scale \[([0-9.]+), ([0-9.]+)\]"


def _followed(said: str, blocks: int, scale) -> list[tuple[int, list[float]]]:
    """Return the (num_blocks, spatial_scale) settings a mask refusal advises, as stated."""
    settings = []
    for high, low, same in re.findall(r"a lower spatial_scale \(" + SCALE, said):
        assert high == same, said
        settings.append((blocks, [float(low), float(high)]))
    for most in re.findall(r"fewer num_blocks \(at most ([0-9]+)\)", said):
        settings += [(count, list(scale)) for count in range(1, int(most) + 1)]  # "at most"
    for count, high, low, _ in re.findall(r"fewer num_blocks and a lower spatial_scale "
                                          r"\(([0-9]+) blocks, " + SCALE, said):
        settings.append((int(count), [float(low), float(high)]))
    return settings


@pytest.mark.parametrize("ratio", [[0.75, 1.5], [1, 1], [0.3, 3.0]])
def test_every_mask_advice_passes_over_a_grid(ratio):
    """Grids 2..16, 24, 32; 1..40 blocks; six scale ranges: each option named passes."""
    refused = 0
    for side in [*range(2, 17), 24, 32]:
        for blocks in (1, 2, 4, 8, 16, 40):
            for scale in ([0.1, 1.0], [0.7, 0.7], [1.0, 1.0], [0.5, 0.95], [0.15, 0.15],
                          [0.3, 0.5]):
                said = mask_problem("m", blocks, scale, ratio, side, "x")
                if said is None:
                    continue
                refused += 1
                settings = _followed(said, blocks, scale)
                assert settings and "patch_size" not in said, said
                for count, followed in settings:
                    assert followed[0] <= followed[1], said  # a range
                    assert mask_passes(count, followed, ratio, side), (count, followed, said)
    assert refused > 50


def test_a_smaller_patch_size_is_named_exactly_where_one_passes():
    """Named: the config with it passes; not named: none of the smaller divisors passes."""
    named = 0
    for img_size, patch in ((128, 16), (64, 16), (96, 32), (224, 16)):
        for spec in (MaskConfig(2, [0.7, 1.0], [0.75, 1.5]), MaskConfig(2, [0.7, 0.95], [1, 1]),
                     MaskConfig(16, [0.7, 0.7], [0.75, 1.5]), MaskConfig(1, [0.9, 0.9], [1, 1]),
                     MaskConfig(40, [0.3, 0.3], [0.75, 1.5])):
            try:
                PretrainConfig(img_size=img_size, patch_size=patch, mask_long=spec)
                continue
            except ValueError as exc:
                said = str(exc)
            smaller = [p for p in range(1, patch) if not img_size % p]
            passing = []
            for p in smaller:
                try:
                    PretrainConfig(img_size=img_size, patch_size=p, mask_long=spec)
                    passing.append(p)
                except ValueError:
                    pass
            match = re.search(r"a smaller patch_size \(e\.g\. ([0-9]+): a ([0-9]+)x\2 token "
                              r"grid, ([0-9.]+)x the tokens of the ([0-9]+)x\4 now", said)
            assert bool(match) == bool(passing), (img_size, patch, spec, said)
            if match:
                named += 1
                assert int(match.group(1)) == max(passing), said  # the least costly one
                grid, side = int(match.group(2)), int(match.group(4))
                assert (grid, side) == (img_size // max(passing), img_size // patch), said
                assert float(match.group(3)) == pytest.approx((grid / side) ** 2, rel=0.01), said
    assert named


def test_the_state_gap_hint_states_an_interval_above_the_gap():
    """Streams of 0.05..5 s intervals, jittered or not, against gaps 0.1..2 s."""
    rng = np.random.default_rng(0)
    hints = 0
    for low, high in ((0.12, 0.22), (0.09, 0.3), (0.2, 0.2), (0.05, 0.5), (0.5, 3.0),
                      (4.0, 6.0), (0.15, 0.16)):
        for gap in (0.1, 0.15, 0.2, 0.25, 0.5, 2.0):
            times = np.concatenate([[0.0], np.cumsum(rng.uniform(low, high, 80))]) * 1e9
            hint = state_gap_hint(times, "/p", gap, 5)
            if not hint:
                continue
            hints += 1
            stated = re.search(r"(?:every|up to) ([0-9.]+) s \((?:median|95th percentile)\), "
                               r"(more than|at the edge of what) (?:even the largest )?"
                               r"max_state_gap_s \(?([0-9.]+) s", hint)
            assert stated, hint
            if stated.group(2) == "more than":
                assert float(stated.group(1)) > float(stated.group(3)), hint
            given = re.search(r"give max_state_gap_s ([0-9.]+)$", hint)
            assert given is None or float(given.group(1)) > gap, hint
    assert hints > 10


@pytest.mark.parametrize("frames", [2, 3, 4])
def test_the_too_short_bag_advice_passes_as_stated(tmp_path, frames):
    """Horizons 1..3 with no goal offset, offset = horizon, horizon + 1: the value named passes."""
    recording = _pose_recording(tmp_path, np.arange(frames) / 4.0,
                                np.arange(0, frames / 4.0 + 0.01, 1 / 30))
    advised = 0
    for horizon in (1, 2, 3):
        for offset in (0, horizon, horizon + 1):
            config = EvalConfig(goal_offset=offset)
            try:
                valid_steps(recording, config, horizon, offset or horizon)
                continue
            except ValueError as exc:
                said = str(exc)
            both = re.search(r"CEMConfig\.horizon and goal_offset of at most ([0-9]+)", said)
            alone = re.search(r"CEMConfig\.horizon of at most ([0-9]+)", said)
            goal = re.search(r"a goal_offset of at most ([0-9]+)", said)
            assert both or alone or goal or "longer recording" in said, said
            if both:
                most = int(both.group(1))
                valid_steps(recording, EvalConfig(goal_offset=most), most, most)
            if alone:
                assert not offset or offset != horizon, said  # a kept offset = horizon: both
                most = int(alone.group(1))
                valid_steps(recording, config, most, offset or most)
            if goal:
                most = int(goal.group(1))
                valid_steps(recording, EvalConfig(goal_offset=most), horizon, most)
            advised += bool(both or alone or goal)
    assert advised


@pytest.mark.parametrize("slow_s, max_steps", [(1.0, 1), (1.0, 3), (2.0, 5), (0.5, 2)])
def test_the_start_named_under_max_steps_is_scored(tmp_path, slow_s, max_steps):
    """6 fps camera; poses at its stamps for ``slow_s``, then 30 Hz: the start_s named scores."""
    camera = np.arange(60) / 6.0
    states = np.concatenate([camera[camera < slow_s], np.arange(slow_s, 10.1, 1 / 30)])
    recording = _pose_recording(tmp_path, camera, states)
    try:
        _scored(recording, max_steps=max_steps)
        return  # some chosen step already scored
    except ValueError as exc:
        said = str(exc)
    start = re.search(r"give start_s ([0-9.]+)", said)
    assert "no step would be scored" in said and start, said
    scored, chosen, _ = _scored(recording, max_steps=max_steps, start_s=float(start.group(1)))
    assert scored > 0 and chosen == max_steps

"""The one table of ranges of the search settings: ``CEMConfig``'s fields and ``planner.*``.

``CEMConfig.<name>`` (the Python API: ``make_planner``, ``plan``, the commands' configs) and the
planner node's ``planner.<name>`` take the same values, read from :data:`SETTING_RANGES`:
``CEMConfig(maxnorm=5.0)`` (centimetres written as metres) planned first steps of 1.9 m where
the node refused ``planner.maxnorm`` 5.0 (breaker58c). Why the bounds:

- ``maxnorm`` (0, 0.2] m: the per-step xyz box (the paper 0.075, the notebook 0.05); DROID's
  actions at 4 Hz are centimetres, a step beyond 0.2 m is one no arm makes in a quarter second.
- ``rotation_maxnorm`` (0, 1] rad: beyond it the sampled Euler deltas reach past the ±π/2 pitch
  of every ``pose.state_difference`` (and DROID's scipy): actions the model never saw.
- ``horizon`` [1, 16] steps (``close_gripper`` a step below it): 4 s of 4 Hz actions (the
  paper plans 1, the notebook 2); each step costs a predictor pass per sample.
- ``gripper_clip`` (0, 1], ``gripper_round_threshold`` [0, 1]: a gripper delta spans at most
  the closedness range [0, 1]; ``gripper_init_std`` (0, 5]: wider is all clipped samples.
- momenta and ``early_stop_rel_tol`` [0, 1]: fractions.

Counts (``samples``, ``topk``, ``iterations``, ``early_stop_patience``, ``chunk_size``) have
no upper bound in ``CEMConfig`` (``make_planner`` refuses samples that do not fit the device's
memory, ``memory.check_samples_fit``; more iterations only take longer); the node also bounds
them (:attr:`SettingRange.node_high`): a typo in a parameter file (``samples:=80000000``) is
refused in one line instead of the node dying of memory later.
"""

import math
from typing import NamedTuple

from vjepa_ros.planning.settings_check import ranged

# The node's bounds on the counts: the paper plans with 800 samples and 10 elites; 100000
# samples leave 125 times that for a big GPU (the predictor runs them in chunks, chunk_size),
# top-k a tenth of that (CEM keeps a few percent of its samples as elites).
MAX_SAMPLES = 100_000
MAX_TOPK = 10_000
MAX_HORIZON = 16


class SettingRange(NamedTuple):
    """A setting's range: [low, high] (open at ``low`` with ``low_open``; inf is open).

    ``node_high``: the node's tighter upper bound of a count (None: ``high``, the same).
    """

    low: float
    high: float = math.inf
    low_open: bool = False
    node_high: float | None = None


SETTING_RANGES: dict[str, SettingRange] = {
    "horizon": SettingRange(1, MAX_HORIZON),
    "samples": SettingRange(1, node_high=MAX_SAMPLES),
    "topk": SettingRange(2, node_high=MAX_TOPK),  # the elite std needs two; below samples
    "iterations": SettingRange(1, node_high=1000),
    "maxnorm": SettingRange(0, 0.2, low_open=True),
    "gripper_clip": SettingRange(0, 1, low_open=True),
    "gripper_init_std": SettingRange(0, 5, low_open=True),
    "momentum_mean": SettingRange(0, 1),
    "momentum_std": SettingRange(0, 1),
    "momentum_mean_gripper": SettingRange(0, 1),
    "momentum_std_gripper": SettingRange(0, 1),
    "gripper_round_threshold": SettingRange(0, 1),  # and below gripper_clip (CEMConfig)
    "close_gripper": SettingRange(0, MAX_HORIZON - 1),  # a rollout step; below horizon
    "rotation_maxnorm": SettingRange(0, 1, low_open=True),
    "early_stop_patience": SettingRange(1, node_high=1000),  # as iterations
    "early_stop_rel_tol": SettingRange(0, 1),
    "chunk_size": SettingRange(1, node_high=MAX_SAMPLES),  # more than samples: one call
}


def node_range(name: str, none_as: int | None = None) -> dict:
    """Return ``planner.<name>``'s range as ``config.param`` keywords (``range``, ``low_open``).

    The table's range, a count's ``node_high`` as its top; ``none_as``: the number the parameter
    writes None as, its low end (``close_gripper`` -1, ``early_stop_patience`` and
    ``chunk_size`` 0).
    """
    low, high, low_open, node_high = SETTING_RANGES[name]
    return {"range": (low if none_as is None else none_as,
                      high if node_high is None else node_high),
            "low_open": low_open and none_as is None}


def setting(default, name: str):
    """Return the ``CEMConfig`` field ``name``: ``default`` and the table's range."""
    low, high, low_open, _ = SETTING_RANGES[name]
    return ranged(default, low, high, low_open=low_open)

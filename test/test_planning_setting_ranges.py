"""One table of ranges for ``CEMConfig`` and the node's ``planner.*`` (planning/setting_ranges.py).

breaker58c: ``CEMConfig(maxnorm=5.0)`` planned 1.9 m steps where the node refused
``planner.maxnorm`` 5.0; ``rotation_maxnorm`` 3.0 sampled pitches no state difference gives. Every
setting of the search box is now refused alike on both sides, just past its top and its bottom,
naming the field and the one range; only the counts keep the node's typo bounds.
"""

import math
import re

import pytest

from vjepa_ros.config import format_range
from vjepa_ros.planning.config import CEMConfig
from vjepa_ros.planning.setting_ranges import SETTING_RANGES
from vjepa_ros.robot.cem_params import CEMParams

BOX = [name for name, bounds in SETTING_RANGES.items() if math.isfinite(bounds.high)]
COUNTS = [name for name, bounds in SETTING_RANGES.items() if bounds.node_high is not None]
# what a setting at its top needs of the others to be a config (the cross-field rules)
AT_TOP_NEEDS = {"close_gripper": dict(horizon=16)}


def test_the_table_covers_every_ranged_number_of_both():
    numbers = {name for name, value in vars(CEMConfig()).items()
               if name in SETTING_RANGES or isinstance(value, float)}
    assert numbers == set(SETTING_RANGES) and set(BOX) >= {
        "maxnorm", "rotation_maxnorm", "horizon", "gripper_clip", "gripper_init_std"}


@pytest.mark.parametrize("name", BOX)
def test_a_search_box_setting_past_its_range_is_refused_alike_by_cemconfig_and_the_node(name):
    bounds = SETTING_RANGES[name]
    integer = name in ("horizon", "close_gripper")
    text = re.escape(format_range((bounds.low, bounds.high), bounds.low_open))
    below = bounds.low - 1 if integer else bounds.low - (0 if bounds.low_open else 1e-3)
    above = bounds.high + 1 if integer else bounds.high * (1 + 1e-6)
    for value in (above, 10 * bounds.high + 1, below):
        value = int(value) if integer else float(value)
        with pytest.raises(ValueError, match=rf"^CEMConfig.{name} must lie in {text}, got "):
            CEMConfig(**{name: value})
        if not (name == "close_gripper" and value == -1):  # the node's -1: never (None)
            with pytest.raises(ValueError, match=rf"^planner.{name} must lie in "):
                CEMParams(**{name: value})
    if name != "gripper_round_threshold":  # its top, 1, is never below gripper_clip (<= 1)
        top = int(bounds.high) if integer else float(bounds.high)
        assert getattr(CEMConfig(**AT_TOP_NEEDS.get(name, {}), **{name: top}), name) == top


@pytest.mark.parametrize("name", COUNTS)
def test_counts_are_bounded_by_the_node_only(name):
    # The Python API takes more (make_planner refuses samples beyond the device's memory);
    # the node refuses a typo in its parameter file.
    above = SETTING_RANGES[name].node_high + 1
    extra = dict(samples=above + 1) if name == "topk" else {}
    assert getattr(CEMConfig(**extra, **{name: above}), name) == above
    with pytest.raises(ValueError, match=rf"^planner.{name} must lie in \[\d+, "
                                         rf"{SETTING_RANGES[name].node_high}\], got {above}"):
        CEMParams(**{name: above})


def test_the_node_defaults_and_the_paper_preset_lie_in_the_table():
    params = CEMParams()
    for name, bounds in SETTING_RANGES.items():
        value = getattr(params.to_cem(), name)
        if value is not None:
            assert (bounds.low < value if bounds.low_open else bounds.low <= value) and \
                value <= bounds.high, name

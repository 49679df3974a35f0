"""Every ranged planner parameter is refused outside its range at start-up, as the README says.

``-p planner.safety.max_step_m:=100`` (a step limit turned off), ``planner.maxnorm:=1e9``,
``control.gripper_deadband:=-1`` and ``robot.base_frame:='a b'`` started the node without a
word. The ranges live on the fields (``config.param(range=...)``) and are checked once, in
``PlannerNodeConfig`` (``config.check_values``): the node, launch and parameter files get them.
"""

import dataclasses
import re
from pathlib import Path

import pytest

from vjepa_ros.config import from_dict, value_range
from vjepa_ros.nodes.planner_config import PlannerNodeConfig

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name, value, message", [
    ("safety.max_step_m", 100.0, "safety.max_step_m must lie in (0, 0.2], got 100.0"),
    ("planner.maxnorm", 1e9, "planner.maxnorm must lie in (0, 0.2], got 1000000000.0"),
    ("control.gripper_deadband", -1.0, "control.gripper_deadband must lie in [0, 1], got -1.0"),
    ("safety.max_accel_m_s2", 100.0, "safety.max_accel_m_s2 must lie in (0, 10], got 100.0"),
    ("robot.base_frame", "a b", "robot.base_frame must be a ROS frame id (letters, digits, '_', "
     "'/' separators; no spaces), got 'a b'"),
])
def test_an_out_of_range_value_is_refused_in_one_line_naming_it(name, value, message):
    with pytest.raises(ValueError) as caught:
        from_dict(PlannerNodeConfig, {name: value})
    assert str(caught.value) == message


def _ranged(cls, prefix=""):
    for f in dataclasses.fields(cls):
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else None
        if dataclasses.is_dataclass(default):
            yield from _ranged(type(default), f"{prefix}{f.name}.")
        elif value_range(f):
            yield f"{prefix}{f.name}", value_range(f)


def test_the_readme_gives_every_range_and_the_defaults_lie_inside():
    ranged = dict(_ranged(PlannerNodeConfig))
    assert "safety.max_step_m" in ranged and "control.gripper_deadband" in ranged
    text = " ".join(ROOT.joinpath("README.md").read_text().split())
    for name, bounds in ranged.items():
        assert re.search(rf"`{re.escape(name)}` {re.escape(bounds)}", text), (name, bounds)
    PlannerNodeConfig()  # every default lies in its range

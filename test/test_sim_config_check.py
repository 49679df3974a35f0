"""SimConfig.check (ROS-free: collect, run and the sim node use it): declared ranges first."""

import dataclasses

import pytest

from vjepa_ros.sim.config import SimConfig


@pytest.mark.parametrize("part, field, value, message", [
    ("scene", "num_objects", 7, "scene.num_objects must lie in [0, 6], got 7"),
    ("controller", "position_gain", 0.0, "controller.position_gain must lie in (0, 100], got 0.0"),
    ("controller", "joint_limit_margin", 0.2,
     "controller.joint_limit_margin must lie in [0, 0.2)"),
    ("camera", "vertical_fov_deg", 180.0, "camera.vertical_fov_deg must lie in (0, 180), got 180"),
    (None, "physics_hz", 40.0, "physics_hz must lie in [50, 10000], got 40.0"),
])
def test_a_value_outside_its_declared_range_is_refused_by_the_core_check(part, field, value,
                                                                          message):
    config = SimConfig()
    if part is None:
        config = dataclasses.replace(config, **{field: value})
    else:
        setattr(getattr(config, part), field, value)
    with pytest.raises(ValueError) as refused:
        config.check()
    assert str(refused.value).startswith(message), refused.value


def test_what_spans_fields_is_still_checked_and_the_defaults_pass():
    assert SimConfig().check() is not None
    config = SimConfig()
    config.camera.near, config.camera.far = 2.0, 1.0
    with pytest.raises(ValueError, match="camera.near must be < camera.far"):
        config.check()

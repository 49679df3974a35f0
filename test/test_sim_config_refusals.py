"""SimConfig.check refuses, naming the field, what the scene cannot be (ROS- and pybullet-free).

Home joints outside Franka's limits, object regions off the table and a camera up along the view
were accepted and went wrong later (a yanked arm, objects on the floor, an error naming no
parameter).
"""

import dataclasses

import numpy as np
import pytest

from vjepa_ros.sim.config import (
    TABLE_HEIGHT_M,
    CameraConfig,
    SceneConfig,
    SimConfig,
    check_camera_up,
    table_extent,
)
from vjepa_ros.sim.panda import JOINT_LOWER, JOINT_UPPER, READY_JOINTS


def _refusal(config: SimConfig) -> str:
    with pytest.raises(ValueError) as refused:
        config.check()
    return str(refused.value)


@pytest.mark.parametrize("joint, value", [(0, 2.95), (5, -0.05), (3, -3.1), (1, -1.8)])
def test_each_joint_beyond_its_limit_is_refused_with_its_limits_in_radians(joint, value):
    home = list(READY_JOINTS)
    home[joint] = value
    message = _refusal(SimConfig(home_joints=home))
    assert "home_joints" in message and "radians" in message
    assert f"joint {joint + 1} is {value:g}" in message
    assert f"{JOINT_LOWER[joint]:.4g}..{JOINT_UPPER[joint]:.4g}" in message
    assert "degrees" not in message  # radians, just too far: no degrees hint


def test_a_pose_within_the_limits_is_taken_and_degrees_are_named_as_such():
    inside = (JOINT_LOWER + JOINT_UPPER) / 2
    assert SimConfig(home_joints=inside.tolist()).check() is not None
    message = _refusal(SimConfig(home_joints=np.degrees(READY_JOINTS).tolist()))
    assert "degrees given?" in message


@pytest.mark.parametrize("field, region", [
    ("object_region", [-0.5, -0.2, -0.1, 0.1]),  # behind the table's back edge (x -0.3)
    ("object_region", [0.35, 0.7, 0.5, 0.75]),  # past its side (y 0.7)
    ("object_region", [0.35, 0.995, -0.3, 0.3]),  # centres on the front edge: half overhangs
    ("graspable_region", [0.42, 0.62, -0.69, -0.5]),  # a 6 cm cup centred 1 cm from the edge
])
def test_a_region_reaching_off_the_table_is_refused_with_the_tables_extent(field, region):
    scene = dataclasses.replace(SceneConfig(graspable="cup"), **{field: region})
    message = _refusal(SimConfig(scene=scene))
    assert f"scene.{field}" in message and "off the table" in message
    assert "x -0.3..1 m, y -0.7..0.7 m" in message


def test_the_tables_extent_follows_table_size_and_unused_regions_are_not_checked():
    bigger = SceneConfig(graspable="box", table_size=[1.8, 1.4],
                         graspable_region=[1.1, 1.4, -0.2, 0.2])
    assert table_extent(bigger) == (-0.3, 1.5, -0.7, 0.7)
    assert SimConfig(scene=bigger).check() is not None
    no_objects = SceneConfig(num_objects=0, object_region=[2.0, 3.0, -0.1, 0.1])
    assert SimConfig(scene=no_objects).check() is not None  # no coloured objects to place
    no_graspable = SceneConfig(graspable="", graspable_region=[2.0, 3.0, -0.1, 0.1])
    assert SimConfig(scene=no_graspable).check() is not None


@pytest.mark.parametrize("eye, target, up", [
    ([0.45, 0.0, 1.5], [0.45, 0.0, 0.0], [0.0, 0.0, -1.0]),  # top-down, up pointing down
    ([0.4, -1.0, 0.3], [0.4, 0.0, 0.3], [0.0, 2.0, 0.0]),  # a side view, up along it
])
def test_a_camera_up_along_the_view_is_refused_and_the_suggested_up_is_taken(eye, target, up):
    camera = CameraConfig(eye=eye, target=target, up=up)
    message = _refusal(SimConfig(camera=camera))
    assert message.startswith(f"camera.up {up} is parallel to the viewing direction")
    suggested = [float(v) for v in message.split("e.g. [")[1].rstrip("]").split(",")]
    fixed = dataclasses.replace(camera, up=suggested)
    assert SimConfig(camera=fixed).check() is not None
    with pytest.raises(ValueError, match=r"camera\.up"):  # the renderer asks the same check
        from vjepa_ros.sim.camera import Camera
        Camera(camera, pybullet=None)


def test_a_zero_camera_up_is_refused_naming_it():
    with pytest.raises(ValueError, match=r"camera\.up is \[0\.0, 0\.0, 0\.0\]: length 0 < 1e-06"):
        check_camera_up(CameraConfig(up=[0.0, 0.0, 0.0]))


@pytest.mark.parametrize("name, value, length", [
    ("light_direction", [1e-07, 0.0, 0.0], "1e-07"), ("up", [0.0, 0.0, 0.0], "0")])
def test_a_near_zero_direction_names_the_parameter_once_with_the_vector_as_given(name, value,
                                                                                length):
    """user53u: ``sim_node: -p camera.light_direction: SimConfig: camera.light_direction is ...``.

    No internal class name; the vector as given and why it is refused; through the node's
    sources (``-p NAME``) the parameter is named once.
    """
    from vjepa_ros.nodes.param_sources import sourced

    message = _refusal(SimConfig(camera=CameraConfig(**{name: value})))
    assert "SimConfig" not in message, message
    assert message.startswith(f"camera.{name} is {value}: length {length} < 1e-06: a direction "
                              "is needed; give "), message
    line = sourced(message, {f"camera.{name}": f"-p camera.{name}"})
    assert line.startswith(f"-p camera.{name} is {value}: "), line
    assert line.count(f"camera.{name}") == 1, line


@pytest.mark.parametrize("height", [0.25, 1.0, -0.31, -1.0])  # the shoulder; out of reach
def test_a_table_above_the_shoulder_is_refused_naming_table_height(height):
    message = _refusal(SimConfig(scene=SceneConfig(table_height=height)))
    assert message.startswith(f"scene.table_height must lie in [{TABLE_HEIGHT_M[0]:g}, "
                              f"{TABLE_HEIGHT_M[1]:g}]")

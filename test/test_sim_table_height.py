"""The robot base is the frame origin whatever scene.table_height: the table moves, the arm not.

The arm was loaded at z = table_height in the world and every pose was reported in the world, so
the "base frame" TCP, joint-state kinematics and targets all moved with the table.
"""

import numpy as np
import pytest

pytest.importorskip("pybullet", reason="the simulator needs pybullet")

from vjepa_ros.sim.config import SceneConfig, SimConfig  # noqa: E402
from vjepa_ros.sim.detectors import SuccessMonitor  # noqa: E402
from vjepa_ros.sim.objects import graspable_spec  # noqa: E402
from vjepa_ros.sim.sim import Sim  # noqa: E402

HEIGHTS = (-0.3, 0.0, 0.2)  # a pedestal, the default, a table top above the base (cut-out)


@pytest.fixture(scope="module")
def scenes():
    """Per table height: the start state, a state 1 s later, a reached target, the cup."""
    found = {}
    target = np.array([0.45, 0.1, 0.35, np.pi, 0.0, 0.0, 0.0])
    for height in HEIGHTS:
        config = SimConfig(scene=SceneConfig(num_objects=2, table_height=height, graspable="cup"))
        with Sim(config) as sim:
            start = sim.ee_state()
            sim.advance(1.0)  # nothing commanded: the arm holds, the objects settle
            still = sim.ee_state()
            cup = sim.object_reading()
            placed = SuccessMonitor(sim).placed(cup.position[:2])
            objects = sim.object_poses()
            reached = sim.move_to(target)
            found[height] = dict(start=start, still=still, cup=cup, placed=placed,
                                 objects=objects, reached=reached, end=sim.ee_state())
    return found


def test_the_tcp_and_a_reached_target_are_the_same_in_the_base_frame_at_every_height(scenes):
    for height in HEIGHTS:
        scene = scenes[height]
        np.testing.assert_allclose(scene["start"], scenes[0.0]["start"], atol=1e-6)
        np.testing.assert_allclose(scene["still"], scene["start"], atol=1e-3)  # no push
        assert scene["reached"], f"table at {height} m: the target was not reached"
        np.testing.assert_allclose(scene["end"][:3], [0.45, 0.1, 0.35], atol=2e-3)


def test_objects_rest_on_the_table_top_at_its_height_and_count_as_placed(scenes):
    half = graspable_spec("cup").height / 2
    for height in HEIGHTS:
        scene = scenes[height]
        assert scene["cup"].position[2] == pytest.approx(height + half, abs=2e-3)
        np.testing.assert_allclose(scene["objects"][:, 2], height + 0.045 / 2, atol=2e-3)
        assert scene["placed"], f"table at {height} m: the cup at rest is not placed"


def test_the_lowest_table_allowed_leaves_the_graspable_region_in_reach():
    from vjepa_ros.sim.config import TABLE_HEIGHT_M

    low = TABLE_HEIGHT_M[0]
    config = SimConfig(scene=SceneConfig(num_objects=0, table_height=low))
    x_min, x_max, y_min, y_max = config.scene.graspable_region
    with Sim(config) as sim:  # top-down, 5 cm above the table top at the region's corners
        for x, y in ((x_max, y_max), (x_max, y_min), (x_min, y_max)):
            assert sim.move_to(np.array([x, y, low + 0.05, np.pi, 0.0, 0.0, 0.0])), (x, y)

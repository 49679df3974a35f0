"""Push an object along the table with the closed hand: the pushed-cup tests' shared motion.

Shared by ``test_breaker42e.py`` (a cup pushed onto the place spot, never grasped) and
``test_breaker50a.py`` (pushed there after a grasp elsewhere).
"""

import numpy as np


def push_onto_spot(sim, monitor, start_xy, spot) -> tuple[bool, bool]:
    """Push the object at ``start_xy`` [2] m toward ``spot`` [2] m, 4 cm above the table.

    The closed hand comes down 7 cm behind the object, moves in 40 ticks (0.1 s each) to 4.5 cm
    short of the spot, waits, backs off 5 cm and rises to 25 cm. Returns (lifted, grasped):
    whether the object rose over 1 cm above ``monitor.rest_height`` or ``monitor.grasped()``
    said yes at any tick of the push.
    """
    direction = (spot - start_xy) / np.linalg.norm(spot - start_xy)
    rotation = sim.target_state()[3:6]
    sim.set_gripper(1.0)  # the closed hand pushes
    behind = start_xy - direction * 0.07
    sim.set_target(np.r_[behind, 0.25], rotation)
    sim.advance(2.0)
    sim.set_target(np.r_[behind, 0.04], rotation)
    sim.advance(2.0)
    end = spot - direction * 0.045
    lifted = grasped = False
    for k in range(1, 41):
        sim.set_target(np.r_[behind + (end - behind) * k / 40, 0.04], rotation)
        sim.advance(0.1)
        lifted |= sim.object_reading().position[2] - monitor.rest_height > 0.01
        grasped |= monitor.grasped()
    sim.advance(0.5)
    sim.set_target(np.r_[end - direction * 0.05, 0.04], rotation)
    sim.advance(1.0)
    sim.set_target(np.r_[end - direction * 0.05, 0.25], rotation)
    sim.advance(1.5)
    return lifted, grasped

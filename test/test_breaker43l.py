"""breaker43l: attack fix43e (3b62dbb, ba6785d): the geared fingers and the cup's friction.

Attacked (at main 752671d): vjepa_ros/sim/sim.py ``Sim._couple_fingers`` (the pybullet gear
constraint, ratio -1, erp 0.8, 1000 N between panda_finger_joint1/2) and vjepa_ros/sim/objects.py
(the cup's rolling and spinning friction 0.005, ``CUP_ROLLING_FRICTION``). The gear held up (see
the report: grasp forces at 5/20/70 N on cup and box, off-centre grasps centred, no jitter, one
constraint after many resets and ``preserved()``, bit-for-bit determinism fresh vs reused Sim,
<3 % slower). The cup's rolling friction did not: Bullet's rolling friction is isotropic, so the
0.005 m that stops the standing cup rocking on its rim also brakes a cup lying on its side (it
barely rolls) and props a tilted cup on its rim. CPU, pybullet DIRECT, 32 px, seconds each.
"""

import math

import numpy as np
import pytest

pytest.importorskip("pybullet", reason="the simulator needs pybullet")

from vjepa_ros.sim.manipulation import manipulation_sim_config  # noqa: E402
from vjepa_ros.sim.sim import Sim  # noqa: E402

CUP_RADIUS, CUP_HALF_HEIGHT = 0.03, 0.045  # m: objects.py's cup (0.06 x 0.06 x 0.09)


@pytest.fixture(scope="module")
def cup_world():
    with Sim(manipulation_sim_config(0, "cup", 32, 32, num_objects=0)) as sim:
        yield sim


def _place_cup(sim, position, euler):
    p = sim._p
    sim.reset(0)
    p.resetBasePositionAndOrientation(sim.handles.graspable, position,
                                      p.getQuaternionFromEuler(euler), physicsClientId=sim.client)
    return p, sim.handles.graspable


@pytest.mark.xfail(strict=True, reason="known sim limitation, left: Bullet's rolling "
                   "friction is isotropic; CUP_ROLLING_FRICTION 0.005 (which stops the cup "
                   "rocking on its rim) brakes a cup lying on its side (9 mm from 0.1 m/s). 0.001 "
                   "fixes this but makes every cup the expert drops mid-carry fall over (5/5 "
                   "seeds, never placed; 0.0035: 0/5): it waits for a contact model that damps "
                   "rim rocking without braking rolling")
def test_a_cup_knocked_onto_its_side_rolls_on(cup_world):
    """The cup lies on its side on the table, rolling across it at 0.1 m/s (a walking pace /10).

    A lab sees this whenever a descending finger catches the rim (docs/manipulation.md: "a
    finger on the rim") and knocks the cup over: a real cylindrical cup or can on a table rolls
    on (rolling resistance of a hard cup on a table ~0.001-0.01, i.e. ~0.01-0.07 m/s^2: 7 cm to
    50 cm from 0.1 m/s). fix43e's rolling friction 0.005 m acts about every axis, so the lying
    cup decelerates at ~0.53 m/s^2 (rolling-resistance coefficient ~0.08, a tyre on sand) and
    stops within 1 cm: the frames after a knock-over show a cup glued where it fell.
    """
    sim = cup_world
    top = sim.config.scene.table_height
    p, cup = _place_cup(sim, [0.55, -0.15, top + CUP_RADIUS + 1e-4], [math.pi / 2, 0.0, 0.0])
    speed = 0.1
    p.resetBaseVelocity(cup, [speed, 0.0, 0.0], [0.0, speed / CUP_RADIUS, 0.0],
                        physicsClientId=sim.client)
    start = np.array(p.getBasePositionAndOrientation(cup, physicsClientId=sim.client)[0])
    for _ in range(round(1.0 / sim.dt)):
        p.stepSimulation(physicsClientId=sim.client)
    end = np.array(p.getBasePositionAndOrientation(cup, physicsClientId=sim.client)[0])
    rolled = float(end[0] - start[0])
    assert abs(end[2] - start[2]) < 2e-3  # still lying on its side
    assert rolled > 0.05, f"the lying cup rolled {rolled * 100:.1f} cm in 1 s from 0.1 m/s"


@pytest.mark.parametrize("tilt_deg", [31.0, 32.5])
@pytest.mark.xfail(strict=True, reason="known sim limitation, left (see the test above): "
                   "CUP_ROLLING_FRICTION 0.005 resists a torque up to 0.005 m x the weight "
                   "about the rim, so a cup set down tilted 31-33.7 degrees (tipping angle "
                   "33.7) stays on its rim")
def test_a_cup_left_tilted_on_its_rim_falls_back_upright(cup_world, tilt_deg):
    """The cup is let go at rest, tilted ``tilt_deg`` on one point of its base rim.

    A lab sees this when a finger tips the cup while the hand releases it or rises past it. The
    cup's centre of mass is still inside its base (tipping angle atan(0.03 / 0.045) = 33.7
    degrees), so gravity's torque about the rim, m g (r cos t - h sin t) ~ 1-4 mN m, turns a
    real cup back onto its base within a fraction of a second. In the sim the rolling friction
    (0.005 m x 1.47 N = 7.4 mN m) outweighs it: the cup stays leaning on its rim, at rest, for
    as long as one watches (2 s here), and "placed" sees a cup 9 mm too high.
    """
    sim = cup_world
    top = sim.config.scene.table_height
    tilt = math.radians(tilt_deg)
    offset = CUP_RADIUS * math.cos(tilt) - CUP_HALF_HEIGHT * math.sin(tilt)  # centre beyond rim
    height = CUP_RADIUS * math.sin(tilt) + CUP_HALF_HEIGHT * math.cos(tilt)
    assert offset > 0  # the centre of mass is inside the base: it must fall back
    p, cup = _place_cup(sim, [0.55, -0.15 + offset, top + height + 1e-4], [tilt, 0.0, 0.0])
    for _ in range(round(2.0 / sim.dt)):
        p.stepSimulation(physicsClientId=sim.client)
    position, quaternion = p.getBasePositionAndOrientation(cup, physicsClientId=sim.client)
    upright = p.getMatrixFromQuaternion(quaternion)[8]  # cos of the axis' tilt
    left = math.degrees(math.acos(min(1.0, upright)))
    assert left < 2.0, f"the cup still leans {left:.1f} degrees on its rim after 2 s"
    assert position[2] - top == pytest.approx(CUP_HALF_HEIGHT, abs=2e-3)

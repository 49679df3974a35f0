"""Graspable objects of the paper's two kinds: a cup and a box (V-JEPA 2-AC facts §6).

Sizes fit the Franka Hand (0.08 m maximum opening) with room for an aiming error of about 1 cm
per side across the grasp; masses and friction are those of light household objects:

======= ================================ ======== ======== ======================================
kind    shape                            mass     friction grasped across
======= ================================ ======== ======== ======================================
``cup`` solid cylinder ⌀ 0.06 m, 0.09 m  0.15 kg  1.0      its diameter (any yaw)
``box`` box 0.05 × 0.07 × 0.06 m         0.12 kg  1.0      its 0.05 m side (the hand turns to it)
======= ================================ ======== ======== ======================================

The cup is a *solid* cylinder of cup size: a hollow shell changes nothing about a side grasp, and
pybullet's primitive cylinder collides more stably than a concave mesh. Its rolling and spinning
friction (0.005) are there so that it comes to rest, as a 150 g cup does, within about half a
second of being dropped a few centimetres: with less, the primitive cylinder rocks on its rim for
seconds (``CUP_ROLLING_FRICTION``). Friction: Bullet multiplies
the two bodies' coefficients; the Panda URDF's fingers have lateral friction 1.0, a friction anchor
and a soft contact (stiffness 3e4, damping 1e3), so finger/object friction is 1.0. A grasp with
``max_effort`` F N per finger holds up to about 2·F N of weight (1.5 N for the cup: F ≥ 1 N).
"""

from __future__ import annotations

import dataclasses

GRASPABLE_KINDS = ("cup", "box")
# pybullet's primitive cylinder landing tilted keeps rocking on its rim (a contact artefact: at
# 15 degrees for seconds, with the old 0.0001). This much rolling and spinning friction (a real
# cup's rim and base are not a knife edge) settles it within about 0.5 s of a release 8 cm up.
CUP_ROLLING_FRICTION = 0.005
# The hand holding an object stands this much [m] wider than the object's grasp width (the
# fingers' soft contacts). Measured: the clean expert's grasps (seeds 900000, 900001) read
# closedness 0.239 on the cup (6 cm) and 0.3635 on the box (5 cm) in the 8 cm hand.
HELD_WIDTH_EXCESS = 0.0009


@dataclasses.dataclass(frozen=True)
class ObjectSpec:
    kind: str
    size: tuple[float, float, float]  # [m] x, y, z extents in the object frame (cup: ⌀, ⌀, h)
    mass: float  # kg
    friction: float  # lateral friction coefficient
    rgba: tuple[float, float, float, float]
    rolling_friction: float = 0.0001  # resists rolling (Bullet: times the other's friction)
    spinning_friction: float = 0.001  # resists spinning about the contact normal

    @property
    def height(self) -> float:
        """Height [m] of the object standing on the table."""
        return self.size[2]

    @property
    def grasp_width(self) -> float:
        """Width [m] between the fingers when the object is grasped across its narrow side."""
        return min(self.size[0], self.size[1])

    def held_closedness(self, max_width: float | None = None) -> float:
        """Return the closedness [0, 1] the hand reads holding this object (0 open, 1 closed).

        ``1 - (grasp_width + HELD_WIDTH_EXCESS) / max_width``; ``max_width`` [m]: the hand's
        full opening (default the Franka Hand's 0.08 m): the cup 0.239, the box 0.364. A
        planner whose gripper rounds values below this to open never closes on the object.
        """
        if max_width is None:
            from vjepa_ros.robot.joint_states import FRANKA_HAND_MAX_WIDTH

            max_width = FRANKA_HAND_MAX_WIDTH
        return 1.0 - (self.grasp_width + HELD_WIDTH_EXCESS) / max_width


GRASPABLES = {
    "cup": ObjectSpec("cup", (0.06, 0.06, 0.09), 0.15, 1.0, (0.05, 0.7, 0.8, 1.0),  # cyan
                      rolling_friction=CUP_ROLLING_FRICTION, spinning_friction=0.005),
    "box": ObjectSpec("box", (0.05, 0.07, 0.06), 0.12, 1.0, (0.85, 0.2, 0.65, 1.0)),  # magenta
}


def graspable_spec(kind: str) -> ObjectSpec:
    """Return the :class:`ObjectSpec` of ``kind`` ('cup' or 'box'); ValueError otherwise."""
    try:
        return GRASPABLES[kind]
    except KeyError:
        raise ValueError(
            f"unknown graspable object {kind!r}: choose one of {', '.join(GRASPABLE_KINDS)}"
        ) from None


def create_graspable(p, client: int, spec: ObjectSpec) -> int:
    """Create ``spec`` as a body (below the floor until the scene places it); return its id."""
    if spec.kind == "cup":
        radius, height = spec.size[0] / 2, spec.size[2]
        collision = p.createCollisionShape(p.GEOM_CYLINDER, radius=radius, height=height,
                                           physicsClientId=client)
        visual = p.createVisualShape(p.GEOM_CYLINDER, radius=radius, length=height,
                                     rgbaColor=spec.rgba, physicsClientId=client)
    else:
        half = [s / 2 for s in spec.size]
        collision = p.createCollisionShape(p.GEOM_BOX, halfExtents=half, physicsClientId=client)
        visual = p.createVisualShape(p.GEOM_BOX, halfExtents=half, rgbaColor=spec.rgba,
                                     physicsClientId=client)
    body = p.createMultiBody(spec.mass, collision, visual, [0, 0, -10], physicsClientId=client)
    p.changeDynamics(body, -1, lateralFriction=spec.friction,
                     spinningFriction=spec.spinning_friction,
                     rollingFriction=spec.rolling_friction, physicsClientId=client)
    return body

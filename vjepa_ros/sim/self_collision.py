"""Self-collision guard: refuse joint commands that bring the arm's own links too close.

A real Franka stops before two of its links meet (libfranka's reflex error
``self_collision_avoidance_violation``); pybullet loads the Panda without self-collision (with it,
contact-rich grasps changed although no link touched another: fix51e). So the controller checks
each joint command before it is sent: a kinematic clone of the Panda in a pybullet client of its
own (no world, no physics: the simulated scene is untouched, bit for bit) is set to the commanded
joints, and the closest distance between its collision shapes is measured for every pair of
links :data:`MIN_JOINTS_APART` or more revolute joints apart (the hand and fingers count as
``panda_link7``). A command that brings such a pair within :data:`SELF_COLLISION_MARGIN` is
refused (``Sim.step`` holds the last safe configuration).

Pairs one or two joints apart are left to the joint limits: the wrist's ``panda_link5`` and
``panda_link7`` sit 2.0 cm apart at the ready pose, so a margin of centimetres there would refuse
the ready pose itself.

Cost: a measurement (set 9 joints, 30 closest-point queries) takes ~110 µs of CPU; it is
skipped (~7 µs) while the arm cannot have come within the margin since the last one: no point of
the arm lies farther than :data:`ARM_REACH_BOUND` from any joint axis, so a joint change ``dq``
moves any link against any other by at most ``ARM_REACH_BOUND * sum(|dq|)`` (plus the fingers'
own travel). Measured on the expert's pick-and-place 3 % of the 240 Hz steps measure, on fast
reaches 9 %: ~15-20 µs a physics step on average.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# m. Why 3 cm: a held command stops the arm a little past the last clear one: measured (5
# targets into the arm), the links came within 2.99 cm at the default speeds and 2.50 cm at
# Franka's own limits (joint_speed_fraction 1, 1.7 m/s, 2.5 rad/s), so 3 cm keeps them 2.5 cm
# apart at worst, as a real Franka's reflex stops short of contact; the convex hulls pybullet
# measures are themselves a little larger than the links. The scripted expert passes no closer
# than ~11 cm (panda_link2, panda_link5: test_fix51k), so the margin never touches its episodes.
SELF_COLLISION_MARGIN = 0.03
MIN_JOINTS_APART = 3
# m: every point of the Panda's collision shapes lies within 1.06 m of every joint's origin
# (2000 random configurations inside the joint limits, hand open, corners of the links' AABBs)
ARM_REACH_BOUND = 1.2
# m beyond the margin that a measurement looks: a clearance above it skips measurements
LOOK_BEYOND = 0.15
# revolute joints from panda_link0 to each link; the hand and fingers ride on panda_link7
CHAIN_POSITION = {"panda_link0": 0, "panda_link1": 1, "panda_link2": 2, "panda_link3": 3,
                  "panda_link4": 4, "panda_link5": 5, "panda_link6": 6, "panda_link7": 7,
                  "panda_hand": 7, "panda_leftfinger": 7, "panda_rightfinger": 7}


@dataclass(frozen=True)
class SelfCollision:
    """A refused joint command: two links ``distance`` [m] apart (< the margin) had it run."""

    links: tuple[str, str]
    distance: float  # m between their collision shapes; negative: inside each other
    margin: float  # m

    def text(self) -> str:
        """Say it in one line: ``panda_hand would come within 1.2 cm of panda_link2 (...)``."""
        first, second = self.links
        return (f"{second} would come within {100 * self.distance:.1f} cm of {first} "
                f"(self-collision margin {100 * self.margin:g} cm)")


class SelfCollisionGuard:
    """Measure the Panda's clearance from itself at a joint configuration, in its own client.

    ``pybullet``: the module; ``urdf``: the Panda's URDF path (the simulated arm's).
    """

    def __init__(self, pybullet, urdf: str, margin: float = SELF_COLLISION_MARGIN):
        p = self._p = pybullet
        self.margin = float(margin)
        self.client = p.connect(p.DIRECT)
        self.robot = p.loadURDF(urdf, [0, 0, 0], useFixedBase=True, physicsClientId=self.client)
        index = {"panda_link0": -1}
        movable = {}
        for joint in range(p.getNumJoints(self.robot, physicsClientId=self.client)):
            info = p.getJointInfo(self.robot, joint, physicsClientId=self.client)
            index[info[12].decode()] = joint
            movable[info[1].decode()] = joint
        self.names = {value: name for name, value in index.items()}
        self.arm = [movable[f"panda_joint{i}"] for i in range(1, 8)]
        self.fingers = [movable["panda_finger_joint1"], movable["panda_finger_joint2"]]
        links = [name for name in CHAIN_POSITION if name in index]
        self.pairs = [(index[a], index[b]) for a in links for b in links
                      if CHAIN_POSITION[b] - CHAIN_POSITION[a] >= MIN_JOINTS_APART]
        self._measured: np.ndarray | None = None  # [9] joints of the last measurement
        self._slack = 0.0  # m: its clearance beyond the margin

    def check(self, arm, fingers) -> SelfCollision | None:
        """Return the refusal of arm joints [7] rad with finger joints [2] m, or None when clear.

        Skips the measurement (None) when the joints moved too little since the last one to
        have closed its clearance down to the margin (see the module docstring).
        """
        joints = np.concatenate([np.asarray(arm, np.float64), np.asarray(fingers, np.float64)])
        if self._measured is not None:
            change = np.abs(joints - self._measured)
            if ARM_REACH_BOUND * change[:7].sum() + change[7:].sum() < self._slack:
                return None
        distance, pair = self.clearance(joints[:7], joints[7:])
        self._measured, self._slack = joints, distance - self.margin
        if distance >= self.margin:
            return None
        return SelfCollision((self.names[pair[0]], self.names[pair[1]]), distance, self.margin)

    def clearance(self, arm, fingers) -> tuple[float, tuple[int, int]]:
        """Return (distance [m], (link a, link b)) of the closest checked pair at these joints.

        Pairs farther apart than margin + :data:`LOOK_BEYOND` count as that far.
        """
        p, client, robot = self._p, self.client, self.robot
        for joint, value in zip(self.arm + self.fingers, [*arm, *fingers], strict=True):
            p.resetJointState(robot, joint, float(value), physicsClientId=client)
        best, closest = self.margin + LOOK_BEYOND, self.pairs[0]
        for a, b in self.pairs:
            for point in p.getClosestPoints(robot, robot, best, linkIndexA=a, linkIndexB=b,
                                            physicsClientId=client):
                if point[8] < best:
                    best, closest = point[8], (a, b)
        return float(best), closest

    def close(self) -> None:
        """Disconnect its pybullet client (idempotent)."""
        if self.client is not None:
            try:
                self._p.disconnect(physicsClientId=self.client)
            except Exception:  # noqa: BLE001 (already gone: interpreter shutdown)
                pass
            self.client = None

"""Build the pybullet world: floor, table, the Franka Panda (arm + hand) and coloured objects.

The robot base sits at the world origin with identity orientation, so the world frame is the
robot base frame (``panda_link0``) that end-effector states are expressed in, whatever
``scene.table_height``: the table, the floor and the objects move, the robot does not. A table
below the base gets a pedestal under the robot; one above it (at most 0.2 m,
``config.TABLE_HEIGHT_M``) a cut-out round the arm's column (no contacts between the table and
``panda_link0``/``panda_link1``, which only turn about the base's z axis). Objects are primitive
shapes (boxes and cylinders) in distinct colours, placed at random (seeded) on the table. With
``scene.graspable`` set, one graspable cup or box (``objects.py``) is placed too, after the
coloured objects (so their placement per seed does not change) and ``graspable_spacing`` from them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vjepa_ros.sim.config import SceneConfig, table_extent
from vjepa_ros.sim.objects import create_graspable, graspable_spec
from vjepa_ros.sim.panda import FINGER_JOINT_NAMES, HAND_LINK, JOINT_NAMES

OBJECT_COLOURS = (
    ("red", (0.85, 0.12, 0.12, 1.0)),
    ("green", (0.15, 0.65, 0.2, 1.0)),
    ("blue", (0.12, 0.3, 0.85, 1.0)),
    ("yellow", (0.95, 0.8, 0.1, 1.0)),
    ("orange", (0.95, 0.45, 0.05, 1.0)),
    ("purple", (0.55, 0.2, 0.7, 1.0)),
)
OBJECT_MASS = 0.1  # kg
TABLE_THICKNESS = 0.04  # m
FLOOR_BELOW_TABLE = 0.75  # m
PEDESTAL_SIZE = (0.25, 0.25)  # m, x and y of the pedestal under a base above the table
COLUMN_LINKS = (-1, 0)  # pybullet link indices of panda_link0 and panda_link1 (the column)


@dataclass
class SceneHandles:
    robot: int
    arm_joints: list[int]  # pybullet joint indices of panda_joint1..7
    finger_joints: list[int]  # of panda_finger_joint1, 2
    movable_joints: list[int]  # every non-fixed joint, in pybullet order (Jacobian columns)
    hand_link: int
    objects: list[int]
    object_names: list[str]
    graspable: int | None = None  # body id of the cup or box (scene.graspable), None without
    graspable_name: str = ""


def build_scene(pybullet, client: int, config: SceneConfig, robot_urdf: str) -> SceneHandles:
    """Create floor, table, robot and the (not yet placed) objects in ``client``."""
    p = pybullet
    top = config.table_height
    x0, x1, _, _ = table_extent(config)
    _static_box(p, client, [4.0, 4.0, 0.02], [0, 0, top - FLOOR_BELOW_TABLE - 0.01],
                (0.55, 0.55, 0.52, 1))
    table = _static_box(p, client, [x1 - x0, config.table_size[1], TABLE_THICKNESS],
                        [(x0 + x1) / 2, 0.0, top - TABLE_THICKNESS / 2], (0.62, 0.5, 0.38, 1))
    if top < 0:
        _static_box(p, client, [*PEDESTAL_SIZE, -top], [0, 0, top / 2], (0.3, 0.3, 0.32, 1))
    robot = p.loadURDF(robot_urdf, [0, 0, 0], useFixedBase=True, physicsClientId=client)
    if top > 0:
        for link in COLUMN_LINKS:
            p.setCollisionFilterPair(table, robot, -1, link, 0, physicsClientId=client)
    joints = {}
    links = {}
    movable = []
    for index in range(p.getNumJoints(robot, physicsClientId=client)):
        info = p.getJointInfo(robot, index, physicsClientId=client)
        joints[info[1].decode()] = index
        links[info[12].decode()] = index
        if info[2] != p.JOINT_FIXED:
            movable.append(index)
    missing = [name for name in JOINT_NAMES if name not in joints] + (
        [HAND_LINK] if HAND_LINK not in links else []
    )
    if missing:
        raise RuntimeError(f"{robot_urdf} lacks Panda joints/links: {', '.join(missing)}")
    objects, names = [], []
    size = config.object_size
    for index in range(config.num_objects):
        name, rgba = OBJECT_COLOURS[index]
        if index % 2 == 0:
            shape = dict(shapeType=p.GEOM_BOX, halfExtents=[size / 2] * 3)
            collision = p.createCollisionShape(**shape, physicsClientId=client)
            visual = p.createVisualShape(**shape, rgbaColor=rgba, physicsClientId=client)
            names.append(f"{name}_cube")
        else:
            collision = p.createCollisionShape(
                p.GEOM_CYLINDER, radius=size / 2, height=size, physicsClientId=client
            )
            visual = p.createVisualShape(
                p.GEOM_CYLINDER, radius=size / 2, length=size, rgbaColor=rgba,
                physicsClientId=client,
            )
            names.append(f"{name}_cylinder")
        body = p.createMultiBody(OBJECT_MASS, collision, visual, [0, 0, -10],
                                 physicsClientId=client)
        p.changeDynamics(body, -1, lateralFriction=0.8, physicsClientId=client)
        objects.append(body)
    graspable = create_graspable(p, client, graspable_spec(config.graspable)) \
        if config.graspable else None
    return SceneHandles(
        robot=robot,
        arm_joints=[joints[name] for name in JOINT_NAMES[:7]],
        finger_joints=[joints[name] for name in FINGER_JOINT_NAMES],
        movable_joints=movable,
        hand_link=links[HAND_LINK],
        objects=objects,
        object_names=names,
        graspable=graspable,
        graspable_name=config.graspable,
    )


def object_placements(config: SceneConfig, rng: np.random.Generator) -> np.ndarray:
    """Draw object poses [K, 4] (x, y, z, yaw) in the region, ``object_spacing`` apart."""
    x0, x1, y0, y1 = config.object_region
    placed: list[np.ndarray] = []
    for _ in range(config.num_objects):
        for _attempt in range(1000):
            xy = np.array([rng.uniform(x0, x1), rng.uniform(y0, y1)])
            if all(np.linalg.norm(xy - other[:2]) >= config.object_spacing for other in placed):
                break
        else:
            raise ValueError(
                f"cannot place {config.num_objects} objects {config.object_spacing} m apart in "
                f"scene.object_region {config.object_region}: make it larger"
            )
        z = config.table_height + config.object_size / 2
        placed.append(np.array([xy[0], xy[1], z, rng.uniform(-np.pi, np.pi)]))
    return np.array(placed).reshape(-1, 4)


def graspable_placement(config: SceneConfig, rng: np.random.Generator,
                        others: np.ndarray) -> np.ndarray:
    """Draw the graspable object's pose [4] (x, y, z, yaw) in ``graspable_region``.

    Its centre stays ``graspable_spacing`` from the coloured objects' (``others`` [K, >=2]); the
    yaw is uniform (the cup is round; the box is symmetric under a half turn).
    """
    x0, x1, y0, y1 = config.graspable_region
    spec = graspable_spec(config.graspable)
    for _attempt in range(1000):
        xy = np.array([rng.uniform(x0, x1), rng.uniform(y0, y1)])
        if all(np.linalg.norm(xy - other[:2]) >= config.graspable_spacing for other in others):
            z = config.table_height + spec.height / 2
            return np.array([xy[0], xy[1], z, rng.uniform(-np.pi, np.pi)])
    raise ValueError(
        f"cannot place the {config.graspable} {config.graspable_spacing} m from "
        f"{len(others)} other objects in scene.graspable_region {config.graspable_region}: "
        "lower scene.num_objects or scene.graspable_spacing"
    )


def _static_box(p, client: int, size, position, rgba) -> int:
    half = [s / 2 for s in size]
    collision = p.createCollisionShape(p.GEOM_BOX, halfExtents=half, physicsClientId=client)
    visual = p.createVisualShape(p.GEOM_BOX, halfExtents=half, rgbaColor=rgba,
                                 physicsClientId=client)
    return p.createMultiBody(0, collision, visual, position, physicsClientId=client)

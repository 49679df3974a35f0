"""Camera checks on the oracle's ideal arm, and the motions they fit.

The ideal arm (``test_robot_camera_check_live.IdealArm``) with a camera of its own
(:class:`CameraArm`, breaker53c): :class:`FrozenCamera` (a hung driver), :class:`FreezesAtTrial`
(one that hangs once the correction trial begins, breaker55b); :func:`_live` runs the live check
on one. :class:`CorrectedArm`, :func:`_six_motion_check`, :func:`_goal_run_between_steps` and
:func:`camera_check_bag_for_file` (breaker55b): a planner started corrected, the six-axis check,
a goal run settled between two steps, ``vjepa-ros camera-check`` on a bag of another base frame.
The motions (breaker50e): :data:`LIVE` (the live check's 14, 4 cm), :data:`TABLE` (8 tabletop
ones), :data:`LIVE_DIRECTIONS` (their unit directions, breaker53c), :func:`_noisy` (each turned by
a few degrees).
"""

import itertools

import numpy as np
import yaml
from scipy.spatial.transform import Rotation
from test_robot_camera_check_live import CEM, NO_TRIAL, START, IdealArm

from vjepa_ros.robot.camera_check_motions import CheckMotionConfig, motion_directions
from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.mpc import MPCSession
from vjepa_ros.robot.phase import Phase
from vjepa_ros.robot.safety import SafetyLimits
from vjepa_ros.robot.subgoal import SubGoal

D = 0.04  # m: the live check's default motion length
LIVE_DIRECTIONS = np.array([*np.eye(3), *-np.eye(3)] + [
    np.array(corner) / np.sqrt(3) for corner in itertools.product((1, -1), repeat=3)])
LIVE = 0.04 * np.array([d for _, d in motion_directions(False, True)], dtype=np.float64)
# A tabletop bag: 8 motions in the x-y plane (axes and diagonals), 4 cm each.
_PLANAR = np.array([[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [1, 1, 0], [-1, -1, 0],
                    [1, -1, 0], [-1, 1, 0]], dtype=np.float64)
TABLE = 0.04 * _PLANAR / np.linalg.norm(_PLANAR, axis=1, keepdims=True)


def _noisy(executed, deg, seed):
    """Turn each motion by ``deg`` degrees about a random axis perpendicular to it."""
    rng = np.random.default_rng(seed)
    out = []
    for v in executed:
        axis = rng.normal(size=3)
        axis -= axis @ v / (v @ v) * v
        axis /= np.linalg.norm(axis)
        out.append(Rotation.from_rotvec(np.radians(deg) * axis).apply(v))
    return np.array(out)


class CameraArm(IdealArm):
    """The ideal arm with a camera of its own (``image``: the next picture the driver sends)."""

    def observe(self, state_too=True):
        if state_too:
            self.session.observe_state(self.state, self.now)
        if self.now >= self.next_frame:
            self.session.observe_image(self.image().copy(), self.now)
            self.next_frame = self.now + 0.1

    def picture(self, pose):
        """Return a new picture the oracle knows as showing the arm at ``pose``."""
        frame = self.rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
        self.oracle.remember(frame, pose)
        return frame


class FrozenCamera(CameraArm):
    """A camera whose driver hangs: its first image, newly stamped, at 10 Hz forever."""

    def image(self):
        if not hasattr(self, "first"):
            self.first = self.picture(self.state)
        return self.first


class FreezesAtTrial(CameraArm):
    """A good camera whose driver hangs once the correction trial begins (last image, 10 Hz)."""

    def image(self):
        run = self.session.camera_check
        if run is not None and run.trial is not None:
            if not hasattr(self, "held"):
                self.held = self.picture(self.state)
            return self.held
        return self.picture(self.state)


def _live(arm_class):
    arm = arm_class()
    arm.session.set_enabled(True)
    run = arm.session.start_camera_check(None, None, NO_TRIAL)
    arm.run(run)
    return run


class CorrectedArm(IdealArm):
    """The ideal arm whose planner was started with ``control.model_frame_rpy_deg`` = loaded."""

    def __init__(self, rpy, loaded):
        super().__init__(rpy)
        self.session = MPCSession(self.oracle, CEM, SafetyLimits(),
                                  ControlConfig(model_frame_rpy_deg=list(loaded)),
                                  clock=lambda: self.now)
        self.next_frame = 0.0
        self.observe()


def _six_motion_check(arm):
    """Enable ``arm`` and run the live check's 6 axis motions of 3 cm (no trial); its result."""
    arm.session.set_enabled(True)
    run = arm.session.start_camera_check(CheckMotionConfig(distance_m=0.03, corners=False),
                                         None, NO_TRIAL)
    arm.run(run)
    assert not run.error, run.error
    return run.result


def _goal_run_between_steps():
    """Enable a blocking goal run 12 cm along x; return the arm once it settles between steps."""
    arm = IdealArm()
    goal_pose = START.copy()
    goal_pose[0] += 0.12
    image = np.full((32, 32, 3), 7, dtype=np.uint8)  # a picture the oracle knows at the goal
    arm.oracle.remember(image, goal_pose)
    arm.session.set_goals([SubGoal(image, 0, "goal 12 cm along x")])
    arm.session.set_enabled(True)
    moved = False
    for _ in range(3000):
        moved = moved or arm.session.phase is Phase.MOVING
        if moved and arm.session.phase is Phase.IDLE:
            return arm
        arm.session.plan_step()
        arm.tick()
    raise AssertionError("the goal run never settled between two steps")


def camera_check_bag_for_file(tmp_path, monkeypatch, load, bag_frame: str, file_frame: str):
    """Run ``vjepa-ros camera-check`` on a 12-step bag with poses stamped ``bag_frame``.

    ``--params-file``: the package's planner file with ``robot.base_frame`` ``file_frame`` and
    ``state_source`` pose; ``load`` replaces ``demo.load_planning_model``. Returns the status.
    """
    import vjepa_ros.demo
    from vjepa_ros.cli import main
    from vjepa_ros.eval.synthetic import synthetic_episode
    from vjepa_ros.package_files import config_path
    from vjepa_ros.recordings.bag_writing import write_bag

    monkeypatch.setattr(vjepa_ros.demo, "load_planning_model", load)
    bag = write_bag(tmp_path / "bag", *synthetic_episode(12, seed=1), base_frame=bag_frame)
    params = yaml.safe_load(config_path("planner.yaml").read_text())
    node = next(iter(params))
    params[node]["ros__parameters"]["robot"].update(base_frame=file_frame, state_source="pose")
    right = tmp_path / "right.yaml"
    right.write_text(yaml.safe_dump(params))
    return main(["camera-check", str(bag), "--checkpoint", "demo", "--params-file", str(right),
                 "--out", str(tmp_path / "out"), "--quiet"])

"""Pin: end-effector poses inside a Franka's joint ranges are read as poses, with no note.

An ``.npz`` whose ``states`` are the 7 joint positions (breaker58e #2, a strict xfail in
test_breaker58e.py) cannot be told from poses by the values' ranges: a usual pose, the hand
pointing down 0.1 rad off vertical in front of the arm, lies inside every joint's range
(``state_ranges.FRANKA_JOINT_LIMITS``: x, y, z as joints 1-3, a roll of -3.04 as joint 4's
[-3.07, -0.07], yaw 0.5 as joint 6's), as does the published example's first state but for its
yaw. A rule "inside the joint ranges: joints" would note every such recording. This pins the
recordings such a rule must leave alone.
"""

from __future__ import annotations

import numpy as np
import pytest
from train_bags import _picture, _read

from vjepa_ros.robot.state_ranges import FRANKA_JOINT_LIMITS

COUNT = 17


@pytest.mark.parametrize("yaw", [0.5, 2.5])
def test_a_usual_pose_inside_the_joint_ranges_is_read_as_a_pose(yaw, tmp_path):
    seconds = np.arange(COUNT) * 0.25
    states = np.zeros((COUNT, 7))
    states[:, 0] = 0.45 + 0.02 * seconds  # [m] in front of the arm, moving forward
    states[:, 1] = 0.05 * np.sin(seconds)
    states[:, 2] = 0.2
    states[:, 3], states[:, 5], states[:, 6] = -3.04, yaw, 0.3  # hand down, tilted 0.1 rad
    inside = ((states >= FRANKA_JOINT_LIMITS[:, 0]) & (states <= FRANKA_JOINT_LIMITS[:, 1]))
    assert inside.all()  # the values could be joints: the range tells nothing
    path = tmp_path / "ep.npz"
    np.savez(path, observations=np.stack([_picture(k) for k in range(COUNT)]), states=states,
             timestamps=seconds)
    (segment,), notes = _read(path, frames_per_clip=3)
    assert not any("joint" in note for note in notes), notes
    np.testing.assert_allclose(segment.states[:, :3], states[:, :3], atol=1e-6)

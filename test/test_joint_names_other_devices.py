"""Another device's unprefixed joints on the arm's joint states are no Franka arm (fix58r).

A pan-tilt unit, a linear axis, a turntable or an xArm publishes ``joint1``, ``joint1/2``,
``joint1..6`` or ``joint1..7`` through its joint_state_broadcaster, in its own message on the
arm's ``/joint_states`` or merged into the arm's. Unprefixed ``joint1..7`` are a Franka's
(franka_description ``--no-prefix``) only when all seven are there and no prefixed Franka arm
is in the message or read before; otherwise they are other joints, ignored as before mend58a.
"""

import numpy as np
import pytest

from vjepa_ros.robot.joint_states import (
    ArmStateError,
    JointStateReader,
    arm_prefixes,
    read_series,
)

Q = [0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785]  # rad: the Franka's ready pose
FINGERS = [0.02, 0.02]


def bare(count):
    return [f"joint{i}" for i in range(1, count + 1)]


def franka(prefix="fr3_"):
    return [f"{prefix}joint{i}" for i in range(1, 8)] + [f"{prefix}finger_joint1",
                                                         f"{prefix}finger_joint2"]


DEVICES = {  # another device's joints, as its joint_state_broadcaster names them
    "pan-tilt": bare(2),
    "linear axis": bare(1),
    "xArm6": bare(6),
    "xArm7": bare(7),
    "pan-tilt with a bare gripper": bare(2) + ["finger_joint1", "finger_joint2"],
}


@pytest.mark.parametrize("prefix", ["fr3_", "panda_", "left_fr3_"])
@pytest.mark.parametrize("device", sorted(DEVICES))
def test_a_device_s_own_messages_beside_a_prefixed_franka_are_ignored(device, prefix):
    other = DEVICES[device]
    reader = JointStateReader()
    for _ in range(2):  # the streams interleave
        reading = reader.read(franka(prefix), Q + FINGERS)
        assert reading.arm.tolist() == Q and reading.fingers.tolist() == FINGERS
        assert not reader.has_arm(other)
        assert reader.read(other, [0.3] * len(other)).foreign
    assert reader.prefix == prefix


@pytest.mark.parametrize("device", sorted(DEVICES))
def test_a_device_merged_into_the_franka_s_message_leaves_the_arm_read(device):
    other = DEVICES[device]
    names = other + franka()
    reader = JointStateReader()
    reading = reader.read(names, [0.3] * len(other) + Q + FINGERS)
    assert reading.arm.tolist() == Q and reading.fingers.tolist() == FINGERS
    assert reading.finger_prefix == "fr3_"
    assert arm_prefixes(names) == ["fr3_"]


@pytest.mark.parametrize("device", ["pan-tilt", "linear axis", "xArm6"])
def test_a_partial_bare_set_alone_is_no_arm(device):
    reader = JointStateReader()
    assert not reader.has_arm(DEVICES[device])
    assert reader.read(DEVICES[device], [0.1] * len(DEVICES[device])).foreign
    assert arm_prefixes(DEVICES[device]) == []
    assert reader.prefix is None  # a Franka found later is still taken
    assert reader.read(franka(), Q + FINGERS).arm.tolist() == Q


def test_a_bare_franka_alone_and_with_its_bare_fingers_is_read():
    reader = JointStateReader()
    assert reader.read(bare(7), Q).arm.tolist() == Q and reader.prefix == ""
    reading = reader.read(bare(7) + ["finger_joint1", "finger_joint2"], Q + FINGERS)
    assert reading.arm.tolist() == Q and reading.fingers.tolist() == FINGERS
    assert reading.finger_prefix == ""
    assert arm_prefixes(bare(7) + ["finger_joint1"]) == [""]


def test_a_bare_franka_s_message_missing_a_joint_is_no_arm_state():
    """joint1..6 of a bare arm cannot be told from an xArm6's: other joints, not an error."""
    reader = JointStateReader()
    reader.read(bare(7), Q)
    assert reader.read(bare(6), Q[:6]).foreign


def test_a_prefixed_franka_s_message_missing_a_joint_is_still_refused():
    names = franka()[:6]
    with pytest.raises(ArmStateError, match="lacks fr3_joint7"):
        JointStateReader().read(names, Q[:6])


def test_a_recording_with_a_pan_tilt_on_the_arm_s_topic_reads_every_arm_message():
    """eval/train read bags through read_series: the pan-tilt's messages are counted foreign."""
    rows = []
    for step in range(6):
        rows.append((franka(), Q + FINGERS) if step % 2 == 0 else (bare(2), [0.1, 0.2]))
    rows.append((bare(2) + franka(), [0.1, 0.2] + Q + FINGERS))
    series = read_series(np.arange(len(rows), dtype=np.int64), rows, JointStateReader())
    assert len(series.arm) == 4 and series.foreign == 3
    assert series.arm_names == tuple(franka()[:7])

"""The sensor process of ``bench_planner_soak.py``: camera frames and joint states, as a lab's.

``bench_planner_soak.py --role sensors`` runs :func:`publish_sensors`: frames at ``--fps``
(raw or JPEG) and joint states at 100 Hz of an arm standing at :data:`HOME`, or following the
joint lines its watcher writes to its stdin (``--joints-from-stdin``, ``bench_planner_safety``'s
scenarios), with frames that follow the arm (:class:`PosedImages`).
"""

from __future__ import annotations

import math
import sys
import threading
import time
from pathlib import Path

import numpy as np

from vjepa_ros.run_enclave import script_ros_args
from vjepa_ros.terminate import stop_signals_held

HOME = [0.0, -math.pi / 4, 0.0, -3 * math.pi / 4, 0.0, math.pi / 2, math.pi / 4]
JOINTS = [f"panda_joint{i}" for i in range(1, 8)] + ["panda_finger_joint1", "panda_finger_joint2"]


def read_joint_lines(track, lines) -> None:
    """Feed each line read to ``track`` (``arm_track.ArmTrack``: "q1 ... q7 finger [stamp]")."""
    for line in lines:
        track.feed(line)


def _compressed_fields(frame: np.ndarray) -> dict:
    """Return a CompressedImage's fields (jpeg ``format``, ``data``) for an RGB frame [H, W, 3]."""
    from vjepa_ros.recordings.messages import compressed_image_message

    msg = compressed_image_message(frame, 0, "camera")
    return {"format": msg.format, "data": bytes(msg.data)}


class PosedImages:
    """Camera frames that change with the arm, as a camera seeing it: one picture per pose.

    ``make``: frame [H, W, 3] uint8 -> image message. :meth:`get` returns the message for the
    arm's joints and finger (rounded to 1 mrad / 1 mm: a still arm is one picture, a moving one a
    new picture each frame), the base frame's pixels rolled by an amount the pose decides.
    Cycling a few fixed frames whatever the arm does reads as a frozen camera to the camera check
    (fix53k: a frame repeating one taken at another pose is stale), so the safety run's camera
    check scenario needs pictures that follow the arm.
    """

    def __init__(self, make):
        self._make, self._key, self._message = make, None, None

    def get(self, position, base: np.ndarray):
        """Return the image message for the arm at ``position`` (7 joints [rad], then the finger).

        The finger is part of the pose a camera sees: a hand that closed in place is a new
        picture (captures refuse a repeat taken with the hand's closedness changed: fix54i).
        """
        key = tuple(round(float(v), 3) for v in position[:8])
        if key != self._key:
            shift = hash(key) % (base.shape[0] * base.shape[1])
            frame = np.roll(base.reshape(-1, 3), shift, axis=0).reshape(base.shape)
            self._key, self._message = key, self._make(frame)
        return self._message


def publish_sensors(args) -> None:
    """Publish frames at ``--fps`` and joint states at 100 Hz until killed (sensor process).

    The arm stands at HOME, hand open; with ``--joints-from-stdin`` every line on stdin
    ("q1 ... q7 finger", :func:`read_joint_lines`) moves it there at once, and stamped lines
    ("q1 ... q7 finger stamp") make it follow them continuously in time, a little behind
    (``arm_track.ArmTrack``: a stall of the sender never makes the arm jump), and the frames
    then follow the arm (:class:`PosedImages`); without it they cycle 4 fixed random frames.
    """
    import rclpy
    from rclpy.qos import qos_profile_sensor_data
    from rclpy.signals import SignalHandlerOptions
    from sensor_msgs.msg import CompressedImage, Image, JointState
    from std_msgs.msg import Header

    from vjepa_ros.images import rgb_to_image_fields
    try:
        from vjepa_ros.nodes.dds_profile import use_camera_profile
    except ImportError:  # an older vjepa_ros (before/after runs): FASTDDS_DEFAULT_PROFILES_FILE
        pass
    else:
        use_camera_profile()  # as a camera driver must (README: cameras in other processes)
    with stop_signals_held():  # rclpy's setup whole; a stop raised after it (terminate)
        rclpy.init(signal_handler_options=SignalHandlerOptions.NO,  # a stop: KeyboardInterrupt
                   args=script_ros_args())  # the watcher's run (busy_domain)
        node = rclpy.create_node("soak_sensors")
        rng = np.random.default_rng(0)
        frames = rng.integers(0, 256, (4, args.height, args.width, 3), dtype=np.uint8)
        if args.transport == "compressed":
            image_pub = node.create_publisher(CompressedImage, "soak/image/compressed",
                                              qos_profile_sensor_data)
            images = [CompressedImage(**_compressed_fields(frame)) for frame in frames]
        else:
            image_pub = node.create_publisher(Image, "soak/image", qos_profile_sensor_data)
            images = [Image(**rgb_to_image_fields(frame)) for frame in frames]
        joint_pub = node.create_publisher(JointState, "soak/joint_states", 10)
    position = HOME + [0.04, 0.04]
    track = None
    if args.joints_from_stdin:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script
        from benchmarks.arm_track import ArmTrack

        track = ArmTrack(HOME + [0.04])
        threading.Thread(target=read_joint_lines, args=(track, sys.stdin), daemon=True).start()
        posed_images = PosedImages(
            lambda frame: (CompressedImage(**_compressed_fields(frame)) if args.transport
                           == "compressed" else Image(**rgb_to_image_fields(frame))))
    next_image = next_joint = time.monotonic()
    index = 0
    while rclpy.ok():
        now = time.monotonic()
        stamp = node.get_clock().now().to_msg()
        if now >= next_image:
            msg = images[index % len(images)] if track is None else \
                posed_images.get(position, frames[0])
            msg.header.stamp = stamp
            image_pub.publish(msg)
            index += 1
            next_image += 1.0 / args.fps
        if now >= next_joint:
            if track is not None:  # the arm where it is when this state is stamped
                arm = track.at(stamp.sec + stamp.nanosec * 1e-9).tolist()
                position = arm + arm[-1:]
            joint_pub.publish(JointState(header=Header(stamp=stamp), name=JOINTS,
                                         position=list(position)))
            next_joint += 0.01
        time.sleep(max(0.0, min(next_image, next_joint) - time.monotonic()))

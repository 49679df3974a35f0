"""The words for a camera whose pictures do not follow the arm, shared by every layer.

``CAUSES`` is the one wording of the two causes of a repeated picture under a moving arm: the
camera check and the captures (``eval.camera_check_unchanged``, ``robot.capture_pictures``) and
training's stale-frame rule (``train.stale_frames``) say it alike, and :func:`camera_advice` what
to check, the planning loop's frozen-camera hold (``robot.frozen_camera``) too. It lives here,
below ``eval/``, because ``train/`` imports no layer above its data (test_core_is_ros_free).
"""

CAUSES = "the camera driver publishes no new images, or the camera does not see the arm"


def camera_advice(image_topic: str, then: str) -> str:
    """Return what to check of stale frames on ``image_topic``, then do ``then`` (words)."""
    return (f"check that the camera driver publishes new images (e.g. ros2 topic hz and a viewer "
            f"on {image_topic}) and that the arm is in the camera's view, then {then}")

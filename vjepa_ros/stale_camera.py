"""The words for a camera whose pictures do not follow the arm, shared by every layer.

``CAUSES`` is the one wording of the two causes of a repeated picture under a moving arm: the
camera check and the captures (``eval.camera_check_unchanged``, ``robot.capture_pictures``) and
training's stale-frame rule (``train.stale_frames``) say it alike. It lives here, below
``eval/``, because ``train/`` imports no layer above its data (test_core_is_ros_free).
"""

CAUSES = "the camera driver publishes no new images, or the camera does not see the arm"

"""fix60r: the fixes of review60a's defects, beyond its own (now passing) tests.

#3's other side: train reads the recorded hand of the arm whose state topic it reads, as eval
does (the namespace rule gets the state topic in both, not only in eval).
"""

from test_recordings_recorded_hand import own_bag  # noqa: F401 (the fixture)


def test_train_and_eval_take_the_record_of_the_arm_read(own_bag, tmp_path):  # noqa: F811
    """A bag of two arms records /right's hand at 0.07 m; the user trains and evals on /right.

    Both follow the record (it is this arm's hand): 0.07 m, train's as eval's; passing the state
    topic to the rule must not refuse an arm's own hand.
    """
    from test_breaker59i import _two_arms
    from test_fix60t import POSE, _eval_read
    from test_recordings_recorded_hand import _train_config, edit_custom

    from vjepa_ros.recordings.recorded_hand import WIDTH_KEY

    bag = edit_custom(_two_arms(own_bag, tmp_path / "two", "/right/franka_gripper/joint_states"),
                      tmp_path / "narrow", **{WIDTH_KEY: "0.07"})
    options = ["--pose-topic", f"/right{POSE}", "--image-topic",
               "/left/camera/camera/color/image_raw"]
    right, topics = _eval_read(bag, *options)
    assert topics.gripper_max_width == 0.07, right.notes
    config, said = _train_config([bag], tmp_path / "out", *options)
    assert config.data.topics.gripper_max_width == 0.07, said

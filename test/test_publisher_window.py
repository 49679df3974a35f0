"""Distinct publishers of one input stream in a recent window (robot/publisher_window.py)."""

import pytest

from vjepa_ros.robot.publisher_window import PublisherWindow, crowd_problem


def test_two_publishers_within_the_window_count_two_and_a_silent_one_is_forgotten():
    window = PublisherWindow(1.0)
    assert window.saw("driver", 0.0) == 1 and window.saw("driver", 0.5) == 1
    assert window.saw("bag", 0.6) == 2, "a bag's first message"
    assert window.saw("driver", 1.4) == 2, "the bag sent 0.8 s ago"
    assert window.saw("driver", 1.7) == 1, "the bag silent for 1.1 s: forgotten"
    window.clear()
    assert window.saw("bag", 1.8) == 1


@pytest.mark.parametrize("window_s", [0.0, -1.0, float("nan")])
def test_a_window_must_be_positive(window_s):
    with pytest.raises(ValueError, match="window_s"):
        PublisherWindow(window_s)


def test_a_second_state_publisher_is_refused_naming_the_stream_and_unknown_senders_never_are():
    window = PublisherWindow(1.0)
    assert crowd_problem(window, "driver", 0.0, "arm joint states") == ""
    assert crowd_problem(window, None, 0.1, "arm joint states") == "", "no id: not counted"
    problem = crowd_problem(window, "bag", 0.2, "robot poses")
    assert problem.startswith("robot poses come from 2 publishers within 1 s")
    assert "stop the other publisher" in problem


def test_stream_kinds_leave_other_streams_out_of_the_count_and_see_two_arm_layouts():
    # Humble/Iron's count of /joint_states without ROS: split layout, a base's driver, a
    # second arm (breaker30, breaker30b), kinds kept until the count changes (review30)
    from vjepa_ros.robot.publisher_window import StreamKinds

    kinds = StreamKinds()
    assert kinds.arm_publishers("/joint_states", 1) == 1
    kinds.note("/joint_states", 2, "arm")
    kinds.note("/joint_states", 2, "fingers")
    assert kinds.arm_publishers("/joint_states", 2) == 1, "split layout: one arm"
    assert kinds.arm_publishers("/joint_states", 3) == 3, "count changed: nothing seen since"
    kinds.note("/joint_states", 3, "other joints")
    kinds.note("/joint_states", 3, "fingers")
    assert kinds.arm_publishers("/joint_states", 3) == 1, "a base's driver beside the split"
    kinds.note("/joint_states", 3, "arm")
    assert kinds.arm_publishers("/joint_states", 3) == 1
    kinds.note("/joint_states", 3, "arm+fingers")
    assert kinds.arm_publishers("/joint_states", 3) == 2, "two arm layouts: two arms"
    assert kinds.arm_publishers("/other", 2) == 2

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


def test_a_silent_publisher_still_listed_by_the_graph_stays_counted_until_it_is_gone():
    # DDS on a loaded machine delivered 1 of ~75 frames of a second camera in 2.5 s: silence
    # is no proof that a publisher stopped, so one the graph still lists stays counted
    gids = {"driver": b"\x01" * 16, "bag": b"\x02" * 16, "no-gid": None}
    window = PublisherWindow(1.0, gids.get)
    window.set_listed([b"\x01" * 16, b"\x02" * 16])
    assert window.saw("driver", 0.0) == 1 and window.saw("bag", 0.1) == 2
    assert window.saw("driver", 5.0) == 2, "the bag is silent for 4.9 s but listed: counted"
    assert crowd_problem(window, "driver", 6.0, "camera images on /cam").startswith(
        "camera images on /cam come from 2 publishers")
    window.set_listed([bytearray(b"\x01" * 16)])  # the graph's gids may come as bytearray
    assert window.saw("driver", 6.1) == 1, "gone from the graph and silent: forgotten"
    assert window.saw("bag", 6.2) == 2, "a message of it again counts it again"
    assert window.saw("driver", 6.5) == 2, "within the window: counted while unlisted"
    window.set_listed([])
    assert window.saw("no-gid", 7.0) == 3 and window.saw("driver", 8.5) == 1, \
        "nothing listed: the window alone, a publisher without a gid too"


def test_without_a_gid_function_the_graph_listing_changes_nothing():
    window = PublisherWindow(1.0)  # the finger watch's and Humble's case
    window.set_listed([b"\x01"])
    assert window.saw("driver", 0.0) == 1 and window.saw("bag", 0.1) == 2
    assert window.saw("driver", 2.0) == 1

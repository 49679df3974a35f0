"""rclpy's reply-timeout RuntimeWarning becomes one log line; other warnings stay as they were."""

import warnings

from vjepa_ros.nodes.reply_warnings import REPLY_LINE, route_reply_warnings


def test_a_reply_timeout_is_one_log_line_and_other_warnings_are_untouched(monkeypatch):
    monkeypatch.setattr(warnings, "showwarning", warnings.showwarning)  # restored after
    lines = []
    with warnings.catch_warnings(record=True) as shown:  # what reaches stderr otherwise
        warnings.simplefilter("default")
        route_reply_warnings(lines.append)
        # as rclpy's service.cpp raises it from Service.send_response (service.py:85)
        warnings.warn_explicit("failed to send response (timeout): client will not receive "
                               "response, at ./src/rmw_response.cpp:154", RuntimeWarning,
                               "/venv/rclpy/service.py", 85, module="rclpy.service")
        warnings.warn_explicit("something else", RuntimeWarning, "x.py", 1)
    assert lines == [REPLY_LINE]
    assert [str(w.message) for w in shown] == ["something else"]


def test_nodes_launched_in_a_process_of_their_own_route_it_too(monkeypatch, context):
    """A benchmark or a user's script starting nodes with ``Launch`` saw rclpy's two lines.

    (``vjepa-ros launch`` and ``run_node`` routed it; ``bench_planner_node.py`` did not.)
    """
    import rclpy.logging

    from vjepa_ros.nodes.nodes_in_process import Launch

    monkeypatch.setattr(warnings, "showwarning", warnings.showwarning)  # restored after
    lines = []

    class Logger:
        def warning(self, line):
            lines.append(line)

    monkeypatch.setattr(rclpy.logging, "get_logger", lambda name: Logger())
    with Launch([], context=context), warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn_explicit("failed to send response (timeout): client will not receive "
                               "response", RuntimeWarning, "/venv/rclpy/service.py", 85)
    assert lines == [REPLY_LINE]

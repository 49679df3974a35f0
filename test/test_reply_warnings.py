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

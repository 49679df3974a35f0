"""A GripperCommand action server whose every answer is given by hand (the gripper goal tests).

:class:`Deferred` takes goals and lets a test accept or reject each (``accept``); :func:`_finish`
gives a result its status. First written for breaker45n.
"""

import types

from test_gripper_goals import SUCCEEDED, Pending


class Deferred:
    """A ready server whose every answer (acceptance, then result) is given by hand."""

    def __init__(self):
        self.ready, self.goals, self.requests, self.results = True, [], [], []

    def server_is_ready(self):
        return self.ready

    def send_goal_async(self, goal):
        self.goals.append(goal)
        request = Pending()
        self.requests.append(request)
        return request

    def accept(self, index, accepted=True):
        result = Pending()
        self.results.append(result)
        request = self.requests[index]
        request.value = types.SimpleNamespace(accepted=accepted, get_result_async=lambda: result)
        request.callback(request)
        return result


def _finish(result, status=SUCCEEDED):
    result.value = types.SimpleNamespace(status=status)
    result.callback(result)

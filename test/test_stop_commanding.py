"""NodeSpinner's shutdown tells every node to stop commanding, whatever one of them raises.

``spinning._stop_commanding`` runs before any executor stops (fix54f); a node whose
``stop_commanding`` raised ended the loop there, so no executor was stopped and the nodes after
it were never told (review54r). Stand-in nodes and executors: what is tested is the loop.
"""

import types

from vjepa_ros.nodes import spinning


class Node:
    def __init__(self, fails=False):
        self.fails, self.stopped, self.warnings = fails, 0, []

    def stop_commanding(self):
        self.stopped += 1
        if self.fails:
            raise RuntimeError("the session lock is broken")

    def get_logger(self):
        return types.SimpleNamespace(warning=self.warnings.append)


def _executor(*nodes):
    return types.SimpleNamespace(get_nodes=lambda: list(nodes))


def test_a_failing_node_is_said_once_and_the_other_nodes_still_stop():
    first, failing, last = Node(), Node(fails=True), Node()
    camera = types.SimpleNamespace(get_logger=lambda: None)  # no stop_commanding: skipped
    spinning._stop_commanding([_executor(first, failing), _executor(camera, last)])
    assert (first.stopped, failing.stopped, last.stopped) == (1, 1, 1)
    assert len(failing.warnings) == 1 and "the session lock is broken" in failing.warnings[0]
    assert "shut down anyway" in failing.warnings[0] and not first.warnings + last.warnings


def test_a_node_without_a_logger_left_does_not_raise_either():
    node = Node(fails=True)
    node.get_logger = lambda: (_ for _ in ()).throw(RuntimeError("destroyed"))
    spinning.stop_node_commanding(node)  # no exception
    assert node.stopped == 1

"""How ``reach`` says a node process ended: the signal that killed it, and what was saved."""

import signal
import sys

import pytest

from vjepa_ros.nodes.node_processes import NodeExited, NodeProcess, exit_words
from vjepa_ros.nodes.reach_demo import STOPPED, failure_line


class ScriptNode:
    """Stand-in for a ``NodeLaunch``: its command runs ``code`` in Python."""

    def __init__(self, code):
        self.code = code

    def command(self, use_sim_time=False):
        return [sys.executable, "-c", self.code]


def test_a_killed_node_process_is_named_with_its_signal_and_no_empty_line():
    """Seen live (user31): 'exited with code -9:' and an empty line."""
    child = NodeProcess(ScriptNode("import os, signal; os.kill(os.getpid(), signal.SIGKILL)"),
                        "planner", "vjepa_planner").start()
    try:
        child.process.wait(60.0)
        with pytest.raises(NodeExited) as caught:
            child.check()
    finally:
        child.stop()
    assert str(caught.value) == ("the planner process (vjepa_planner) was killed by SIGKILL "
                                 "(kill -9, or the kernel's out-of-memory killer)")
    assert exit_words(1) == "exited with code 1"
    assert exit_words(-signal.SIGSEGV) == "was killed by SIGSEGV"


def test_a_failure_before_the_pictures_says_nothing_was_saved():
    killed = NodeExited("the simulator process (sim_node) was killed by SIGTERM")
    killed.reach_stage = "episode"
    assert failure_line(killed) == ("the simulator process (sim_node) was killed by SIGTERM; "
                                    "nothing saved")
    said = NodeExited("the planner process (vjepa_planner) exited with code 1", "a\nb")
    assert str(said) == "the planner process (vjepa_planner) exited with code 1:\na\nb"
    assert failure_line(said) == ("the planner process (vjepa_planner) exited with code 1; "
                                  "nothing saved:\na\nb"), "no stage: the start-up"
    full = OSError("disk full")
    full.reach_stage = "pictures"
    assert failure_line(full) == "disk full", "the pictures: no claim that nothing was saved"
    assert all("saved" in line for line in STOPPED.values()), "a stop says it too"

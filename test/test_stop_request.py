"""``stop_request.deferred_stop``: Ctrl-C and SIGTERM wait for the step under way to end."""

import signal

import pytest

from vjepa_ros.terminate import Terminated
from vjepa_ros.train.stop_request import deferred_stop


@pytest.mark.parametrize("number, raised", [(signal.SIGINT, KeyboardInterrupt),
                                            (signal.SIGTERM, Terminated)])
def test_a_signal_is_raised_by_check_only(number, raised):
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    with deferred_stop() as check:
        check()  # nothing requested yet
        signal.raise_signal(number)  # as Ctrl-C or kill PID mid-step: the step goes on
        signal.raise_signal(signal.SIGTERM)  # a later SIGTERM changes nothing
        with pytest.raises(raised) as stopped:
            check()
        assert type(stopped.value) is raised
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before


def test_a_second_ctrl_c_interrupts_at_once():
    with deferred_stop() as check:
        signal.raise_signal(signal.SIGINT)
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGINT)
        with pytest.raises(KeyboardInterrupt):
            check()

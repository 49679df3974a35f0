"""``stop_request.deferred_stop``: Ctrl-C and SIGTERM wait for the step under way to end."""

import signal

import pytest

from vjepa_ros.terminate import Terminated
from vjepa_ros.train.stop_request import deferred_stop


@pytest.mark.parametrize("number, raised", [(signal.SIGINT, KeyboardInterrupt),
                                            (signal.SIGTERM, Terminated)])
def test_a_signal_is_raised_by_check_only(number, raised):
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    with deferred_stop() as stop:
        stop.check()  # nothing requested yet
        assert not stop.requested
        signal.raise_signal(number)  # as Ctrl-C or kill PID mid-step: the step goes on
        signal.raise_signal(signal.SIGTERM)  # a later SIGTERM changes nothing
        assert stop.requested
        with pytest.raises(raised) as stopped:
            stop.check()
        assert type(stopped.value) is raised
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before


@pytest.mark.parametrize("at_once_on_second", [True, False])
def test_a_second_ctrl_c_interrupts_at_once_only_alone(at_once_on_second):
    """One process: the second Ctrl-C stops at once; torchrun ranks: it only requests the stop."""
    with deferred_stop(at_once_on_second) as stop:
        signal.raise_signal(signal.SIGINT)
        if at_once_on_second:
            with pytest.raises(KeyboardInterrupt):
                signal.raise_signal(signal.SIGINT)
        else:
            signal.raise_signal(signal.SIGINT)
        with pytest.raises(KeyboardInterrupt):
            stop.check()


def test_another_ranks_stop_is_a_keyboard_interrupt():
    """``stop()`` without a signal of its own (another torchrun rank got it): KeyboardInterrupt."""
    with deferred_stop() as stop:
        with pytest.raises(KeyboardInterrupt) as stopped:
            stop.stop()
        assert type(stopped.value) is KeyboardInterrupt


def test_a_second_ctrl_c_within_a_marked_step_says_so():
    """A second Ctrl-C mid-step raised a plain KeyboardInterrupt: the half-updated model was saved.

    Within ``stop.step(n)`` it raises ``InterruptedMidStep`` (step n); between steps, as before.
    """
    from vjepa_ros.train.stop_request import InterruptedMidStep

    with deferred_stop() as stop:
        signal.raise_signal(signal.SIGINT)  # the request
        with pytest.raises(InterruptedMidStep) as stopped:
            with stop.step(7):
                signal.raise_signal(signal.SIGINT)  # as in the middle of an optimizer step
        assert stopped.value.step == 7 and stop.stepping is None
        with pytest.raises(KeyboardInterrupt) as stopped:
            signal.raise_signal(signal.SIGINT)  # between steps: what the loop did is whole
        assert type(stopped.value) is KeyboardInterrupt

"""breaker58j: attacks on fix58c (planning), fix58s (gripper results, MCAP order), fix58h2, perf58.

Defects, by harm (strict xfails, each asserting the right behaviour):

1. robot/gripper_goals.py + robot/gripper_stop.py (fix58h2): the planned open whose stop is
   due waits in ``OpenAfterStop`` for the stop's answer (up to ``STOP_ANSWER_S`` = 1 s); a
   close planned meanwhile (the next 4 Hz step) goes out at once and grasps, and then the
   stale open is sent anyway when the stop answers (success or not) or its wait ends: the
   server preempts the newest command, the hand opens and drops what it holds. Likewise
   ``~/enable`` false (``GripperGoals.cancel``) meanwhile: it counts nothing (the open has no
   handle yet) and the open still goes to the server afterwards (canceled on acceptance: a
   motion after the disable). A newer goal or a cancel should drop the open still waiting.
2. recordings/mcap_order.py, the channel-by-channel route (a file out of log-time order whose
   look-back window is over ``WINDOW_LIMIT_BYTES``: a camera bag written topic after topic, cut
   or without message index, so it is read by scanning): a channel whose own messages go back
   in log time is handed on in FILE order (``_channel`` reads its span as written; the lone
   wanted channel takes the ``walk(0)`` shortcut in ``merged``), while ``order_note`` tells
   the user the file is "read in log-time order, merged topic by topic". The same file under
   the limit (one pass) comes out sorted; rosbags' indexed reader sorts too. Consumers pairing
   frames with states by time then read a stream that goes back in time, without a word.
3. ``FileOrder.merged`` promises "Equal log times keep their file order"; the by-channel
   route's ``heapq.merge`` orders ties by the ``wanted`` dict's order (the connections' ids),
   not by the file: the same file reads in another order above the window limit than below.

What held (not repeated here): plan_inputs' goal memo (views and slices of one buffer, an
equal-valued new tensor, ``.data`` swapped to float64 or to other values, NaN written into a
bfloat16 goal: re-checked or equal); every preset x method constructs and every planner.* value
in config/*.yaml lies in setting_ranges' table; ``ramp_ahead`` against numpy's
``ramp_stays_inside`` on 5000 random cases (radius 1 mm..1 m, accel 1e-4..1e4 m/s², speed
1e-4..10 m/s, dt 1..33 ms, next_dt != dt, offsets up to 1e-9 of the radius from the surface,
zero velocity): no disagreement, never left to numpy; the ee_pose cache (float32 joints, the
array mutated in place after the call, two FrankaKinematics in one process: keyed per instance
on float64 bytes); gripper ``_closing`` for a close to 0.5 from an open hand, a close with no
finger reading, fingers 0.2 mm above the goal (a franka_gripper grasp stops on an object there:
a hold is right); the window's ``<=`` at exactly the limit; ``plan()`` against
``make_planner(...).plan`` for cem/icem/mppi (the same bits, a given ``warm_mean`` untouched, a
cancelled step leaves a given Generator's state as found); a stop failing on every resend is
spaced by the session's resend backoff (test_gripper_stop_outcomes covers it).

Fixing 2 changes test_mcap_order's ``by_channel`` expectation (each channel in file order).
"""

from __future__ import annotations

import threading
import types

import pytest
from hand_rigs import Future
from test_gripper_goals import Goal
from test_gripper_release import MAX, PressingHand
from test_mcap_order import write_mcap

from vjepa_ros.recordings import mcap_order, mcap_salvage
from vjepa_ros.recordings.mcap_order import FileOrder
from vjepa_ros.robot import gripper_stop
from vjepa_ros.robot.gripper_goals import GripperGoals


def _records(times_channels):
    return [(at, types.SimpleNamespace(channel_id=channel, log_time=time, data=b"x" * 10))
            for at, (time, channel) in enumerate(times_channels)]


def _read(records, wanted):
    order = FileOrder()
    for offset, message in records:
        order.add(offset, message)
    order.finish()

    def walk(at):
        return iter([record for record in records if record[0] >= at])

    return order, [(time, connection) for connection, time, _ in order.merged(walk, wanted)]


# A topic whose own stamps go back (a converter logging header stamps: two tf broadcasters,
# a driver that re-stamps), beside a camera topic written after it (topic after topic)
_BACKWARD = [(0, 0), (30, 0), (10, 0), (40, 0), (20, 0), (50, 0),
             (5, 1), (15, 1), (25, 1), (35, 1), (45, 1)]


@pytest.mark.parametrize("wanted", [{0: 0}, {0: 0, 1: 1}], ids=["that_topic", "both"])
def test_a_topic_going_back_in_time_is_sorted_above_the_window_limit(monkeypatch, wanted):
    records = _records(_BACKWARD)
    _, below = _read(records, wanted)
    assert [time for time, _ in below] == sorted(time for time, _ in below)  # one pass: sorted
    monkeypatch.setattr(mcap_order, "WINDOW_LIMIT_BYTES", 0)  # as a window too large to hold
    order, above = _read(records, wanted)
    assert not order.one_pass and 0 in order.disordered
    assert "log-time order" in order.note("f.mcap")
    assert above == below


def test_equal_log_times_keep_file_order_above_the_window_limit(monkeypatch):
    # channel 1 written before channel 0 at t=10 and t=20; channel 2 back in time at the end
    records = _records([(10, 1), (10, 0), (20, 1), (20, 0), (0, 2)])
    wanted = {0: 0, 1: 1, 2: 2}
    _, below = _read(records, wanted)
    assert below == [(0, 2), (10, 1), (10, 0), (20, 1), (20, 0)]  # the one pass: file order
    monkeypatch.setattr(mcap_order, "WINDOW_LIMIT_BYTES", 0)
    _, above = _read(records, wanted)
    assert above == below


def _write_backward(path):
    """Write an MCAP of /tf logged by its header stamps (going back), a camera topic after it."""
    # two broadcasters: every other stamp 25 ms behind
    tf = [(0, 1_000_000_000 + step * 10_000_000 - (25_000_000 if step % 2 else 0), b"t" * 64)
          for step in range(40)]
    camera = [(1, 1_000_000_000 + step * 10_000_000 + 1000, b"c" * 64) for step in range(40)]
    # a recorder killed before its summary: read by scanning
    return write_mcap(path, ("/tf", "/camera"), tf + camera, 256, "breaker58j")


def test_a_scanned_file_above_the_window_limit_reads_in_log_time_order(tmp_path, monkeypatch):
    path = _write_backward(tmp_path / "tf_by_stamp.mcap")
    salvaged = mcap_salvage.SalvagedMcap(path)
    below = [(connection.topic, time) for connection, time, _ in salvaged.messages()]
    assert [time for _, time in below] == sorted(time for _, time in below)
    monkeypatch.setattr(mcap_order, "WINDOW_LIMIT_BYTES", 0)
    above = [(connection.topic, time) for connection, time, _ in salvaged.messages()]
    assert "merged topic by topic" in salvaged.order_note(path)
    assert [time for _, time in above] == sorted(time for _, time in above)


class _NeverTimer:
    """``threading.Timer`` that never fires: the stop's answer alone sends the waiting open."""

    def __init__(self, *_args, **_kwargs):
        pass

    def start(self):
        pass

    def cancel(self):
        pass


class _SlowStop(PressingHand):
    """franka_gripper whose stop acts at once and answers when the test says."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pending = []  # the stop calls' futures, unanswered

    def call_async(self, request):
        super().call_async(request)  # the grasp ends now
        self.pending.append(Future())
        return self.pending[-1]


def _slow_stop_rig(monkeypatch):
    """Close on a 3 cm object, pry the fingers to the full opening; return (hand, goals)."""
    monkeypatch.setattr(gripper_stop, "threading", types.SimpleNamespace(
        Lock=threading.Lock, Timer=_NeverTimer))
    hand = _SlowStop(object_width=0.03)
    measured = [hand.width]
    goals = GripperGoals(hand, Goal, "/fr3_gripper/gripper_action", MAX, 20.0,
                         lambda text: None, lambda text: None, result_timeout_s=5.0,
                         clock=lambda: 0.0, measured_width=lambda: measured[0], stop=hand,
                         stop_request=lambda: object())
    goals.send(1.0)
    hand.advance(1.0)
    assert hand.pressing and hand.width == pytest.approx(0.03)
    hand.object_width, hand.width = None, MAX  # the box turned between the fingers: pried open
    measured[0] = MAX
    return hand, goals


@pytest.mark.parametrize("answer", ["ok", "fail"])
def test_a_close_sent_while_the_stop_is_pending_is_not_undone_by_the_waiting_open(
        monkeypatch, answer):
    """The planned open's stop is slow to answer (franka_gripper busy); the next step closes.

    The open waits in ``OpenAfterStop`` for the stop's answer; a close planned meanwhile goes out
    at once and grasps. Once the stop answers, the stale open is sent after the close: the
    server preempts the close, the hand opens and drops the object the newest command holds.
    """
    hand, goals = _slow_stop_rig(monkeypatch)
    goals.send(0.0)  # the planned open: the stop is due, its answer slow
    assert hand.stops == 1 and len(hand.pending) == 1
    hand.object_width = 0.03  # the next plan closes on the object again
    goals.send(1.0)
    hand.advance(1.0)
    assert hand.pressing and hand.width == pytest.approx(0.03)
    hand.pending[0].finish(types.SimpleNamespace(success=answer == "ok", message=""))
    hand.advance(1.0)
    # the newest command, the close, stands: the hand holds the object
    assert hand.received[-1][0] == pytest.approx(0.0)
    assert hand.pressing and hand.width == pytest.approx(0.03)


@pytest.mark.parametrize("answer", ["ok", "fail"])
def test_an_open_waiting_for_its_stop_is_not_sent_after_a_cancel(monkeypatch, answer):
    """``~/enable`` false (``GripperGoals.cancel``) while the open waits for the stop's answer.

    ``cancel`` counts nothing (the open has no handle yet); the stop's answer then sends the open
    to the server, which starts moving the hand after commanding was disabled (the node cancels
    it once accepted: a motion the disable should have prevented).
    """
    hand, goals = _slow_stop_rig(monkeypatch)
    goals.send(0.0)
    assert hand.stops == 1 and len(hand.pending) == 1
    sent = len(hand.received)
    goals.cancel()
    hand.pending[0].finish(types.SimpleNamespace(success=answer == "ok", message=""))
    assert len(hand.received) == sent, "a goal went to the hand after the cancel"

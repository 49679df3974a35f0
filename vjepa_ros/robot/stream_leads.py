"""How far each input's stamps run ahead of the node clock, and where a frame meets the states.

The camera and the robot states are stamped by their sources' clocks, which need not be the
planner's: a camera and an arm driver on a robot PC whose clock runs 0.24 s ahead (no PTP,
accepted while within the age limits), a bag replayed with ``ros2 bag play --clock`` (the
node's sim time trails the replayed stamps by up to one /clock period), or a camera on its own
clock ahead of the states' (breaker59f). A stamp cannot be later than its receipt on its own
clock, so a stream's *lead* (stamp minus receipt on the node clock) is a bound on how far its
clock runs ahead of the node's; measured on one message it mixes in that message's latency,
so :class:`StreamLeads` keeps each stream's leads over :data:`LEAD_WINDOW_S` and takes a
robust upper envelope: the :data:`LEAD_PERCENTILE` th percentile of the lags (receipt minus
stamp), the least delayed messages, which show the clock (one message stamped far ahead does
not move it; a stream stamped behind its receipts has lead 0: its lag is latency).

The rule (:func:`frame_leads`, used by ``input_episodes.InputEpisodes.observe_image`` and kept
on the frame, ``inputs.Stamped``): frames and states are paired on their own stamps when they
share a clock; a frame's stamp is moved onto the states' clock only by its lead relative to
the states' (a camera ahead of the states: breaker59f), or, a camera stamping on the node's own
clock (its lead 0) beside states ahead of it, by the states' lead (a USB camera on the planner
PC, the arm's states from a robot PC ahead: breaker59i #1). A frame's time on the node clock
(``Stamped.taken``: compared with the arrival, the settle wait, the plan's age, a gripper
command) is its stamp less the larger of its own lead and its clock's, never after its receipt.

The stale line's arrival lags (``arrival_lags.ArrivalLags``) are other samples of receipt minus
stamp, kept apart on purpose: that module's docstring says how they differ.
"""

from __future__ import annotations

import collections
import threading

import numpy as np

# [s] of node clock over which each stream's leads are kept (at most LEAD_COUNT messages): a
# clock that stepped is followed within it
LEAD_WINDOW_S = 1.0
LEAD_COUNT = 2000  # messages kept per stream at most (a 1 kHz joint_state_broadcaster: 2 s)
# the lags' percentile taken as the stream's: its least delayed tenth (robust to a few
# messages stamped ahead of the rest, as a driver's stamp jitter)
LEAD_PERCENTILE = 10.0
# [s] a camera whose stamps run no more than this ahead of the node clock stamps on the node's
# own clock (a USB camera on the planner PC; NTP-synced PCs agree within a few ms)
NODE_CLOCK_S = 0.01


class StreamLeads:
    """Each input's recent leads [s] (stamp minus receipt, node clock), frames 0 and states 1.

    Thread-safe: states arrive without the session's lock. A receipt before the newest one of
    its stream (the node clock went back: a looping bag, a simulator restarted) starts that
    stream's window afresh.
    """

    def __init__(self, window_s: float = LEAD_WINDOW_S, count: int = LEAD_COUNT):
        self.window_s = window_s
        self._lock = threading.Lock()
        # per stream: receipts [s] node clock and lags [s] (receipt - stamp), oldest first
        self._receipts = tuple(collections.deque(maxlen=count) for _ in range(2))
        self._lags = tuple(collections.deque(maxlen=count) for _ in range(2))

    def add(self, index: int, receipt: float, lead: float) -> None:
        """Note a message of stream ``index`` received at ``receipt`` [s], ``lead`` [s] ahead.

        ``lead``: its stamp minus its receipt, on the stamp's clock (across a system clock fall:
        ``clock_steps.age_across_fall``); negative for a message stamped before it came.
        """
        receipts, lags = self._receipts[index], self._lags[index]
        with self._lock:
            if receipts and receipt < receipts[-1]:
                receipts.clear()
                lags.clear()
            receipts.append(receipt)
            lags.append(-lead)
            while receipt - receipts[0] > self.window_s:
                receipts.popleft()
                lags.popleft()

    def lead(self, index: int) -> float:
        """Return stream ``index``'s lead [s] >= 0 (module docstring); 0 before any message.

        O(n) in the messages kept (a partition, not a sort), read once per camera frame.
        """
        with self._lock:
            lags = np.fromiter(self._lags[index], dtype=np.float64, count=len(self._lags[index]))
        if not len(lags):
            return 0.0
        rank = (len(lags) - 1) * LEAD_PERCENTILE / 100.0
        low = int(rank)
        part = np.partition(lags, (low, min(low + 1, len(lags) - 1)))
        lag = part[low] + (rank - low) * (part[min(low + 1, len(lags) - 1)] - part[low])
        return max(0.0, -float(lag))


def frame_leads(camera: float, states: float, sim_time: bool) -> tuple[float, float]:
    """Return (a frame's clock lead, the states' lead) [s] for ``inputs.Stamped``.

    ``camera``, ``states``: :meth:`StreamLeads.lead` of frames and states. The frame's clock
    lead is what its stamp is ahead of the node clock: the camera's lead, or, when the camera
    shares the states' clock, the larger of the two (the states, delivered with less delay,
    show that clock better). They share it unless the camera stamps on the node's own clock
    (lead within :data:`NODE_CLOCK_S`) off sim time; on sim time every stamp is the simulation's
    (a bag's, whose camera lags its receipt by its recorded latency). ``Stamped.taken`` is then
    the stamp less that lead (never after its receipt), and its time on the states' clock
    ``Stamped.state_time`` that plus the states' lead.
    """
    shared = sim_time or camera > NODE_CLOCK_S
    return (max(camera, states) if shared else camera), states

"""How far behind the node clock the inputs arrive, and the fix a steady lag points to.

A simulator slower than real time that stamps with the wall clock (no ``use_sim_time``: the sim
node's ticks carry their grid time, behind when it falls behind), or any source stamping on
another clock, delivers every frame or state already old: the planner refuses them as stale,
flapping around the age limit, and the stale line alone ("robot state is stale: 0.33 s old
(limit 0.25 s)") did not say what to do (user56u: ~11 s before the simulator's own pace
warning). :class:`ArrivalLags` keeps each input's recent lags (the node clock at arrival minus
the stamp [s]) and, per input, the note its stale line carries (:meth:`ArrivalLags.note`, read by
``InputChecks``); :func:`lag_note` words a steady lag.

Not ``stream_leads.StreamLeads``' window, though both note receipt minus stamp (mend60c: not
the same samples): these are the node clock's raw lags of every arrival, a state rejected as
invalid or as a jump included (its lag is the stale line's "stamped 0.33 s behind this node's
clock" all the same), the last :data:`LAG_COUNT` of them, kept across a clock gone back. The
leads' are the lags on each stamp's own clock (a system clock fall since the stamp added back,
``clock_steps.age_across_fall``), of states that passed the validity and jump checks only (a
glitch's stamp is no measure of its clock), over a second of node clock, started afresh when
that clock goes back. One window for both would change either the stale line's numbers or a
frame's time on the arm's clock.
"""

from __future__ import annotations

import collections
from collections.abc import Callable

from vjepa_ros.sim.pace import SIM_TIME_FIX

LAG_COUNT = 3  # arrivals in a row that each lagged
LAG_FRACTION = 0.5  # of the input's age limit: each lagged at least this share of it
INPUTS = ("camera frame", "robot state")  # index 0, 1 (MPCSession.arrived_at's order)
AGE_LIMITS = ("safety.max_image_age_s", "safety.max_state_age_s")  # each input's age limit


class ArrivalLags:
    """The last :data:`LAG_COUNT` arrival lags [s] of each input (0: frames, 1: states).

    With each input's stale note (:meth:`note`), kept for its stale episode.
    """

    def __init__(self):
        self.lags = tuple(collections.deque(maxlen=LAG_COUNT) for _ in INPUTS)
        self._notes = ["", ""]  # the frames', the states' stale note: kept per episode

    def add(self, index: int, lag: float) -> None:
        """Note that input ``index`` arrived ``lag`` [s] after its stamp (node clock)."""
        self.lags[index].append(lag)

    def steady(self, index: int, limit: float) -> float | None:
        """Return the least of the last :data:`LAG_COUNT` lags of input ``index`` [s].

        Only when each of them reached :data:`LAG_FRACTION` of ``limit`` [s] (the input's age
        limit); None otherwise (fewer arrivals, one in time, a NaN).
        """
        lags = self.lags[index]
        if len(lags) < LAG_COUNT or not all(lag >= LAG_FRACTION * limit for lag in lags):
            return None
        return min(lags)

    def note(self, index: int, limit: float, stale: bool, advice: Callable[[], str],
             on_sim_time: Callable[[], bool], simulated: Callable[[], bool]) -> str:
        """Return the simulated-time or clock-sync note for input ``index`` stale now, or "".

        ``stale``: whether the input is stale now; ``limit`` [s] its age limit. ``advice``: the
        camera's own advice (``sim.pace.simulator_camera_advice``: its frames come from the
        simulator), which wins; else the input's last arrivals each lagged half its age
        ``limit`` (:meth:`steady`): :func:`lag_note`, ``simulated`` saying whether a simulator
        runs. Off the wall clock (``on_sim_time``, read only when there is a note to give) a
        steady lag gets :func:`sim_time_lag_note` instead, and the camera's advice none. Kept
        while the input stays stale, so that its episode keeps one wording (said once; nothing
        is read again meanwhile); forgotten when it is fresh again.
        """
        if not stale:
            self._notes[index] = ""
        elif not self._notes[index]:
            lag, camera = self.steady(index, limit), advice()
            note = rather_than_raising(camera, index) or (
                lag_note(index, lag, simulated()) if lag is not None else "")
            if note and on_sim_time():  # the wall clock's causes are not the ones
                note = sim_time_lag_note(index, lag) if lag is not None else ""
            self._notes[index] = note
        return self._notes[index]


def lag_note(index: int, lag: float, simulated: bool) -> str:
    """Return the stale line's note for input ``index`` whose stamps lag by ``lag`` [s] or more.

    For a node on the wall clock (on simulated time a lag means another thing): names the
    likely cause and the fix in one clause. ``simulated``: a simulator runs (one publishes the
    camera's frames, or /clock has a publisher): one slower than real time, fixed by simulated
    time (``sim.pace.SIM_TIME_FIX``); else a source stamping by another computer's clock,
    fixed by syncing the clocks (chrony, PTP). Either rather than raising the input's age
    limit (:data:`AGE_LIMITS`).
    """
    behind = (f"each of the last {LAG_COUNT} {INPUTS[index]}s came stamped {lag:.2f} s or more "
              "behind this node's clock, which is the wall clock")
    if simulated:
        return rather_than_raising(f"{behind}, and a simulator runs: slower than real time? "
                                   f"{SIM_TIME_FIX}", index)
    return rather_than_raising(
        f"{behind}: a source stamping by another computer's clock? sync the clocks (chrony or "
        "PTP: `chronyc tracking` on both computers shows the offset)", index)


def sim_time_lag_note(index: int, lag: float) -> str:
    """Return the stale line's note for input ``index`` lagging ``lag`` [s] on simulated time.

    On simulated time the node clock is the newest ``/clock``: an input each of whose last
    arrivals came ``lag`` behind it was stamped late by its publisher, or was taken late by
    this node (an executor starved of CPU by the planning search: ``queue_drain`` takes queued
    states at once, so a backlog alone no longer shows as age). Names both and their fixes.
    """
    return rather_than_raising(
        f"each of the last {LAG_COUNT} {INPUTS[index]}s came stamped {lag:.2f} s or more "
        "behind /clock (simulated time): its publisher stamps them late, or this process takes "
        "them late, its CPU busy (the planner's search: see its start-up line on the cost of a "
        "plan; a smaller search, fewer model.threads)", index)


def rather_than_raising(advice: str, index: int) -> str:
    """Return ``advice`` for stale input ``index``, ending "rather than raising" its age limit.

    "" stays "" (no advice known).
    """
    return f"{advice}, rather than raising {AGE_LIMITS[index]}" if advice else ""

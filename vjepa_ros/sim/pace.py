"""Whether the simulator keeps up with real time, and what to do when it does not (no rclpy).

On a busy CPU the simulator steps slower than its ``real_time_factor`` asks. Without simulated
time (``use_sim_time``; the simulator stamps with the wall clock) its camera frames and joint
states then arrive late and sparse, and a planner refuses them as stale: the ages count wall
seconds, while the simulated world moved less. The fix is simulated time, under which ages count
simulated seconds, not a looser ``safety.max_image_age_s``. The sim node measures its pace
(:class:`PaceMeter`) and says so once per slow stretch; the planner names the same fix in its
slow-camera note when the frames come from the simulator (:func:`simulator_camera_advice`): a
node that advertises :data:`SIMULATOR_SERVICE`, which this package's sim node alone does (a
user's own node called ``sim_node`` is no simulator of ours, and gets no such advice).
"""

from __future__ import annotations

import collections
from collections.abc import Collection

WINDOW_S = 10.0  # [s] wall time the pace is measured over
SLOW_FRACTION = 0.8  # slow: below this fraction of the requested real-time factor
RECOVERED_FRACTION = 0.95  # a slow stretch ends at this fraction: the next one is said again
# The sim node's private service (``~/vjepa_ros_simulator``, std_srvs/Trigger): it marks the
# node as this package's simulator in the ROS graph, whatever its name or namespace.
SIMULATOR_SERVICE = "vjepa_ros_simulator"
# How to run on simulated time, in each way of starting the nodes
SIM_TIME_WAYS = ("(vjepa-ros launch ... --node sim --use-sim-time; ros2 run: sim_node --ros-args "
                 "-p publish_clock:=true, and -p use_sim_time:=true for every node)")
SIM_TIME_FIX = f"run on simulated time {SIM_TIME_WAYS}, so that ages count simulated seconds"


class PaceMeter:
    """The simulated seconds per wall-clock second over the last :data:`WINDOW_S`.

    ``target``: the requested real-time factor (> 0). :meth:`check` is fed (wall, sim) time
    pairs, both in seconds on clocks that never go back.
    """

    def __init__(self, target: float, window_s: float = WINDOW_S):
        self.target, self.window_s = target, window_s
        self.samples: collections.deque[tuple[float, float]] = collections.deque()
        self.slow = False  # within a slow stretch that was said

    def factor(self) -> float | None:
        """Return the measured real-time factor, or None before a full window was seen."""
        if len(self.samples) < 2:
            return None
        (wall0, sim0), (wall1, sim1) = self.samples[0], self.samples[-1]
        if wall1 - wall0 < self.window_s:
            return None
        return (sim1 - sim0) / (wall1 - wall0)

    def check(self, wall: float, sim: float) -> str:
        """Record a (wall, sim) pair; return a warning the first time a slow stretch is seen.

        "" otherwise (not slow, the stretch said already, or less than a window measured).
        """
        self.samples.append((wall, sim))
        while len(self.samples) > 2 and wall - self.samples[1][0] >= self.window_s:
            self.samples.popleft()
        factor = self.factor()
        if factor is None:
            return ""
        if factor >= RECOVERED_FRACTION * self.target:
            self.slow = False
        if self.slow or factor >= SLOW_FRACTION * self.target:
            return ""
        self.slow = True
        return slow_simulation_warning(factor, self.target)


def slow_simulation_warning(factor: float, target: float) -> str:
    """Return the sim node's warning: the simulation runs at ``factor`` of ``target``."""
    return (f"the simulation runs at {factor:.2f}x real time (real_time_factor {target:g} "
            f"asked; measured over {WINDOW_S:g} s): this CPU cannot step the simulation that "
            "fast, and its messages are stamped with the wall clock, so camera frames and joint "
            "states arrive late and a planner refuses them as stale; "
            f"{SIM_TIME_FIX} (there a real_time_factor below 1 also paces it to this CPU; on "
            "the wall clock only 1 is taken), or lighten the simulation (a smaller "
            "camera.width/height, a lower camera_rate_hz)")


def simulator_camera_advice(publishers: list[str], simulators: Collection[str],
                            on_sim_time: bool) -> str:
    """Return the planner's advice for a camera slower than its age limit, a simulator being why.

    ``publishers``: the full names of the camera topic's publishers; ``simulators``: the full
    names of those that are this package's simulator (they advertise :data:`SIMULATOR_SERVICE`:
    ``graph_publishers.package_simulators``), not any node named ``sim_node``. "" when the
    planner is on simulated time (the ages count simulated seconds already) or no publisher is
    such a simulator.
    """
    if on_sim_time:
        return ""
    found = [name for name in publishers if name in simulators]
    if not found:
        return ""
    return (f"the frames come from the simulator {found[0]}, which runs slower than real time "
            f"on this CPU (it says by how much): {SIM_TIME_FIX}")

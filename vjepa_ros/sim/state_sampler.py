"""Sample the simulated arm's state at a lab's joint-state rate while an episode is recorded.

``vjepa-ros record`` renders a frame every 0.25 s of sim time; a lab's arm publishes its joint
states at 100 Hz-1 kHz. :class:`StateSampler` watches the physics steps (``Sim.watch_steps``,
240 Hz by default) and the renders (``Sim.add_render_hook``): from the first frame on it keeps the
state at every tick of ``rate_hz`` (the first physics step at or after the tick, stamped with that
step's sim time) and at every frame (so each frame has the state it was rendered with).
"""

from __future__ import annotations

import math

import numpy as np

from vjepa_ros.recordings.state_stream import StateStream

DEFAULT_STATE_RATE_HZ = 120.0  # every second physics step of the 240 Hz simulator


class StateSampler:
    """Keep the states of ``sim`` at ``rate_hz`` [Hz] ticks from its first rendered frame on.

    ``rate_hz`` in (0, physics rate]; a rate that does not divide the physics rate is sampled
    at the physics step at or after each tick (jitter of up to one step, 1/240 s).
    """

    def __init__(self, sim, rate_hz: float = DEFAULT_STATE_RATE_HZ):
        physics_hz = float(sim.config.physics_hz)
        if not 0 < rate_hz <= physics_hz:
            raise ValueError(f"the state rate must lie in (0, {physics_hz:g}] Hz (the "
                             f"simulator's physics rate), got {rate_hz:g}")
        self.sim, self.steps_per_tick = sim, physics_hz / float(rate_hz)
        self.first_step: int | None = None  # the physics step of the first frame
        self.origin_s = 0.0  # its sim time
        self.ticks = 0  # ticks sampled so far
        # physics step -> (time s, state [7], joints [9]), in step order: steps only increase,
        # and a step kept again (its frame's state) keeps its place
        self.samples: dict[int, tuple] = {}
        sim.add_render_hook(self._on_frame)
        sim.watch_steps(self._on_step)

    def _keep(self, state=None) -> None:
        sim = self.sim
        state = sim.ee_state() if state is None else np.asarray(state, dtype=np.float64)
        self.samples[sim.steps] = (sim.time - self.origin_s, state, sim.joint_states()[1])

    def _on_frame(self, frame, state) -> None:
        if self.first_step is None:
            self.first_step, self.origin_s = self.sim.steps, self.sim.time
            self.ticks = 1  # tick 0 is this frame
        self._keep(state)

    def _on_step(self) -> None:
        if self.first_step is None:
            return  # before the first frame: not recorded yet
        due = self.first_step + math.ceil(self.ticks * self.steps_per_tick - 1e-9)
        if self.sim.steps >= due:
            self.ticks = math.floor((self.sim.steps - self.first_step) / self.steps_per_tick
                                    + 1e-9) + 1
            self._keep()

    def stream(self, last_frame_s: float | None = None) -> StateStream:
        """Return the states kept, in time order, up to ``last_frame_s`` [s] (None: all).

        Times on the frames' clock: the first frame at 0. ValueError before any frame.
        """
        if not self.samples:
            raise ValueError("no frame was rendered: no states to record")
        kept = list(self.samples.values())
        if last_frame_s is not None:
            kept = [s for s in kept if s[0] <= last_frame_s + 1e-9]
        return StateStream(np.array([s[0] for s in kept]), np.stack([s[1] for s in kept]),
                           np.stack([s[2] for s in kept]))

"""Random arm-state streams with labelled events, for ``bench_jump_streams.py``.

:class:`Stream` (seed) -> the states a driver would send and the events in them; the event kinds
and their truth (a new world or not) are described in ``bench_jump_streams.py``'s docstring.
Numpy only; one seed's stream is the same on every run (``numpy.random.default_rng(seed)``).
"""

import numpy as np

HOME = (0.45, 0.0, 0.35)  # [m] where a reset puts the TCP
RESETS = ("reset", "gap_reset", "glitch_reset", "reset_gap", "reset_stale", "reset_gap_stale",
          "reset_stale_gap", "reset_course", "reset_pullback", "hand_reset", "rehome",
          "reset_glitch", "clock_reset", "reset_gap_glitch")
EVENTS = ("glitch", "gap", "gap_glitch", "glitch_gap", "glitch_gap_glitch", "burst",
          "interleave", "clock_step", "reset", "reset_gap", "gap_reset", "glitch_reset",
          "reset_stale", "reset_gap_stale", "reset_stale_gap", "reset_course", "reset_pullback",
          "hand_glitch", "hand_reset", "rehome", "reset_glitch", "clock_reset",
          "reset_gap_glitch", "glitch_glitch")  # (drawn by index: the order is the streams')


class Arm:
    """A TCP moving on its own: a velocity set-point redrawn every 0.8-2 s, its change limited."""

    def __init__(self, rng, teleop: bool):
        self.rng = rng
        self.xyz = np.array([0.5, 0.0, 0.3]) + rng.uniform(-0.05, 0.05, 3)
        self.velocity, self.yaw, self.yaw_rate = np.zeros(3), rng.uniform(-1, 1), 0.0
        self.accel = rng.uniform(0.2, 1.0)  # [m/s²]
        self.top_speed = 0.5 if teleop else rng.uniform(0.02, 0.15)  # [m/s]
        self.wanted, self.wanted_yaw_rate = self.new_velocity(), 0.0
        self.mode, self.target, self.since = None, None, 0.0  # mode: None, "rest" or "pull"

    def new_velocity(self):
        """Return a random velocity [3] up to the top speed."""
        direction = self.rng.normal(0, 1, 3)
        return direction / np.linalg.norm(direction) * self.rng.uniform(0.0, self.top_speed)

    def step(self, h: float) -> None:
        """Move the arm on by ``h`` [s]."""
        self.since += h
        if self.mode is None and self.since > self.rng.uniform(0.8, 2.0):
            self.wanted, self.since = self.new_velocity(), 0.0
            self.wanted_yaw_rate = self.rng.uniform(-0.5, 0.5) if self.rng.random() < 0.5 else 0.0
        wanted = self.wanted
        if self.mode == "pull":  # back toward the target at up to 0.3 m/s
            wanted = (self.target - self.xyz) * 2.0
            speed = np.linalg.norm(wanted)
            wanted = wanted * 0.3 / speed if speed > 0.3 else wanted
        elif self.mode == "rest":
            wanted = np.zeros(3)
        change = wanted - self.velocity
        size = np.linalg.norm(change)
        self.velocity = self.velocity + (change * self.accel * h / size
                                         if size > self.accel * h else change)
        self.yaw_rate += np.clip(self.wanted_yaw_rate - self.yaw_rate, -h, h)  # 1 rad/s²
        self.xyz, self.yaw = self.xyz + self.velocity * h, self.yaw + self.yaw_rate * h

    def state(self, xyz=None, yaw=None):
        """Return the 7-vector of the arm's pose (or of ``xyz`` / ``yaw`` in its place)."""
        return np.array([*(self.xyz if xyz is None else xyz), np.pi, 0.0,
                         self.yaw if yaw is None else yaw, 0.0])


class Stream:
    """One seed's stream: ``states`` [(stamp [s], state [7], arrival [s] or None, event index)]."""

    def __init__(self, seed: int):
        rng = self.rng = np.random.default_rng(seed)
        self.hz = float(rng.choice([1000, 100, 30, 10]))
        self.dt = 1 / self.hz
        self.teleop = rng.random() < 0.3
        self.arrivals = rng.random() < 0.5
        self.coarse = self.arrivals and self.hz >= 100 and rng.random() < 0.3
        self.arm = Arm(rng, self.teleop)
        self.time, self.clock, self.event = 0.0, 0.0, -1  # true time; the stamps' offset [s]
        self.states, self.events = [], []
        self.run(1.0)
        for _ in range(int(rng.integers(3, 7))):
            self.events.append(EVENTS[int(rng.integers(len(EVENTS)))])
            self.event = len(self.events) - 1
            self.play(self.events[-1])
            self.run(3.0)

    def advance(self, span: float) -> None:
        """Move the arm on by ``span`` [s], in steps of at most 5 ms."""
        steps = max(1, int(round(span / min(self.dt, 0.005))))
        for _ in range(steps):
            self.arm.step(span / steps)
        self.time += span

    def emit(self, state) -> None:
        """Send ``state`` now."""
        stamp = self.time + self.clock
        if self.coarse:
            stamp = np.floor(stamp / 0.01) * 0.01
        arrival = self.time + self.rng.uniform(0, 0.002) if self.arrivals else None
        self.states.append((stamp, state, arrival, self.event))

    def run(self, span: float) -> None:
        """Send the arm's own states for ``span`` [s]."""
        for _ in range(int(round(span / self.dt))):
            self.advance(self.dt)
            self.emit(self.arm.state())

    def glitch(self, hand: bool = False) -> None:
        """Send 1-3 states 3-20 cm off (``hand``: the wrist 0.3-1.5 rad off)."""
        rng, arm = self.rng, self.arm
        count = int(rng.integers(1, 4))
        offset = rng.normal(0, 1, 3)
        offset /= np.linalg.norm(offset)
        offset *= rng.uniform(0.03, 0.2)
        turn = rng.choice([-1, 1]) * rng.uniform(0.3, 1.5)
        for _ in range(count):
            self.advance(self.dt)
            self.emit(arm.state(yaw=arm.yaw + turn) if hand else arm.state(xyz=arm.xyz + offset))

    def gap(self, low: float = 0.02, high: float = 1.5) -> None:
        """Send nothing for a random span in [low, high) [s]."""
        self.advance(self.rng.uniform(low, high))

    def reset(self, where: str = "home"):
        """Teleport the arm (``where``: home, hand, course or rehome), stop it, send; old xyz."""
        rng, arm = self.rng, self.arm
        old = arm.xyz.copy()
        if where == "hand":
            arm.yaw += rng.choice([-1, 1]) * rng.uniform(0.3, 1.5)
        elif where == "home":
            home = np.array(HOME)
            arm.xyz = home if np.linalg.norm(home - arm.xyz) > 0.03 else home + [0.1, 0, 0]
        elif where == "course":
            speed = np.linalg.norm(arm.velocity)
            direction = arm.velocity / speed if speed > 1e-3 else np.array([1.0, 0, 0])
            arm.xyz = arm.xyz + direction * rng.uniform(0.03, 0.12)
        else:
            direction = rng.normal(0, 1, 3)
            arm.xyz = arm.xyz + direction / np.linalg.norm(direction) * rng.uniform(0.03, 0.3)
        arm.velocity, arm.yaw_rate = np.zeros(3), 0.0
        self.advance(self.dt)
        self.emit(arm.state())
        return old

    def then(self, mode, span: float, target=None) -> None:
        """Send the arm's own states for ``span`` [s] in ``mode`` (None, "rest", "pull")."""
        self.arm.mode, self.arm.target = mode, target
        self.run(span)
        self.arm.mode = None

    def play(self, event: str) -> None:
        """Send ``event`` (a name in :data:`EVENTS`)."""
        rng, arm = self.rng, self.arm
        if event in ("glitch", "hand_glitch"):
            self.glitch(hand=event == "hand_glitch")
        elif event in ("gap", "gap_glitch", "glitch_gap", "gap_reset", "glitch_reset"):
            for part in event.split("_"):
                {"gap": self.gap, "glitch": self.glitch, "reset": self.reset}[part]()
        elif event == "glitch_gap_glitch":
            self.glitch()
            self.run(rng.uniform(0, 0.1))
            self.gap(0.02, 0.8)
            self.glitch()
        elif event in ("burst", "interleave"):
            if event == "burst":
                pose = arm.xyz + rng.normal(0, 0.05, 3)
                other = lambda: arm.state(xyz=pose)  # noqa: E731
            else:
                offset = rng.normal(0, 0.02, 3)
                other = lambda: arm.state(xyz=arm.xyz + offset)  # noqa: E731
            every = int(rng.integers(1, 4)) + 1
            for i in range(int(rng.integers(3, 30))):
                self.advance(self.dt)
                self.emit(other() if i % every == 0 else arm.state())
        elif event in ("clock_step", "clock_reset"):
            self.clock += rng.uniform(0.1, 2.0)
            if event == "clock_reset":
                self.reset()
        elif event in ("reset", "rehome", "hand_reset", "reset_course"):
            self.reset({"reset": "home", "rehome": "rehome", "hand_reset": "hand",
                        "reset_course": "course"}[event])
            mode = rng.choice(["rest", "move"])
            if event == "reset_course" and rng.random() < 0.5:
                self.then("rest", rng.uniform(0.05, 0.5))
                self.gap(0.1, 0.6)
            self.then("rest" if mode == "rest" else None, 0.3)
        elif event in ("reset_gap", "reset_glitch", "reset_gap_glitch"):
            self.reset()
            self.then("rest", rng.uniform(*{"reset_gap": (0, 0.3), "reset_glitch": (0.02, 0.4),
                                           "reset_gap_glitch": (0.02, 0.3)}[event]))
            if event != "reset_glitch":
                self.gap(0.02, 1.5 if event == "reset_gap" else 0.8)
            if event != "reset_gap":
                self.glitch()
        elif event == "glitch_glitch":
            self.glitch()
            self.run(rng.uniform(0.0, 0.3))
            self.glitch()
        elif event == "reset_pullback":
            old = self.reset()
            self.then("rest", rng.uniform(0.0, 0.4))
            if rng.random() < 0.6:
                arm.mode, arm.target = "pull", old
                self.gap(0.1, 1.0)
            self.then("pull", 1.5, old)
        else:  # reset_stale, reset_gap_stale, reset_stale_gap
            old = self.reset()
            self.then("rest", rng.uniform(0.0, 0.4))
            if event == "reset_gap_stale":
                self.gap(0.02, 0.8)
            for _ in range(int(rng.integers(1, 3))):
                self.advance(self.dt)
                self.emit(arm.state(xyz=old))
            if event == "reset_stale_gap":
                self.gap(0.02, 0.8)

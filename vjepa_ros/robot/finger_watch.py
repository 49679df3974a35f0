"""Whether the gripper's closedness is measured: this arm's hand, on its topic, recently.

The planner node reads finger joint states (``<prefix>finger_joint1/2``) from ``joint_states``,
from ``robot.gripper_state_topic``, or from the first JointState topic named ``*gripper*`` that
brings them. A planned gripper command may only rest on a *measured* closedness
(:meth:`vjepa_ros.robot.command_session.CommandSession` refuses one from a guess: a guessed open
hand commanded "close by 0.25" opens a hand that holds an object). The closedness counts as
measured while all of these hold:

- **this arm's hand**: the fingers' name prefix is the arm's (``left_fr3_finger_joint1`` for
  ``left_fr3_joint1..7``). Before the arm's first joint state the prefix is unknown and a lone
  hand of any prefix is taken; once the arm's prefix is known, a hand of another prefix (a second
  robot's fingers that came first) is dropped and, with the automatic search, the search starts
  again;
- **fresh**: the last usable finger message on the chosen topic arrived at most ``max_age_s``
  ago (steady clock, arrival time: a finger topic that went silent, a dead gripper driver, keeps
  no closedness measured; header stamps are not trusted here, as gripper drivers often leave
  them zero);
- **usable**: the newest message on that topic could be read (a NaN or out-of-range finger
  position makes the closedness unknown until a good message comes).

While it is not measured the last measured value (else 0.0, open) is still the state's
closedness, the best guess the world model can be given, and states carry
``gripper_measured=False`` so that no planned gripper command rests on it.

ROS-free: the node passes topic names, readings and the steady clock in and logs what comes back.
"""

from __future__ import annotations

import dataclasses

DEFAULT_MAX_AGE_S = 1.0  # [s] Franka's gripper drivers publish finger states at 30-50 Hz


@dataclasses.dataclass
class FingerWatch:
    """The chosen finger topic, the hand it brings and how recently it did.

    ``configured_topic``: ``robot.gripper_state_topic`` ("" for the automatic search: the first
    topic bringing a hand is chosen); ``max_age_s``: the age [s, steady clock] past which a
    closedness stops counting as measured (``safety.max_gripper_state_age_s``).
    """

    configured_topic: str = ""
    max_age_s: float = DEFAULT_MAX_AGE_S
    topic: str | None = None  # the topic finger states are read from; None: not chosen yet
    prefix: str | None = None  # the name prefix of the fingers read ("left_fr3_")
    closedness: float | None = None  # newest measured closedness in [0, 1]; None: never
    last: float | None = None  # [s] steady clock of the newest usable message; None: not usable
    _lapse_noted: bool = False

    def __post_init__(self):
        self.topic = self.configured_topic or None

    def offer(self, topic: str, prefix: str, closedness: float, now: float) -> str:
        """Take a usable finger reading from ``topic`` at ``now`` [s, steady clock].

        Readings from a topic other than the chosen one are ignored. Returns a line to log ("" for
        none): the topic chosen by the automatic search, or the fingers being back after a lapse.
        """
        note = ""
        if self.topic is None:
            self.topic = topic
            note = (f"gripper state from {topic} (found by its finger joints "
                    f"{prefix}finger_joint1/2)")
        if topic != self.topic:
            return ""
        self.prefix, self.closedness, self.last = prefix, float(closedness), now
        if self._lapse_noted:
            self._lapse_noted = False
            note = (f"finger joint states on {topic} arrive again: the gripper's closedness is "
                    "measured and planned gripper commands resume")
        return note

    def unusable(self, topic: str) -> None:
        """Note that the newest message on ``topic`` was unusable: unknown until a good one."""
        if topic == self.topic:
            self.last = None

    def check_arm(self, arm_prefix: str | None) -> str:
        """Drop a hand whose prefix is not the arm's ``arm_prefix`` (None: not known yet).

        Returns a line to log ("" when nothing changed). With the automatic search the choice of
        topic is undone so that the search can find this arm's hand.
        """
        if arm_prefix is None or self.prefix is None or self.prefix == arm_prefix:
            return ""
        topic, other = self.topic, self.prefix
        self.topic = self.configured_topic or None
        self.prefix = self.closedness = self.last = None
        self._lapse_noted = False
        fix = ("searching again for this arm's hand" if not self.configured_topic else
               f"set robot.gripper_state_topic to the topic of {arm_prefix}finger_joint1/2")
        return (f"the finger joints on {topic} are another hand's ({other}finger_joint1/2; this "
                f"arm is {arm_prefix}joint1..7): they no longer count as this gripper's state; "
                f"{fix}")

    def measured(self, now: float) -> bool:
        """Return True when the closedness is measured at ``now`` [s, steady clock] (module)."""
        return self.last is not None and now - self.last <= self.max_age_s

    def value(self) -> float:
        """Return the state's closedness: the newest measured one, 0.0 (open) before any."""
        return 0.0 if self.closedness is None else self.closedness

    def age(self, now: float) -> float | None:
        """Seconds since the newest usable finger message (None: none, or the newest unusable)."""
        return None if self.last is None else now - self.last

    def lapse(self, now: float) -> str:
        """Say once when a measured closedness stops being measured at ``now`` ("" otherwise).

        Call it as states are built: the line names the topic, how long it has been silent (or
        that its newest message was unusable) and the consequence; :meth:`offer` says when the
        fingers are back.
        """
        if self.closedness is None or self._lapse_noted or self.measured(now):
            return ""
        self._lapse_noted = True
        why = ("its newest message was unusable" if self.last is None else
               f"no message for {now - self.last:.1f} s (safety.max_gripper_state_age_s "
               f"{self.max_age_s:g})")
        return (f"finger joint states on {self.topic}: {why}; the gripper's closedness is "
                "unknown, so no planned gripper command goes out until they arrive again (the "
                "arm is commanded as planned); check the gripper driver")

"""Whether the gripper's closedness is measured: this arm's hand, on its topic, recently.

The planner node reads finger joint states (``<prefix>finger_joint1/2``) from the arm's own
``joint_states`` topic, from ``robot.gripper_state_topic``, or, searching automatically, from
JointState topics named ``*gripper*``. A planned gripper command may only rest on a *measured*
closedness (:meth:`vjepa_ros.robot.command_session.CommandSession` refuses one from a guess: a
guessed open hand commanded "close by 0.25" opens a hand that holds an object). The closedness
counts as measured while all of these hold:

- **this arm's hand**: the fingers' name prefix is the arm's (``left_fr3_finger_joint1`` for
  ``left_fr3_joint1..7``) once the arm's prefix is known (``robot.joint_prefix``, or learned
  from the arm's joint states). A hand of another prefix is dropped with a warning;
- **on this arm's topic**: the automatic search takes fingers only from the arm's own joint
  state topic or from a ``*gripper*`` topic in the arm's namespace or one above it (for arm
  states on ``/robot1/joint_states``: ``/robot1/franka_gripper/joint_states`` or
  ``/franka_gripper/joint_states``, never ``/robot2/gripper/joint_states``, which is said once
  with the parameter to set). The arm's topic comes first, then the nearest namespace;
- **one candidate**: two topics at the same rank that bring this arm's fingers (two drivers,
  a bag played onto live topics), or two hands while the arm's prefix is not known, make the
  choice ambiguous: unmeasured, said once with the parameter that settles it. Two hands of other
  prefixes resolve themselves once the arm's prefix is learned; two topics with one prefix stay
  ambiguous until ``robot.gripper_state_topic`` is set (a restart);
- **fresh**: the last usable finger message on the chosen topic arrived at most ``max_age_s``
  ago (steady clock, arrival time: a finger topic that went silent, a dead gripper driver, keeps
  no closedness measured; header stamps are not trusted here, as gripper drivers often leave
  them zero);
- **usable**: the newest finger message on that topic could be read (a NaN or out-of-range
  finger position makes the closedness unknown until a good message comes).

While it is not measured the last measured value (else 0.0, open) is still the state's
closedness, the best guess the world model can be given, and states carry
``gripper_measured=False`` so that no planned gripper command rests on it. Lapses are logged at
most once per ``LAPSE_NOTE_INTERVAL_S`` (a flapping topic would otherwise flood the log), with
advice to raise ``safety.max_gripper_state_age_s`` when the gripper driver publishes more slowly.

ROS-free: the node passes topic names, readings and the steady clock in and logs what comes back.
"""

from __future__ import annotations

import dataclasses

DEFAULT_MAX_AGE_S = 1.0  # [s] Franka's gripper drivers publish finger states at 30-50 Hz
LAPSE_NOTE_INTERVAL_S = 30.0  # [s] at most one lapse line per this interval
ARM_TOPIC_RANK = -1  # fingers on the arm's own joint state topic come first


def _parts(topic: str) -> list[str]:
    return [part for part in topic.split("/") if part]


def topic_rank(topic: str, arm_topic: str) -> int | None:
    """Rank a finger topic for the automatic search: lower is nearer to the arm (None: never).

    ``topic``, ``arm_topic``: fully resolved ROS topic names. The arm's own topic ranks -1; a
    topic whose first ``*gripper*`` name part lies in the arm topic's namespace ranks 0, one
    namespace above 1, and so on; a topic with no ``*gripper*`` part, or whose namespace before
    that part is not the arm's or one above it (another robot's), is None.
    """
    if topic == arm_topic:
        return ARM_TOPIC_RANK
    parts, arm_space = _parts(topic), _parts(arm_topic)[:-1]
    index = next((i for i, part in enumerate(parts) if "gripper" in part.lower()), None)
    if index is None or parts[:index] != arm_space[:index]:
        return None
    return len(arm_space) - index


@dataclasses.dataclass
class _Source:
    """One (topic, prefix) that brought finger joint states; its automatic-search rank."""

    topic: str
    prefix: str
    rank: int | None


@dataclasses.dataclass
class FingerWatch:
    """The chosen finger topic, the hand it brings and how recently it did.

    ``configured_topic``: ``robot.gripper_state_topic`` ("" for the automatic search);
    ``max_age_s``: the age [s, steady clock] past which a closedness stops counting as measured
    (``safety.max_gripper_state_age_s``); ``arm_topic``: the resolved topic of the arm's joint
    states (its namespace decides which ``*gripper*`` topics may be this arm's).
    """

    configured_topic: str = ""
    max_age_s: float = DEFAULT_MAX_AGE_S
    arm_topic: str = "/joint_states"
    topic: str | None = None  # the topic finger states are read from; None: none chosen
    prefix: str | None = None  # the name prefix of the fingers read ("left_fr3_")
    arm_prefix: str | None = None  # the arm's name prefix once known
    closedness: float | None = None  # newest measured closedness in [0, 1]; None: never
    last: float | None = None  # [s] steady clock of the newest usable message; None: not usable
    conflict: str = ""  # why the choice is ambiguous, in words ("": it is not)
    sources: dict = dataclasses.field(default_factory=dict)  # (topic, prefix) → _Source
    ignored: set = dataclasses.field(default_factory=set)  # topics never taken (said once)
    _unusable: bool = False  # the newest finger message on the chosen topic was unusable
    _lapse_noted: bool = False  # the current lapse was logged
    _in_lapse: bool = False  # a lapse began and the fingers are not back yet
    _last_lapse_note: float | None = None  # [s] when a lapse line was last logged
    _lapses_unsaid: int = 0  # lapses since then not logged

    def __post_init__(self):
        self.topic = self.configured_topic or None

    # -- readings -------------------------------------------------------------------------------
    def listens_to(self, topic: str) -> bool:
        """Whether finger states on ``topic`` could ever count (False: stop listening to it)."""
        if self.configured_topic:
            return topic == self.configured_topic
        return topic not in self.ignored

    def offer(self, topic: str, prefix: str, closedness: float, now: float) -> str:
        """Take a usable finger reading from ``topic`` at ``now`` [s, steady clock].

        ``closedness`` in [0, 1]. Readings of another topic or hand than the chosen one only
        inform the choice. Returns a line to log ("" for none): a topic chosen or dropped, an
        ambiguity, a topic not taken, or the fingers being back after a logged lapse.
        """
        notes = [self._see(topic, prefix)]
        if (topic, prefix) == (self.topic, self.prefix) and not self.conflict:
            gap = None if self.last is None else now - self.last
            self.closedness, self.last, self._unusable = float(closedness), now, False
            notes.append(self._back(topic, gap))
        return "; ".join(note for note in notes if note)

    def unusable(self, topic: str) -> None:
        """Note that the newest finger message on ``topic`` was unusable.

        The closedness is unknown until a good one; a bad message on another topic changes
        nothing.
        """
        if topic == self.topic:
            self.last, self._unusable = None, True

    def check_arm(self, arm_prefix: str | None) -> str:
        """Learn the arm's name prefix (None: not known yet); drop a hand of another prefix.

        Returns a line to log ("" when nothing changed).
        """
        if arm_prefix is None or arm_prefix == self.arm_prefix:
            return ""
        self.arm_prefix = arm_prefix
        return self._choose()

    # -- the choice -----------------------------------------------------------------------------
    def _see(self, topic: str, prefix: str) -> str:
        """Record that ``topic`` brings ``prefix``'s fingers; choose again when it is new."""
        if (topic, prefix) in self.sources:
            return ""
        if self.configured_topic:
            if topic != self.configured_topic:
                return ""
            self.sources[(topic, prefix)] = _Source(topic, prefix, ARM_TOPIC_RANK)
            if self.arm_prefix not in (None, prefix):
                return (f"the finger joints on {topic} are another hand's ({prefix}finger_joint1"
                        f"/2; this arm is {self.arm_prefix}joint1..7): they do not count as "
                        "this gripper's state; set robot.gripper_state_topic to the topic of "
                        f"{self.arm_prefix}finger_joint1/2")
            return self._choose()
        rank = topic_rank(topic, self.arm_topic)
        self.sources[(topic, prefix)] = _Source(topic, prefix, rank)
        if rank is None:
            self.ignored.add(topic)
            return (f"finger joints {prefix}finger_joint1/2 on {topic} are not taken as this "
                    f"gripper's state: the topic is not in the namespace of this arm's joint "
                    f"states ({self.arm_topic}) or one above it, so it may be another robot's "
                    f"hand; if it is this arm's gripper, set robot.gripper_state_topic:={topic}")
        return self._choose()

    def _choose(self) -> str:
        """Choose the nearest (topic, prefix) of this arm's hand; ambiguous when two tie."""
        fitting = [source for source in self.sources.values() if source.rank is not None
                   and self.arm_prefix in (None, source.prefix)]
        best = min((source.rank for source in fitting), default=None)
        tied = sorted((s.topic, s.prefix) for s in fitting if s.rank == best)
        before = (self.topic, self.prefix)
        if len(tied) > 1:
            was = self.conflict
            self.topic, self.prefix, self.last = self.configured_topic or None, None, None
            self.conflict = self._conflict_words(tied)
            return self.conflict if self.conflict != was else ""
        self.conflict = ""
        topic, prefix = tied[0] if tied else (self.configured_topic or None, None)
        if (topic, prefix) == before:
            return ""
        self.topic, self.prefix, self.last, self._unusable = topic, prefix, None, False
        if prefix != before[1]:
            self.closedness = None  # another hand's closedness is no guess for this one
        notes = []
        if before[1] is not None and self.arm_prefix not in (None, before[1]):
            notes.append(f"the finger joints on {before[0]} are another hand's ({before[1]}"
                         f"finger_joint1/2; this arm is {self.arm_prefix}joint1..7): they no "
                         "longer count as this gripper's state")
        if prefix is not None:
            notes.append(f"gripper state from {topic} (found by its finger joints "
                         f"{prefix}finger_joint1/2)")
        elif notes:
            notes.append(f"set robot.gripper_state_topic to the topic of {self.arm_prefix}"
                         "finger_joint1/2" if self.configured_topic else
                         "searching again for this arm's hand")
        return "; ".join(notes)

    def _conflict_words(self, tied: list[tuple[str, str]]) -> str:
        prefixes = sorted({prefix for _, prefix in tied})
        where = ", ".join(f"{prefix}finger_joint1/2 on {topic}" for topic, prefix in tied)
        fix = ("set robot.joint_prefix to this arm's prefix (or robot.gripper_state_topic)"
               if len(prefixes) > 1 else
               "set robot.gripper_state_topic to the topic of this arm's gripper")
        return (f"which hand is this arm's is ambiguous ({where}): the gripper's closedness "
                f"counts as unknown and no planned gripper command goes out; {fix}")

    # -- what states carry ----------------------------------------------------------------------
    def measured(self, now: float) -> bool:
        """Return True when the closedness is measured at ``now`` [s, steady clock] (module)."""
        return (not self.conflict and self.last is not None
                and now - self.last <= self.max_age_s)

    def value(self) -> float:
        """Return the state's closedness: the newest measured one, 0.0 (open) before any."""
        return 0.0 if self.closedness is None else self.closedness

    def age(self, now: float) -> float | None:
        """Seconds since the newest usable finger message (None: none, or the newest unusable)."""
        return None if self.last is None else now - self.last

    def status(self, now: float) -> str:
        """Return the finger state's age [s] for diagnostics ("0.020"), or why there is none."""
        if self.conflict:
            return "ambiguous"
        if self.last is not None:
            return f"{now - self.last:.3f}"
        return "unusable" if self._unusable else "none yet"

    def why_unmeasured(self, now: float) -> str:
        """Why the closedness is not measured at ``now``, in words ("" when it is)."""
        if self.measured(now):
            return ""
        if self.conflict:
            return self.conflict
        if self._unusable:
            return f"the newest finger joint state on {self.topic} was unusable"
        if self.last is None:
            return "no finger joint state of this arm's hand has arrived"
        return (f"finger joint states on {self.topic} stopped {now - self.last:.1f} s ago "
                f"(safety.max_gripper_state_age_s {self.max_age_s:g})")

    # -- lapses ---------------------------------------------------------------------------------
    def lapse(self, now: float) -> str:
        """Say when a measured closedness stops being measured at ``now`` ("" otherwise).

        Call it as states are built. One line per lapse, at most one per
        ``LAPSE_NOTE_INTERVAL_S`` (the next says how many were not logged); it names the topic,
        why and the consequence. :meth:`offer` says when the fingers are back after a logged one.
        """
        if self.closedness is None or self._in_lapse or self.measured(now) or self.conflict:
            return ""
        self._in_lapse = True
        if (self._last_lapse_note is not None
                and now - self._last_lapse_note < LAPSE_NOTE_INTERVAL_S):
            self._lapses_unsaid += 1
            return ""
        unsaid = (f" ({self._lapses_unsaid} more lapses since the last such line)"
                  if self._lapses_unsaid else "")
        self._lapse_noted, self._last_lapse_note, self._lapses_unsaid = True, now, 0
        why = ("its newest message was unusable" if self._unusable else
               "none of this arm's hand yet" if self.last is None else
               f"no message for {now - self.last:.1f} s (safety.max_gripper_state_age_s "
               f"{self.max_age_s:g})")
        return (f"finger joint states on {self.topic}: {why}{unsaid}; the gripper's closedness "
                "is unknown, so no planned gripper command goes out until they arrive again "
                "(the arm is commanded as planned); check the gripper driver")

    def _back(self, topic: str, gap: float | None) -> str:
        """Say the fingers are back after a logged lapse, with the gap when it was silence."""
        was_noted, self._in_lapse, self._lapse_noted = self._lapse_noted, False, False
        if not was_noted:
            return ""
        slow = ""
        if gap is not None and gap > self.max_age_s:
            slow = (f" after {gap:.1f} s without one; if the gripper driver publishes this "
                    f"slowly, raise safety.max_gripper_state_age_s above {gap:.1f}")
        return (f"finger joint states on {topic} arrive again{slow}: the gripper's closedness "
                "is measured and planned gripper commands resume")

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
- **from this arm's gripper topic**: the automatic search ranks topics by namespace and the
  arm's prefix (:func:`vjepa_ros.robot.finger_topics.topic_rank`: its module says the rules);
  a ``*gripper*`` topic in another robot's namespace is not taken, said once with the
  parameter to set. The namespace is the one of the arm's state topic (``current_pose`` with
  ``robot.state_source: pose``);
- **one candidate**: two topics at the best rank that bring this arm's fingers (two drivers),
  two hands while the arm's prefix is not known, or two publishers on the chosen finger
  topic (a bag played onto the live topic: publisher ids, else the graph when the topic's
  publisher count changes, and twice a second) make the choice ambiguous: unmeasured, said
  once with what settles it. Two hands of other prefixes resolve themselves once the arm's
  prefix is learned, a second publisher once it stops; two
  topics with one prefix stay ambiguous until ``robot.gripper_state_topic`` is set (a restart);
- **fresh**: the last usable finger message on the chosen topic arrived at most ``max_age_s``
  ago (steady clock, arrival time: a finger topic that went silent, a dead gripper driver, keeps
  no closedness measured; header stamps are not trusted here, as gripper drivers often leave
  them zero);
- **usable**: the newest finger message on that topic could be read (a NaN or out-of-range
  finger position makes the closedness unknown until a good message comes);
- **settled**: no reading's closedness changed faster than a gripper moves since the previous
  reading within the last second (:mod:`vjepa_ros.robot.closedness_jumps`: a glitched reading
  of an open hand that holds an object would command it open). Jumped readings are not taken:
  the state keeps the last settled closedness until the readings agree again.

While it is not measured the last measured value (else 0.0, open) is still the state's
closedness, the best guess the world model can be given, and states carry
``gripper_measured=False`` so that no planned gripper command rests on it. Lapses are logged at
most once per ``LAPSE_NOTE_INTERVAL_S`` (a flapping topic would otherwise flood the log), with
advice to raise ``safety.max_gripper_state_age_s`` when the gripper driver publishes more slowly.

Every change of the hand chosen (or its becoming ambiguous) bumps :attr:`FingerWatch.generation`:
the node then tells the planning session, so that no plan computed from the old hand's closedness
commands the gripper (``MPCSession.hand_changed``).

ROS-free: the node passes topic names, readings and the steady clock in and logs what comes back.
The rules live by job: the choice of topic and hand (``finger_choice``), publishers on the chosen
topic (``finger_crowds``), lapses and returns (``finger_lapses``); this file holds the state, the
readings and what states carry.
"""

from __future__ import annotations

import dataclasses

from vjepa_ros.robot.closedness_jumps import ClosednessJumps
from vjepa_ros.robot.finger_choice import FingerChoice
from vjepa_ros.robot.finger_crowds import FingerCrowds
from vjepa_ros.robot.finger_lapses import FingerLapses
from vjepa_ros.robot.finger_topics import MERGED_RANK, topic_rank  # noqa: F401 - here too
from vjepa_ros.robot.publisher_window import PublisherWindow
from vjepa_ros.robot.said_sparingly import SaidSparingly
from vjepa_ros.start_forms import RESTART

DEFAULT_MAX_AGE_S = 1.0  # [s] Franka's gripper drivers publish finger states at 30-50 Hz
# the notes that are good news (logged as info; the others warn): note_level
GOOD_HAND_NEWS = ("gripper state from", "arrive again", "come from one publisher again")


def note_level(note: str) -> str:
    """Return the log level of a :class:`FingerWatch` note ("info" or "warning").

    Good news (a hand found, fingers back) is info; the rest, and any note asking to set a
    parameter (a restart with it: ``start_forms.RESTART``), warns.
    """
    good = any(news in note for news in GOOD_HAND_NEWS) and RESTART not in note
    return "info" if good else "warning"


@dataclasses.dataclass
class FingerWatch(FingerChoice, FingerCrowds, FingerLapses):
    """The chosen finger topic, the hand it brings and how recently it did.

    ``configured_topic``: ``robot.gripper_state_topic`` ("" for the automatic search);
    ``max_age_s``: the age [s, steady clock] past which a closedness stops counting as measured
    (``safety.max_gripper_state_age_s``); ``arm_topic``: the resolved topic of the arm's joint
    states (its namespace decides which ``*gripper*`` topics may be this arm's);
    ``learn_arm_prefix``: whether :meth:`check_arm` learns the arm's prefix from its joint
    states (False in pose mode without ``robot.joint_prefix``: ``joint_states`` may carry another
    arm there, and a wrong prefix would drop this arm's hand).
    """

    configured_topic: str = ""
    max_age_s: float = DEFAULT_MAX_AGE_S
    learn_arm_prefix: bool = True
    arm_topic: str = "/joint_states"
    anchor_topic: str = ""  # the arm's state topic when not arm_topic (current_pose)
    topic: str | None = None  # the topic finger states are read from; None: none chosen
    prefix: str | None = None  # the name prefix of the fingers read ("left_fr3_")
    arm_prefix: str | None = None  # the arm's name prefix once known
    closedness: float | None = None  # newest measured closedness in [0, 1]; None: never
    width: float | None = None  # [m] between the fingers of that reading, raw (not clipped)
    last: float | None = None  # [s] steady clock of the newest usable message; None: not usable
    conflict: str = ""  # why the choice is ambiguous, in words ("": it is not)
    sources: dict = dataclasses.field(default_factory=dict)  # (topic, prefix) → FingerSource
    noted: set = dataclasses.field(default_factory=set)  # topics said to be not taken
    crowd_graph: str = ""  # several nodes publish on the chosen topic (the graph), in words
    crowd_sent: str = ""  # messages of the chosen hand came from several publishers, in words
    generation: int = 0  # bumped whenever the hand chosen changes or becomes ambiguous
    _unusable: bool = False  # the newest finger message on the chosen topic was unusable
    _lapses: SaidSparingly = dataclasses.field(default_factory=SaidSparingly)
    _in_lapse: bool = False  # a lapse began and the fingers are not back yet
    _senders: PublisherWindow | None = None  # the chosen hand's recent publishers
    _crowds: SaidSparingly = dataclasses.field(default_factory=SaidSparingly)
    _jumps: ClosednessJumps = dataclasses.field(default_factory=ClosednessJumps)
    _jumps_generation: int = 0  # the hand whose readings _jumps judges (generation)

    @property
    def hand(self) -> str | None:
        """The hand chosen, in words: "<topic> (<prefix>finger_joint1/2)".

        None while none is chosen, its prefix is not known yet, or the choice is ambiguous.
        """
        if self.conflict or self.topic is None or self.prefix is None:
            return None
        return f"{self.topic} ({self.prefix}finger_joint1/2)"

    @property
    def crowd(self) -> str:
        """Why the chosen topic's messages cannot be trusted to be one hand's ("": they can)."""
        return self.crowd_sent or self.crowd_graph

    def __post_init__(self):
        self.topic = self.configured_topic or None
        self._senders = PublisherWindow(self.max_age_s)

    # -- readings -------------------------------------------------------------------------------
    def listens_to(self, topic: str) -> bool:
        """Whether finger states on ``topic`` may count (with a configured topic: it alone)."""
        return not self.configured_topic or topic == self.configured_topic

    def offer(self, topic: str, prefix: str, closedness: float, now: float,
              sender: object = None, sent: float | None = None,
              stamp: float | None = None, width: float | None = None) -> str:
        """Take a usable finger reading from ``topic`` at ``now`` [s, steady clock].

        ``closedness`` in [0, 1]; ``width`` [m]: the fingers' width it was read from, raw (a
        hand homed wider than ``robot.gripper_max_width`` reads closedness 0: the width says by
        how much; None: not given); ``sender``: the publisher's id when the middleware gives it
        (rclpy's ``MessageInfo['publisher_gid']`` where given), None otherwise; ``sent``
        [s]: when it was published (``MessageInfo['source_timestamp']``), ``stamp`` [s]: its
        header stamp, each None if unknown: the jump rule's gap is the smallest positive one of
        the arrival, publish and stamp gaps (``closedness_jumps``). Readings
        of another topic or hand than the chosen one only inform the choice; a reading of the
        chosen hand from a second publisher within ``max_age_s`` makes it ambiguous at once (a
        bag played onto the live topic), before its value counts. A reading of the chosen hand
        whose closedness jumped (:mod:`vjepa_ros.robot.closedness_jumps`) is not taken, nor
        those after it until they agree for a second. Returns a line to log ("" for none): a
        topic chosen or dropped, an ambiguity, a topic not taken, or the fingers being back (or
        settled) after a logged lapse.
        """
        notes = [self._see(topic, prefix)]
        if (topic, prefix) == (self.topic, self.prefix) and sender is not None:
            notes.append(self._sent_by(topic, sender, now))
        if (topic, prefix) == (self.topic, self.prefix) and not self.conflict and not self.crowd:
            if self._jumps_generation != self.generation:  # another hand: judged afresh
                self._jumps_generation = self.generation
                self._jumps.reset()
            jumped = bool(self._jumps.jump)
            if not self._jumps.take(closedness, now, self.closedness, sent, stamp):
                return "; ".join(note for note in notes if note)
            gap = None if self.last is None else now - self.last
            self.closedness, self.last, self._unusable = float(closedness), now, False
            self.width = None if width is None else float(width)
            notes.append(self._back(topic, gap, jumped))
        return "; ".join(note for note in notes if note)

    def unusable(self, topic: str) -> None:
        """Note that the newest finger message on ``topic`` was unusable.

        The closedness is unknown until a good one; a bad message on another topic changes
        nothing.
        """
        if topic == self.topic:
            self.last, self._unusable = None, True
        elif self.listens_to(topic) and not any(key[0] == topic for key in self.sources):
            self._see(topic, None)  # a topic of unusable fingers still ranks (its hand is there)

    def check_arm(self, arm_prefix: str | None) -> str:
        """Learn the arm's name prefix (None: not known yet); drop a hand of another prefix.

        Returns a line to log ("" when nothing changed).
        """
        if arm_prefix is None or arm_prefix == self.arm_prefix or not self.learn_arm_prefix:
            return ""
        self.arm_prefix = arm_prefix
        return self._choose()

    # -- what states carry ----------------------------------------------------------------------
    def measured(self, now: float) -> bool:
        """Return True when the closedness is measured at ``now`` [s, steady clock] (module)."""
        return (not self.conflict and not self.crowd and self.last is not None
                and now - self.last <= self.max_age_s and not self._jumps.jump)

    def measured_width(self, now: float) -> float | None:
        """Return the fingers' raw width [m] when measured at ``now`` [s] (:meth:`measured`)."""
        return self.width if self.measured(now) else None

    def value(self) -> float:
        """Return the state's closedness: the newest measured one, 0.0 (open) before any."""
        return 0.0 if self.closedness is None else self.closedness

    def age(self, now: float) -> float | None:
        """Seconds since the newest usable finger message (None: none, or the newest unusable)."""
        return None if self.last is None else now - self.last

    def status(self, now: float) -> str:
        """Return the finger state's age [s] for diagnostics ("0.020"), or why there is none."""
        if self.conflict or self.crowd:
            return "ambiguous"
        if self._jumps.jump:
            return "jumped"
        age = self.age(now)
        if age is not None:
            return f"{age:.3f}"
        return "unusable" if self._unusable else "none yet"

    def recording_ended(self) -> None:
        """Forget the closedness a bag player sent (it stopped): no measurement of this hand.

        Unmeasured until this hand's next usable message; no lapse line (the node says why).
        """
        self.last, self._in_lapse = None, True
        self._jumps.reset()

    def forget_topic(self, topic: str) -> str:
        """Forget that ``topic`` brought finger states (its bag player stopped): choose again.

        A player's ``/franka_gripper/joint_states`` ranks above fingers merged into the arm's
        joint states; kept, it stayed the chosen hand after the player stopped, and the live
        hand was never measured again (breaker29d). A live publisher on ``topic`` is seen
        again on its next message. The configured topic stays. Returns a line to log ("").
        """
        gone = [key for key in self.sources if key[0] == topic]
        if self.configured_topic or not gone:
            return ""
        for key in gone:
            del self.sources[key]
        self.noted.discard(topic)
        return self._choose()

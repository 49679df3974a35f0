"""Whether the planner's camera and robot-state topics bring messages, and where they might be.

A node listening on a topic nobody publishes (a wrong ``--camera-topic``) would otherwise sit in
shadow mode looking healthy. :class:`InputWatch` notes the arrivals of one subscription (steady
clock) and, once it has been silent :data:`SILENT_S` seconds, returns one line naming the topic
and, from the ROS graph, a published topic of the same type that was probably meant. ROS-free:
the node passes the graph in (``graph_publishers.published_topics`` reads it from rclpy).
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Sequence

from vjepa_ros.name_lists import first_names

SILENT_S = 5.0  # [s] no message this long after the start, or since the last one: a warning
SIMILAR = 0.6  # difflib ratio from which a topic name counts as similar to the one listened on


@dataclasses.dataclass
class InputWatch:
    """One input subscription: what it brings, where, and when its last message came.

    ``what``: the message in words ("camera image"); ``topic``: the resolved name listened on;
    ``msg_type``: its ROS type ("sensor_msgs/msg/Image"); ``setting``: how to change the topic,
    with ``{topic}`` for the suggested one; ``started``: steady-clock seconds at subscription.
    """

    what: str
    topic: str
    msg_type: str
    setting: str
    started: float
    last: float | None = None  # [s] steady clock of the newest message; None before the first
    unlikely: str = ""  # topics whose name holds this come last ("gripper": finger-only states)
    namespace: str = "/"  # the node's: a topic outside it may be another robot's, never the fix
    # what a message must carry to count as arrived, in words ("this arm's joints
    # (panda_joint1..7 ...)"), and how to make the node read what it carries instead
    expected: str = ""
    expected_setting: str = ""
    other_last: float | None = None  # [s] steady clock of the newest message without it
    other_names: Sequence = ()  # what that message carried (its joint names, as given)
    others: Sequence[str] = ()  # topics the node reads as other inputs (its goal images): never
    # offered as this one's
    # the input's other type and how to listen to a topic of it ({topic}): a camera's other
    # image_transport (CompressedImage for raw, Image for compressed: camera_watch), named when
    # no topic of this type can be the input ("": none)
    other_type: str = ""
    other_setting: str = ""

    @property
    def types(self) -> set[str]:
        """The message types whose published topics :meth:`hint` reads (this one's, the other)."""
        return {self.msg_type, self.other_type} - {""}

    def arrived(self, now: float) -> None:
        self.last = now

    def other(self, now: float, names) -> None:
        """Note a message on the topic that lacks :attr:`expected` (gripper-only joint states).

        ``names``: what it carried (its joint names: a sequence not changed afterwards, a tuple
        such as ``joint_states.joint_names``), said in the silence line; kept as given, read
        only then (joint states come up to 1 kHz, a silence line at most every few seconds).
        """
        self.other_last, self.other_names = now, names

    def others_arrive(self, now: float) -> bool:
        """Whether messages without :attr:`expected` came within :data:`SILENT_S` of ``now``."""
        return self.other_last is not None and now - self.other_last < SILENT_S

    def silence(self, now: float) -> str:
        """Why this input is missing at ``now`` [s, steady clock] ("" while it arrives).

        Messages that arrive without :attr:`expected` (:meth:`other`) are said as such, with
        the names they carry: the topic is right, its content is not this input.
        """
        if self.last is None:
            waited = now - self.started
            if waited < SILENT_S:
                return ""
            if self.others_arrive(now):
                return (f"{self.what} messages arrive on {self.topic} but none in {waited:.0f} s "
                        f"carries {self.expected} (received: {self._received()})")
            return f"no {self.what} on {self.topic} in {waited:.0f} s"
        if now - self.last < SILENT_S:
            return ""
        if self.others_arrive(now):
            return (f"no {self.what} with {self.expected} on {self.topic} for "
                    f"{now - self.last:.0f} s; its messages carry only {self._received()}")
        return f"no {self.what} on {self.topic} for {now - self.last:.0f} s (the stream stopped)"

    def _received(self) -> str:
        return first_names(self.other_names, 4, " (and {count} more)") or "no names"

    def others_hint(self, published: dict[str, list[str]]) -> str:
        """Return what to do when messages arrive without :attr:`expected`.

        The setting that names what they carry (:attr:`expected_setting`), then a published
        topic of this type that may bring it (:meth:`hint`'s wording, never the listened topic
        or an ``unlikely`` one), else :attr:`setting` for another topic.
        """
        candidates = self._candidates(published, has_publisher=True)
        elsewhere = (self._where(candidates) if candidates else
                     f"if they come on another topic, {self.setting.format(topic='<topic>')}")
        return "; ".join(part for part in (self.expected_setting, elsewhere) if part)

    def hint(self, published: dict[str, list[str]]) -> str:
        """Where the input might be: ``published`` maps topics with a publisher to their types.

        The most similar name of a topic of this type ("is the camera image on /a/b? set ...");
        else every topic of this type; "" when there is none, or the stream stopped (then the
        topic was right). Topics named ``unlikely`` come last (a gripper's finger-only joint
        states are no arm state topic). When the listened topic itself has a publisher of this
        type (a bag player that finished), ``unlikely`` topics are never named, and without
        another topic the hint says that its publisher sends nothing. A :meth:`foreign` topic
        (``/arm2/...`` for a planner in ``/arm1``) comes after the others and is offered only
        as possibly another robot's, never as the plain fix.
        """
        if self.last is not None:
            return ""
        has_publisher = self.msg_type in published.get(self.topic, ())
        candidates = self._candidates(published, has_publisher)
        if not candidates:
            return (f"{self.topic} has a publisher that sends nothing (not started yet, "
                    "finished, or a QoS it does not offer)") if has_publisher else \
                self._other_type_hint(published)
        return self._where(candidates)

    def _other_type_hint(self, published: dict[str, list[str]]) -> str:
        """Name the published topics of :attr:`other_type` ("" none): the input may be there.

        A camera or bag publishing only ``CompressedImage`` while the node listens raw (or the
        reverse): no topic of this type can be the input, but one of the other is, with the
        setting that listens to it (breaker59i #5).
        """
        if not self.other_type:
            return ""
        found = sorted((t for t, types in published.items() if self.other_type in types
                        and t not in self.others), key=lambda t: (self.foreign(t), t))
        if not found:
            return ""
        best = max(found, key=lambda t: similarity(self.topic, t))
        kind, other = (name.rsplit("/", 1)[-1] for name in (self.msg_type, self.other_type))
        return (f"no {kind} topic has a publisher, but {other} on "
                f"{first_names(found, 3)}: is the {self.what} there? "
                f"{self.other_setting.format(topic=best)}")

    def none_yet_hint(self, published: dict[str, list[str]]) -> str:
        """Where this input may be, for a refusal before any message came ("" once one came).

        Asked at once, not after :data:`SILENT_S` (a ``~/capture_goal`` right after the start):
        :meth:`hint`'s words (the likely topic, or every topic of this type with a publisher,
        or the listened topic's publisher that sends nothing), else that no topic of this type
        with a publisher can be it (none, or only :attr:`others`: the node's goal images).
        """
        if self.last is not None:
            return ""
        return self.hint(published) or (
            f"no {self.msg_type} topic with a publisher in the ROS graph can be the {self.what} "
            f"(is its driver running? if it publishes elsewhere, "
            f"{self.setting.format(topic='<topic>')})")

    def _candidates(self, published: dict[str, list[str]], has_publisher: bool) -> list[str]:
        """Return the other published topics of this type, ``unlikely`` ones last.

        Those are left out when the listened topic has a publisher.
        """
        return sorted((t for t, types in published.items()
                       if self.msg_type in types and t != self.topic and t not in self.others
                       and not (has_publisher and self._unlikely(t))),
                      key=lambda t: (self._unlikely(t), t))

    def _where(self, candidates: list[str]) -> str:
        """:meth:`hint` for non-empty ``candidates``: the likely one, else them all."""
        own = [t for t in candidates if not self.foreign(t)]
        for group in (own, [t for t in candidates if t not in own]):
            likely = [t for t in group if not self._unlikely(t)] or group
            best = max(likely, key=lambda t: similarity(self.topic, t), default="")
            if best and similarity(self.topic, best) >= SIMILAR:
                if group is own:
                    return f"is the {self.what} on {best}? {self.setting.format(topic=best)}"
                return (f"{best} is outside this robot's namespace "
                        f"{self.robot_namespace([best])}: "
                        f"it may be another robot's {self.what}; if it is this robot's, "
                        f"{self.setting.format(topic=best)}")
        kind = self.msg_type.rsplit("/", 1)[-1]
        others = [t for t in candidates if t not in own]
        shown, elsewhere = first_names(own, 3), first_names(others, 3)
        listed = "; ".join(part for part in (
            f"{kind} topics with a publisher: {shown}" if own else "",
            f"{kind} topics outside this robot's namespace {self.robot_namespace(others)} "
            f"(maybe another robot's): {elsewhere}" if others else "") if part)
        return f"{listed}; {self.setting.format(topic='<topic>')}"

    def robot_namespace(self, foreign: list[str]) -> str:
        """Return this robot's namespace in words, which every topic of ``foreign`` is outside.

        The node's when the listened topic is in it or a topic is in a sibling of it; else the
        listened topic's parts up to the one the topics of ``foreign`` replace (the deepest:
        ``/lab/arm1`` for ``/lab/arm2/...``).
        """
        namespace = self.namespace.strip("/")
        replaced = [self._replaced_part(t) for t in foreign]
        if namespace and (self.topic.startswith(f"/{namespace}/") or None in replaced):
            return f"/{namespace}"
        deepest = max((i for i in replaced if i is not None), default=0)
        return "/" + "/".join(_parts(self.topic)[:deepest + 1])

    def foreign(self, topic: str) -> bool:
        """Whether ``topic`` may be another robot's (never offered as the plain fix).

        Listening inside the node's :attr:`namespace`: every topic outside it. Else (no
        namespace: ``vjepa-ros launch --camera-topic /arm1/...``, which has no namespace option;
        or a topic outside it, as the launch file's default camera topic): a topic in a
        namespace numbered as a sibling of the node's (``/arm2/...`` for ``/arm1``), or one
        that looks like the listened one under another robot's namespace
        (:meth:`_replaced_part`); never a topic beside the listened one.
        """
        namespace = self.namespace.strip("/")
        if namespace:
            inside = topic.startswith(f"/{namespace}/")
            if self.topic.startswith(f"/{namespace}/") or inside:
                return not inside
            mine, theirs = namespace.split("/"), _parts(topic)
            if len(theirs) > len(mine) and all(
                    a == b or _numbered_alike(a, b) for a, b in zip(mine, theirs[:len(mine)],
                                                                   strict=True)):
                return True
        return self._replaced_part(topic) is not None

    def _replaced_part(self, topic: str) -> int | None:
        """Index of the listened topic's part that ``topic`` puts another namespace in, or None.

        ``topic`` leaves the listened one's path at a part that more parts follow in both, and
        either the path after it is the listened one's (more parts between allowed, the last
        name alike: ``/arm2/franka/joint_states``, ``/arm2/camera/color/image_rect_raw`` for
        ``/arm1/joint_states``, ``/arm1/camera/color/image_raw``) or the two parts differ in
        their number only (``arm1``, ``arm2``). None for a topic beside the listened one
        (``/camera/camera/color/image_rect_raw``), one with a part put in or left out
        (``/camera/camera/color/image_raw`` for ``/camera/color/image_raw``) or elsewhere
        (``/wrist/color/image_raw`` for ``/camera/camera/color/image_raw``).
        """
        mine, theirs = _parts(self.topic), _parts(topic)
        shared = min(len(mine), len(theirs))
        index = next((i for i, (a, b) in enumerate(zip(mine[:shared], theirs[:shared],
                                                       strict=True)) if a != b), None)
        if index is None or index + 1 >= shared:
            return None
        my_rest, their_rest = mine[index + 1:], theirs[index + 1:]
        if mine[index] in their_rest or theirs[index] in my_rest:
            return None  # a part put in or left out (/camera/camera/color/...), no namespace
        same_path = (_in_order(my_rest[:-1], their_rest[:-1])
                     and similarity(my_rest[-1], their_rest[-1]) >= SIMILAR)
        return index if same_path or _numbered_alike(mine[index], theirs[index]) else None

    def _unlikely(self, topic: str) -> bool:
        return bool(self.unlikely) and self.unlikely in topic.lower()

    def silent(self, now: float, published: dict[str, list[str]]) -> InputProblem | None:
        """:meth:`silence` and :meth:`hint` at ``now`` (None while the input arrives)."""
        silence = self.silence(now)
        if not silence:
            return None
        if self.others_arrive(now):
            return InputProblem(self.topic, silence, self.others_hint(published), arriving=True)
        return InputProblem(self.topic, silence, self.hint(published))

    def problem(self, now: float, published: dict[str, list[str]]) -> str:
        """:meth:`silent` on one line ("" while the input arrives)."""
        return str(self.silent(now, published) or "")


@dataclasses.dataclass(frozen=True)
class InputProblem:
    """One silent input: the ``topic`` listened on, its ``silence`` and ``hint`` in words.

    ``str()`` is the line diagnostics and the log show: "<silence>: <hint>", or the silence
    alone without a hint. ``arriving``: messages come on the topic but lack what the input
    needs (gripper-only joint states), so a refusal's "none received yet" needs :attr:`note`.
    """

    topic: str
    silence: str
    hint: str = ""
    arriving: bool = False

    def __str__(self) -> str:
        return f"{self.silence}: {self.hint}" if self.hint else self.silence

    @property
    def note(self) -> str:
        """Return what a refusal (``~/enable``, ``~/capture_goal``) adds ("" for nothing).

        The whole line where messages arrive without what is needed, else the hint.
        """
        return str(self) if self.arriving else self.hint


class InputWatches:
    """The node's input watches; :meth:`problems` logs each silence once, when it starts."""

    def __init__(self, *watches: InputWatch):
        self.watches = watches
        # the inputs whose silence was logged (until they come) → whether messages arrived then
        self.logged: dict[str, bool] = {}

    def problems(self, now: float, graph, log) -> list[InputProblem]:
        """Return one :class:`InputProblem` per silent input at ``now`` [s, steady clock].

        ``graph(msg_types)``: the published topics (``graph_publishers.published_topics``),
        asked only when an input is silent; ``log(line)``: called with each problem's line
        when its silence starts, and again when it turns from none to messages without what
        is needed (:attr:`InputProblem.arriving`) or back.
        """
        silent = [w for w in self.watches if w.silence(now)]
        published = graph(set().union(*(w.types for w in silent))) if silent else {}
        found = []
        for watch in self.watches:
            problem = watch.silent(now, published) if watch in silent else None
            if problem is None:
                self.logged.pop(watch.what, None)
                continue
            if self.logged.get(watch.what) is not problem.arriving:
                self.logged[watch.what] = problem.arriving
                log(str(problem))
            found.append(problem)
        return found


def _parts(topic: str) -> list[str]:
    return topic.strip("/").split("/")


def _numbered_alike(a: str, b: str) -> bool:
    """Whether names ``a`` and ``b`` differ in their trailing number only (arm1, arm_2)."""
    return a.rstrip("0123456789_") == b.rstrip("0123456789_")


def _in_order(wanted: list[str], parts: list[str]) -> bool:
    """Whether ``wanted`` are among ``parts`` in that order (others between allowed)."""
    rest = iter(parts)
    return all(part in rest for part in wanted)


def similarity(a: str, b: str) -> float:
    """How alike two topic names are, 0..1 (1 when their last parts are the same name)."""
    if a.rsplit("/", 1)[-1] == b.rsplit("/", 1)[-1]:
        return 1.0
    return difflib.SequenceMatcher(None, a, b).ratio()


def silent_inputs_message(inputs: list[InputProblem], blocking) -> str:
    """Return the diagnostics message with silent ``inputs``: them, then the other reasons.

    ``blocking``: the session's reasons (``MPCSession.blocking_problems``, ``Blocker``s); one
    whose ``missing_topic`` is the topic of a silent input is left out (the input's line says
    more). "" without silent inputs.
    """
    if not inputs:
        return ""
    silent = {problem.topic for problem in inputs}
    rest = [b.detail for b in blocking if not (b.missing_topic and b.missing_topic in silent)]
    return "; ".join([str(problem) for problem in inputs] + rest)


# the camera's two image_transport types and how to listen to the other (camera_watch)
CAMERA_TYPES = {"raw": "sensor_msgs/msg/Image", "compressed": "sensor_msgs/msg/CompressedImage"}
CAMERA_SETTING = "set it: vjepa-ros launch --camera-topic {topic} (ros2 run: -r image:={topic})"
TRANSPORT_SETTING = ("listen to it {transport}: vjepa-ros launch --image-transport {transport} "
                     "--camera-topic {{topic}} (ros2 run: -p image_transport:={transport} -r "
                     "image:={{topic}})")


def camera_watch(topic: str, transport: str, now: float, namespace: str,
                 others: Sequence[str]) -> InputWatch:
    """Return the planner's camera :class:`InputWatch` for its ``image_transport``.

    ``topic``: the resolved camera topic; ``transport``: raw or compressed (the node's
    ``image_transport``); ``now``: steady-clock seconds at subscription;
    ``others``: the goal image topics, never offered as the camera. The other transport's type
    is watched too: a camera publishing only that is named with the setting that listens to it.
    """
    other = "compressed" if transport == "raw" else "raw"
    return InputWatch("camera image", topic, CAMERA_TYPES[transport], CAMERA_SETTING, now,
                      namespace=namespace, others=others, other_type=CAMERA_TYPES[other],
                      other_setting=TRANSPORT_SETTING.format(transport=other))

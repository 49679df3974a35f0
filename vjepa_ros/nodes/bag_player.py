"""Play a rosbag2 bag into ROS with its original timing and ``/clock`` (no rosbag2 install needed).

    ros2 run vjepa_ros bag_player --ros-args -p bag:=run1 -p rate:=1.0
    ros2 run vjepa_ros planner_node --ros-args -p use_sim_time:=true ...

On a full ROS install ``ros2 bag play run1 --clock`` does the same. Timing and reading live in
:mod:`vjepa_ros.eval.playback`; this node only creates publishers and sends the recorded bytes.
The node exits when the bag ends (unless ``loop``: each pass then lasts
:data:`MIN_LOOP_PASS_S` of wall time at least, so a bag of one instant does not loop busily);
Ctrl-C or SIGTERM stops it with one line ``bag_player: interrupted; N messages published before
the stop`` (``node_runner.run_node``). A
damaged bag (a recorder killed mid-write) is played as far as it is intact: the reader's notes are
logged as warnings at the start and the exit status is 1 when messages were lost, so a script
notices; a bag only missing its ``metadata.yaml`` plays with a warning and exit status 0. With
``clock`` (the default) the player's ``/clock`` is the recorder's receive times: a ``/clock``
the bag recorded (a simulator's) is not replayed beside it (``/clock`` would jump back and
forth), with a warning; ``clock:=false`` replays the recorded one.
With ``topics`` empty, a bag's recorded commands are not replayed
(``recordings.replayed_commands``: the planner's ``target_pose``, ``gripper_command``... and
other controllers' command topics, a live run's ``ros2 bag record -a`` holds them): a controller
beside the replay would follow them.
One warning names them and the ``topics`` value that plays them anyway. A bag left with nothing
to play is refused naming each topic it holds and why it is not played. A bag whose
``metadata.yaml`` records a hand opening other than the planner's default 0.08 m for a finger
topic it plays is warned about, with the planner's ``-p robot.gripper_max_width:=...``
(``recordings.played_hand``; ``vjepa-ros launch`` refuses a planner at another opening).
Besides the ``clock_hz`` ticks, ``/clock`` gets a message's time just before it when that is
more than ``eval.playback.CLOCK_MARGIN_S`` (10 ms of bag time) ahead of the last ``/clock``: a
node on ``use_sim_time`` never receives a message more than 10 ms ahead of its clock (the
planner allows 0.25 s both ways by default), and a 1 kHz bag is not doubled by 1000 ``/clock``
a second.
``~/vjepa_ros_bag_player`` (std_srvs/Trigger) marks the node as a bag player whatever its name
(``-r __node:=...``): a planner node does not command from what it publishes
(``robot.recorded_inputs``).
"""

from __future__ import annotations

import importlib
import threading
import time

from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from rosgraph_msgs.msg import Clock
from std_srvs.srv import Trigger

from vjepa_ros.eval.playback import (
    BagMessage,
    MissingTopicsError,
    PlaybackConfig,
    bag_contents,
    iter_bag,
    play,
)
from vjepa_ros.nodes.node_cleanup import destroy_after
from vjepa_ros.nodes.params import declare_config
from vjepa_ros.nodes.refused_start import start_or_destroy
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.played_hand import player_hand_line
from vjepa_ros.recordings.replayed_commands import left_out_warning, recorded_commands
from vjepa_ros.recordings.temp_copies import TempCopies
from vjepa_ros.robot.recorded_inputs import BAG_PLAYER_SERVICE
from vjepa_ros.start_forms import start_forms

# how to replay a bag's own /clock, in both ways of starting the player (launch: bag_player.NAME)
CLOCK_FALSE = start_forms("bag_player", "clock", "false")

CLOCK = "/clock"
# With loop: the shortest pass [s] of wall time; a shorter bag waits the rest before the next
MIN_LOOP_PASS_S = 1.0


def message_class(msgtype: str):
    """Import the rclpy class of ``pkg/msg/Name``; ImportError when the package is missing."""
    package, kind, name = msgtype.split("/")
    module = importlib.import_module(f"{package}.{kind}")
    return getattr(module, name)


class BagPlayer(Node):
    ROS_NAME = "bag_player"  # the one prefix of its start-up errors (main)

    def __init__(self, held: bool = False, **kwargs):
        """Make the player; it plays ``start_delay_s`` after this, or after :meth:`release`.

        ``held``: wait for :meth:`release` first (``vjepa-ros launch`` releases it once every
        node it starts is made, so that a planner loading its model hears the whole bag);
        ``kwargs``: rclpy ``Node``'s. Raises ValueError / BagError for bad parameters or bag.
        """
        super().__init__(self.ROS_NAME, **kwargs)
        start_or_destroy(self, self._start, held)  # refused: its copies removed too

    def _start(self, held: bool) -> None:
        """Check the parameters and the bag, make the publishers, start the playing thread."""
        self.config = declare_config(self, PlaybackConfig()).check()
        if self.config.clock and CLOCK in self.config.topic_list():
            raise ValueError(f"parameter 'topics' names {CLOCK} while clock true publishes the "
                             f"player's own {CLOCK}: start it with clock false to replay the "
                             f"recorded one ({CLOCK_FALSE})")
        # one set of temporary copies for the node's life: a .db3 with a pending write-ahead
        # log is merged once, not at every opening and every loop (recordings.temp_copies)
        self.copies = TempCopies()
        try:
            contents = bag_contents(self.config.bag, self.config.topic_list(), self.copies)
        except MissingTopicsError as exc:  # the value to fix is topics, not bag
            raise BagError(f"parameter 'topics' names {', '.join(exc.missing)}, which {exc.path} "
                           f"does not hold (its topics: {', '.join(exc.found) or 'none'})"
                           ) from None
        topics, self.notes, self.lost = dict(contents.topics), contents.notes, contents.lost
        for note in self.notes:
            self.get_logger().warning(f"note: {note}")
        not_played = {}  # topic -> why it is not played, for the line of a bag left with none
        warnings = []  # said once something plays (else the refusal's one line says it all)
        if self.config.clock and topics.pop(CLOCK, None):  # two clocks: /clock jumps back
            not_played[CLOCK] = (f"this player publishes {CLOCK} itself; start it with clock "
                                 f"false to replay the recorded one: {CLOCK_FALSE}")
            warnings.append(
                f"note: the bag's recorded {CLOCK} is not replayed: this player publishes "
                f"{CLOCK} itself, the times the recorder received the messages at (its system "
                f"clock, x{self.config.rate:g}); start it with clock false ({CLOCK_FALSE}) to "
                "replay the recorded one "
                "instead (a simulator's time, which its header stamps may follow)")
        if not self.config.topic_list():  # every topic: a live run's commands left out
            commands = recorded_commands({t: info.msgtype for t, info in topics.items()})
            for topic in commands:
                del topics[topic]
                not_played[topic] = f"{commands[topic]}: name it in parameter 'topics' to play it"
            if commands:
                warnings.append(left_out_warning(commands, list(topics)))
        self.publishers_by_topic, self.message_classes = {}, {}
        for topic, info in topics.items():
            try:
                cls = message_class(info.msgtype)
            except (ImportError, AttributeError, ValueError):
                not_played[topic] = f"message type {info.msgtype} is not installed"
                warnings.append(f"skipping {topic}: {not_played[topic]}")
                continue
            qos = QoSProfile(
                depth=10, reliability=ReliabilityPolicy.RELIABLE,
                durability=DurabilityPolicy.TRANSIENT_LOCAL if info.latched
                else DurabilityPolicy.VOLATILE,
            )
            self.publishers_by_topic[topic] = self.create_publisher(cls, topic, qos)
            self.message_classes[topic] = cls
        if not self.publishers_by_topic:
            held = "; ".join(f"{topic} ({why})" for topic, why in not_played.items())
            raise BagError(f"{self.config.bag}: nothing to play: "
                           + (f"it holds {held}" if held else "it holds no topic"))
        hand = player_hand_line(self.config.bag, {t: info.msgtype for t, info in
                                                  contents.topics.items()},
                                list(self.publishers_by_topic))
        for warning in warnings + ([hand] if hand else []):
            self.get_logger().warning(warning)
        self.clock_publisher = (self.create_publisher(Clock, CLOCK, 10)
                                if self.config.clock else None)
        self.create_service(Trigger, f"~/{BAG_PLAYER_SERVICE}", self._identify)
        self.stop_event, self.done = threading.Event(), threading.Event()
        self.released = threading.Event()  # set: the start delay counts (release, or a stop)
        if not held:
            self.released.set()
        self.error: Exception | None = None
        self.published = 0
        self.thread = threading.Thread(target=self._run, name="bag_player", daemon=True)
        self.thread.start()
        self.get_logger().info(
            f"playing {self.config.bag} at x{self.config.rate:g}: "
            f"{', '.join(self.publishers_by_topic)}"
            + (f" and {CLOCK} (the recorder's receive times)" if self.clock_publisher else "")
        )

    def _publish(self, message: BagMessage) -> None:
        publisher = self.publishers_by_topic.get(message.topic)
        if publisher is None:
            return
        try:
            publisher.publish(message.data)  # serialized bytes, as recorded
        except TypeError:  # an rclpy without raw publishing: deserialize first
            from rclpy.serialization import deserialize_message

            publisher.publish(deserialize_message(message.data,
                                                  self.message_classes[message.topic]))

    def _publish_clock(self, bag_ns: int) -> None:
        message = Clock()
        message.clock.sec, message.clock.nanosec = divmod(bag_ns, 1_000_000_000)
        self.clock_publisher.publish(message)

    def _run(self) -> None:
        try:
            self.released.wait()
            if self.stop_event.is_set() or self.stop_event.wait(self.config.start_delay_s):
                return
            while not self.stop_event.is_set():
                started = time.monotonic()
                self.published += play(
                    iter_bag(self.config.bag, list(self.publishers_by_topic), self.copies),
                    self._publish,
                    self._publish_clock if self.clock_publisher else None,
                    rate=self.config.rate, clock_hz=self.config.clock_hz,
                    should_stop=self.stop_event.is_set,
                )
                if not self.config.loop:
                    break
                # a pass lasts MIN_LOOP_PASS_S at least: a bag of one instant is not replayed
                # as fast as it can be read (hundreds of passes a second, a core busy)
                self.stop_event.wait(MIN_LOOP_PASS_S - (time.monotonic() - started))
            if self.stop_event.is_set():
                return  # stopped (Ctrl-C, SIGTERM): run_node's line says it (stopped_note)
            finished = f"bag finished: {self.published} messages published"
            if self.lost:
                self.get_logger().error(f"{finished}; {self.config.bag} is damaged, the messages "
                                        "the notes above count were lost (exit status 1)")
            else:
                self.get_logger().info(finished)
        except Exception as exc:  # a damaged bag: report it and end, never hang
            self.error = exc
            self.get_logger().error(f"playback failed: {exc}")
        finally:
            self.done.set()

    def release(self) -> None:
        """Let a player made ``held`` play: after ``start_delay_s`` from now."""
        self.released.set()

    def _identify(self, request, response):
        """Answer ``~/vjepa_ros_bag_player``: this node plays a recording (which bag)."""
        response.success, response.message = True, f"vjepa_ros bag_player: {self.config.bag}"
        return response

    def stopped_note(self) -> str:
        """Return how far it played, for run_node's ``bag_player: interrupted; NOTE`` line."""
        return f"{self.published} messages published before the stop"

    def exit_status(self) -> int:
        """1 when playback failed or the bag had lost messages (a damaged bag), else 0."""
        return 1 if self.error or self.lost else 0

    def destroy_node(self) -> None:
        destroy_after(self, self._stop_playing, super().destroy_node, "stopping the bag")

    def _stop_playing(self) -> None:
        """End the reader thread (a held player too), then remove the merged copies."""
        thread = getattr(self, "thread", None)  # None when the start was refused before it
        if thread is not None:
            self.stop_event.set()
            self.released.set()  # a held player ends without playing
            if thread.is_alive():
                thread.join(timeout=5.0)
        copies = getattr(self, "copies", None)
        if copies is not None and not (thread is not None and thread.is_alive()):
            copies.close()  # the merged copies' folders (a thread still reading keeps them)


def main(args=None):
    """Play the bag until it ends (status 0, 1 when messages were lost) or Ctrl-C / SIGTERM."""
    from vjepa_ros.nodes.node_runner import run_node

    return run_node(BagPlayer, args)


if __name__ == "__main__":
    from vjepa_ros.entry_points import end_after, run_stoppable

    # at once, no module teardown; a stop while it exits: silent (entry_points)
    end_after(lambda: run_stoppable(BagPlayer.ROS_NAME, lambda: main))

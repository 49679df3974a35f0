"""Finger readings whose closedness changed faster than a gripper moves: held out, live.

The planner node's gripper command with ``goals.gripper: planned`` is the measured closedness
plus the planned change (:mod:`vjepa_ros.robot.command_session`). One glitched finger message (a
driver reconnecting with zero widths, a second publisher's hand, a bit error) that reads an open
hand while it holds an object would command the hand open and drop the object. So each usable
finger reading of the chosen hand is compared with the previous one, over the smallest of their
*arrival* gap, their *publish* gap (the middleware's source timestamps, where rclpy gives them:
Iron and newer) and their *header stamp* gap (where both stamps are set: gripper drivers often
leave them zero, :mod:`~.finger_watch`), each where it is positive: a change of more than
``state_ranges.MAX_CLOSEDNESS_RATE_PER_S`` × gap + ``CLOSEDNESS_JUMP_SLACK`` is a jump (the
offline rule's limits, :func:`vjepa_ros.recordings.stray_states.allowed_changes`; a Franka Hand
moves its fingers at most 0.1 m/s, 1.25 closedness/s, so the limit has a 4× margin, and the
slack covers readings delivered in a burst after a stalled executor). The arrival gap alone let
a glitch through when its callback ran late: readings published 30 ms apart whose callbacks ran
160 ms apart (the executor busy, the thread descheduled on a loaded machine) allow any change
(flake47f); the publish gap alone lets one through behind a relay whose callback ran late
(``joint_state_publisher`` merging the gripper's states, a ``topic_tools`` relay: breaker47i),
where a relay that keeps the header still shows the source's gap; none is there on Humble
without stamps. A gap that is not positive (a clock stepped back, a repeated stamp) is no
evidence and is skipped (breaker47i: a 4 Hz hand closing across a step back was a false jump).
The smallest is stretched only when every one is.

A jump unsettles the closedness: the readings are not taken (the state keeps the last settled
closedness, the hand's last trusted value) and the closedness counts as unmeasured, so no planned
gripper command goes out, until readings have come without a jump for ``recovery_s``
(``inputs.RECOVERY_S``, the robot state's rule). Then the newest is taken: a glitch and its way
back cost one second without gripper commands, a real change the readings could not follow (a
driver restarted, the hand reset by hand) is taken after it. One exception: readings of a fully
closed hand (closedness exactly 1.0: both fingers at 0 or below) that jumped there from a hand
settled open never settle — a restarting gripper driver publishes zero widths before its first
reading (breaker41f), and a Franka Hand cannot close within one reading's gap; the hand stays
unmeasured until another reading. Comparing consecutive readings, not
each with the last settled one, is what lets readings that arrive in a burst, and a hand really
moving, through. The arm is commanded as planned meanwhile.

ROS-free: the caller passes the steady clock in.
"""

from __future__ import annotations

import dataclasses

from vjepa_ros.robot.inputs import RECOVERY_S
from vjepa_ros.robot.state_ranges import CLOSEDNESS_JUMP_SLACK, MAX_CLOSEDNESS_RATE_PER_S


@dataclasses.dataclass
class ClosednessJumps:
    """The chosen hand's finger readings, judged one after the other (module docstring).

    ``recovery_s`` [s]: how long readings must come without a jump before they are taken again.
    """

    recovery_s: float = RECOVERY_S
    # the last reading: (arrival [s], closedness, publish [s] or None, header stamp [s] or None)
    previous: tuple | None = None
    jump: str = ""  # the latest jump in words while the closedness is unsettled ("": settled)
    since: float | None = None  # [s] arrival of the latest jump
    zeros: bool = False  # the latest reading held out was fully closed where the hand was open

    def take(self, closedness: float, now: float, settled: float | None = None,
             sent: float | None = None, stamp: float | None = None) -> bool:
        """Judge a usable reading ``closedness`` in [0, 1] arriving at ``now`` [s, steady clock].

        ``sent`` [s, the publisher's clock]: when it was published; ``stamp`` [s]: its header
        stamp; None where unknown (zero). The gap judged is the smallest positive one of the
        arrival gap and, where the previous reading has them too, the publish and stamp gaps.

        Returns True when it may be taken as the hand's closedness: no jump since the previous
        reading and none within the last ``recovery_s`` (and, after a jump, no fully closed
        reading while ``settled``, the hand's last taken closedness, was open: module
        docstring). A jump is said by :attr:`jump` ("closedness 1.00 → 0.00 in 3 ms") until
        the readings settle.
        """
        previous, self.previous = self.previous, (now, float(closedness), sent, stamp)
        if previous is not None:
            gap = max(0.0, now - previous[0])
            for later, earlier in ((sent, previous[2]), (stamp, previous[3])):
                if later is not None and earlier is not None and later > earlier:
                    gap = min(gap, later - earlier)  # a late callback stretches arrivals only
            change = abs(float(closedness) - previous[1])
            if change > MAX_CLOSEDNESS_RATE_PER_S * gap + CLOSEDNESS_JUMP_SLACK:
                self.jump = (f"closedness {previous[1]:.2f} → {float(closedness):.2f} in "
                             f"{gap * 1e3:.0f} ms")
                self.since = now
                return False
        if not self.jump:
            return True
        if float(closedness) >= 1.0 and settled is not None and \
                settled < 1.0 - CLOSEDNESS_JUMP_SLACK:
            self.since = now  # zero widths from a restarting driver: no reading of this hand
            self.zeros = True
            return False
        self.zeros = False
        if now - self.since >= self.recovery_s:
            self.jump, self.since = "", None
            return True
        return False

    def words(self) -> str:
        """Say the unsettled closedness's jump, its limit and the consequence ("" when settled)."""
        if not self.jump:
            return ""
        until = ("held out until a reading that is not fully closed (zero widths where the "
                 "hand was open: a restarting gripper driver?)" if self.zeros else
                 f"held out until they agree for {self.recovery_s:g} s")
        return (f"its {self.jump}, faster than a gripper moves ({MAX_CLOSEDNESS_RATE_PER_S:g}/s "
                f"+ {CLOSEDNESS_JUMP_SLACK:g}): a glitch in the finger joint states or two "
                f"sources of them; {until}")

    def reset(self) -> None:
        """Forget the readings (another hand chosen, a recording's hand gone): judge afresh."""
        self.previous, self.jump, self.since, self.zeros = None, "", None, False

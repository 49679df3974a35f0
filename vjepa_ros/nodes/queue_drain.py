"""Subscriptions whose callback takes every message already queued, not one per executor turn.

rclpy's executor takes one message per ready subscription per turn. The planner's robot states
(joint states, the pose, finger topics) keep a deep queue (``state_qos.STATE_DEPTH``: the jump
rules need every reading), while ``/clock`` under ``use_sim_time`` keeps one (rclpy's
``TimeSource``: depth 1, the newest wins). After the executor stalled (a busy CPU, the planning
thread), its next turns took the newest ``/clock`` but the oldest queued state, one per turn: the
state read as old as the stall in simulated seconds although newer ones waited in the queue
(user59u: ``robot state is stale: 0.30 s old (limit 0.25 s)``, flapping, on simulated time with
S 800, I 10 planning on 2 cores; measured: states taken 0.2-0.3 s of wall time after they were
published, after executor stalls of 0.1-0.2 s). :func:`subscribe_draining` hands each queued
message to the callback in order within one turn (every reading still seen, in order), then
takes the newest ``/clock`` (the states taken ahead of it read as stamped in the future), so the
newest state is the one judged against the newest clock.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

# [messages] taken in one callback at most after the first: a publisher faster than the callback
# never keeps it from returning (the executor's other work goes on)
DRAIN_LIMIT = 1000


def takes_message_info(callback: Callable) -> bool:
    """Whether rclpy calls ``callback`` with (message, MessageInfo): it does not bind one argument.

    The rule of rclpy's ``Subscription.callback`` setter (Iron and newer); Humble calls with the
    message alone.
    """
    try:
        inspect.signature(callback).bind(object())
    except TypeError:
        return True
    return False


def take_queued(subscription, with_info: bool) -> tuple | None:
    """Take the next queued message of ``subscription`` now: (msg,) or (msg, info); None if none.

    The call rclpy's executor makes (``handle.take_message(msg_type, raw)``, under the handle's
    lock); its answer is (message, MessageInfo) in rclpy 3.x (Humble) and later, a message alone
    in older ones (then ``info`` is an empty dict).
    """
    with subscription.handle:
        taken = subscription.handle.take_message(subscription.msg_type, subscription.raw)
    if taken is None:
        return None
    message, info = (taken[0], taken[1]) if isinstance(taken, tuple) else (taken, {})
    if message is None:
        return None
    return (message, info) if with_info else (message,)


class DrainingCallback:
    """A subscription callback that also hands ``callback`` the messages queued behind its own.

    ``after``: called once a drain took messages (None: nothing).
    ``subscription`` is set once the subscription exists (:func:`subscribe_draining`); until then
    it calls ``callback`` with the one message. ``drained``: messages taken from the queue so far
    (a count for tests and diagnostics).
    """

    def __init__(self, callback: Callable, limit: int = DRAIN_LIMIT,
                 after: Callable[[], None] | None = None):
        self.callback, self.limit, self.after = callback, limit, after
        self.with_info = takes_message_info(callback)
        self.subscription = None
        self.drained = 0

    def drain(self) -> None:
        """Hand ``callback`` each message queued now, oldest first, up to ``limit``.

        Once any was taken, ``after()`` (the node's newest ``/clock``: :func:`take_newest_clock`).
        """
        if self.subscription is None:
            return
        took = 0
        for _ in range(self.limit):
            taken = take_queued(self.subscription, self.with_info)
            if taken is None:
                break
            took += 1
            self.callback(*taken)
        self.drained += took
        if took and self.after is not None:
            self.after()

    def as_callback(self) -> Callable:
        """Return the function rclpy calls: of ``callback``'s arity (rclpy reads it from it)."""
        if self.with_info:
            def with_info(msg, info) -> None:
                self.callback(msg, info)
                self.drain()
            return with_info

        def message_only(msg) -> None:
            self.callback(msg)
            self.drain()
        return message_only


def take_newest_clock(node) -> bool:
    """Take ``node``'s queued ``/clock`` now, if any (use_sim_time); return whether one was.

    rclpy's ``TimeSource`` subscription (``node._time_source._clock_sub``, depth 1: the newest),
    handed to its own callback as the executor would. After a drain of states: states taken
    ahead of the ``/clock`` still queued read as stamped in the future (measured: "robot state
    stamp lies 0.52 s in the future"), as the oldest states read as stale before. Nothing on an
    rclpy without that subscription (off sim time, or another layout).
    """
    clock_sub = getattr(getattr(node, "_time_source", None), "_clock_sub", None)
    if clock_sub is None:
        return False
    taken = take_queued(clock_sub, False)
    if taken is None:
        return False
    clock_sub.callback(taken[0])
    return True


def subscribe_draining(node, msg_type, topic: str, callback: Callable, qos,
                       limit: int = DRAIN_LIMIT):
    """``node.create_subscription`` whose callback drains the queue (:class:`DrainingCallback`).

    After a drain the node's newest ``/clock`` is taken (:func:`take_newest_clock`), so the
    newest state is judged against the newest clock. Returns the subscription; its
    :class:`DrainingCallback` is its ``drainer`` attribute.
    """
    drainer = DrainingCallback(callback, limit, after=lambda: take_newest_clock(node))
    subscription = node.create_subscription(msg_type, topic, drainer.as_callback(), qos)
    drainer.subscription = subscription
    subscription.drainer = drainer
    return subscription

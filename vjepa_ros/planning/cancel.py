"""Cancelling a replanning step whose result is no longer wanted."""

from collections.abc import Callable


class PlanCancelled(RuntimeError):
    """A replanning step stopped early because its caller's ``should_stop()`` became true.

    Raised between CEM iterations and between sample chunks of an iteration, so a plan whose
    result is already void (robot disabled, goal changed, node shutting down) frees the device
    within one chunk instead of one whole plan.
    """


def check_stop(should_stop: Callable[[], bool] | None, where: str) -> None:
    """Raise :class:`PlanCancelled` (saying ``where``) if ``should_stop`` is given and true."""
    if should_stop is not None and should_stop():
        raise PlanCancelled(f"plan cancelled {where}")

"""An episode's or a training segment's ``actions`` field: computed from its states on first read.

Actions a_k = s_{k+1} ⊖ s_k (``recordings.episode.actions_from_states``) need torch (the planner's
pose algebra); a recording only looked at (``vjepa-ros inspect``) never reads them, so it never
imports torch. A dataclass field whose default is :class:`LazyActions` (the dataclasses'
descriptor-typed field: still a required positional argument) keeps the array given, or None
until read; ``dataclasses.replace`` and ``==`` read it as any field. ROS-free, torch-free.
"""

from __future__ import annotations

import numpy as np


class LazyActions:
    """Descriptor: the instance's actions [T-1, 7] float32, from its ``states`` when None."""

    def __set_name__(self, owner, name: str) -> None:
        self.slot = f"_{name}"

    def __get__(self, obj, owner=None):
        if obj is None:  # the class's: no default (dataclasses: a required field)
            raise AttributeError(self.slot[1:])
        if getattr(obj, self.slot, None) is None:
            from vjepa_ros.recordings.episode import actions_from_states

            setattr(obj, self.slot, actions_from_states(obj.states))
        return getattr(obj, self.slot)

    def __set__(self, obj, value) -> None:
        setattr(obj, self.slot, None if value is None else np.asarray(value, dtype=np.float32))


def given_actions(obj) -> np.ndarray | None:
    """Return the actions ``obj`` was given or has computed (None: not read yet), reading none."""
    return getattr(obj, "_actions", None)

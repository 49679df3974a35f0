"""The planner node's goal decodes handed back on the executor, and their hold (a mixin).

:class:`GoalDecodes` is a base of :class:`vjepa_ros.nodes.planner_goals.PlannerGoals` (with
:class:`vjepa_ros.nodes.planner_goal_images.PlannerGoalImages`, mixins of the node): a goal file
set by parameter and a goal image on ``~/goal_image`` are decoded on the node's
:class:`vjepa_ros.robot.goal_decoder.GoalDecoder` thread; a guard condition runs
:meth:`GoalDecodes._take_decoded_goal` on the executor, which applies each outcome handed back
(newest first: ``PlannerGoals._apply_goal_files`` / ``PlannerGoalImages._apply_goal_image``)
and tells the decoder which one became the goal (older requests dropped then, and only then:
breaker59h #1).

While a goal set by parameter decodes, the session holds (``GoalSession.goal_decoding_began``:
nothing is commanded toward the goal it replaces, breaker59h #2) until it is applied or
refused. A goal image on the topic does not hold: it may be a re-sent copy of the goal in force
(``ros2 topic pub`` at 1 Hz), and a hold each second would stop the arm each second; a plan
toward the goal it replaces is void once it is applied (``goal_version``).

The guard condition's callback never raises (an exception there ends the executor's spin, and
with ``vjepa-ros launch`` every node: breaker59h #3): an unexpected error in applying a decoded
goal is handled as the node's other unexpected callback errors (``PlannerCommanding._failed``:
commanding disabled, ``/diagnostics`` ERROR, one error line; the previous goal kept).
"""

from __future__ import annotations

import os
from typing import NamedTuple

from rclpy.parameter import Parameter

from vjepa_ros.nodes.goal_images import picture_key
from vjepa_ros.nodes.goal_parameters import (
    EMPTY,
    FILE_PARAMETERS,
    file_parameter_value,
    goal_files,
)
from vjepa_ros.nodes.goal_updates import file_parameter
from vjepa_ros.nodes.planner_commanding import clear_failure
from vjepa_ros.robot.goal_decoder import Decoded
from vjepa_ros.robot.goal_words import APPLYING


class GoalFiles(NamedTuple):
    """The goal files a goal file parameter named: what a file request decodes or sets back.

    ``parameter``: ``goal_image_path`` or ``goal_image_paths``; ``paths``: the files its value
    named; ``keys``: ``checked_goal_images.file_key`` of each, taken before they were read (a
    file replaced since makes another request).
    """

    parameter: str
    paths: list[str]
    keys: list


class FileRequest(NamedTuple):
    """A goal file parameter set's request on the goal decoder (its ``what``).

    ``files``: what it decodes; ``setting``: the goal parameters whose set made it (named in a
    refusal); ``before``: ``goal_steps`` and ``goal_gripper`` as they were before that set (set
    back with a refusal: review59t #4); ``named``: the files the parameters named when it was
    set, if those still decoded then (:meth:`GoalDecodes._named_before`: what its refusal sets
    back). A goal image's request is a tuple ``("image", msg, message_key, topic)``.
    """

    files: GoalFiles
    setting: list[str]
    before: dict
    named: GoalFiles | None


class GoalDecodes:
    """Take the goal decoder's outcomes on the executor; hold while a goal file decodes."""

    shutdown_goal_said = False  # a goal image dropped at shutdown was said (once)
    # the node's line on the goal parameters set last, when it did not apply them ("" none):
    # lists that disagree (``goal_updates.goal_not_changed``), files refused or failing when
    # applied; cleared by a goal set and by the next goal parameter set (one at the values in
    # force too: review62a #4). ``/diagnostics``
    # ``goal_not_applied``: read by ``vjepa-ros planner`` (``goal_state``) at any log level
    goal_not_applied = ""

    def _take_decoded_goal(self) -> None:
        """Apply the decoder's outcomes, newest first, on the executor (guard condition).

        Each one applied (it became the goal) drops the older requests; one that changes
        nothing or is refused drops none, and the next older one is taken in turn
        (``GoalDecoder.hand_over``: the decoder is idle only once they are applied and the hold
        synced). Never raises.
        """
        try:
            self.goal_decoder.hand_over(self._apply_decoded, self._sync_goal_decoding)
        except Exception as exc:  # noqa: BLE001 - never out of the guard condition's callback
            self._failed(APPLYING, exc)
        self.worker.wake()

    def _apply_decoded(self, done: Decoded) -> bool:
        """Apply one outcome; whether it became the goal (an unexpected error: ``_failed``)."""
        try:
            if isinstance(done.what, FileRequest):
                applied = self._apply_goal_files(done)
            else:
                applied = self._apply_goal_image(done)
        except Exception as exc:  # noqa: BLE001 - the node goes on, commanding disabled
            self._failed(APPLYING, exc)
            if isinstance(done.what, FileRequest):
                self.goal_not_applied = self.failure_line
            return False
        clear_failure(self, APPLYING)  # (shadow mode: the same path worked again)
        return bool(applied)

    def _sync_goal_decoding(self) -> None:
        """Hold while a goal set by parameter decodes; end the hold once none does.

        A file request is kept while the goal parameters name its files, or it is the one
        named before the set they name now (its set-back, should that set be refused); any
        other is dropped from the decoder at once (set to '' or replaced twice meanwhile: the
        user withdrew it, review59t #2; its data released). The session's hold
        (``goal_decoding_began``) names the parameter and file (or how many) of the one named;
        ``goal_decoding_ended`` when none is left (applied: the new goal ended it already;
        refused: its line said the previous goal goes on; no longer named: the set's line said
        what the goal is).
        """
        named = self._named_request()
        kept = [] if named is None else [named.files, named.named]
        self.goal_decoder.retain(lambda what: not isinstance(what, FileRequest)
                                 or what.files in kept)
        if named is None:
            self.session.goal_decoding_ended()
            return
        parameter, paths, _ = named.files
        file = os.path.basename(paths[0]) if len(paths) == 1 else f"({len(paths)} files)"
        self.session.goal_decoding_began(f"{parameter} {file}")

    def _named_request(self) -> FileRequest | None:
        """Return the newest file request whose files the goal parameters name now, or None.

        (``PlannerGoals._decode_goal_files`` makes them.)
        """
        values = self.goal_values
        named = (file_parameter(values), goal_files(values)[0])
        files = [what for what in self.goal_decoder.pending() if isinstance(what, FileRequest)
                 and (what.files.parameter, what.files.paths) == named]
        return files[-1] if files else None

    def _named_before(self) -> GoalFiles | None:
        """Return the files of :meth:`_named_request`, or None.

        Carried by a newer file request: what its refusal sets back (``_files_refused``).
        """
        named = self._named_request()
        return None if named is None else named.files

    def _files_refused(self, head: str, parameter: str, before: dict | None = None,
                       named: GoalFiles | None = None) -> bool:
        """Say in one error line that goal files of ``parameter`` were refused; return False.

        ``head``: "<parameters> not applied: <why>". The set was answered successful before the
        decode (its header passed: a file only the decode refuses, transparent pixels or pixel
        data cut short), so the goal parameters are set back to what the goal stands on, said in
        the line (``ros2 param get`` names no refused file, review59r #3): ``named``
        (``_named_before``), the files of the file request the
        parameters named when the refused files were set, if it still decodes (a set refused
        changes nothing: breaker59h #1; one withdrawn since, by '' or other files, was dropped:
        review59t #2), which becomes the goal once decoded; else the files of the goal in
        force; else (a goal from a service or the topic, or none) empty. ``before``:
        ``goal_steps`` and ``goal_gripper`` as they were before the refused files were set, set
        back with the files either way (counts set with the refused files, as ``ros2 param
        load`` does one parameter at a time, or while they decoded, were meant for them; the
        older files' own counts: review59t #4).
        """
        counts = {other: old for other, old in (before or {}).items()
                  if self.goal_values[other] != old}
        also = "".join(f", {other} to {old!r}" for other, old in counts.items())
        older = named is not None and any(isinstance(what, FileRequest) and what.files == named
                                          for what in self.goal_decoder.pending())
        if older:
            name, value = named.parameter, file_parameter_value(named.parameter, named.paths)
            self._set_files_back(name, value, counts)
            return self._not_applied(f"{head}; {name} is set back to {value!r}{also}, set "
                                     "before it and still decoding: it becomes the goal once "
                                     "decoded")
        name, value, said = parameter, EMPTY[parameter][0], "no goal file is in force"
        if self.goal_parameter:  # the goal in force came from files: their parameter's value
            name = self.goal_parameter
            value = file_parameter_value(name, self.goal_files_loaded)
            said = "the files of the goal in force"
        if not self._set_files_back(name, value, counts):  # its file gone since it was loaded
            name, value = parameter, EMPTY[parameter][0]
            said = "the goal's files are gone or changed since they were loaded"
            self._set_files_back(name, value, counts)
        return self._not_applied(f"{head}; {self._goal_kept()}; {name} is set back to "
                                 f"{value!r} ({said}){also}: fix or replace the file, then set "
                                 f"{parameter} again")

    def _not_applied(self, line: str) -> bool:
        """Say ``line`` (goal files refused) in an error, kept as :attr:`goal_not_applied`."""
        self.get_logger().error(line)
        self.goal_not_applied = line
        return False

    def _set_files_back(self, name: str, value, counts: dict | None = None) -> bool:
        """Set file parameter ``name`` to ``value``, the other one to empty; whether it took.

        ``counts``: other goal parameters to set back with it (name → value).
        Through ``_on_set_parameters`` under ``forgetting``: stored, no goal change. All in one
        atomic set: one at a time, ``name`` would be refused while the other file parameter
        still holds the refused files (``goal_parameters._two_file_sources``: a ``goal-image
        GOOD CUT --steps 2 3`` refused left ``goal_image_path`` empty beside GOOD's goal,
        user62b #3). False: ``value``'s file no longer passes its header check (moved or
        deleted since); nothing set then.
        """
        back = [Parameter(name, EMPTY[name][1], value)] + [
            Parameter(other, EMPTY[other][1], EMPTY[other][0])
            for other in FILE_PARAMETERS if other != name and self.goal_values[other]] + [
            Parameter(other, EMPTY[other][1], list(old or []))
            for other, old in (counts or {}).items()]
        self.forgetting = True
        try:
            return self.set_parameters_atomically(back).successful
        finally:
            self.forgetting = False

    def _goal_dropped_at_shutdown(self, topic: str) -> None:
        """Say once that a goal image on ``topic`` came after the decoder closed (shutdown).

        ``prepare_shutdown`` closes the decoder, then waits for the plans while the executors
        still spin (``Launch.shutdown``): a ``ros2 topic pub`` at 1 Hz goes on meanwhile. A
        goal file parameter set then is refused by its set's answer (``_decode_goal_files``).
        """
        if not self.shutdown_goal_said:
            self.shutdown_goal_said = True
            self.get_logger().info(f"the goal image on {topic} is dropped: the node is shutting "
                                   "down (said once)")


def request_picture(what: tuple):
    """Return the goal decoder's ``identity`` of a request: a goal image's picture, else None.

    ``what``: ``("image", msg, message_key, topic)`` or a :class:`FileRequest`. A goal image
    re-published while its copy still decodes is decoded once (review59r #1); files are matched
    by ``PlannerGoals._decode_goal_files``.
    """
    return None if isinstance(what, FileRequest) else picture_key(what[2])


def request_lane(what: tuple):
    """Return the goal decoder's ``lane`` of a request: "image" for a goal image, else None.

    Goal images are bounded by the decoder (one waiting, one decoding, one decoded: a stream
    of pictures faster than they decode, review59t #1); goal file requests by
    ``GoalDecodes._sync_goal_decoding`` (the set named now and the one named before it).
    """
    return None if isinstance(what, FileRequest) else "image"

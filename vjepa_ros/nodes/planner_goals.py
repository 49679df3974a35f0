"""The planner node's goal files, named by the goal parameters (a mixin).

:class:`PlannerGoals` is mixed into :class:`vjepa_ros.nodes.planner_node.PlannerNode`: goal
files named by the goal parameters (``goal_image_path(s)``, ``goal_steps``, ``goal_gripper``),
loaded once their lists agree and forgotten when a service or the topic replaces the goal (goal
images on ``~/goal_image``: :mod:`vjepa_ros.nodes.planner_goal_images`). At run time no goal
image is decoded on the executor thread (it also runs the set-point stream, its watchdog,
/diagnostics and the services): a goal parameter's files are checked by their headers in the
parameter callback (a bad one refused at once), then decoded with a topic's goal images on the
node's :class:`vjepa_ros.robot.goal_decoder.GoalDecoder` thread, and the outcome is applied back
on the executor (a guard condition, ``nodes/goal_decodes.py``): the newest goal that becomes the
goal wins (one that changes nothing or is refused drops no other), a file the decode refuses is
said in one line and the previous goal stays; while a goal file decodes the session holds. Goal
files given at start are decoded before spinning (kept from their check for the goal:
``checked_goal_images``). The attributes used are set by :meth:`PlannerGoals._start_goals` and
the node's ``__init__``.
"""
from __future__ import annotations

import dataclasses
import functools

from rcl_interfaces.msg import SetParametersResult

from vjepa_ros.images import ImageError
from vjepa_ros.nodes.goal_decodes import (
    FileRequest,
    GoalDecodes,
    GoalFiles,
    request_lane,
    request_picture,
)
from vjepa_ros.nodes.goal_parameters import (
    FILE_PARAMETERS,
    emptied,
    goal_files,
    updated_goal_values,
)
from vjepa_ros.nodes.goal_updates import (
    apply_goal_values,
    file_parameter,
    goal_not_changed,
    retuned_goals,
)
from vjepa_ros.nodes.goal_values_in_force import (
    changed_goal_values,
    file_keys,
    stored_not_in_force,
)
from vjepa_ros.robot.checked_goal_images import CheckedGoalImages, file_key
from vjepa_ros.robot.goal_decoder import Decoded, GoalDecoder
from vjepa_ros.robot.goal_files import check_goal_files, goal_files_problem, goals_from_files
from vjepa_ros.robot.idle_parameters import idle_parameter_warnings
from vjepa_ros.robot.planner_config import GOAL_PARAMETERS

COUNT_PARAMETERS = ("goal_steps", "goal_gripper")
RUNTIME_IDLE_CHECKED = {"goal_gripper"}  # run-time parameters that idle_parameters.RULES name


class PlannerGoals(GoalDecodes):
    """Goal files from the goal parameters, decoded off the executor thread."""

    # the node's warnings on the goal parameters set last that do nothing under its start-only
    # settings (``goal_gripper`` while ``goals.gripper`` is planned; idle_parameters), one a
    # line ("" none): ``/diagnostics`` ``goal_idle``, printed by ``vjepa-ros planner param set``
    # and ``goal-image`` whatever the node's log level (``goal_state.GoalState``: user62b #4)
    goal_idle = ""

    def forget_goal_files(self) -> str:
        """Set the goal parameters back to empty: a service or topic replaced the goal.

        They no longer describe it, and a later change of one of them (``goal_steps`` alone)
        must not load the old files again (``nodes/goal_parameters.py``). Returns what a
        service's answer adds: ``"; goal_image_paths set back to empty (...)"`` naming the
        parameters emptied ("" when none held a value).
        """
        self.goal_parameter, self.goal_files_loaded, self.goal_not_applied = "", [], ""
        self.goal_idle = ""  # goal_gripper is emptied below: its warning no longer holds
        self.goal_decoder.cancel()  # a goal still decoding is older: dropped
        self._sync_goal_decoding()  # (its hold ended with the goal set)
        self.goal_images.goal_set()  # a goal image waiting for the graph is older
        stale = emptied(self.goal_values)
        if not stale:
            return ""
        self.forgetting = True  # through _on_set_parameters: stored, no goal change
        try:
            self.set_parameters(stale)
        finally:
            self.forgetting = False
        return (f"; {', '.join(p.name for p in stale)} set back to empty (the goal parameters "
                "describe a goal from files only)")

    def load_goal_files(self, values: dict, at_start: bool = False,
                        setting: list[str] | None = None) -> str:
        """Load the goal files the goal parameters ``values`` give, once the lists agree.

        ``setting``: the goal parameters whose change loads them (named in a refusal). At start
        (before the node spins) the files are loaded here: :class:`ImageError` naming the file's
        parameter entry, ValueError for lists that disagree. At run time they are decoded off
        the executor thread (:meth:`_decode_goal_files`) and become the goal there once decoded;
        the previous goal stays until then.
        """
        paths, steps, grippers = goal_files(values)
        if not paths:
            return "no goal file"
        problem = goal_files_problem(paths, steps, grippers, self.session.goal_switching)
        if problem and at_start:
            raise ValueError(f"goal files not loaded: {problem}")
        if problem:
            return goal_not_changed(self, problem)
        parameter = file_parameter(values)
        if not at_start:  # decoded off the executor thread, applied by _apply_goal_files
            return self._decode_goal_files(parameter, paths, setting or [parameter])
        try:
            goals = goals_from_files(paths, steps, grippers, checked=self.checked_goal_images,
                                     name=parameter)
        except ImageError as exc:
            raise ImageError(f"goal files not loaded: {exc}") from None
        message = self.session.set_goals(goals)
        self.goal_images.goal_set()
        self.goal_parameter, self.goal_files_loaded = parameter, list(paths)
        self.goal_files_read[parameter] = file_keys(parameter, values[parameter])
        self.worker.wake()
        return message

    def _on_set_parameters(self, params) -> SetParametersResult:
        """Check and apply goal parameters set at run time (``nodes/goal_updates.py``).

        A value equal to the one in force changes no goal (``ros2 param load`` of the node's
        own dump must not restart the sub-goal list), unless it names goal files changed on
        disk since they were read (``nodes/goal_values_in_force.py``; logged either way); in
        force means what the active goal runs, not the stored value alone (waiting files, counts
        kept by ``~/add_subgoal``: ``stored_not_in_force``). Every goal parameter set (the
        node's own set-backs aside) clears ``goal_not_applied``: its outcome is its own, a set
        at the values in force applied (``goal_state.GoalState`` reads it after the answer).
        A set taken that names a parameter doing nothing under the node's settings
        (:data:`RUNTIME_IDLE_CHECKED`, its values in force too) is warned of and kept as
        ``goal_idle`` (:meth:`_say_idle`).
        """
        changes = {p.name: p.value for p in params if p.name in GOAL_PARAMETERS}
        idle = {name: changes[name] for name in RUNTIME_IDLE_CHECKED if name in changes}
        if changes and not self.forgetting:
            # each set its own word: a line on an older set is not this one's outcome, even
            # when this one changes nothing (its values in force: review62a #4)
            self.goal_not_applied = self.goal_idle = ""
            goals = self.session.goals  # judged against the goal in force (breaker62a)
            changes, lines = changed_goal_values(
                self.goal_values, changes, self.goal_files_read, stored_not_in_force(
                    self.goal_values, self.goal_parameter, self.goal_files_loaded,
                    None if goals is None else goals.goals))
            for line in lines:
                self.get_logger().info(line)
        if not changes:
            self._say_idle(idle)
            return SetParametersResult(successful=True)
        try:  # each value on its own, then the files once the lists agree
            values = updated_goal_values(self.goal_values, changes, decode=False)  # headers
            if not self.forgetting:
                apply_goal_values(self, changes, values)  # nodes/goal_updates.py
        except (ImageError, ValueError) as exc:
            return SetParametersResult(successful=False, reason=str(exc))
        self.goal_values = values
        self._sync_goal_decoding()  # files set (hold) or no longer named (the hold ends)
        for name in FILE_PARAMETERS:  # their files as read by this check (or load)
            if name in changes and values[name]:
                self.goal_files_read[name] = file_keys(name, values[name])
        self._say_idle(idle)
        return SetParametersResult(successful=True)

    def _say_idle(self, values: dict) -> None:
        """Warn of goal parameters set and taken (name → value) that do nothing; keep the lines.

        Each value judged against the node's start-only settings
        (``idle_parameters.idle_parameter_warnings``, the fix a restart with the setting), a
        value equal to the one in force too; kept in :attr:`goal_idle` for ``/diagnostics``.
        Nothing for the node's own set-backs (``forgetting``).
        """
        if not values or self.forgetting:
            return
        current = dataclasses.replace(
            self.config, **{name: [] if value is None else list(value)
                            for name, value in values.items()})
        warnings = idle_parameter_warnings(current, only=set(values))
        for warning in warnings:
            self.get_logger().warning(warning)
        self.goal_idle = "\n".join(warnings)

    def _start_goals(self, cfg) -> None:
        """Check the goal parameters given at start and load their files (before spinning).

        Here the files are decoded on the calling thread (nothing spins yet); at run time on
        the node's :class:`GoalDecoder`, whose outcome a guard condition hands to the executor.
        """
        given = {name: getattr(cfg, name) for name in GOAL_PARAMETERS}
        # the images the start-up check decoded, until the goal takes them: this node's
        self.checked_goal_images = CheckedGoalImages()
        try:  # each value on its own first, as at run time
            self.goal_values = updated_goal_values(given, given, checked=self.checked_goal_images)
        except ImageError as exc:  # a file problem (status 1), also for a -p that names it
            raise ImageError(f"goal files not loaded: {exc}") from None
        except ValueError as exc:  # a value refused (status 2 when typed as -p)
            raise ValueError(f"goal files not loaded: {exc}") from None
        self.goal_parameter = ""  # the goal file parameter that set the active goal, if one did
        self.goal_files_loaded: list[str] = []  # the files it loaded (goal_updates: retunes)
        self.goal_files_read: dict[str, list] = {}  # file parameter → file_key of each, as read
        self.same_goal_said = None  # (goal_version, its state) whose image re-sent was logged
        self.forgetting = False  # forget_goal_files is emptying the goal parameters
        guard = self.create_guard_condition(self._take_decoded_goal)
        self.goal_decoder = GoalDecoder(functools.partial(_trigger, guard),
                                        identity=request_picture, lane=request_lane)
        self.load_goal_files(self.goal_values, at_start=True)

    def _decode_goal_files(self, parameter: str, paths: list[str], setting: list[str]) -> str:
        """Decode goal files ``paths`` of ``parameter`` on the decoder; return the line logged.

        The request (``goal_decodes.FileRequest``) carries the counts before and
        ``GoalDecodes._named_before``: what a refusal of these or newer files sets back
        (``_files_refused``).

        A request for the same files (same :func:`file_keys`) already decoding is kept: a
        ``goal_steps`` set meanwhile is read when they are applied (:meth:`_apply_goal_files`).
        Raises :class:`ImageError` (the set refused) for a file whose header no longer passes
        (moved, deleted, replaced since its check), checked again only where ``parameter`` is
        not among ``setting`` (its files checked when it was set, not by this set's own check:
        ``goal_parameters.updated_goal_values``), ValueError while the node shuts down (its
        decoder closed: breaker59h #4).
        """
        files = GoalFiles(parameter, list(paths),  # keys before reading: one replaced meanwhile
                          [file_key(path) for path in paths])
        if parameter not in setting:  # headers (ms): a file gone since its check refuses now
            try:
                check_goal_files(parameter, paths, decode=False)
            except ImageError as exc:
                raise ImageError(f"{' and '.join(setting)} not applied: the goal files are read "
                                 f"now to load them: {exc}; the previous goal stays: put the "
                                 f"file back or set {parameter} again") from None
        if any(isinstance(what, FileRequest) and what.files == files
               for what in self.goal_decoder.pending()):
            return "goal files decoding"
        before = {name: self.goal_values[name]  # the counts before (a set's not stored yet):
                  for name in COUNT_PARAMETERS}  # set back should the decode refuse the files
        if self.goal_decoder.submit(FileRequest(files, setting, before, self._named_before()),
                                    lambda: goals_from_files(paths, name=parameter)) is None:
            raise ValueError(f"{' and '.join(setting)} not applied: the node is shutting down")
        message = (f"{parameter}: decoding {len(paths)} goal file(s) off the executor thread; "
                   "the previous goal stays until they are decoded")
        self.get_logger().info(message)
        return message

    def _apply_goal_files(self, done: Decoded) -> bool:
        """Make decoded goal files the goal, with the goal counts in force now; whether they are.

        Dropped when the file parameters name other files now (a newer change supersedes it);
        a file the decode refused is said in one error line and the previous goal stays.
        """
        request: FileRequest = done.what
        (parameter, paths, keys), setting = request.files, request.setting
        values = self.goal_values
        now, steps, grippers = goal_files(values)
        if file_parameter(values) != parameter or now != paths:
            return False
        if done.error is not None:
            return self._files_refused(f"{' and '.join(setting)} not applied: {done.error}",
                                       parameter, request.before, request.named)
        problem = goal_files_problem(paths, steps, grippers, self.session.goal_switching)
        if problem:
            goal_not_changed(self, problem)
            return False
        try:
            self.session.set_goals(retuned_goals(done.value, {"goal_steps": steps,
                                                              "goal_gripper": grippers}))
        except ValueError as exc:
            return self._files_refused(f"{' and '.join(setting)} not applied: {exc}", parameter,
                                       request.before, request.named)
        self.goal_images.goal_set()
        self.goal_parameter, self.goal_files_loaded = parameter, list(paths)
        self.goal_files_read[parameter], self.goal_not_applied = keys, ""
        return True


def _trigger(guard) -> None:
    """Wake the executor for a decoded goal; a node already destroyed has none to wake."""
    try:
        guard.trigger()
    except Exception:  # noqa: BLE001 - destroyed meanwhile (shutdown): no goal to apply
        pass

"""The planner node's ``~/camera_check`` service (std_srvs/Trigger): the live camera check.

With commanding enabled (``~/enable`` true: the user's consent to motion) and no goal motion in
progress, a call moves the end effector ±x, ±y, ±z and toward the cube corners (as
``camera_check.motion.*`` say) by ``camera_check.motion.distance_m`` and back, each move
through the safety filter and the set-point stream, then estimates the frame the world model
predicts motion in (``MPCSession.start_camera_check``, all logic there). ``~/enable`` false (or
stale inputs) stops it at once. The response comes when the check has ended:
``success`` true with the verdict, its caveats (``note: ...``: the demo model's, a marginal
verdict's, as ``vjepa-ros camera-check`` prints them) and the written files, or false with the
one-line reason it was refused or stopped (a stopped one adds that nothing was saved, and
whether the files in the folder are an earlier check's). It writes ``camera_check.json``,
``camera_check.png`` and ``planner_camera_check.yaml`` (this node's parameters with
``control.model_frame_rpy_deg`` and its record ``control.model_frame_check_rpy_deg`` set;
rclpy's own not at their default, ``use_sim_time`` true, kept; its path settings absolute,
resolved against the folder it started in; no goal parameter, which would re-arm a goal cleared
at run time: ``eval.camera_check_live_params``) into ``camera_check.output_dir``; the correction
takes effect when the node is restarted with that file (the node's parameters other than the
goals are fixed at start-up). Files that could not be written (a full disk) answer ``success``
false, saying whether the parameter file there is an earlier check's
(``eval.camera_check_unwritten``); ``camera_check.json``'s ``labels`` go with its rows
(``motion_labels``: every motion's). An "undecided"
verdict (two independent searches of the motions disagree: ``eval.camera_check_search``) writes
no parameter file: an older one there that sets a rotation is moved aside, as a verdict with no
correction moves it (``eval.camera_check_keep``), else removed.

The folder is claimed for the whole call (``out_lock``, as the ``vjepa-ros`` commands claim
their ``--out``): while another process writes there (another planner's check, a
``vjepa-ros camera-check --out`` on the same folder) the call is refused before anything
moves, in one line naming the holder; so is a folder holding the check of a bag or of another
world model (``eval.camera_check_out``).

The service blocks until the check has ended (up to a minute), so it lives on a helper node
(``<planner>_camera_check`` in the planner's namespace, serving ``<planner>/camera_check``;
deaf to the process's global ROS arguments, so a global ``-r __node:=`` names only the
planner) spun on an executor and
threads of its own (``spinning.NodeSpinner``): the planner's executor
keeps running the stream timer, subscriptions and other services meanwhile. Two threads and a
reentrant callback group: a call while a check runs (a ``ros2 service call`` retried after its
client gave up) is refused at once, not queued to move the arm through a second whole check
for a caller that is gone (user32). (A coroutine callback
on the planner's own executor would starve it: the pinned rclpy's executor hands the pending task
back on every pass, see ``spinning.py``.)
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from std_srvs.srv import Trigger

WAIT_S = 0.1  # [s] how often the waiting callback looks whether the node is shutting down
OPTION = "camera_check.output_dir"  # the parameter the folder's errors name


def output_dir(configured: str) -> Path:
    """``camera_check.output_dir``, or ``$ROS_HOME/camera_check`` (``~/.ros/camera_check``).

    ``ROS_HOME`` as rcl reads it (``user_paths.ros_home``: empty is unset).

    ``~`` and ``$NAME`` in it are expanded (``user_paths.expand_path``: a parameter is no shell
    word); a variable that is not set: ValueError ``camera_check.output_dir PATH names the
    environment variable NAME, which is not set here: ...``.
    """
    from vjepa_ros.user_paths import UnsetVariable, expand_path, ros_home

    if configured:
        try:
            return expand_path(configured)
        except UnsetVariable as exc:
            raise ValueError(f"{OPTION} {exc}") from None
    return ros_home() / "camera_check"


class CameraCheckService:
    """``~/camera_check`` of a planner node (``node.session``, ``node.config``, ``node.worker``).

    Call :meth:`close` when the planner shuts down (after ``session.close()``, which ends a
    running check so that a waiting call answers).
    """

    def __init__(self, node):
        import rclpy
        from rclpy.callback_groups import ReentrantCallbackGroup

        from vjepa_ros.eval.camera_check_live_params import start_folder
        from vjepa_ros.nodes.spinning import NodeSpinner

        self.node = node
        self.running = threading.Lock()  # held by the call whose check runs
        self.start = start_folder()  # what the node's relative paths are relative to
        # Deaf to the process's global ROS arguments: launch_ros and ``ros2 run ... -r
        # __node:=NAME`` give the planner's name and namespace to rclpy.init, and a global
        # ``__node`` remap would rename this node to the planner's own name (two nodes of that
        # name, each serving set_parameters: ``ros2 param set`` answered by this one with
        # "undeclared parameter"). Its namespace is the planner's, given here; its one
        # service's name is absolute (the planner's, after the planner's own remaps).
        self.helper = rclpy.create_node(f"{node.get_name()}_camera_check",
                                        namespace=node.get_namespace(), context=node.context,
                                        use_global_arguments=False)
        self.spinner = NodeSpinner(node.context)
        try:  # refused (a service name rcl refuses): the helper goes with the planner's start
            self.service = self.helper.create_service(
                Trigger, f"{node.get_fully_qualified_name()}/camera_check", self._callback,
                callback_group=ReentrantCallbackGroup())
            self.spinner.add_node(self.helper, threads=2)
            self.spinner.start()
        except BaseException:
            self.close()
            raise

    def _callback(self, request, response):
        if not self.running.acquire(blocking=False):
            response.success = False
            response.message = ("~/camera_check refused: a camera check is running (an earlier "
                                "call); wait for its answer, or call ~/enable false to stop it")
            self.node.get_logger().warning(response.message)
            return response
        try:
            return self._claimed(response)
        finally:
            self.running.release()

    def _claimed(self, response):
        """Claim the output folder and run the check (the one call that runs)."""
        from vjepa_ros.eval.camera_check_out import refuse_other_check
        from vjepa_ros.out_lock import holds, release_output
        from vjepa_ros.out_paths import output_dir as claimed_dir

        try:  # before anything moves: a folder in use or unusable refuses the call
            folder = output_dir(self.node.config.camera_check.output_dir)
            if holds(folder):  # a claim is re-entrant within a process: say it here
                raise ValueError(f"{OPTION} {folder}: in use by another camera check of this "
                                 f"process (pid {os.getpid()}); wait for it to end")
            claimed_dir(folder, OPTION, create=False)
            replaced = refuse_other_check(folder, self._identity(), OPTION)  # another bag's
        except ValueError as exc:
            response.success, response.message = False, f"~/camera_check refused: {exc}"
            self.node.get_logger().warning(response.message)
            return response
        if replaced:  # the live check of another world model: this one replaces it
            self.node.get_logger().info(f"camera check: {replaced}")
        try:
            return self._check(response, folder)
        finally:
            release_output(folder)

    def _checkpoint(self) -> str:
        """Return ``model.checkpoint`` as ``vjepa-ros camera-check`` names its model ("" none).

        ``demo`` as the packaged file, absolute; a relative path the node's start folder's; one
        that no longer resolves (the node loaded it): its own spelling, made absolute.
        """
        from vjepa_ros.eval.camera_check_live_params import MODEL_KEYWORDS, absolute_path
        from vjepa_ros.input_paths import world_model_path

        checkpoint = absolute_path(self.node.config.model.checkpoint, self.start, MODEL_KEYWORDS)
        try:
            return str(world_model_path(checkpoint).resolve()) if checkpoint else ""
        except ValueError:
            return checkpoint

    def _written_params(self) -> dict:
        """Return the nested parameters the check writes: the node's, to restart it with.

        Its settings, rclpy's own parameters whose value is not rclpy's default
        (``use_sim_time`` true: a restart without it runs on wall time; false, the default, is
        left out as config/planner.yaml leaves it), and each path absolute
        (``camera_check_live_params.node_params``).
        """
        from vjepa_ros.eval.camera_check_live_params import node_params
        from vjepa_ros.nodes.rclpy_own import rclpy_own

        node = self.node
        own = {name: node.get_parameter(name).value for name, (_, default) in rclpy_own().items()
               if node.has_parameter(name) and node.get_parameter(name).value != default}
        return node_params(node.config, self.start, own, self._checkpoint())

    def _identity(self) -> dict:
        """Return what this node checks (``camera_check_out.check_identity``): arm and model."""
        from vjepa_ros.eval.camera_check_out import check_identity

        return check_identity(None, self._checkpoint())

    def _check(self, response, folder: Path):
        """Run the check (the folder claimed); answer with its verdict and written files."""
        node = self.node
        settings = node.config.camera_check
        try:
            run = node.session.start_camera_check(settings.motion, settings.verdict,
                                                   settings.trial)
        except (RuntimeError, ValueError) as exc:  # the session's one-line refusal
            response.success, response.message = False, str(exc)
            node.get_logger().warning(response.message)
            return response
        while not run.done.wait(WAIT_S):
            if node.closing:
                run.done.wait(5.0)  # session.close() ends it
                break
        node.worker.wake()
        from vjepa_ros.eval.camera_check_out import KEY
        from vjepa_ros.eval.camera_check_report import save_check, stopped_check_saved

        if run.result is None:  # stopped: say that nothing of it was written, as the commands
            response.success = False
            response.message = f"{run.describe()}; {stopped_check_saved(folder, writing=False)}"
            if run.left:
                response.message += f"; {run.left}"
            return response
        from vjepa_ros.eval.camera_check_report import PARAMS_FILE
        from vjepa_ros.eval.camera_check_unwritten import file_key, unwritten_words

        before = file_key(folder / PARAMS_FILE)
        try:  # labels: the result's own, one per row; motion_labels: every motion's (skipped)
            _, saved = save_check(run.result, folder, self._written_params(),
                                  world_model=self._checkpoint(),
                                  extra={"source": "~/camera_check", "motion_labels": run.labels,
                                         KEY: self._identity()},
                                  camera_topic=run.image_topic)
        except (OSError, ValueError) as exc:  # the file to load not this check's: no success
            response.success = False
            response.message = (f"camera check: {unwritten_words(folder, before, exc)}; the "
                                f"verdict (not saved): {run.result.explanation}")
            node.get_logger().error(response.message)
            return response
        response.success = True
        response.message = "; ".join([run.result.explanation, *saved.parts()])
        node.get_logger().info(f"camera check: {response.message}")
        return response

    def close(self) -> None:
        self.spinner.shutdown(timeout_sec=1.0)
        self.helper.destroy_node()

"""What a world model's file says of its training that planning with it must follow.

``vjepa-ros train`` records in ``world_model.pt`` (``models.checkpoint_records``) whether the
gripper was read (``data.topics.no_gripper``) and the end-effector point joint-state bags were
labelled at (``data.topics.tcp_xyz`` / ``tcp_rpy``); ``load_world_model`` gives them to the
model (``trained_without_gripper``, ``trained_tcp``). Two rules, applied where a model is
planned with (the planner node's and ``vjepa-ros run``'s / reach's ``MPCSession``, eval,
camera-check, demo); every command that plans prints their notes once (``run``, ``reach`` and
the simulator benchmarks through :func:`simulator_rules`: reach's planner node logs into a
hidden child output; ``eval`` and ``camera-check`` through :func:`recording_rules`):

- :func:`gripper_rule`: a model trained without the gripper (closedness 0 in every state, every
  gripper action 0) has gripper weights that learnt nothing; under ``goals.gripper: planned`` the
  search would command the hand from them (breaker52i: +0.58, a close, from noise). The gripper
  is held instead (``goals.gripper: hold``: the delta fixed at 0, the hand never commanded),
  with one warning. Held, not refused: the arm's motion is what the model learnt and the hand
  stays as it is, so nothing moves on noise, while a refusal would stop every such model under
  the default until ``hold`` is set by hand, the same outcome. ``subgoal`` (the hand from the
  captured sub-goals, the search's delta fixed at 0 too) is kept.
- :func:`tcp_note`: a model labelled at one end-effector point and planned at another is given
  other motions than it learnt (breaker52i: dx 0.040 m labelled, 0.059 m planned, for a tool
  0.2 m from the flange). A warning, not a refusal: only joint-state bags are labelled at the
  recorded point; pose-topic bags and simulator episodes carry their recorder's point, which
  may be the planner's even when the recorded setting was left at its default.

:func:`model_rate_note` (eval, camera-check: their ``--rate``): a model trained at one step rate
(``data.rate_hz``) and evaluated at another scores motions of another length than each of its
actions is (a 10 Hz model's 0.1 s against 0.25 s steps). A file that records no rate (the official
models, files written before) is taken as DROID's 4 Hz, said only where another rate is run.
"""


from __future__ import annotations

import dataclasses

import numpy as np

from vjepa_ros.robot.goal_switch_config import GoalSwitchConfig

TCP_TOLERANCE = 1e-6  # [m] / [rad]: the YAML round trip of a setting, not another point


# What the planner node's user may set instead (its goals.gripper parameter)
NODE_GRIPPER_ADVICE = "set goals.gripper hold or subgoal to say so"


def gripper_rule(model, switching: GoalSwitchConfig | None, advice: str = NODE_GRIPPER_ADVICE
                 ) -> tuple[GoalSwitchConfig | None, str]:
    """Return (``switching`` as planning with ``model`` runs it, a warning or "").

    ``model``: a world model, or a file's records (``models.checkpoint.CheckpointSizes``;
    ``trained_without_gripper``, False when absent); ``switching``: the ``goals.*`` settings,
    None for a planner without them (eval, demo, reach: taken as ``goals.gripper: planned``).
    A model trained without the gripper under ``planned``: ``gripper`` hold
    (``goal_switch_config.planner_settings`` then fixes the gripper delta at 0) and one line;
    anything else is returned unchanged with "". ``advice``: what the command's user may set
    instead, in the names it takes (``goals.*`` names become options through
    ``cli_options.option_message``); used only with ``switching`` (a command without
    ``goals.*`` settings is advised only to train with the gripper).
    """
    if not getattr(model, "trained_without_gripper", False):
        return switching, ""
    current = switching or GoalSwitchConfig()
    if current.gripper != "planned":
        return switching, ""
    held, advised = ("goals.gripper planned is held instead", f"{advice}, or ") \
        if switching is not None and advice else ("the gripper is held instead of planned", "")
    note = ("the world model was trained without the gripper (vjepa-ros train --no-gripper, "
            "data.topics.no_gripper: closedness 0 throughout), so its gripper dimension learnt "
            f"nothing: {held} (the search's gripper delta fixed at 0, the hand never "
            f"commanded); {advised}train with the gripper's state for a planned gripper")
    return dataclasses.replace(current, gripper="hold"), note


def simulator_rules(model, switching: GoalSwitchConfig | None = None, advice: str = ""
                    ) -> tuple[GoalSwitchConfig | None, list[str]]:
    """Apply the rules to planning in the simulator; return (``switching``, notes or "").

    The simulator states and commands the end effector at the Franka Hand TCP
    (``kinematics.HAND_TCP_XYZ`` / ``HAND_TCP_RPY``) and reads its hand's closedness at the
    Franka Hand's full opening (``joint_states.FRANKA_HAND_MAX_WIDTH``, 0.08 m), which no
    setting of ``vjepa-ros run`` or ``reach`` changes (reach's planner node would say the width
    into its hidden output only). ``model``, ``switching``, ``advice``: :func:`gripper_rule`'s.
    The notes: [the TCP note, the gripper note, the width note], each "" when its rule has
    nothing to say.
    """
    from vjepa_ros.robot.joint_states import FRANKA_HAND_MAX_WIDTH
    from vjepa_ros.robot.kinematics import HAND_TCP_RPY, HAND_TCP_XYZ

    switching, gripper_note = gripper_rule(model, switching, advice)
    return switching, [tcp_note(model, HAND_TCP_XYZ, HAND_TCP_RPY, None), gripper_note,
                       gripper_width_note(model, FRANKA_HAND_MAX_WIDTH, None, False)]


def simulator_notes(model, switchings=(None,), advice: str = "") -> list[str]:
    """Return :func:`simulator_rules`' notes for a run over ``switchings``, each once.

    For a command or benchmark that plans several episodes, perhaps under several
    ``GoalSwitchConfig`` (None: no ``goals.*`` settings), and says the notes once per run
    (``ReachEpisode.log`` keeps each episode's, worded for the planner node, unprinted).
    ``advice``: :func:`gripper_rule`'s. Empty notes are left out.
    """
    notes = [note for switching in switchings
             for note in simulator_rules(model, switching, advice)[1] if note]
    return list(dict.fromkeys(notes))


def recording_rules(model, recording, topics,
                    parameter: str = "--tcp-xyz / --tcp-rpy") -> list[str]:
    """Apply the rules to planning on a recorded bag: [the TCP, width and gripper notes].

    ``recording``: a ``recordings.Recording`` (its ``state_source``); ``topics``: the
    ``BagTopics`` it was read with. A joint-state bag's states are labelled at
    ``topics.tcp_xyz`` / ``tcp_rpy`` (``parameter``: the options that set it), and so are a pose
    topic's that agree with the joints' FK there (``recording.at_tcp``,
    ``recordings.pose_point``), so that point is compared with the model's; a pose-only bag
    carries its recorder's point (no TCP note; the reader notes a point given it). The
    gripper: ``eval.evaluate.evaluate_recording`` (eval's and camera-check's searches) holds it
    by :func:`gripper_rule` with no ``goals.*`` settings; its note is returned here so that the
    command prints it. The width: :func:`gripper_width_note` against
    ``topics.gripper_max_width`` (``--gripper-max-width``) when the bag's gripper is read. Each
    note is "" when its rule has nothing to say.
    """
    tcp = tcp_note(model, topics.tcp_xyz, topics.tcp_rpy, parameter) \
        if getattr(recording, "at_tcp", recording.state_source == "joint_states") else ""
    width = "" if topics.no_gripper else gripper_width_note(model, topics.gripper_max_width,
                                                             "--gripper-max-width", False)
    return [tcp, width, gripper_rule(model, None)[1]]


WIDTH_TOLERANCE = 1e-6  # [m]: the YAML round trip of a setting, not another hand


def gripper_width_note(model, width: float, parameter: str | None = "robot.gripper_max_width",
                       commanded: bool = True) -> str:
    """Return one warning when ``model`` records another gripper opening than ``width``, else "".

    ``width`` [m]: the opening the planner (``parameter``) reads as fully open; the model's
    ``trained_gripper_max_width`` the one its states' closedness (1 - opening / width, clipped
    to [0, 1]) was computed with (``data.topics.gripper_max_width``): what one hand reads at each
    (:func:`closedness_example`; 0.07 under 0.08: a hand 35 mm open reads 0.5625 here, 0.5 to
    the model, up to 0.125 apart). ``commanded``: ``parameter`` also sets the opens the planner
    commands (the advice to give it the model's width says so); None: the simulator's Franka
    Hand, whose opening no setting changes (only training again is advised). Models that record
    none (the
    official ones, older files) or were trained without the gripper
    (``trained_without_gripper``): "".
    """
    recorded = getattr(model, "trained_gripper_max_width", None)
    if recorded is None or getattr(model, "trained_without_gripper", False) or \
            abs(float(recorded) - float(width)) <= WIDTH_TOLERANCE:
        return ""
    recorded, width = float(recorded), float(width)
    opens = ""
    if commanded:
        opens = (f" (it also caps every commanded open at {recorded * 1000:.4g} mm)"
                 if recorded < width else
                 f" (every open is then commanded at {recorded * 1000:.4g} mm)")
    read = f"{parameter} is" if parameter else "the simulator's Franka Hand opens"
    advice = f"give {parameter} {recorded:g} if the hand is the same{opens}, or " \
        if parameter else ""
    return (f"the world model's gripper closedness was computed with a fully open width of "
            f"{recorded:g} m (vjepa-ros train's data.topics.gripper_max_width), but {read} "
            f"{width:g} m: {closedness_example(width, recorded)}; {advice}train again with "
            f"data.topics.gripper_max_width {width:g}")


def closedness_example(width: float, trained: float, other: str = "the model") -> str:
    """Say what one hand reads at two fully open widths, in words.

    ``width`` [m]: the fully open width read "here"; ``trained`` [m]: ``other``'s. A hand half
    the narrower width open reads a closedness within (0, 1) at both (1 - opening / width); the
    two differ most (1 - narrower / wider) for a hand open at the narrower width, one of them 0
    (wider hands read 0 at the narrower width: closedness is clipped to [0, 1]).
    """
    narrow = min(width, trained)
    middle = narrow / 2
    return (f"a hand {middle * 1000:.4g} mm open reads closedness {1 - middle / width:.4g} "
            f"here, {1 - middle / trained:.4g} to {other}, and the two differ by up to "
            f"{1 - narrow / max(width, trained):.3g} (a hand {narrow * 1000:.4g} mm open)")


def tcp_note(model, tcp_xyz, tcp_rpy,
             parameter: str | None = "robot.tcp_xyz / robot.tcp_rpy") -> str:
    """Return one warning when ``model`` records another end-effector point, else "".

    ``tcp_xyz`` [m] / ``tcp_rpy`` [rad]: the point the planner states (and commands) the end
    effector at; ``parameter``: its setting, named in the line and advised; None: the
    simulator's Franka Hand TCP, which no setting changes (only training again is advised).
    Models that record none (the official ones, older files): "".
    """
    recorded = getattr(model, "trained_tcp", None)
    if recorded is None:
        return ""
    mine = (tuple(float(v) for v in tcp_xyz), tuple(float(v) for v in tcp_rpy))
    if np.allclose(np.r_[recorded[0], recorded[1]], np.r_[mine[0], mine[1]], rtol=0,
                   atol=TCP_TOLERANCE):
        return ""

    def shown(point) -> str:
        return f"xyz {_numbers(point[0])} m, rpy {_numbers(point[1])} rad"

    planned = f"{parameter} is" if parameter else "the simulator plans at the Franka Hand TCP,"
    advice = f"give {parameter} the trained point if the tool is the same, or " \
        if parameter else ""
    return (f"the world model's joint-state labels were computed at the end-effector point "
            f"{shown(recorded)} (vjepa-ros train's data.topics.tcp_xyz / tcp_rpy), but "
            f"{planned} {shown(mine)}: planned motions are of another point than it learnt; "
            f"{advice}train again with --tcp-xyz / --tcp-rpy set to this one")


DROID_RATE_HZ = 4.0  # [Hz] the official models' step rate (DROID's frames), assumed when unsaid
RATE_TOLERANCE = 0.02  # the share two rates may differ by and be one (a YAML round trip, 29.97)


def rate_mismatch(recorded: float | None, rate_hz: float) -> float | None:
    """Return the step rate [Hz] a model was trained at when ``rate_hz`` is another (else None).

    ``recorded``: the rate a file records (``trained_rate_hz`` [Hz]; None: not recorded,
    DROID's :data:`DROID_RATE_HZ` assumed, as the official files are); ``rate_hz``: the step
    rate [Hz] a command runs or trains at. None when ``|rate_hz / trained − 1|`` is at most
    :data:`RATE_TOLERANCE` (one rate).
    """
    trained = DROID_RATE_HZ if recorded is None else float(recorded)
    return None if abs(rate_hz / trained - 1) <= RATE_TOLERANCE else trained


def unrecorded_rate_words(assumed_hz: float) -> str:
    """Say that a file records no step rate and which is assumed: the rate notes' one wording.

    ``assumed_hz``: DROID's :data:`DROID_RATE_HZ` [Hz], as :func:`rate_mismatch` takes it for a
    file that records none. After the file's name (``init.pt records no step rate (...)``) in
    ``train.predictor_init.init_rate_note``, after "the world model" in :func:`model_rate_note`.
    """
    return (f"records no step rate (DROID's {assumed_hz:g} Hz assumed: an official file, or one "
            "written before vjepa-ros train recorded it)")


def model_rate_note(model, rate_hz: float, parameter: str = "--rate") -> str:
    """Return one warning when ``model``'s actions are of another step rate than ``rate_hz``.

    ``model``: a world model or a file's records (``trained_rate_hz`` [Hz], None: not recorded,
    DROID's :data:`DROID_RATE_HZ` assumed and said so); ``rate_hz``: the step rate [Hz] the
    command runs at, set by ``parameter``. "" when they agree (:func:`rate_mismatch`).
    """
    recorded = getattr(model, "trained_rate_hz", None)
    trained = rate_mismatch(recorded, rate_hz)
    if trained is None:
        return ""
    said = (f"was trained at {trained:g} Hz steps (vjepa-ros train's data.rate_hz)"
            if recorded is not None else unrecorded_rate_words(trained))
    said = f"the world model {said}"
    return (f"{said}, each action a {1 / trained:.3g} s motion, but {parameter} is "
            f"{rate_hz:g} Hz ({1 / rate_hz:.3g} s steps): it is scored on motions of another "
            f"length than it learnt; give {parameter} {trained:g}, or train at {rate_hz:g} Hz")


def _numbers(values) -> str:
    return "[" + ", ".join(f"{float(v):.4g}" for v in values) + "]"

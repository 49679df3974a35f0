"""Names and seeds the simulator commands offer on their command lines, without the simulator.

``vjepa-ros collect`` and ``run`` build their parsers from these; importing ``manipulation``,
``randomize`` or ``reach_config`` for them would load pybullet, scipy and torch before the
options are even parsed (``benchmarks/bench_cli_startup.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vjepa_ros.name_lists import first_names

if TYPE_CHECKING:
    from vjepa_ros.planning.config import CEMConfig

TASKS = ("grasp", "reach-with-object", "pick-and-place")  # the manipulation tasks
RANDOMIZE_WHAT = ("all", "camera")  # what ``collect --randomize`` draws per episode
HELD_OUT_SEED_START = 900_000  # goal seeds of held-out episodes: 900000, 900001, ...
MAX_SEED = 2**32 - 1  # the largest scene seed (numpy's legacy seeding takes 32 bits)
# --close-gripper left out: what the tasks plan with besides the settings file's -1 (never), for
# the option's help (:func:`task_cem`)
CLOSE_GRIPPER_TASK_DEFAULT = "reach-with-object: 0, so that the object stays in hand"

# The paper's sub-goal images per task (``manipulation.setup_task``), switched after
# ``TaskLoopConfig.subgoal_steps`` (4, 10, 4) executed steps.
MILESTONES = {
    "grasp": ("grasp",),
    "reach-with-object": ("goal",),
    "pick-and-place": ("grasp", "carry", "place"),
}

# Beyond the paper: a sub-goal image at every turn of the expert's motion (for a world model that
# sees only the hand, like the oracle, which cannot infer "descend first" from a lifted object),
# and one halfway on the way to the pre-grasp pose (a learned model's energy is flat ~40 cm away).
# ``manipulation.setup_task(dense=True)`` makes them; grasp uses the first five.
DENSE_MILESTONES = {
    "grasp": ("approach", "pre-grasp", "descend", "closed", "grasp"),
    "reach-with-object": ("goal",),
    "pick-and-place": ("approach", "pre-grasp", "descend", "closed", "grasp", "carry", "lower",
                       "release", "place"),
}
MAX_DENSE_STEPS = 1000  # executed steps per dense sub-goal (--dense-steps), a sanity bound
# TaskLoopConfig.dense_steps (manipulation_loop), one per DENSE_MILESTONES["pick-and-place"]
DENSE_STEPS_DEFAULT = (6, 6, 5, 2, 4, 8, 4, 2, 3)
DENSE_STEPS_HELP = (
    f"executed steps per sub-goal ({', '.join(DENSE_MILESTONES['pick-and-place'])}; grasp uses "
    f"the first {len(DENSE_MILESTONES['grasp'])}; default "
    f"{' '.join(map(str, DENSE_STEPS_DEFAULT))})"
)


def check_scene_seeds(seed: int, episodes: int | None = None, option: str = "--seed",
                      count_option: str = "--episodes") -> None:
    """Refuse scene seeds outside ``[0, MAX_SEED]`` (ValueError naming ``option``).

    ``seed``: the first episode's scene seed; ``episodes``: how many episodes the command runs,
    seeded ``seed``, ``seed + 1``, ... (None: a command of one episode, without ``--episodes``;
    ``count_option`` names that count's option, e.g. the benchmark's ``--seeds``).
    Every command that takes a scene seed (``collect``, ``record``, ``run``) checks it here,
    before any simulator starts: ``--seed 4294967295 with --episodes 2: the seeds must lie in
    [0, 4294967295], the last would be 4294967296``.
    """
    if seed < 0:
        raise ValueError(f"{option} {seed}: must be >= 0 (a scene seed)")
    if episodes is None:
        if seed > MAX_SEED:
            raise ValueError(f"{option} {seed}: the seed must lie in [0, {MAX_SEED}] (a scene "
                             "seed)")
        return
    last = seed + episodes - 1  # every episode's scene seed, as the simulator's
    if last > MAX_SEED:
        raise ValueError(f"{option} {seed} with {count_option} {episodes}: the seeds must lie in "
                         f"[0, {MAX_SEED}], the last would be {last}")


def seeds_text(seeds) -> str:
    """``seed 900000``, ``seeds 900000..900003`` (consecutive) or ``seeds 900000, 900002``.

    ``seeds``: scene seeds (ints, any order, at least one). Every line that names a run's seeds
    words them so (a stopped run's saved files, a lost simulator's seeds not run, the
    training-seed note).
    """
    seeds = sorted(seeds)
    if len(seeds) == 1:
        return f"seed {seeds[0]}"
    if seeds == list(range(seeds[0], seeds[-1] + 1)):
        return f"seeds {seeds[0]}..{seeds[-1]}"
    return f"seeds {first_names(seeds, 4)}"


def check_training_seeds(seed: int, episodes: int, option: str = "--seed",
                         count_option: str = "--episodes") -> None:
    """Refuse training seeds that reach the held-out ones (ValueError naming ``option``).

    A command that makes training data (``collect``, the collection scripts) records episodes
    seeded ``seed`` .. ``seed + episodes - 1``; a seed of :data:`HELD_OUT_SEED_START` and up is
    exactly the scene that ``vjepa-ros run``, ``bench_manipulation.py`` and ``bench_reach.py``
    evaluate on (same objects, place spot, goal and sub-goal images), so a model trained on it
    is evaluated on its own training scenes. Call after :func:`check_scene_seeds`.
    """
    last = seed + episodes - 1
    if last < HELD_OUT_SEED_START:
        return
    if seed >= HELD_OUT_SEED_START:
        fix = f"give a {option} below {HELD_OUT_SEED_START}"
    else:
        fix = (f"the last would be {last}: give {count_option} at most "
               f"{HELD_OUT_SEED_START - seed} or a lower {option}")
    given = f"{option} {seed}" + ("" if episodes == 1 else f" with {count_option} {episodes}")
    raise ValueError(f"{given}: seeds {HELD_OUT_SEED_START} and up are the held-out evaluation "
                     "scenes (vjepa-ros run, bench_manipulation.py, bench_reach.py), and "
                     f"training data uses seeds below {HELD_OUT_SEED_START}: {fix}")


def training_seeds_note(seed: int, count: int, option: str = "--seed",
                        meaning: str = "") -> str:
    """Return a note when an evaluation's seeds ``seed`` .. ``seed + count - 1`` are training's.

    Seeds below :data:`HELD_OUT_SEED_START` are the ones ``collect`` records training data on,
    so a success rate measured there is not a held-out one. "" when every seed is held out.
    The same rule for every command that evaluates on scene seeds (``vjepa-ros run``,
    ``reach``, ``record``, ``bench_manipulation.py``, ``bench_reach.py``, ``bench_search.py``,
    ``bench_subgoal_switching.py``). ``option``: where the seed came from, as the note names it
    (``--seed``, ``goal_seed in reach.yaml``); ``meaning``: what that means for the command's
    output, where it measures no success (``record``'s bag: ``a model trained on collect's data
    has seen this episode ...``).
    """
    if seed >= HELD_OUT_SEED_START:
        return ""
    inside = min(count, HELD_OUT_SEED_START - seed)
    them = "them" if inside > 1 else "it"
    return (f"{seeds_text(range(seed, seed + inside))} (from {option}) "
            f"{'are' if inside > 1 else 'is a'} training seed{'s' if inside > 1 else ''} (collect "
            f"records training data below {HELD_OUT_SEED_START}): "
            f"{meaning or f'success measured on {them} is not held-out'}; the held-out scenes are "
            f"{HELD_OUT_SEED_START} and up")


def evaluation_seeds_note(seed: int, count: int, option: str = "--seed",
                          count_option: str = "--episodes") -> str:
    """Check an evaluation's scene seeds ``seed`` .. ``seed + count - 1``; return its note.

    :func:`check_scene_seeds` (ValueError naming ``option`` / ``count_option``: a seed past
    :data:`MAX_SEED`, refused as ``vjepa-ros run`` refuses it, before any simulator starts), then
    :func:`training_seeds_note` ("" when every seed is held out). The benchmarks that evaluate on
    scene seeds (``bench_manipulation.py``, ``bench_reach.py``, ``bench_search.py``,
    ``bench_subgoal_switching.py``) check here and print the note with their settings.
    """
    check_scene_seeds(seed, count, option, count_option)
    return training_seeds_note(seed, count, option)


def check_dense_subgoals(dense: bool, tasks, dense_option: str = "--subgoals dense") -> None:
    """Refuse dense sub-goals when none of ``tasks`` has any (ValueError naming ``dense_option``).

    reach-with-object has one goal, paper or dense (:data:`DENSE_MILESTONES`), so dense
    sub-goals asked for it alone would be announced and change nothing (breaker61a).
    ``dense_option``: how the command asks for them (``run``'s ``--subgoals dense``,
    ``bench_manipulation.py``'s ``--dense``); one task with dense sub-goals among ``tasks`` is
    enough.
    """
    if dense and tasks and all(len(DENSE_MILESTONES[task]) < 2 for task in tasks):
        several = [task for task in DENSE_MILESTONES if len(DENSE_MILESTONES[task]) > 1]
        raise ValueError(f"{dense_option} is for {' and '.join(several)}: {tasks[0]} has one "
                         "goal (no sub-goals to make dense), held until --max-steps: leave it "
                         "out")


def check_dense_steps(dense_steps: list[int] | None, dense: bool,
                      dense_option: str = "--subgoals dense", tasks=()) -> None:
    """Refuse a ``--dense-steps`` that would be ignored or never end (ValueError).

    Refused: without dense sub-goals, a count outside 1..1000, or for reach-with-object alone
    (one goal, no counts). ``dense_option``: how the command asks for dense sub-goals, named
    in the message.
    """
    if dense_steps is None:
        return
    if tasks and all(task == "reach-with-object" for task in tasks):
        raise ValueError("--dense-steps is for grasp and pick-and-place: reach-with-object has "
                         "one goal, held until --max-steps")
    if not dense:
        paper = "the paper's pick-and-place sub-goals switch after 4, 10, 4 steps" \
            if not tasks or "pick-and-place" in tasks else \
            "the paper's grasp has one sub-goal, held until --max-steps"
        raise ValueError(f"--dense-steps is for {dense_option} ({paper}): add {dense_option} "
                         "or leave it out")
    if any(not 1 <= n <= MAX_DENSE_STEPS for n in dense_steps):
        raise ValueError(f"--dense-steps {' '.join(map(str, dense_steps))}: every count must "
                         f"be 1..{MAX_DENSE_STEPS}")


def subgoals_text(task: str, dense: bool, dense_steps=DENSE_STEPS_DEFAULT) -> str:
    """Return how a header line names the sub-goals ``task`` plans toward.

    Paper: ``paper sub-goals (grasp, carry, place)``. Dense: the milestones this task uses,
    each with its executed-step count from ``dense_steps`` (one per pick-and-place milestone;
    grasp uses the first five): ``dense sub-goals (steps: approach 6, pre-grasp 6, descend 5,
    closed 2, grasp 4)``. reach-with-object has one goal either way: ``one goal``, with
    ``(no dense sub-goals)`` when dense ones were asked for.
    """
    if len(MILESTONES[task]) == 1 and len(DENSE_MILESTONES[task]) == 1:
        return "one goal (no dense sub-goals)" if dense else "one goal"
    if not dense:
        return f"paper sub-goals ({', '.join(MILESTONES[task])})"
    used = zip(DENSE_MILESTONES[task], dense_steps, strict=False)  # grasp: the first five
    counts = ", ".join(f"{name} {n}" for name, n in used)
    return f"dense sub-goals (steps: {counts})"


def task_cem(task: str, cem: CEMConfig, close_gripper_given: bool) -> CEMConfig:
    """Return the planner settings ``task`` runs with by default.

    reach-with-object starts with the object in hand and must keep it: unless the user chose
    ``close_gripper`` (``close_gripper_given``), it plans with the published close-gripper option
    from the first step (facts §5: the sampled gripper delta is forced to 1, so the plan never
    opens the hand). Without it a model that barely sees the gripper plans random gripper deltas
    and drops the object (docs/manipulation.md). The other tasks must open and close: unchanged.
    Here, without the simulator: ``run`` checks its options against it before anything loads.
    """
    if task == "reach-with-object" and not close_gripper_given:
        return cem.with_(close_gripper=0)
    return cem


def check_task_settings_used(tasks, cem: CEMConfig, close_gripper_given: bool, given) -> None:
    """Refuse a gripper sample setting that the tasks' own close-gripper step makes void.

    ``tasks``: those a command runs; ``cem``: its planner settings before :func:`task_cem`;
    ``given``: the settings typed (``cli_options.planner_overrides``). Each task plans with
    :func:`task_cem`'s settings; the shared rule (``planning.methods.
    check_given_settings_used``) refuses ``planner.momentum_std_gripper`` (the samples'
    spread, ``method_reads.CLOSED_GRIPPER_IDLE_FIELDS``) only when every task closes the hand
    from the first step (one that searches the gripper is enough). Raises ``config.UsageError``
    naming the ``planner.*`` settings, which the commands name as their options.
    """
    from vjepa_ros.planning.methods import check_given_settings_used

    planned = [(task, task_cem(task, cem, close_gripper_given)) for task in tasks]
    task, config = next(((t, c) for t, c in planned if c.close_gripper != 0), planned[0])
    check_given_settings_used(config, given, _closed_words(task),
                              "give --close-gripper (-1: never)")


def _closed_words(task: str) -> str:
    """Say why :func:`task_cem` closes ``task``'s hand from the first step."""
    return (f"{task} closes the hand from the first step (--close-gripper 0 when not given, so "
            "that the object stays in hand: no gripper sample is drawn)")

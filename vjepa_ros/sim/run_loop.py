"""``vjepa-ros run``'s episodes: the header, the per-episode loop, crashes and stops.

:func:`run_episodes` runs seeds ``--seed``, ``--seed + 1``, ... in one simulator, each planned
with noise seed :func:`planner_seed` (the scene seed, as ``bench_manipulation.py`` plans it);
an episode that raises is one line (:func:`crash_text`) and a failure in the totals, and a
stopped one (Ctrl-C, SIGTERM) has its steps so far saved (:func:`save_stopped_episode`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from vjepa_ros.cli_options import option_message
from vjepa_ros.sim.choices import seeds_text
from vjepa_ros.sim.run_notes import (
    RUN_GRIPPER_ADVICE,
    image_size_note,
    planner_text,
    setup_note,
)
from vjepa_ros.sim.run_stop import NO_STEP, SavedPictures


def planner_seed(scene_seed: int) -> int:
    """Return the seed of the planner's sampling noise for the episode of ``scene_seed``.

    The scene seed itself (an int in [0, 2**32 - 1], as ``planner.seed`` takes): ``vjepa-ros
    run --seed S`` and ``bench_manipulation.py``'s row for seed S plan with the same noise, so
    they are the same episode (breaker53e: ``run`` planned every episode with
    ``planner.seed`` 0).
    """
    return int(scene_seed)


def crash_text(exc: BaseException) -> str:
    """``RuntimeError: CUDA error: ...``: an episode's exception as one line.

    An exception without a message (``MemoryError()``, an ``assert``'s AssertionError) is its
    type's name alone, with no dangling ':'.
    """
    message = " ".join(option_message(str(exc)).split())
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def simulator_lost(sim) -> bool:
    """Whether ``sim``'s pybullet physics server is gone (closed, or disconnected by a crash).

    Every later pybullet call on it raises ``pybullet.error: Not connected to physics server``
    (a GUI window closed mid-run does it too), so no further episode can run on ``sim``.
    """
    from vjepa_ros.sim.pybullet_import import import_pybullet

    client = getattr(sim, "client", None)
    return client is None or not import_pybullet()[0].isConnected(physicsClientId=client)


# what a crash that disconnected pybullet did, in every line about it (here, bench_manipulation)
LOST = "the simulator's physics server was lost"


def lost_text(seeds) -> str:
    """One line for the ``seeds`` [range] a lost simulator leaves not run."""
    return f"{seeds_text(seeds)}: not run ({LOST} in that crash); counted as failures"


def _model_text(spec: str, model) -> str:
    if spec == "oracle":
        return "oracle (the simulator's exact stand-in world model: it knows the hand, not " \
               "the object)"
    from vjepa_ros.sim.reach_config import resolve_checkpoint

    path = resolve_checkpoint("" if spec == "demo" else spec)
    from vjepa_ros.threads import threads_text

    return (f"{path} ({model.device}, {str(model.dtype).replace('torch.', '')}"
            f"{threads_text(model.device)})")


def run_episodes(args: argparse.Namespace, settings: dict, model, out_dir: Path,
                 say=print, stopped: list[str] | None = None,
                 crashed: list[str] | None = None) -> list:
    """Run the episodes, print their lines, save their pictures; return the ``TaskRun`` list.

    Episode of seed s: planned with noise seed :func:`planner_seed` (s). Ctrl-C or SIGTERM
    (KeyboardInterrupt) anywhere (mid-episode, in a set-up, while pictures are written): the
    strip and GIF of the steps done so far are saved (:func:`save_stopped_episode`),
    ``stopped`` gets the words saying what the run saved (every episode's files:
    ``run_stop.SavedPictures.stop_text``), the totals over the episodes that ended are printed,
    marked as stopped, and the exception is raised again. Any error that ends the run (a full
    disk while an episode's pictures are written, an OSError, not one episode's crash) prints
    the same totals before it is raised: one path for every stop. Any other exception in an
    episode (a model's CUDA error, say): one line
    ``seed S: crashed (RuntimeError: ...)`` with what was saved, ``crashed`` gets that line, the
    episode counts as a failure in the totals and the next seed runs; one in the scene's set-up
    other than its RuntimeError (a skip: no sub-goal images) likewise. A crash that leaves the
    simulator's pybullet server disconnected (:func:`simulator_lost`) ends the loop: the seeds
    left are one line (:func:`lost_text`), not run, and failures in the totals (with ``crashed``
    non-empty the command exits 1).
    """
    from vjepa_ros.out_paths import overwritten_note
    from vjepa_ros.robot.trained_model import simulator_rules
    from vjepa_ros.sim.choices import subgoals_text, training_seeds_note
    from vjepa_ros.sim.manipulation import manipulation_sim_config, setup_task
    from vjepa_ros.sim.oracle import OracleWorldModel
    from vjepa_ros.sim.reach_media import picture_names, save_task_pictures
    from vjepa_ros.sim.sim import Sim
    from vjepa_ros.sim.task_run import format_totals, run_task

    cem, switching, (width, height) = settings["cem"], settings["switching"], settings["camera"]
    # the model's records: its TCP against the simulator's, a --no-gripper model's hand held
    held, model_notes = simulator_rules(model, switching, RUN_GRIPPER_ADVICE)
    dense = args.subgoals == "dense"
    seeds = range(args.seed, args.seed + args.episodes)
    say(f"world model  {_model_text(args.world_model, model)}")
    say(f"task         {args.task} with a {args.object}, {seeds_text(seeds)}, camera "
        f"{width}x{height}; "
        f"{subgoals_text(args.task, dense, settings['loop'].dense_steps)}; "
        f"switching: {held.describe()}")
    say(f"planner      {planner_text(cem, held)}")
    names = [file for seed in seeds  # save_task_pictures's, per episode, and an earlier
             for name in (f"{args.task}_{args.object}_{seed}", stopped_name(args, seed))
             for file in picture_names(name)]  # stop's (replaced: _remove_stale_stopped)
    notes = (training_seeds_note(args.seed, args.episodes),
             setup_note(args.task, dense, switching.gripper, args.world_model, args.object,
                        cem.gripper_round_threshold, switching.axes),
             image_size_note(getattr(model, "img_size", None), width, height,
                             getattr(model, "trained_frame_sizes", None)),
             *(option_message(note) for note in model_notes),
             overwritten_note(out_dir, "an earlier run's", names))
    for note in notes:
        if note:
            say(f"note         {note}")
    runs, skipped, crashes, not_run = [], 0, [] if crashed is None else crashed, 0
    pictures = SavedPictures(out_dir)  # what a stop says was saved
    current = None  # (seed, what was saved of it) of the episode under way: a stop's words
    try:
        with Sim(manipulation_sim_config(seeds[0], args.object, width, height)) as sim:
            if isinstance(model, OracleWorldModel):
                model.attach(sim)  # before the sub-goal images are rendered
            for number, seed in enumerate(seeds, 1):
                current = (seed, "")
                say(f"\nepisode {number}/{len(seeds)}: seed {seed}")
                try:
                    setup = setup_task(sim, seed, args.task, dense=dense)
                except RuntimeError as exc:
                    say(f"seed {seed}: skipped ({exc})")
                    skipped, current = skipped + 1, None
                    continue
                except Exception as exc:  # noqa: BLE001 (a scene not set up: a crash, no step)
                    setup, crash = None, exc
                done: list = []  # the steps of this episode, as they are done
                if setup is not None:
                    if setup.place_xy is not None:
                        say(f"place spot   ({setup.place_xy[0]:.3f}, "
                            f"{setup.place_xy[1]:.3f}) m")
                    try:
                        run = run_task(sim, model, setup, cem, args.object, settings["loop"],
                                       held, seed=planner_seed(seed), say=say, steps=done)
                        crash = None
                    except KeyboardInterrupt:
                        current = (seed, save_stopped_episode(out_dir, setup, done, args, seed,
                                                              pictures))
                        raise
                    except Exception as exc:  # noqa: BLE001 (one episode's crash: a failure)
                        crash = exc
                if crash is not None:
                    saved = save_stopped_episode(out_dir, setup, done, args, seed, pictures)
                    crashes.append(f"seed {seed}: crashed ({crash_text(crash)}); counted as a "
                                   f"failure; {saved}")
                    current = None
                    say(crashes[-1])
                    if simulator_lost(sim):  # every later episode would raise in its set-up
                        not_run = len(seeds) - number
                        if not_run:
                            say(lost_text(seeds[number:]))
                        break
                    continue
                runs.append(run)
                current = None  # finished: its pictures, even cut off by a stop, are noted
                # a hold's reason names the planning settings (an allocation failing
                # mid-episode: CEMConfig.samples): named as this command's options
                # (--samples), as cli.main does
                say(option_message(run.summary()))
                name = f"{args.task}_{args.object}_{seed}"
                with pictures.writing(seed):
                    strip, gif = save_task_pictures(out_dir, run, name)
                _remove_stale_stopped(out_dir, name)
                say(f"saved        {strip}\n             {gif}")
    except BaseException as exc:  # any stop: Ctrl-C, SIGTERM, a full disk, the simulator's end
        if stopped is not None and isinstance(exc, KeyboardInterrupt):
            stopped.append(pictures.stop_text(*(current or (None,))))
        finished = len(runs) + skipped + len(crashes)
        if finished:  # the episodes that ended: their totals are not lost (breaker55d, 55i)
            say(f"\n{format_totals(runs, skipped, len(crashes))}; stopped after {finished} "
                f"of {len(seeds)} episodes (the totals are over those)")
        raise
    if len(seeds) > 1:
        say("\n" + format_totals(runs, skipped, len(crashes), not_run))
    return runs


def save_stopped_episode(out_dir: Path, setup, steps: list, args: argparse.Namespace,
                         seed: int, pictures: SavedPictures) -> str:
    """Save the strip and GIF of an episode stopped after ``steps``; return where, in words.

    ``steps 1-7 of seed 900000 saved: DIR/..._strip.png, DIR/....gif`` (one step: ``step 1 of
    seed ...``), or ``nothing saved of seed 900000 (no step done)``. A failure to write is said,
    not raised (the stop goes on).
    ``pictures``: notes the files written (:class:`~vjepa_ros.sim.run_stop.SavedPictures`).
    """
    from vjepa_ros.sim.reach_media import save_step_pictures

    if not steps:
        return f"nothing saved of seed {seed} ({NO_STEP})"
    name = stopped_name(args, seed)
    try:
        with pictures.writing(seed):
            strip, gif = save_step_pictures(out_dir, setup, steps, name)
    except (OSError, ValueError) as exc:
        return f"nothing saved of seed {seed} ({exc})"
    done = "step 1" if len(steps) == 1 else f"steps 1-{len(steps)}"
    return f"{done} of seed {seed} saved: {strip}, {gif}"


def stopped_name(args: argparse.Namespace, seed: int) -> str:
    """Return the name of a stopped or crashed episode's pictures.

    ``<task>_<object>_<seed>_stopped`` (its strip and GIF: ``reach_media.picture_names``).
    """
    return f"{args.task}_{args.object}_{seed}_stopped"


def _remove_stale_stopped(out_dir: Path, name: str) -> None:
    """Remove an earlier run's stopped pictures of the episode just saved whole as ``name``.

    This run's own stop or crash of that seed would have left no whole pictures, so they are
    an earlier run's: kept, they would sit beside the new ones as if of this run (the overwrite
    note names them).
    """
    from vjepa_ros.sim.reach_media import picture_names

    for stale in picture_names(f"{name}_stopped"):
        (Path(out_dir) / stale).unlink(missing_ok=True)


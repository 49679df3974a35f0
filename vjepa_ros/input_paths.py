"""Input files of the ``vjepa-ros`` commands, checked before the libraries that read them load.

A missing checkpoint that is found only once torch, pybullet or rclpy have loaded costs seconds
(a minute on a busy machine) before its one-line error. Every command checks the paths it reads
first, with :func:`input_path`, in one line that names the option and says what to give
(``out_paths.py`` does the same for the paths a command writes).
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path

from vjepa_ros.path_advice import blocked_folder, shell_command, unreadable
from vjepa_ros.path_text import one_line, shown_path, whitespace_problem
from vjepa_ros.train.run_files import RUN_FILES
from vjepa_ros.user_paths import UNSET_START, UnsetVariable, expand_path

# What to give, as the messages say it.
EPISODE_FORMAT = "an .npz with observations [T, H, W, 3] uint8 and states [T, 7]"
# What pretraining, which reads no robot state, needs of an episode file
# Every frame layout an episode's observations are read in (episode_file.check_episode_frames)
FRAME_LAYOUTS = ("RGB; also read, as a bag's camera is: RGBA [T, H, W, 4], grey [T, H, W, 1], "
                 "16-bit colour as uint16")
FRAMES_FORMAT = (f"an .npz with observations [T, H, W, 3] uint8 ({FRAME_LAYOUTS}; pretraining "
                 "reads no states)")
# Every command's words for a world model file (models.checkpoint.CHECKPOINT_HINT too): where
# Meta's file is once torch.hub has loaded it (torch.hub.get_dir(), default ~/.cache/torch/hub;
# vjepa2's hub/backbones.py downloads VJEPA_BASE_URL/vjepa2-ac-vitg.pt), and where to get it.
OFFICIAL_CHECKPOINT = "~/.cache/torch/hub/checkpoints/vjepa2-ac-vitg.pt"
OFFICIAL_CHECKPOINT_URL = "https://dl.fbaipublicfiles.com/vjepa2/vjepa2-ac-vitg.pt"
CHECKPOINT_FORMAT = (f"a file written by vjepa-ros train or Meta's V-JEPA 2-AC checkpoint "
                     f"({OFFICIAL_CHECKPOINT} once torch.hub has loaded it; else download "
                     f"{OFFICIAL_CHECKPOINT_URL})")
# What an encoder option takes (train's --encoder, an encoder-only load): pretrain's file first
# (README "Pretraining the encoder": train --encoder encoder.pt), then the files above, whose
# encoder it reads, and Meta's encoder-only files (vjepa2's hub/backbones.py names vitl, vith,
# vitg).
ENCODER_FORMAT = ("an encoder written by vjepa-ros pretrain, a file written by vjepa-ros train, "
                  "or Meta's V-JEPA 2 checkpoint (vitl.pt, vith.pt, vitg.pt, or "
                  f"{OFFICIAL_CHECKPOINT} once torch.hub has loaded it; else download "
                  f"{OFFICIAL_CHECKPOINT_URL})")
SYMLINK_LOOP = "is a symlink loop (it cannot be resolved)"
DOES_NOT_EXIST = "does not exist"  # missing()'s word for a path with nothing there at all
UNREACHABLE = "cannot be reached"  # missing()'s start for a path the OS will not stat


def missing(path: str | os.PathLike) -> str:
    """Say why ``path`` cannot be found, as a message goes on after it; "" when it exists.

    ``does not exist``; for a symlink whose target cannot be reached ``is a symlink loop (it
    cannot be resolved)`` or ``is a broken symlink (to TARGET, which does not exist)``; for a
    folder on the way (a link's way too) this user may not enter ``cannot be reached: FOLDER
    cannot be read by this user (Permission denied): `` + ``path_advice.permission_fix`` of the
    folder (its ``chmod -R a+rX``: the whole line's advice, :func:`gives_fix`); another error
    ``cannot be reached (STRERROR)``; for a git-annex file whose content was never fetched (a
    link into ``.git/annex/objects/``) :data:`ANNEX_PLACEHOLDER` and :func:`annex_get`'s advice
    (:func:`gives_fix` too); for a path naming an environment variable that is not set
    ``names the environment variable NAME, which is not set here: ...`` (``user_paths``; its
    own fix too). ``~`` and ``$NAME`` are expanded (``user_paths.expand_path``).
    """
    try:
        path = os.fspath(expand_path(path))
    except UnsetVariable as exc:
        return exc.problem
    try:
        os.stat(path)
        return ""
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return SYMLINK_LOOP
        folder = blocked_folder(path) if exc.errno == errno.EACCES else None
        if folder is not None:
            return f"{UNREACHABLE}: {unreadable(folder, exc.strerror)}"
        if exc.errno not in (errno.ENOENT, errno.ENOTDIR):
            return f"{UNREACHABLE} ({exc.strerror})"
    if os.path.islink(path):
        target = os.readlink(path)
        if ANNEX_OBJECTS in target:  # a locked git-annex file whose content is not here
            return f"{ANNEX_PLACEHOLDER} (a link into {ANNEX_OBJECTS}): {annex_get(path)}"
        return f"is a broken symlink (to {shown_path(target)}, which does not exist)"
    return DOES_NOT_EXIST


# A git-annex (DataLad) clone's file whose content was never fetched: a link into the objects
# (locked, the default), or an unlocked pointer file whose text starts ANNEX_POINTER_START
ANNEX_OBJECTS = ".git/annex/objects/"
ANNEX_POINTER_START = b"/annex/objects/"
ANNEX_PLACEHOLDER = ("is a git-annex placeholder, not the file: its content was never fetched "
                     "into this clone")


def annex_get(path: str | os.PathLike) -> str:
    """Say how to fetch a git-annex placeholder's content: ``git annex get`` / ``datalad get``.

    ``run `git -C FOLDER annex get NAME` (DataLad: `datalad get PATH`)``, shell-quoted (a
    ``-C`` so that it runs from any folder).
    """
    path = Path(path).expanduser()
    return (f"run `{shell_command('git', '-C', path.parent, 'annex', 'get', path.name)}` "
            f"(DataLad: `{shell_command('datalad', 'get', path)}`)")


def gives_fix(problem: str) -> bool:
    """Whether :func:`missing`'s ``problem`` carries its own fix (a folder's ``chmod``).

    Then a message says no other advice after it (``give FILE``: the file is fine, or is
    fetched so).
    """
    return problem.startswith((f"{UNREACHABLE}: ", ANNEX_PLACEHOLDER, UNSET_START))


def input_path(path: str | os.PathLike, option: str, give: str, folder: bool = False,
               error: type[ValueError] = ValueError) -> Path:
    """Return ``path`` (``~``, ``$NAME`` expanded) when it can be read; else ValueError.

    Args:
        path: the path the user gave.
        option: how the message names it (``--episode``, ``episode``).
        give: what to give instead (``EPISODE_FORMAT``), after ``give``.
        folder: a directory is accepted too (a Hugging Face snapshot, a folder of episodes).
        error: the kind raised, a ValueError (``world_model_path``'s ``CheckpointError``).
    Raises:
        ValueError (``error``): ``{option} {path} PROBLEM: give {give}``: PROBLEM is
            :func:`missing`'s (``does not exist``, ``is a symlink loop ...``) or ``is a
            folder``; for a path this user may not read ``{option} `` +
            ``path_advice.unreadable`` (fix its permissions); for an environment variable in
            it that is not set ``{option} {path} names the environment variable NAME, which is
            not set here: ...`` (``user_paths``).
    """
    try:
        path = expand_path(path)
    except UnsetVariable as exc:
        raise error(f"{option} {exc}") from None
    problem = missing(path)
    if gives_fix(problem):  # a folder on the way this user may not enter: its chmod, no more
        raise error(f"{option} {shown_path(path)} {problem}")
    if not problem and path.is_dir() and not folder:
        problem = "is a folder"
    elif not problem and not os.access(path, os.R_OK | (os.X_OK if path.is_dir() else 0)):
        raise error(f"{option} {unreadable(path)}")
    if not problem:
        return path
    blank = whitespace_problem(str(path))  # a pasted path's space: said, not only quoted
    problem += f" (its name {blank})" if blank else ""
    raise error(f"{option} {shown_path(path)} {problem}: give {give}")


def world_model_path(spec: str, option: str = "--checkpoint",
                     keywords: tuple[str, ...] = ("demo",), encoder: bool = False) -> Path:
    """Return the file a world model option names: ``demo`` (the packaged one) or a path.

    For the commands that plan: a folder (a Hugging Face snapshot) holds an encoder only and is
    refused too, naming the torch.save files it holds (``it holds X.pt: give that file``, as
    the loaders say it: ``models.file_problems.held_checkpoints``); a train output folder with
    the advice to give its ``world_model.pt`` (else ``latest.pt``). Raises
    ``models.errors.CheckpointError`` (a ValueError; a file problem: exit status 1 where the
    planner node refuses it) naming ``option`` for a missing, unreadable or folder path, and
    for ``demo`` when the demo world model is not installed
    (``sim.reach_config.resolve_checkpoint``'s message). ``keywords``: the names the option
    takes besides paths; one given in other letters (``Demo``) with no such file is refused
    saying the keyword's spelling (breaker38: it read "does not exist").
    ``encoder``: the option takes an encoder alone, so the advice names its writers too
    (:data:`ENCODER_FORMAT`, ``vjepa-ros pretrain`` first), else :data:`CHECKPOINT_FORMAT`.
    """
    from vjepa_ros.models.errors import CheckpointError  # (no torch)

    give = ENCODER_FORMAT if encoder else CHECKPOINT_FORMAT
    lower = str(spec).lower()
    if lower in keywords and spec != lower and not Path(spec).expanduser().exists():
        raise CheckpointError(f"{option} {spec}: no such file; the keyword is lower case: "
                              f"{option} {lower}")
    if spec == "demo":
        from vjepa_ros.sim.reach_config import resolve_checkpoint  # numpy and yaml only

        try:
            return resolve_checkpoint("", option)
        except FileNotFoundError as exc:
            raise CheckpointError(f"{option} demo: {exc}") from None
    inside = run_model_file(spec)
    if inside is not None:
        shown = expand_path(spec)
        raise CheckpointError(f"{option} {shown_path(shown)} is a folder: "
                              f"{run_folder_fix(inside)}")
    path = input_path(spec, option, give, folder=True, error=CheckpointError)
    if path.is_dir():  # a snapshot holds an encoder only; name the files it holds (user54u)
        from vjepa_ros.models.file_problems import held_checkpoints

        held = held_checkpoints(path)
        raise CheckpointError(f"{option} {shown_path(path)} is a folder: "
                              f"{held or f'give {give}'}")
    return path


def checked_world_model(spec: str, option: str) -> Path:
    """Return the world model file ``spec`` names once it would load with a predictor.

    For a script that hands the file to a planner node of its own (the node would refuse it in
    its own process, its words lost): :func:`world_model_path`, then the load's checks run on
    the file's keys and shapes (``models.checkpoint.check_checkpoint``: cheap, no weight's
    data read). Raises ValueError in one line naming ``option`` (:func:`world_model_error`).
    """
    from vjepa_ros.models.checkpoint import check_checkpoint
    from vjepa_ros.models.errors import CheckpointError

    path = world_model_path(spec, option)
    try:
        check_checkpoint(path, need_predictor=True)
    except (CheckpointError, OSError) as exc:
        raise world_model_error(exc, path, option, spec) from None
    return path


# The model files a `vjepa-ros train` output folder holds, the one to give first.
RUN_MODEL_FILES = (RUN_FILES["world_model"], RUN_FILES["latest"])


def run_model_file(path: str | os.PathLike) -> Path | None:
    """Return the model file in ``path`` when it is a train output folder, else None.

    ``world_model.pt`` (the finished run's export), else ``latest.pt`` (a run's checkpoint,
    loadable too); None for a file, a missing path or a folder without them, and for a folder
    this user may not enter (os.path's tests: no PermissionError; :func:`input_path` or the
    loader then says so with ``path_advice.unreadable``'s advice).
    """
    try:
        folder = expand_path(path)
    except UnsetVariable:  # input_path or the loader says so
        return None
    if not os.path.isdir(folder):
        return None
    return next((folder / name for name in RUN_MODEL_FILES if os.path.isfile(folder / name)),
                None)


def run_folder_fix(inside: Path) -> str:
    """Say to give the model file ``inside`` a train output folder (:func:`run_model_file`)."""
    what = ("the world model" if inside.name == RUN_MODEL_FILES[0]
            else "the latest checkpoint")
    return f"give {shown_path(inside)} ({what} of the vjepa-ros train run there)"


def world_model_error(exc: Exception | str, path: str | os.PathLike, option: str,
                      spec: str | None = None, encoder: bool = False) -> ValueError:
    """Return a world model loader's error about file ``path`` as one line naming ``option``.

    The loaders (``models.checkpoint``) name the file only: ``FILE is not a vjepa_ros
    checkpoint (...): give ...`` becomes ``--checkpoint FILE is not a vjepa_ros checkpoint
    ...``; a message that does not start with the file gets ``OPTION SPEC: `` before it
    (``spec``: what the user typed, e.g. ``demo``; default ``path``). For every command and
    benchmark that loads a model a user named (``--checkpoint``, ``--world-model``, ``--init``).
    ``path`` a train output folder: the line ends with the file to give (:func:`run_model_file`).
    ``encoder``: ``option`` takes an encoder alone (train's ``--encoder``): the loaders' advice
    for a file that is no checkpoint (``give`` :data:`CHECKPOINT_FORMAT`: train's and Meta's AC
    files) names an encoder's writers instead (:data:`ENCODER_FORMAT`: ``vjepa-ros pretrain``
    first; the error's parts said again, ``models.errors.NotACheckpointError.giving``). A
    ValueError keeps its kind (``CheckpointError``); anything else becomes a ValueError.
    """
    from vjepa_ros.models.errors import NotACheckpointError  # (no torch)

    if encoder and isinstance(exc, NotACheckpointError):  # the loaders' advice, an encoder's
        exc = exc.giving(ENCODER_FORMAT)
    message = one_line(str(exc))  # a path's two spaces in a row kept
    inside = run_model_file(path)
    if inside is not None:  # a train output folder: the file in it (any loader's words)
        message += f"; {run_folder_fix(inside)}"
    shown = str(path if spec is None else spec)
    named = shown_path(path)
    if spec in (None, str(path)) and message.startswith((f"{named} ", f"{named}:")):
        message = f"{option} {message}"
    else:
        message = f"{option} {shown_path(shown)}: {message}"
    try:  # the same kind (a CheckpointError stays one) where it is a ValueError
        return type(exc)(message) if isinstance(exc, ValueError) else ValueError(message)
    except TypeError:  # a kind with another signature
        return ValueError(message)


def distinct_files(specs: list[str], option: str, say: Callable[[str], object] = print,
                   keywords: tuple[str, ...] = ()) -> list[str]:
    """Return ``specs`` with each file once (its first spelling); ``say`` notes each dropped.

    Two specs are one file when they resolve to the same path (``./x.pt`` and ``../repo/x.pt``,
    a symlink and its target). A keyword in ``keywords`` (``"demo"``, for the world model
    options) is first read as the packaged file it names (``sim.reach_config.demo_model_path``),
    so ``demo`` and that file's path are one too. A spec that is no file (``demo`` not
    installed, a missing path: refused later by its loader) is one only with the same text.
    The note: ``# note: --checkpoint ../repo/x.pt names the same file as x.pt: run once``
    (``option`` names the list). Never raises on a path it cannot resolve; raises ValueError
    for a keyword without a packaged file (:data:`KEYWORD_FILES`: ``demo`` only), whatever
    ``specs`` hold (the caller's mistake, not its user's).
    """
    unknown = [keyword for keyword in keywords if keyword not in KEYWORD_FILES]
    if unknown:
        raise ValueError(f"distinct_files: no packaged file for the keyword(s) "
                         f"{', '.join(map(repr, unknown))} (known: "
                         f"{', '.join(KEYWORD_FILES)})")
    kept: list[str] = []
    seen: dict[object, str] = {}
    for spec in specs:
        path = KEYWORD_FILES[spec]() if spec in keywords else Path(spec)
        try:
            key: object = path.resolve() if path.exists() else ("text", spec)
        except (OSError, RuntimeError, ValueError):  # a loop of links, a NUL: its loader says
            key = ("text", spec)
        if key in seen:
            say(f"# note: {option} {spec} names the same file as {seen[key]}: run once")
            continue
        seen[key] = spec
        kept.append(spec)
    return kept


def _demo_file() -> Path:
    """Return the packaged demo world model's path (``sim.reach_config.demo_model_path``)."""
    from vjepa_ros.sim.reach_config import demo_model_path  # numpy and yaml only

    return demo_model_path()


# keyword -> the packaged file it names (distinct_files' keywords)
KEYWORD_FILES: dict[str, Callable[[], Path]] = {"demo": _demo_file}

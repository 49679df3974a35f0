"""The names of the files a ``vjepa-ros train`` run writes in its ``--out`` folder (torch-free).

The one place they are written: the trainer writes them, set-up refuses a folder in their way,
and the commands that take a run's folder as ``--checkpoint`` (``input_paths``) look for them.
"""

from __future__ import annotations

from pathlib import Path

# The files a run writes in <out>, by their key in the training summary's "files"
RUN_FILES = {"latest": "latest.pt", "world_model": "world_model.pt", "log": "log.json",
             "plot": "loss.png"}


def run_files(out: str | Path) -> dict[str, Path]:
    """Return the paths of the files a run writes in folder ``out`` (:data:`RUN_FILES`' keys).

    ``out`` is taken as given (a caller expands ``~`` first where it means to).
    """
    return {key: Path(out) / name for key, name in RUN_FILES.items()}

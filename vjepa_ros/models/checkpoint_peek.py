"""A torch.save file's ``config`` entry read without torch, for choices made before it loads.

``vjepa-ros launch`` sizes its simulator by the frames the planner's model was trained on
(``launch_inputs.size_sim_for_model``) before any node checks its parameters, and a refused
``-p`` must come before torch loads (seconds). A ``torch.save`` zip holds its objects in one
pickle (``<archive>/data.pkl``) and each tensor's bytes in a file of its own; the pickle names
tensors by ``persistent_id`` and rebuilds them through ``torch._utils`` functions. Here that
pickle is read with every ``torch`` global and persistent id read as None and no other global
than ``collections.OrderedDict`` allowed (nothing is imported or run), so the plain Python
values (``config``: dicts, lists, numbers, strings) come back as written. No torch, no ROS.
"""

from __future__ import annotations

import collections
import pickle
import zipfile
from pathlib import Path

ALLOWED = {("collections", "OrderedDict"): collections.OrderedDict}
MAX_PICKLE_BYTES = 64 * 2**20  # a world model's data.pkl is kB: larger is no file of ours


class _ConfigUnpickler(pickle.Unpickler):
    """Unpickle a torch.save ``data.pkl``: tensors and storages as None, nothing imported."""

    def find_class(self, module: str, name: str):
        if (module, name) in ALLOWED:
            return ALLOWED[(module, name)]
        if module == "torch" or module.startswith("torch."):
            return _nothing
        raise pickle.UnpicklingError(f"global {module}.{name} is not read here")

    def persistent_load(self, pid):
        return None


def _nothing(*args, **kwargs) -> None:
    return None


def peek_config(path: str | Path) -> dict | None:
    """Return the ``config`` entry of the ``torch.save`` zip at ``path``, or None.

    None where the file has none (the official checkpoints' ``config`` is there, a bare state
    dict has none), or cannot be read so: not a zip (the legacy format, not a checkpoint), no
    ``data.pkl``, a pickle that names any other global or does not unpickle. Never raises for
    the file's content: the loader (``checkpoint_file.read_checkpoint_file``) says what is
    wrong with a file, when the model loads. ``OSError`` for a file that cannot be opened.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            name = next((n for n in archive.namelist() if n.endswith("/data.pkl")
                         or n == "data.pkl"), None)
            if name is None or archive.getinfo(name).file_size > MAX_PICKLE_BYTES:
                return None
            with archive.open(name) as file:
                loaded = _ConfigUnpickler(file).load()
    except (zipfile.BadZipFile, pickle.UnpicklingError, EOFError, ValueError, TypeError,
            AttributeError, IndexError, KeyError):
        return None
    config = loaded.get("config") if isinstance(loaded, dict) else None
    return config if isinstance(config, dict) else None

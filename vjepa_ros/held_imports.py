"""torch's import with the stop signals held: a Ctrl-C inside it must not cross its C++ code.

torch's import runs C++ that calls back into Python (its operator registrations). A Ctrl-C that
Python raised inside such a callback crossed the C++ frames: ``terminate called after throwing an
instance of 'pybind11::error_already_set'``, the process aborted (status -6, a core dump) instead
of the command's one stop line (``bench_models.py`` stopped while it imported torch, fuzzed).
:func:`hold_heavy_imports` puts a finder first on ``sys.meta_path`` that runs the import of
:data:`HELD_IMPORTS` (the package's ``__init__`` and all it imports) within
``terminate.stop_signals_held``: a stop is raised as that ``__init__`` has run to its end (in
Python, no C++ frame below it; the import then fails as any stopped import does).
``entry_points.run_stoppable`` and ``command_errors.run_reporting`` install it
(``terminate.command_holds_stops``), where a stop raises.
"""

from __future__ import annotations

import sys

# Top-level packages whose import runs C++ that calls Python back
HELD_IMPORTS = frozenset({"torch"})


class _HeldLoader:
    """The package's own loader, its ``exec_module`` within the stops held."""

    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module) -> None:
        from vjepa_ros.terminate import stop_signals_held

        module.__loader__ = self._loader  # (as imported without this finder)
        if module.__spec__ is not None:
            module.__spec__.loader = self._loader
        with stop_signals_held():
            self._loader.exec_module(module)


class _HeldImportFinder:
    """Finds :data:`HELD_IMPORTS` as the finders after it do; loads them with stops held."""

    def find_spec(self, name, path=None, target=None):
        if name not in HELD_IMPORTS:
            return None
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            if finder is self or find is None:
                continue
            spec = find(name, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _HeldLoader(spec.loader)
                return spec
        return None


def hold_heavy_imports() -> None:
    """Import :data:`HELD_IMPORTS` with the stop signals held from now on (module doc); once."""
    if not any(isinstance(finder, _HeldImportFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _HeldImportFinder())

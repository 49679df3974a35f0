"""Package exports imported on first use (PEP 562), so that light submodules stay light.

``from vjepa_ros.planning.config import preset`` runs ``vjepa_ros/planning/__init__.py`` first;
when that imports the planners, every command line pays for torch (seconds) before its options
are even parsed. A package that lists its exports here imports each one from its submodule the
first time it is used: ``from vjepa_ros.planning import make_planner`` works as before.
"""

from __future__ import annotations

import importlib
import sys


def lazy_exports(package: str, exports: dict[str, tuple[str, ...]]):
    """Return ``(__getattr__, __dir__, __all__)`` for ``package``'s ``__init__``.

    Args:
        package: the package's ``__name__``.
        exports: submodule name (relative) -> the public names it defines.
    Returns:
        The module-level ``__getattr__`` (imports the submodule of a public name, or a submodule
        asked for by name, and caches the value in the package), ``__dir__`` and ``__all__``
        (the public names, sorted).
    """
    where = {name: module for module, names in exports.items() for name in names}

    def __getattr__(name: str):
        namespace = sys.modules[package].__dict__
        if name in where:
            value = getattr(importlib.import_module(f"{package}.{where[name]}"), name)
        else:
            try:
                value = importlib.import_module(f"{package}.{name}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{package}.{name}":
                    raise
                raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(sys.modules[package].__dict__) | set(where))

    return __getattr__, __dir__, sorted(where)

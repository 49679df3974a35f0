"""Package exports imported on first use (PEP 562), so that light submodules stay light.

``from vjepa_ros.planning.config import preset`` runs ``vjepa_ros/planning/__init__.py`` first;
when that imports the planners, every command line pays for torch (seconds) before its options
are even parsed. A package that lists its exports here imports each one from its submodule the
first time it is used: ``from vjepa_ros.planning import make_planner`` works as before.
"""

from __future__ import annotations

import importlib
import sys
import types


class _LazyPackage(types.ModuleType):
    """A package whose export named like its submodule (``recordings.resample``) stays the export.

    Importing submodule ``P.x`` sets attribute ``x`` of ``P`` to the module; where ``P`` exports
    a function ``x`` from that very submodule, the function is kept, as the eager
    ``from P.x import x`` in ``__init__`` did.
    """

    def __setattr__(self, name, value):
        where = self.__dict__.get("_exported_from", {})
        if (isinstance(value, types.ModuleType) and where.get(name) == name
                and value.__name__ == f"{self.__name__}.{name}"):
            value = getattr(value, name)
        super().__setattr__(name, value)


def lazy_exports(package: str, exports: dict[str, tuple[str, ...]]):
    """Return ``(__getattr__, __dir__, __all__)`` for ``package``'s ``__init__``.

    Args:
        package: the package's ``__name__``.
        exports: submodule name (relative) -> the public names it defines.
    Returns:
        The module-level ``__getattr__`` (imports the submodule of a public name, or a submodule
        asked for by name, and caches the value in the package), ``__dir__`` and ``__all__``
        (the public names, sorted). The package keeps the map as ``_exported_from``.
    """
    where = {name: module for module, names in exports.items() for name in names}
    module = sys.modules[package]
    module._exported_from = where
    module.__class__ = _LazyPackage

    def __getattr__(name: str):
        if name in where:
            value = getattr(importlib.import_module(f"{package}.{where[name]}"), name)
        else:
            try:
                value = importlib.import_module(f"{package}.{name}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{package}.{name}":
                    raise
                raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(sys.modules[package].__dict__) | set(where))

    return __getattr__, __dir__, sorted(where)

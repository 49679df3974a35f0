"""The package versions a measurement depends on, to print and store beside its numbers.

Numbers from the simulator and from seeded initializations are not portable between installs:
contact-rich episodes diverge from ulp-level differences between numpy builds (one scripted-expert
pick-and-place seed changed outcome between numpy 2.3.5 and 2.4.6, whose random streams are the
same; session 37) and torch 2.11 and 2.13 draw different weights from one seed. A benchmark that
prints these versions with its settings says which install its numbers belong to.
"""

from __future__ import annotations

import importlib.metadata
import platform

PACKAGES = ("numpy", "torch", "pybullet", "scipy")  # what the simulator and the models rest on


def versions(packages=PACKAGES) -> dict[str, str]:
    """Return {"python": "3.11.2", "numpy": "2.4.6", ...}: installed versions, by distribution.

    A package that is not installed reads "not installed" (never raises).
    """
    found = {"python": platform.python_version()}
    for name in packages:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def versions_line(packages=PACKAGES) -> str:
    """Return the versions as one line: ``python 3.11.2, numpy 2.4.6, torch 2.13.0+cpu, ...``."""
    return ", ".join(f"{name} {version}" for name, version in versions(packages).items())

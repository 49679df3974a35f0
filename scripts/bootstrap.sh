#!/usr/bin/env bash
# Create (or reuse) the isolated environment vjepa_ros runs in, and install what it needs.
# Sourced by scripts/demo.sh and scripts/test.sh; safe to run by hand: `bash scripts/bootstrap.sh`.
#
#   VJEPA_VENV    where the environment lives (default: <repo>/.venv)
#   PYTHON        interpreter to build it from (default: python3; must be >= 3.10)
#   VJEPA_TORCH   "cpu" (default): CPU build of PyTorch; "cuda": PyPI's default (CUDA) build;
#                 "skip": use whatever torch the interpreter already has.
#   VJEPA_REINSTALL=1  point an environment that runs another checkout's vjepa_ros at this one.
#
# vjepa_ros is installed editable: the environment runs the code of ONE checkout. Given an
# environment that runs another checkout (VJEPA_VENV shared by two clones or worktrees), this
# script refuses rather than silently running the other checkout's code; VJEPA_REINSTALL=1
# reinstalls it for this checkout (the other one then runs this code until it does the same).
set -euo pipefail

VJEPA_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
VJEPA_VENV_GIVEN="${VJEPA_VENV:-}"  # set by the caller (the refusal's advice depends on it)
VJEPA_VENV="${VJEPA_VENV:-$VJEPA_ROOT/.venv}"
PYTHON="${PYTHON:-python3}"
TORCH_VERSION="2.13.0"
VJEPA_TORCH="${VJEPA_TORCH:-cpu}"

log() { echo "[vjepa_ros setup] $*" >&2; }

"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' || {
  log "Python >= 3.10 is required ($("$PYTHON" --version 2>&1) found)"; exit 1; }

# A sourced ROS 2 distro provides rclpy: the environment must see it (system packages), not wheels.
if "$PYTHON" -c 'import rclpy' >/dev/null 2>&1; then ros_mode="system"; else ros_mode="wheels"; fi

vpy="$VJEPA_VENV/bin/python"
# Which checkout the environment runs: where `import vjepa_ros` resolves (-I: not PYTHONPATH or
# the current directory, only the environment's own site-packages).
installed_root() {
  "$vpy" -I -c 'import importlib.util as u, pathlib as p; s = u.find_spec("vjepa_ros")
print(p.Path(s.origin).resolve().parent.parent if s and s.origin else "")' 2>/dev/null || true
}
if [ -x "$vpy" ]; then
  owner="$(installed_root)"
  if [ -n "$owner" ] && [ "$owner" != "$VJEPA_ROOT" ]; then
    if [ "${VJEPA_REINSTALL:-0}" != "1" ]; then
      log "refusing: $VJEPA_VENV runs vjepa_ros from another checkout, $owner (this one is $VJEPA_ROOT)."
      if [ -n "$VJEPA_VENV_GIVEN" ] && [ "$VJEPA_VENV" != "$VJEPA_ROOT/.venv" ]; then  # elsewhere
        log "Use an environment per checkout (unset VJEPA_VENV to get $VJEPA_ROOT/.venv), or rerun with"
      else  # the default itself runs the other checkout (a copied clone, a linked .venv)
        log "Use an environment per checkout: move $VJEPA_VENV aside (mv, or rm a link) and rerun to build"
        log "one for this checkout, or set VJEPA_VENV to a new path; or rerun with"
      fi
      log "VJEPA_REINSTALL=1 to install this checkout into it (then $owner runs this code)."
      exit 1
    fi
    log "reinstalling vjepa_ros in $VJEPA_VENV for $VJEPA_ROOT (it ran $owner)"
  fi
fi

# The stamp names the checkout, so an environment installed for another one is never taken as ready.
stamp_want="$( { cat "$VJEPA_ROOT/setup.py" "$VJEPA_ROOT/requirements-ros.txt" "${BASH_SOURCE[0]}"
  echo "$VJEPA_ROOT"; } | sha256sum | cut -c1-16)-$ros_mode-$VJEPA_TORCH-$("$PYTHON" -c 'import sys; print(sys.version_info[:2])')"
stamp_file="$VJEPA_VENV/.vjepa_ros_stamp"
if [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$stamp_want" ]; then
  return 0 2>/dev/null || exit 0
fi

start=$SECONDS
if [ ! -x "$VJEPA_VENV/bin/python" ]; then
  log "creating $VJEPA_VENV (ROS 2: $ros_mode)"
  if [ "$ros_mode" = "system" ]; then
    "$PYTHON" -m venv --system-site-packages "$VJEPA_VENV"
  else
    "$PYTHON" -m venv "$VJEPA_VENV"
  fi
fi
pip_q() { "$vpy" -m pip install --quiet --disable-pip-version-check "$@"; }

if [ "$VJEPA_TORCH" != "skip" ] && ! "$vpy" -c 'import torch' >/dev/null 2>&1; then
  log "installing PyTorch $TORCH_VERSION ($VJEPA_TORCH build)"
  if [ "$VJEPA_TORCH" = "cuda" ]; then
    pip_q "torch==$TORCH_VERSION"
  else
    # 1) a local wheel directory pip is configured with, 2) PyTorch's CPU index, 3) PyPI as a last resort.
    pip_q --no-index "torch==$TORCH_VERSION" 2>/dev/null \
      || pip_q "torch==$TORCH_VERSION" --index-url https://download.pytorch.org/whl/cpu 2>/dev/null \
      || pip_q "torch==$TORCH_VERSION"
  fi
fi

log "installing vjepa_ros and its pip dependencies"
pip_q -e "$VJEPA_ROOT[test]"

if ! "$vpy" -c 'import rclpy' >/dev/null 2>&1; then
  log "no ROS 2 found: installing the rclpy / message wheels from requirements-ros.txt"
  pip_q -r "$VJEPA_ROOT/requirements-ros.txt"
fi
"$vpy" -c 'import rclpy, sensor_msgs.msg, torch' || { log "environment check failed"; exit 1; }

echo "$stamp_want" > "$stamp_file"
log "environment ready in $((SECONDS - start)) s: $VJEPA_VENV"

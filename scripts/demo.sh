#!/usr/bin/env bash
# Run the package's main job end to end (creating the environment first if needed).
# Extra arguments go to `vjepa-ros demo`, e.g. `bash scripts/demo.sh --help`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/bootstrap.sh"
source "$here/ros_env.sh"
cd "$VJEPA_ROOT"
exec "$VJEPA_VENV/bin/vjepa-ros" demo "$@"

#!/usr/bin/env bash
# Starts the test JupyterLab on 127.0.0.1 (default port 8888), serving the
# directory given as the first argument (default: notebooks/), with the
# Whittle kernel. `npm run lab [-- DIR]` calls this.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
[ -f "$here/build/bundle.js" ] || bash "$here/setup.sh"
dir="$(cd "${1:-$root/notebooks}" && pwd)"
shift || true
export JUPYTER_PATH="$here/build/jupyter-prefix/share/jupyter"
exec /usr/bin/python3 "$here/main.py" --ip 127.0.0.1 --port "${WHITTLE_LAB_PORT:-8888}" --no-browser \
  --allow-root --ServerApp.root_dir="$dir" "$@"

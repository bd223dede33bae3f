#!/usr/bin/env bash
# Builds the test JupyterLab (test/lab/build): installs its own pinned
# dependencies, bundles the app, links Whittle's prebuilt extension where
# jupyterlab_server looks for prebuilt extensions, and installs the Whittle
# kernelspec for it. Run after the root `npm ci` (which builds the packages).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$here"

[ -f "$root/packages/jupyterlab/labextension/package.json" ] || {
  echo "test/lab: packages/jupyterlab/labextension is missing; run npm ci (or npm run build) at the root first" >&2
  exit 1
}
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # `npm install`, not `npm ci`: the lockfile lacks rspack's optional bindings for other
  # platforms (the registry lags on them) and `npm ci` rejects it for that alone. With the
  # lockfile present, `npm install` installs exactly its versions.
  npm install --no-audit --no-fund
  git diff --quiet -- package-lock.json 2>/dev/null || echo "test/lab: warning: npm install changed package-lock.json" >&2
fi
npx rspack --config rspack.config.cjs

mkdir -p build/labextensions/@whittle
ln -sfn "$root/packages/jupyterlab/labextension" build/labextensions/@whittle/jupyterlab
node "$root/packages/kernel/bin/whittle-kernel.js" install --prefix "$here/build/jupyter-prefix" --name whittle >/dev/null
echo "test/lab: built; start it with npm run lab"

// Bundles the test JupyterLab as a module-federation host: every package
// JupyterLab shares with prebuilt extensions (the `resolutions` of
// @jupyterlab/core-meta's core.package.json — the same list the real
// JupyterLab build uses) goes into the shared scope under JupyterLab's own
// scope name, so Whittle's prebuilt extension runs against this app's
// @jupyterlab/* and @lumino/* singletons.
const path = require('path');
const rspack = require('@rspack/core');
const { Build } = require('@jupyter/builder');
const { merge } = require('webpack-merge');
const baseConfig = require('@jupyter/builder/lib/webpack.config.base');
const core = require('@jupyterlab/core-meta/core.package.json');
const app = require('./package.json');

const out = path.join(__dirname, 'build');

function installed(name) {
  try {
    require.resolve(`${name}/package.json`);
    return true;
  } catch {
    return false;
  }
}

const shared = {};
for (const [name, requiredVersion] of Object.entries(core.resolutions)) {
  if (!installed(name)) continue;
  shared[name] = { requiredVersion, singleton: core.jupyterlab.singletonPackages.includes(name) };
}

// Copies settings schemas and themes next to the bundle, and writes build/style.js.
const assets = Build.ensureAssets({
  packageNames: [...app.jupyterlab.extensions, ...app.jupyterlab.mimeExtensions],
  output: out,
  schemaOutput: out,
  themeOutput: out,
});

module.exports = [
  merge(baseConfig, {
    mode: 'development',
    devtool: 'source-map',
    entry: path.join(__dirname, 'app', 'bootstrap.js'),
    output: { path: out, filename: 'bundle.js', library: { type: 'var', name: ['_JUPYTERLAB', 'CORE_OUTPUT'] } },
    plugins: [
      new rspack.container.ModuleFederationPlugin({
        name: 'CORE_FEDERATION',
        library: { type: 'var', name: ['_JUPYTERLAB', 'CORE_LIBRARY_FEDERATION'] },
        shared,
      }),
    ],
  }),
  ...assets,
];

// The application: JupyterLab's own plugins (bundled from npm) plus every
// prebuilt extension the server reported, started like JupyterLab starts.
import { JupyterLab } from '@jupyterlab/application';
import { PageConfig } from '@jupyterlab/coreutils';
// Written by Build.ensureAssets (rspack.config.cjs): every extension's stylesheet.
import '../build/style.js';

// Bundled plugins; kept in step with package.json's jupyterlab.extensions.
const bundled = () => [
  import('@jupyterlab/application-extension'),
  import('@jupyterlab/apputils-extension'),
  import('@jupyterlab/codemirror-extension'),
  import('@jupyterlab/completer-extension'),
  import('@jupyterlab/console-extension'),
  import('@jupyterlab/docmanager-extension'),
  import('@jupyterlab/documentsearch-extension'),
  import('@jupyterlab/filebrowser-extension'),
  import('@jupyterlab/fileeditor-extension'),
  import('@jupyterlab/help-extension'),
  import('@jupyterlab/launcher-extension'),
  import('@jupyterlab/mainmenu-extension'),
  import('@jupyterlab/markdownviewer-extension'),
  import('@jupyterlab/markedparser-extension'),
  import('@jupyterlab/mathjax-extension'),
  import('@jupyterlab/metadataform-extension'),
  import('@jupyterlab/notebook-extension'),
  import('@jupyterlab/rendermime-extension'),
  import('@jupyterlab/running-extension'),
  import('@jupyterlab/settingeditor-extension'),
  import('@jupyterlab/shortcuts-extension'),
  import('@jupyterlab/statusbar-extension'),
  import('@jupyterlab/theme-dark-extension'),
  import('@jupyterlab/theme-light-extension'),
  import('@jupyterlab/toc-extension'),
  import('@jupyterlab/tooltip-extension'),
  import('@jupyterlab/translation-extension'),
  import('@jupyterlab/ui-components-extension'),
];
const bundledMime = () => [import('@jupyterlab/json-extension'), import('@jupyterlab/javascript-extension')];

// No language server runs behind this app.
const skip = (id) => id.includes(':language-server') || id.startsWith('@jupyterlab/lsp-extension');

function plugins(module) {
  const exported = module.default ?? module;
  return (Array.isArray(exported) ? exported : [exported]).filter((p) => !skip(p.id) && !PageConfig.Extension.isDisabled(p.id));
}

async function federatedModule(scope, name) {
  const factory = await window._JUPYTERLAB[scope].get(name);
  return factory();
}

export async function main(federated) {
  const settle = async (promises) =>
    (await Promise.allSettled(promises)).flatMap((r) => (r.status === 'fulfilled' ? plugins(r.value) : (console.error(r.reason), [])));
  const extensions = await settle([...bundled(), ...federated.filter((e) => e.extension).map((e) => federatedModule(e.name, e.extension))]);
  const mimeExtensions = await settle([
    ...bundledMime(),
    ...federated.filter((e) => e.mimeExtension).map((e) => federatedModule(e.name, e.mimeExtension)),
  ]);
  await Promise.allSettled(federated.filter((e) => e.style).map((e) => federatedModule(e.name, e.style)));

  const lab = new JupyterLab({ mimeExtensions });
  lab.registerPlugins(extensions);
  await lab.start();
  await lab.restored;
  // The browser tests wait for this flag and drive the app through window.jupyterapp,
  // as JupyterLab itself exposes it with `exposeAppInBrowser`.
  window.jupyterapp = lab;
  document.body.dataset.whittleLabReady = 'true';
  console.debug('whittle test lab: started');
}

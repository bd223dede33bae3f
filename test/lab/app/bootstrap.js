// Entry point of the test JupyterLab: a module-federation host. Prebuilt
// extensions (each a `remoteEntry.js` listed by the server in the page config)
// must join the shared scope before any @jupyterlab package is imported, so
// this file loads them first and only then imports the application.
/* global __webpack_init_sharing__, __webpack_share_scopes__ */

const config = JSON.parse(document.getElementById('jupyter-config-data')?.textContent || '{}');

// Chunks are served from wherever the server put the static files.
// eslint-disable-next-line no-undef
__webpack_public_path__ = `${config.fullStaticUrl}/`;

function loadScript(url) {
  return new Promise((resolve, reject) => {
    const script = Object.assign(document.createElement('script'), { src: url, async: true, onload: resolve, onerror: reject });
    document.head.appendChild(script);
  });
}

async function joinSharedScope(extension) {
  await loadScript(`${config.fullLabextensionsUrl}/${extension.name}/${extension.load}`);
  await __webpack_init_sharing__('default');
  await window._JUPYTERLAB[extension.name].init(__webpack_share_scopes__.default);
}

void (async () => {
  const federated = config.federated_extensions || [];
  const loaded = await Promise.allSettled(federated.map(joinSharedScope));
  loaded.filter((r) => r.status === 'rejected').forEach((r) => console.error(r.reason));
  const { main } = await import('./main.js');
  await main(federated.filter((_, i) => loaded[i].status === 'fulfilled'));
})();

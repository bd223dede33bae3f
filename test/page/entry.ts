// The server-free check: JupyterLab's own output area and rendermime registry,
// with Whittle's renderer factory added, showing saved notebook outputs. No
// server, no kernel — opened from file:// by page.test.ts.
import { OutputArea, OutputAreaModel } from '@jupyterlab/outputarea';
import { RenderMimeRegistry, standardRendererFactories } from '@jupyterlab/rendermime';
import type * as nbformat from '@jupyterlab/nbformat';
import { Widget } from '@lumino/widgets';
import { rendererFactory } from '@whittle/jupyterlab';
import '@jupyterlab/theme-light-extension/style/variables.css';
import '@whittle/jupyterlab/style/index.css';

declare global {
  interface Window {
    WHITTLE_OUTPUTS: nbformat.IOutput[];
    whittlePageDone?: boolean;
    /** The renderer factory, for tests that drive a renderer directly (page.test.ts: a stale render). */
    whittleRendererFactory: typeof rendererFactory;
  }
}

const rendermime = new RenderMimeRegistry({ initialFactories: standardRendererFactories });
rendermime.addFactory(rendererFactory, 0);
// Untrusted, as a notebook from someone else would be: the renderer is `safe`, so it still draws.
const model = new OutputAreaModel({ trusted: false });
const area = new OutputArea({ model, rendermime });
Widget.attach(area, document.getElementById('main')!);
model.fromJSON(window.WHITTLE_OUTPUTS);
window.whittleRendererFactory = rendererFactory;
window.whittlePageDone = true;

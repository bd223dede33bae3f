/** The mime-renderer extension: `application/vnd.whittle.report+json` → a ReportWidget. */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';
import { WHITTLE_MIME } from './mime-type.js';
import type { RenderedReport } from './render.js';

export class ReportWidget extends Widget implements IRenderMime.IRenderer {
  private rendered: RenderedReport | undefined;
  /** Counts renderModel calls: only the latest may draw (the side panel guards the same way). */
  private generation = 0;

  constructor(private readonly mimeType: string) {
    super();
    this.addClass('jp-WhittleReport');
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const generation = ++this.generation;
    const current = () => generation === this.generation && !this.isDisposed;
    // The schema and plotly load with the first report, not with JupyterLab.
    const { renderReport } = await import('./render.js');
    // A newer model arrived while the code loaded (or the output was cleared): it owns the node now.
    if (!current()) return;
    this.rendered?.dispose();
    this.rendered = undefined;
    const rendered = await renderReport(this.node, model.data[this.mimeType], current);
    if (current()) this.rendered = rendered;
    else rendered.dispose();
  }

  protected override onResize(): void {
    this.rendered?.resize();
  }

  protected override onAfterShow(): void {
    this.rendered?.resize();
  }

  override dispose(): void {
    this.rendered?.dispose();
    super.dispose();
  }
}

export const rendererFactory: IRenderMime.IRendererFactory = {
  // Safe: report strings only ever become text (see render.ts), so untrusted notebooks render too.
  safe: true,
  mimeTypes: [WHITTLE_MIME],
  createRenderer: (options) => new ReportWidget(options.mimeType),
};

const extension: IRenderMime.IExtension = {
  id: '@whittle/jupyterlab:report-renderer',
  description: 'Plots Whittle compression reports (sparsity, quantization error, histograms, sensitivity, Pareto).',
  rendererFactory,
  // Ahead of the text/html table the kernel sends alongside for other frontends.
  rank: 0,
  dataType: 'json',
};

export default extension;

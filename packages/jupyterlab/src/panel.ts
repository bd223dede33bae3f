/**
 * The side panel: every Whittle report shown in the current notebook, on one
 * page — a table of runs, all size/accuracy points on one plot, and the
 * pruning and quantization curves on one plot per technique and metric — so
 * runs from different cells compare side by side.
 */
import type { INotebookModel } from '@jupyterlab/notebook';
import { Widget } from '@lumino/widgets';

export class ReportsPanel extends Widget {
  private drawn: { resize(): void; dispose(): void } | undefined;
  private generation = 0;

  constructor() {
    super();
    this.id = 'whittle-reports';
    this.title.caption = 'Whittle reports in this notebook';
    this.addClass('jp-WhittleReports');
    this.header('Open a notebook to collect its Whittle reports.');
  }

  private header(text: string): void {
    const header = document.createElement('div');
    header.className = 'jp-WhittleReport-title';
    header.textContent = text;
    this.node.replaceChildren(header);
  }

  /**
   * Redraws the panel for the reports in `model`, the notebook at `path` (null: none open).
   * The drawing code (schema, plotly) is imported here, on first use, not when JupyterLab starts.
   */
  async display(model: INotebookModel | null, path: string | null): Promise<void> {
    const generation = ++this.generation;
    if (!model || path === null) {
      this.drawn?.dispose();
      this.drawn = undefined;
      this.header('Open a notebook to collect its Whittle reports.');
      return;
    }
    const [{ collectReports }, { combinedFigures, runsTable }, { drawFigures, tableElement }] = await Promise.all([
      import('./collect.js'),
      import('./combine.js'),
      import('./render.js'),
    ]);
    if (generation !== this.generation) return;
    this.drawn?.dispose();
    this.drawn = undefined;
    const items = collectReports(model);
    this.header(`${items.length} Whittle report${items.length === 1 ? '' : 's'} in ${path}`);
    if (items.length === 0) return;
    // the table first: every run's accuracy before → after is readable without scrolling past plots
    const figuresBox = document.createElement('div');
    this.node.append(tableElement(runsTable(items)), figuresBox);
    const drawn = await drawFigures(figuresBox, combinedFigures(items));
    if (generation === this.generation) this.drawn = drawn;
    else drawn.dispose();
  }

  /** Called each time the panel is opened (the plugin re-scans the notebook then). */
  onShown: (() => void) | undefined;

  protected override onAfterShow(): void {
    this.onShown?.();
  }

  protected override onResize(): void {
    this.drawn?.resize();
  }
}

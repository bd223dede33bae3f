/**
 * The side panel: every Whittle report shown in the current notebook, on one
 * page — a table of runs, all size/accuracy points on one plot, and all
 * sensitivity curves on one axis — so runs from different cells compare
 * side by side.
 */
import type { INotebookModel } from '@jupyterlab/notebook';
import { Widget } from '@lumino/widgets';
import { REPORT_MIME, validateReport } from '@whittle/core/report';
import { combinedFigures, runsTable, type CollectedReport } from './combine.js';
import { drawFigures, tableElement } from './render.js';

/** The valid Whittle reports among a notebook's outputs, in cell order (invalid ones are skipped). */
export function collectReports(model: INotebookModel): CollectedReport[] {
  const found: CollectedReport[] = [];
  for (let cell = 0; cell < model.cells.length; cell++) {
    const outputs = model.cells.get(cell).toJSON().outputs;
    if (!Array.isArray(outputs)) continue;
    for (const output of outputs) {
      const data = (output as { data?: Record<string, unknown> }).data;
      const checked = data && REPORT_MIME in data ? validateReport(data[REPORT_MIME]) : undefined;
      if (checked?.ok) found.push({ cell, report: checked.report });
    }
  }
  return found;
}

export class ReportsPanel extends Widget {
  private drawn: { resize(): void; dispose(): void } | undefined;
  private generation = 0;

  constructor() {
    super();
    this.id = 'whittle-reports';
    this.title.caption = 'Whittle reports in this notebook';
    this.addClass('jp-WhittleReports');
    void this.display([], null);
  }

  /** Redraws the panel for `items` from the notebook called `source` (null: no notebook open). */
  async display(items: CollectedReport[], source: string | null): Promise<void> {
    const generation = ++this.generation;
    this.drawn?.dispose();
    this.drawn = undefined;
    const header = document.createElement('div');
    header.className = 'jp-WhittleReport-title';
    header.textContent =
      source === null
        ? 'Open a notebook to collect its Whittle reports.'
        : `${items.length} Whittle report${items.length === 1 ? '' : 's'} in ${source}`;
    this.node.replaceChildren(header);
    if (items.length === 0) return;
    const figuresBox = document.createElement('div');
    this.node.append(figuresBox, tableElement(runsTable(items)));
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

import type { INotebookModel } from '@jupyterlab/notebook';
import { REPORT_MIME, validateReport } from '@whittle/report';
import type { CollectedReport } from './combine.js';

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

/** Reports as tables: the text/plain and text/html fallbacks that read anywhere (GitHub, VS Code, a terminal). */

export interface Table {
  title: string;
  columns: string[];
  rows: (string | number)[][];
  /** Lines printed under the table (totals, notes). */
  notes: string[];
}

/** Fixed-width text table. */
export function tableText(t: Table): string {
  const cells = [t.columns, ...t.rows.map((r) => r.map(String))];
  const widths = t.columns.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((v, c) => (c === 0 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [t.title, line(t.columns), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line), ...t.notes].join('\n');
}

/** Escapes text for HTML: report strings (layer names, titles) are untrusted. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** An HTML table (every string escaped). */
export function tableHtml(t: Table): string {
  const e = (v: string | number) => escapeHtml(String(v));
  const head = t.columns.map((c) => `<th>${e(c)}</th>`).join('');
  const body = t.rows.map((r) => `<tr>${r.map((v) => `<td>${e(v)}</td>`).join('')}</tr>`).join('');
  const notes = t.notes.map((n) => `<p>${e(n)}</p>`).join('');
  return `<div class="whittle-report"><strong>${e(t.title)}</strong><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>${notes}</div>`;
}

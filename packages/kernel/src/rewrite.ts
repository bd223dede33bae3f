/**
 * Finds magics in a cell. `%` is JavaScript's remainder operator, so only these
 * count: `%%name` on a cell's first line (cell magic), and `%name` at the start
 * of a line or after `const|let|var x =` (line magic) — unless the code before
 * it is an unfinished statement, in which case the line is a continuation
 * (`a\n  %b` inside parentheses, a template literal, …).
 */
export type Segment =
  | { kind: 'code'; code: string }
  | { kind: 'magic'; magicKind: 'line' | 'cell'; name: string; args: string; help: boolean; bind?: string; body: string };

const CELL = /^\s*%%([A-Za-z_]\w*)(\?)?(?:\s+(.*))?$/;
const LINE = /^\s*(?:(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*)?%([A-Za-z_]\w*)(\?)?(?:\s+(.*))?$/;

export function splitCell(source: string, isComplete: (code: string) => boolean = () => true): Segment[] {
  const lines = source.split('\n');
  const first = CELL.exec(lines[0] ?? '');
  if (first)
    return [
      {
        kind: 'magic',
        magicKind: 'cell',
        name: first[1]!,
        help: Boolean(first[2]),
        args: (first[3] ?? '').trim(),
        body: lines.slice(1).join('\n'),
      },
    ];
  const out: Segment[] = [];
  let code: string[] = [];
  const flush = () => {
    if (code.some((l) => l.trim())) out.push({ kind: 'code', code: code.join('\n') });
    code = [];
  };
  for (const line of lines) {
    const m = LINE.exec(line);
    if (m && (code.length === 0 || isComplete(code.join('\n')))) {
      flush();
      out.push({ kind: 'magic', magicKind: 'line', bind: m[1], name: m[2]!, help: Boolean(m[3]), args: (m[4] ?? '').trim(), body: '' });
    } else code.push(line);
  }
  flush();
  return out;
}

/** True when a cell has no magic at all (then it runs exactly as plain tslab would). */
export const isPlainCode = (segments: Segment[]) => segments.every((s) => s.kind === 'code');

import { describe, expect, it } from 'vitest';
import { splitCell } from './rewrite.js';

describe('splitCell', () => {
  it('finds line magics at line starts and after const x =', () => {
    expect(splitCell('%prune model --sparsity 0.8')).toEqual([
      { kind: 'magic', magicKind: 'line', name: 'prune', args: 'model --sparsity 0.8', help: false, bind: undefined, body: '' },
    ]);
    expect(splitCell('const small = %prune m --sparsity 0.5')[0]).toMatchObject({
      kind: 'magic',
      name: 'prune',
      bind: 'small',
      args: 'm --sparsity 0.5',
    });
    expect(splitCell('%prune?')[0]).toMatchObject({ name: 'prune', help: true });
  });

  it('keeps code around magics in order', () => {
    const s = splitCell('const a = 1;\n%summary m\nconsole.log(a)');
    expect(s.map((x) => x.kind)).toEqual(['code', 'magic', 'code']);
  });

  it('leaves the remainder operator and strings with % alone', () => {
    expect(splitCell('const r = 7 % 3;\nr')).toEqual([{ kind: 'code', code: 'const r = 7 % 3;\nr' }]);
    expect(splitCell('const s = "100%prune";')).toEqual([{ kind: 'code', code: 'const s = "100%prune";' }]);
    expect(splitCell('x %y')).toEqual([{ kind: 'code', code: 'x %y' }]);
    // a line starting with % inside an unfinished expression is a continuation, not a magic
    const incomplete = (c: string) => !c.trimEnd().endsWith('(');
    expect(splitCell('const v = Math.max(\n%a, 2)', incomplete)).toEqual([{ kind: 'code', code: 'const v = Math.max(\n%a, 2)' }]);
  });

  it('recognizes a cell magic only on the first line', () => {
    expect(splitCell('%%time\nconst x = 1;')).toEqual([
      { kind: 'magic', magicKind: 'cell', name: 'time', args: '', help: false, body: 'const x = 1;' },
    ]);
    expect(splitCell('const y = 2;\n%%time')).toEqual([{ kind: 'code', code: 'const y = 2;\n%%time' }]);
  });
});

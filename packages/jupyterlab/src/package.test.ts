import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const src = new URL('.', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('../package.json', src), 'utf8')) as { dependencies: Record<string, string> };

/** Package names this package's source imports (statically or lazily), tests aside. */
function imported(): Set<string> {
  const names = new Set<string>();
  for (const file of readdirSync(src).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'))) {
    const text = readFileSync(new URL(file, src), 'utf8');
    for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from '([^']+)'|import\('([^']+)'\)/gm)) {
      const spec = (m[1] ?? m[2])!;
      if (!spec.startsWith('.'))
        names.add(
          spec
            .split('/')
            .slice(0, spec.startsWith('@') ? 2 : 1)
            .join('/'),
        );
    }
  }
  return names;
}

describe('package.json', () => {
  it('depends on exactly what the extension imports: @whittle/report, not @whittle/core (no tfjs, no MNIST)', () => {
    const used = imported();
    expect(used.has('@whittle/report')).toBe(true);
    expect(new Set(Object.keys(pkg.dependencies))).toEqual(used);
  });
});

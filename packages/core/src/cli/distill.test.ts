import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// As users run it: the built `whittle` bin in a child process (`npm run build` first).
const bin = fileURLToPath(new URL('../../bin/whittle.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

describe('whittle distill', () => {
  it('--width 0.25 trains a quarter-width student of the teacher, saves it and prints the distillation report', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'whittle-cli-')), 'student');
    const out = JSON.parse(
      execFileSync(
        process.execPath,
        [
          bin,
          'distill',
          'lenet-300-100',
          '--width',
          '0.25',
          '--epochs',
          '1',
          '--temperature',
          '2',
          '--alpha',
          '0.5',
          '--out',
          dir,
          '--json',
        ],
        { encoding: 'utf8' },
      ),
    );
    expect(out.kind).toBe('distillation');
    expect([out.temperature, out.alpha]).toEqual([2, 0.5]);
    expect(out.student.params).toBe(784 * 75 + 75 + 75 * 25 + 25 + 25 * 10 + 10);
    expect(out.teacher.params).toBe(266610);
    expect(out.epochs).toHaveLength(1);
    expect(out.student.accuracy).toBeGreaterThan(0.8); // one epoch on 7,996 digits; chance is 0.1
    const summary = JSON.parse(execFileSync(process.execPath, [bin, 'summary', dir, '--json'], { encoding: 'utf8' }));
    expect(summary.totals.params).toBe(out.student.params);
  });

  it('bad input: one line on stderr, exit 1, nothing written', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'whittle-cli-')), 'never');
    for (const [args, message] of [
      [['--width', '0'], 'whittle: shrinkWidth: factor must be in (0, 1], got 0'],
      [['--width', '0.5', '--student', 'lenet-5'], 'whittle: give one of --student and --width'],
      [['--width', '0.5', '--temperature', '0'], 'whittle: distill: temperature must be a number > 0, got 0'],
      [['--width', '0.5', '--alpha', '2'], 'whittle: distill: alpha must be in [0, 1], got 2'],
      [['--student', 'lenet-5'], "whittle: distill: teacher 'lenet-300-100' takes input [784] but student 'lenet-5' takes [28×28×1]"],
    ] as const) {
      const r = run('distill', 'lenet-300-100', ...args, '--out', dir);
      expect(r.status).toBe(1);
      expect(r.stderr.trim()).toBe(message);
      expect(existsSync(dir)).toBe(false);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { findMagic, help, parseArgs, usage, UsageError } from './index.js';

describe('%distill declaration', () => {
  const magic = findMagic('distill', 'line')!;

  it('parses the teacher, the student or width, and the training flags', () => {
    const { args, opts } = parseArgs(magic, 'big --width 0.5 --data train --temperature 2 --alpha 0.7 --epochs 3 --as small');
    expect(args).toEqual(['big']);
    expect(opts).toMatchObject({ width: 0.5, data: 'train', temperature: 2, alpha: 0.7, epochs: 3, as: 'small' });
    expect(parseArgs(magic, 'big --student s').opts).toMatchObject({ student: 's', temperature: 4, alpha: 0.9, epochs: 5 });
  });

  it('documents every flag and rejects unknown ones with the usage', () => {
    const text = help(magic);
    for (const flag of ['--student', '--width', '--data', '--test', '--temperature', '--alpha', '--epochs', '--seed', '--as'])
      expect(text).toContain(flag);
    expect(() => parseArgs(magic, 'big --temprature 2')).toThrow(UsageError);
    expect(() => parseArgs(magic, 'big --temprature 2')).toThrow(
      `unknown option '--temprature'\n(Did you mean --temperature?)\nusage: ${usage(magic)}`,
    );
  });

  it('needs exactly one of --student and --width', async () => {
    const ctx = {
      lookup: () => ({ predict: () => 0, layers: [] }),
      progress: () => {},
      checkInterrupt: () => {},
      execute: async () => ({ ok: true, hasValue: false }),
      hasMagic: () => false,
      print: () => {},
    };
    await expect(magic.run(ctx, ['big'], {}, '')).rejects.toThrow('give one of --student and --width');
    await expect(magic.run(ctx, ['big'], { student: 's', width: 0.5 }, '')).rejects.toThrow('give one of --student and --width');
  });
});

import { Command, type Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMANDS, FLAGS, type CommandName, type FlagDeclaration } from '@whittle/core';
import { buildProgram } from '@whittle/core/cli';
import { splitCell } from '../rewrite.js';
import { MAGICS, command, findMagic, help, parseArgs, tokenize, usage, UsageError, type Magic } from './index.js';

describe('magic declarations', () => {
  const prune = findMagic('prune', 'line')!;

  it('parses flags and positionals from the declaration', () => {
    const { args, opts } = parseArgs(prune, 'model --sparsity 0.8 --scope global --skip "fc*,conv1" --as small');
    expect(args).toEqual(['model']);
    expect(opts).toMatchObject({ sparsity: 0.8, scope: 'global', skip: ['fc*', 'conv1'], as: 'small' });
  });

  it('rejects unknown flags and missing operands with a one-line UsageError plus the usage', () => {
    expect(() => parseArgs(prune, 'model --frob')).toThrow(UsageError);
    expect(() => parseArgs(prune, 'model --frob')).toThrow("unknown option '--frob'\nusage: %prune [options] <model>");
    expect(() => parseArgs(prune, '')).toThrow("missing required argument 'model'");
    expect(() => parseArgs(prune, 'a b')).toThrow(/too many arguments/);
    // a misspelled flag gets the closest declared one as a hint
    expect(() => parseArgs(prune, 'model --sparsityx 0.5')).toThrow("unknown option '--sparsityx'\n(Did you mean --sparsity?)");
    // values are parsed by the shared declarations
    expect(() => parseArgs(prune, 'model --sparsity abc')).toThrow("option '--sparsity <s>' argument 'abc' is invalid. must be a number");
    expect(() => parseArgs(prune, 'model --nm 2-4')).toThrow("option '--nm <n:m>' argument '2-4' is invalid. must look like 2:4");
    expect(parseArgs(prune, 'model --nm 2:4 --sparsity 0.5').opts).toMatchObject({ nm: { n: 2, m: 4 }, sparsity: 0.5 });
  });

  it('help comes from the same declaration: every option of %prune is documented', () => {
    const text = help(prune);
    for (const flag of [
      '--sparsity',
      '--method',
      '--scope',
      '--structured',
      '--nm',
      '--skip',
      '--compensate',
      '--calibration',
      '--calibration-samples',
      '--seed',
      '--fine-tune',
      '--epochs',
      '--as',
    ])
      expect(text).toContain(flag);
    expect(text.split('\n')[0]).toBe(`Usage: ${usage(prune)}`);
    expect(help(findMagic('time', 'cell')!)).toMatch(/^Usage: %%time/);
  });

  it('every magic has a summary and a unique name per kind', () => {
    const keys = MAGICS.map((m) => `${m.kind}:${m.name}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const m of MAGICS) expect(m.summary.length).toBeGreaterThan(10);
  });

  it('tokenizes like a shell: quotes keep spaces; operators must be quoted', () => {
    expect(tokenize(`m --skip "a b" --levels 0.1:0.9:0.1`)).toEqual(['m', '--skip', 'a b', '--levels', '0.1:0.9:0.1']);
    expect(() => tokenize('m | x')).toThrow("unexpected '|' in magic arguments; quote it");
  });

  it('%factorize and %prune_inputs are declared with the shared vocabulary', () => {
    const f = findMagic('factorize', 'line')!;
    expect(parseArgs(f, 'lenet --energy 0.9 --as low').opts).toMatchObject({ energy: 0.9, method: 'svd', as: 'low' });
    for (const flag of ['--energy', '--rank', '--ratio', '--method', '--calibration', '--fine-tune', '--epochs', '--save', '--as'])
      expect(help(f)).toContain(flag);
    const p = findMagic('prune_inputs', 'line')!;
    expect(parseArgs(p, 'm --keep 0.5 --data train --steps 5 --as small').opts).toMatchObject({ keep: 0.5, data: 'train', steps: 5 });
    expect(() => parseArgs(p, 'm')).toThrow(/required option '--keep <k>' not specified/);
  });
});

/** Every option of a command, as flags → [description, default]. */
const optionsOf = (cmd: Command) =>
  Object.fromEntries((cmd.options as readonly Option[]).map((o) => [o.flags, [o.description, o.defaultValue]]));
const magicCommand = (m: Magic) => m.define(new Command(m.name));

/** Same word in both hosts, but the value is a path or a shipped model's name in the CLI and a notebook variable in a magic. */
const HOST_TYPED = ['--data', '--student'];
const long = (flags: string) => /--[\w-]+/.exec(flags)![0];
const cliName = (m: Magic) => m.name.replace(/_/g, '-');
/** A declaration's options as optionsOf lists them: flags → [help, default], and --no-x for negatable flags. */
const declared = (command: CommandName) =>
  Object.fromEntries(
    COMMANDS[command].flatMap((k) => {
      const d: FlagDeclaration = FLAGS[k];
      return [[d.flags, [d.help, d.default]], ...(d.negate ? [[d.flags.replace(/^--/, '--no-'), [d.negate, undefined]]] : [])];
    }),
  );

describe('the CLI and the magics share one vocabulary', () => {
  const cli = buildProgram();
  const cliCommand = (name: string) => cli.commands.find((c) => c.name() === name);
  const twins = MAGICS.filter((m) => cliCommand(cliName(m)));

  it('every command that is both a CLI command and a magic is declared once in COMMANDS', () => {
    expect(twins.map(cliName).sort()).toEqual(Object.keys(COMMANDS).sort());
  });

  for (const magic of twins) {
    const name = cliName(magic) as CommandName;
    it(`whittle ${name} and %${magic.name}: the same declared flags, help and defaults; no other word in common`, () => {
      const fromCli = optionsOf(cliCommand(name)!);
      const fromMagic = optionsOf(magicCommand(magic));
      const shared = declared(name);
      for (const [flags, helpAndDefault] of Object.entries(shared)) {
        expect(fromCli[flags], `whittle ${name} ${flags}`).toEqual(helpAndDefault);
        expect(fromMagic[flags], `%${magic.name} ${flags}`).toEqual(helpAndDefault);
      }
      // a word both hosts use is a declared one (or names data/a model, typed by host)
      const inBoth = Object.keys(fromCli).filter(
        (f) => Object.keys(fromMagic).some((g) => long(g) === long(f)) && !HOST_TYPED.includes(long(f)),
      );
      expect(inBoth.sort()).toEqual(Object.keys(shared).sort());
    });
  }

  it('a misspelled flag gets the closest declared one as a hint, in every CLI command and every magic', () => {
    const args = (cmd: Command, misspelled: string) => [
      ...cmd.registeredArguments.filter((a) => a.required).map(() => 'm'),
      // mandatory options first: they are checked before unknown ones
      ...(cmd.options as readonly Option[]).filter((o) => o.mandatory).flatMap((o) => [o.long!, '2']),
      misspelled,
    ];
    for (const command of cli.commands) {
      const first = (command.options as readonly Option[]).find((o) => o.long && !o.negate && !o.mandatory);
      if (!first) continue;
      command.configureOutput({ writeErr: () => {}, writeOut: () => {} });
      command.action(() => {});
      expect(() => command.parse(args(command, `${first.long}x`), { from: 'user' }), `whittle ${command.name()}`).toThrow(
        `(Did you mean ${first.long}?)`,
      );
    }
    for (const magic of MAGICS.filter((m) => !m.raw)) {
      const first = (command(magic).options as readonly Option[]).find((o) => o.long && !o.negate && !o.mandatory);
      if (!first) continue;
      expect(() => parseArgs(magic, args(command(magic), `${first.long}x`).join(' ')), `%${magic.name}`).toThrow(
        `(Did you mean ${first.long}?)`,
      );
    }
  });

  it('per-channel is on by default in the CLI and %quantize, as in the library; --no-per-channel turns it off', () => {
    const q = findMagic('quantize', 'line')!;
    expect(parseArgs(q, 'model').opts.perChannel).toBe(true);
    expect(parseArgs(q, 'model --no-per-channel').opts.perChannel).toBe(false);
    const cmd = buildProgram().commands.find((c) => c.name() === 'quantize')!;
    cmd.action(() => {});
    cmd.parse(['lenet-5', '--no-per-channel'], { from: 'user' });
    expect(cmd.opts().perChannel).toBe(false);
  });

  it('every magic declares one example that its own parser accepts, shown at the end of its help', () => {
    for (const magic of MAGICS) {
      const [first, ...body] = magic.example.split('\n');
      const seg = splitCell(magic.example)[0]!;
      expect(seg, magic.name).toMatchObject({ kind: 'magic', name: magic.name, magicKind: magic.kind });
      expect(() => parseArgs(magic, (seg as { args: string }).args), magic.name).not.toThrow();
      expect(
        help(magic)
          .split('\n')
          .slice(-2 - body.length),
      ).toEqual(['Example:', `  ${first}`, ...body.map((l) => `  ${l}`)]);
    }
  });
});

describe('%timeit', () => {
  const timeit = findMagic('timeit', 'line')!;

  it('parses -n / -r from its declaration (defaults 10 and 5) and keeps the statement verbatim', () => {
    expect(parseArgs(timeit, 'Math.sqrt(2)')).toEqual({ args: ['Math.sqrt(2)'], opts: { n: 10, r: 5 } });
    expect(parseArgs(timeit, '-n 3 -r 2 a | b ? "x  y" : -1')).toEqual({ args: [' a | b ? "x  y" : -1'], opts: { n: 3, r: 2 } });
    expect(parseArgs(timeit, '-r 4 -x')).toEqual({ args: [' -x'], opts: { n: 10, r: 4 } }); // -x is not declared: TypeScript
    expect(() => parseArgs(timeit, '-n 0 f()')).toThrow("option '-n <n>' argument '0' is invalid. -n must be a positive integer");
    expect(help(timeit)).toContain('-n <n>');
    expect(help(timeit)).toContain('loops per repeat (default: 10)');
  });
});

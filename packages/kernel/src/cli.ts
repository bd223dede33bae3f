/** `whittle-kernel install [--user | --sys-prefix | --prefix DIR] [--name NAME]` and `whittle-kernel kernel --config-path FILE`. */
import { Command, CommanderError } from 'commander';
import { install } from './install.js';
import { KernelServer } from './server.js';

export async function main(argv: string[]): Promise<number> {
  const program = new Command('whittle-kernel')
    .description('A TypeScript Jupyter kernel (tslab) with Whittle compression magics')
    .exitOverride();
  program
    .command('install')
    .description('write the kernelspec so Jupyter can start this kernel')
    .option('--user', 'install for the current user (default)')
    .option('--sys-prefix', "install into the prefix of jupyter's Python (e.g. a virtualenv or conda env)")
    .option('--prefix <dir>', 'install under DIR/share/jupyter/kernels')
    .option('--name <name>', 'kernelspec name', 'whittle')
    .action((o: { user?: boolean; sysPrefix?: boolean; prefix?: string; name: string }) => {
      console.log(`installed kernelspec in ${install(o)}`);
    });
  program
    .command('kernel')
    .description('run the kernel (Jupyter calls this)')
    .requiredOption('--config-path <file>', 'connection file from Jupyter')
    .action(async (o: { configPath: string }) => {
      await new KernelServer().start(o.configPath);
      await new Promise(() => {}); // serve until shutdown
    });
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    console.error(`whittle-kernel: ${(err as Error).message}`);
    return 1;
  }
}

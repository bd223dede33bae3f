/**
 * The Jupyter side: zmq sockets, message dispatch and the protocol details
 * plain tslab leaves out (kernel_info status, error replies with
 * ename/evalue/traceback plus an iopub `error`, `execute_input`,
 * `execute_result`, `aborted`, comm_info_reply, history_reply,
 * interrupt_reply, and an abort queue that honours stop_on_error).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { initBackend, interruptWork } from '@whittle/core';
import { frames, parse, type Message } from './wire.js';
import { Session } from './session.js';
import { resolvesFrom, SERVED, serveOwnPackages } from './anywhere.js';
import { runCell } from './cell.js';
import { completeMagic } from './complete.js';
import { MAGICS, findMagic, help } from './magics/index.js';

const require = createRequire(import.meta.url);
type Zmq = typeof import('zeromq');
type Sock = { send(f: (Buffer | string)[]): Promise<void>; bind(a: string): Promise<void>; close(): void } & AsyncIterable<Buffer[]>;

interface Connection {
  ip: string;
  transport: string;
  key: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
}

/** Serializes sends on one socket (zeromq refuses concurrent sends). */
function sender(sock: Sock): (f: (Buffer | string)[]) => void {
  let chain = Promise.resolve();
  return (f) => {
    chain = chain.then(() => sock.send(f)).catch((e) => console.error('send failed:', e));
  };
}

export class KernelServer {
  private conn!: Connection;
  private socks!: { shell: Sock; control: Sock; iopub: Sock; stdin: Sock; hb: Sock };
  private send!: {
    shell: (f: (Buffer | string)[]) => void;
    control: (f: (Buffer | string)[]) => void;
    iopub: (f: (Buffer | string)[]) => void;
  };
  private session!: Session;
  private executionCount = 0;
  private history: { line: number; input: string; output: string }[] = [];
  private queue: Promise<void> = Promise.resolve();
  private received = 0;
  /** Execute requests received up to this sequence number are aborted (stop_on_error). */
  private abortUpTo = -1;
  private interruptFlag = false;
  private typesAvailable = false;

  async start(configPath: string): Promise<void> {
    this.conn = JSON.parse(readFileSync(configPath, 'utf8'));
    await initBackend();
    // before tslab starts: a notebook folder without its own @whittle/core / @tensorflow/tfjs gets the kernel's
    const served = serveOwnPackages(process.cwd()).length > 0;
    this.session = new Session(process.cwd());
    // Typed bindings need the notebook to resolve the packages the types come from. Checked by
    // resolution, not by compiling a probe: a declaration would slow every later cell's type-check.
    this.typesAvailable = served || SERVED.every((p) => resolvesFrom(process.cwd(), p));
    const zmq: Zmq = require('zeromq');
    this.socks = {
      shell: new zmq.Router() as unknown as Sock,
      control: new zmq.Router() as unknown as Sock,
      iopub: new zmq.Publisher() as unknown as Sock,
      stdin: new zmq.Router() as unknown as Sock,
      hb: new zmq.Reply() as unknown as Sock,
    };
    this.send = { shell: sender(this.socks.shell), control: sender(this.socks.control), iopub: sender(this.socks.iopub) };
    const addr = (port: number) => `${this.conn.transport}://${this.conn.ip}:${port}`;
    await Promise.all([
      this.socks.shell.bind(addr(this.conn.shell_port)),
      this.socks.control.bind(addr(this.conn.control_port)),
      this.socks.iopub.bind(addr(this.conn.iopub_port)),
      this.socks.stdin.bind(addr(this.conn.stdin_port)),
      this.socks.hb.bind(addr(this.conn.hb_port)),
    ]);
    void this.loop(this.socks.shell, 'shell');
    void this.loop(this.socks.control, 'control');
    void (async () => {
      for await (const msg of this.socks.hb) await this.socks.hb.send(msg);
    })();
    process.on('SIGINT', () => this.interrupt());
    this.guardProcess();
  }

  private async loop(sock: Sock, channel: 'shell' | 'control'): Promise<void> {
    for await (const raw of sock) {
      let msg: Message;
      try {
        msg = parse(this.conn.key, raw);
      } catch (err) {
        console.error(`ignored a ${channel} message: ${(err as Error).message}`);
        continue;
      }
      const seq = this.received++;
      if (msg.header.msg_type === 'execute_request') {
        // executions run one at a time, in order; everything else answers at once
        this.queue = this.queue.then(() => this.handle(msg, channel, seq)).catch((e) => console.error(e));
      } else void this.handle(msg, channel, seq);
    }
  }

  private reply(channel: 'shell' | 'control', msg: Message, type: string, content: object, metadata: object = {}): void {
    this.send[channel](frames(this.conn.key, msg, type, content, msg.identities, metadata));
  }

  private pub(parent: Message, type: string, content: object): void {
    this.send.iopub(frames(this.conn.key, parent, type, content, [Buffer.from(`kernel.${type}`)]));
  }

  private async handle(msg: Message, channel: 'shell' | 'control', seq: number): Promise<void> {
    this.pub(msg, 'status', { execution_state: 'busy' });
    try {
      const type = msg.header.msg_type;
      const c = msg.content as Record<string, unknown>;
      switch (type) {
        case 'kernel_info_request':
          this.reply(channel, msg, 'kernel_info_reply', this.kernelInfo());
          break;
        case 'execute_request':
          await this.execute(msg, channel, seq);
          break;
        case 'is_complete_request': {
          const code = String(c.code ?? '');
          const magic = /^\s*%/.test(code) && !code.includes('\n');
          const r = magic ? { completed: true } : this.session.isCompleteCode(code);
          this.reply(
            channel,
            msg,
            'is_complete_reply',
            r.completed ? { status: 'complete' } : { status: 'incomplete', indent: r.indent ?? '' },
          );
          break;
        }
        case 'inspect_request':
          this.reply(channel, msg, 'inspect_reply', this.inspect(String(c.code ?? ''), Number(c.cursor_pos ?? 0)));
          break;
        case 'complete_request':
          this.reply(channel, msg, 'complete_reply', this.complete(String(c.code ?? ''), Number(c.cursor_pos ?? 0)));
          break;
        case 'comm_info_request':
          this.reply(channel, msg, 'comm_info_reply', { status: 'ok', comms: {} });
          break;
        case 'history_request':
          this.reply(channel, msg, 'history_reply', { status: 'ok', history: this.historyItems(c) });
          break;
        case 'interrupt_request':
          this.interrupt();
          this.reply(channel, msg, 'interrupt_reply', { status: 'ok' });
          break;
        case 'shutdown_request':
          this.reply(channel, msg, 'shutdown_reply', { status: 'ok', restart: Boolean(c.restart) });
          this.pub(msg, 'status', { execution_state: 'idle' });
          setTimeout(() => this.close(), 100);
          return;
        default:
          console.error(`unsupported message type ${type}`);
      }
    } catch (err) {
      console.error('kernel error (kept running):', err);
    }
    this.pub(msg, 'status', { execution_state: 'idle' });
  }

  /** history_request: tail / range / search (glob, unique, n), with or without outputs. Session 0 is this session. */
  private historyItems(c: Record<string, unknown>) {
    let items = this.history;
    const n = c.n === undefined || c.n === null ? undefined : Number(c.n);
    if (c.hist_access_type === 'range') {
      const start = Number(c.start ?? 1);
      const stop = c.stop === undefined || c.stop === null ? Infinity : Number(c.stop);
      items = Number(c.session ?? 0) === 0 ? items.filter((h) => h.line >= start && h.line < stop) : [];
    } else if (c.hist_access_type === 'search') {
      const glob = new RegExp(
        `^${String(c.pattern ?? '*')
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '.*')
          .replace(/\?/g, '.')}$`,
        's',
      );
      items = items.filter((h) => glob.test(h.input));
      if (c.unique) items = items.filter((h, i) => !items.slice(i + 1).some((o) => o.input === h.input));
      if (n !== undefined) items = items.slice(-n);
    } else if (n !== undefined) items = items.slice(-n);
    return items.map((h) => (c.output ? [0, h.line, [h.input, h.output]] : [0, h.line, h.input]));
  }

  private kernelInfo() {
    return {
      status: 'ok',
      protocol_version: '5.3',
      implementation: 'whittle',
      implementation_version: '0.1.0',
      language_info: {
        name: 'typescript',
        version: require('tslab/package.json').version as string,
        mimetype: 'text/typescript',
        file_extension: '.ts',
        codemirror_mode: { name: 'javascript', typescript: true, mode: 'typescript' },
      },
      banner: 'TypeScript (Whittle): tslab with model-compression magics — %lsmagic lists them',
      help_links: [{ text: 'Whittle', url: 'https://www.npmjs.com/package/@whittle/core' }],
    };
  }

  private async execute(msg: Message, channel: 'shell' | 'control', seq: number): Promise<void> {
    const c = msg.content as { code?: string; silent?: boolean; store_history?: boolean; stop_on_error?: boolean };
    const code = String(c.code ?? '');
    const silent = Boolean(c.silent);
    if (seq <= this.abortUpTo) {
      this.reply(channel, msg, 'execute_reply', { status: 'aborted', execution_count: this.executionCount }, { status: 'aborted' });
      return;
    }
    const storeHistory = c.store_history ?? !silent;
    if (storeHistory) this.executionCount++;
    const count = this.executionCount;
    if (!silent) this.pub(msg, 'execute_input', { code, execution_count: count });
    const entry = { line: count, input: code, output: '' };
    if (storeHistory) this.history.push(entry);
    this.interruptFlag = false;
    this.guardProcess();
    const restore = this.captureOutput(msg, silent);
    let result;
    try {
      result = await runCell(
        this.session,
        code,
        {
          stream: (name, text) => !silent && this.pub(msg, 'stream', { name, text }),
          display: (data, id, update) =>
            !silent &&
            this.pub(msg, update ? 'update_display_data' : 'display_data', { data, metadata: {}, transient: id ? { display_id: id } : {} }),
          interrupted: () => this.interruptFlag,
        },
        this.typesAvailable,
      );
    } finally {
      restore();
    }
    if (result.ok) {
      if (result.result && !silent) this.pub(msg, 'execute_result', { execution_count: count, data: result.result, metadata: {} });
      entry.output = String(result.result?.['text/plain'] ?? '');
      const payload = result.page ? [{ source: 'page', data: { 'text/plain': result.page }, start: 0 }] : [];
      this.reply(channel, msg, 'execute_reply', { status: 'ok', execution_count: count, user_expressions: {}, payload }, { status: 'ok' });
    } else {
      const error = result.error!;
      if (!silent) this.pub(msg, 'error', error);
      this.reply(channel, msg, 'execute_reply', { status: 'error', execution_count: count, ...error }, { status: 'error' });
      if (c.stop_on_error ?? true) this.abortUpTo = this.received - 1; // requests already queued are aborted
    }
  }

  /** While a cell runs, the process's stdout/stderr go to the cell as stream messages. */
  private captureOutput(msg: Message, silent: boolean): () => void {
    const out = process.stdout.write.bind(process.stdout);
    const err = process.stderr.write.bind(process.stderr);
    const to = (name: 'stdout' | 'stderr') =>
      ((chunk: string | Uint8Array) => {
        if (!silent) this.pub(msg, 'stream', { name, text: typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8') });
        return true;
      }) as typeof process.stdout.write;
    process.stdout.write = to('stdout');
    process.stderr.write = to('stderr');
    const tslabJupyter = require('tslab/dist/jupyter');
    tslabJupyter.lastWriteDisplayData = (data: object, update: boolean) =>
      !silent && this.pub(msg, update ? 'update_display_data' : 'display_data', data);
    return () => {
      process.stdout.write = out;
      process.stderr.write = err;
    };
  }

  private inspect(code: string, cursor: number) {
    const word = /%%?([A-Za-z_]\w*)$/.exec(code.slice(0, cursor).split(/\s/).pop() ?? '') ?? /^\s*%%?([A-Za-z_]\w*)/.exec(code);
    const magic = word ? (findMagic(word[1]!, 'line') ?? findMagic(word[1]!, 'cell')) : undefined;
    if (magic) return { status: 'ok', found: true, data: { 'text/plain': help(magic) }, metadata: {} };
    const text = this.session.inspect(code, cursor);
    return text
      ? { status: 'ok', found: true, data: { 'text/plain': text }, metadata: {} }
      : { status: 'ok', found: false, data: {}, metadata: {} };
  }

  private complete(code: string, cursor: number) {
    const before = code.slice(0, cursor);
    const m = /(^|\n)\s*(%%?)([A-Za-z_]\w*)?$/.exec(before);
    if (m) {
      const prefix = m[3] ?? '';
      const matches = MAGICS.filter((x) => x.name.startsWith(prefix) && (m[2] === '%%') === (x.kind === 'cell')).map(
        (x) => `${m[2]}${x.name}`,
      );
      return {
        status: 'ok',
        matches: [...new Set(matches)],
        cursor_start: cursor - prefix.length - m[2]!.length,
        cursor_end: cursor,
        metadata: {},
      };
    }
    const lineStart = before.lastIndexOf('\n') + 1;
    const args = completeMagic(before.slice(lineStart), lineStart, this.session.locals);
    if (args) return { status: 'ok', matches: args.matches, cursor_start: args.start, cursor_end: args.end, metadata: {} };
    const info = this.session.complete(code, cursor);
    return { status: 'ok', matches: info.candidates, cursor_start: info.start, cursor_end: info.end, metadata: {} };
  }

  /**
   * A notebook's background work can fail after its cell ended (a promise nobody awaits, a timer
   * that throws). A kernel reports it (in the running cell, if any) and goes on. Emscripten's
   * Node glue (tfjs-backend-wasm) installs handlers that rethrow and end the process, so only
   * the kernel's own handlers stay; checked again before every cell, as a backend may load later.
   */
  private guardProcess(): void {
    const keepOnly = (event: 'unhandledRejection' | 'uncaughtException', ours: (err: unknown) => void) => {
      for (const l of process.listeners(event as 'exit')) if (l !== ours) process.removeListener(event, l);
      if (!process.listeners(event as 'exit').includes(ours)) process.on(event, ours);
    };
    keepOnly('unhandledRejection', this.onRejection);
    keepOnly('uncaughtException', this.onException);
  }

  private readonly onRejection = (err: unknown) => this.reportBackground('a promise nobody awaited failed', err);
  private readonly onException = (err: unknown) => this.reportBackground('background code threw', err);
  private reportBackground(what: string, err: unknown): void {
    process.stderr.write(`${what}: ${(err as Error)?.stack?.split('\n')[0] ?? String(err)}\n`);
  }

  private interrupt(): void {
    this.interruptFlag = true;
    interruptWork(); // Whittle's loops in flight stop at their next step, awaited or not
    this.session.interrupt();
  }

  close(): void {
    this.session.close();
    for (const s of Object.values(this.socks)) s.close();
    process.exit(0);
  }
}

/**
 * Interrupts reach Whittle's long loops through one global counter. A host (the
 * Whittle kernel on Jupyter's interrupt) calls `interruptWork()`; every loop
 * started before that stops at its next step. The counter lives on globalThis
 * under a registered symbol, not in this module, because a notebook may load
 * its own copy of @whittle/core beside the kernel's.
 *
 * Why loops need this: tslab abandons an interrupted cell's promise, but the
 * work behind it (a fine-tune of 50 epochs) would go on in the background and
 * compete with every later cell.
 */
import { WhittleError } from '../errors.js';

const KEY = Symbol.for('whittle.interrupts');
type Host = { [KEY]?: number };

const count = (): number => (globalThis as Host)[KEY] ?? 0;

/** Stops every Whittle loop running now (each throws a KeyboardInterrupt at its next step). */
export function interruptWork(): void {
  (globalThis as Host)[KEY] = count() + 1;
}

/** An error named like Python's, so kernels show it as an interrupt rather than a failure. */
export class KeyboardInterrupt extends WhittleError {
  override name = 'KeyboardInterrupt';
}

/** A check for one loop: throws once `interruptWork()` was called after the loop began. */
export function interruptCheck(where: string): () => void {
  const start = count();
  return () => {
    if (count() !== start) throw new KeyboardInterrupt(`${where}: interrupted; the input model is unchanged`);
  };
}

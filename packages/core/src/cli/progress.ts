import cliProgress from 'cli-progress';
import type { TrainProgress } from '../train/fit.js';

/** A terminal progress bar for training-like work; silent when stderr is not a TTY. */
export function progressBar(label: string): { update: (p: TrainProgress) => void; stop: () => void } {
  if (!process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | epoch {epoch}/{epochs} | loss {loss}`,
      stream: process.stderr,
      clearOnComplete: true,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update: (p) => {
      const total = p.epochs * p.batches;
      const value = (p.epoch - 1) * p.batches + p.batch;
      const payload = { epoch: p.epoch, epochs: p.epochs, loss: p.loss.toFixed(4) };
      if (!started) {
        bar.start(total, value, payload);
        started = true;
      } else bar.update(value, payload);
    },
    stop: () => started && bar.stop(),
  };
}

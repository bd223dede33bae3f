/**
 * The distillation loss of Hinton, Vinyals & Dean (2015), on logits:
 *
 *   L = α·T²·KL(softmax(z_t/T) ‖ softmax(z_s/T)) + (1 − α)·CE(y, z_s)
 *
 * averaged over the batch. The soft term's gradient w.r.t. z_s is
 * T·(softmax(z_s/T) − softmax(z_t/T)), which shrinks like 1/T; the T² factor
 * keeps the two terms' gradients on the same scale when T changes (§2 of the
 * paper). KL is computed with log-softmax of both, never log of probabilities.
 */
import * as tf from '@tensorflow/tfjs';

export interface DistillLossTerms {
  /** α·T²·KL + (1 − α)·CE, batch mean. */
  loss: tf.Scalar;
  /** T²·KL(p_t ‖ p_s), batch mean (before α). */
  soft: tf.Scalar;
  /** CE(y, z_s), batch mean (before 1 − α). */
  hard: tf.Scalar;
}

/** The loss and its two terms for teacher logits `zT`, student logits `zS` and one-hot `y`, all [batch, classes]. */
export function distillationTerms(zT: tf.Tensor, zS: tf.Tensor, y: tf.Tensor, temperature: number, alpha: number): DistillLossTerms {
  return tf.tidy(() => {
    const logPt = tf.logSoftmax(zT.div(temperature));
    const logPs = tf.logSoftmax(zS.div(temperature));
    const kl = tf.sum(tf.mul(tf.exp(logPt), tf.sub(logPt, logPs)), -1);
    const soft = kl.mean().mul(temperature * temperature) as tf.Scalar;
    const hard = tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(zS)), -1)).mean() as tf.Scalar;
    const loss = soft.mul(alpha).add(hard.mul(1 - alpha)) as tf.Scalar;
    return { loss, soft, hard };
  });
}

/** Just the scalar loss (see distillationTerms). */
export function distillationLoss(zT: tf.Tensor, zS: tf.Tensor, y: tf.Tensor, temperature: number, alpha: number): tf.Scalar {
  const { loss, soft, hard } = distillationTerms(zT, zS, y, temperature, alpha);
  tf.dispose([soft, hard]);
  return loss;
}

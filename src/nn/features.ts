import type { Dataset } from '../data/dataset.ts';
import { ArgumentError } from '../util/errors.ts';

/**
 * RR context as extra input channels (the MIT-BIH default): a beat's morphology alone does not
 * separate supraventricular ectopic beats (S) from normal ones; its timing does. Given the
 * Dataset's per-beat RR features [rr_pre, rr_post, rr_local, rr_record] (seconds), append
 * RR_CHANNELS constant channels to every beat:
 *   pre, post, local                         (seconds, clipped to [0, RR_MAX_S])
 *   pre / record - 1, post / record - 1, local / record - 1
 *                                            (normalized by the record's mean RR, clipped to
 *                                             [-2, 2]; 0 when the record RR is not positive)
 * The model stays a plain CNN over [L, C + 6]: the RR values enter as channels (not concatenated
 * after pooling), so every backend (simulator, C export) runs it unchanged; on a device the six
 * numbers come from the R-peak detector's RR intervals and a running mean.
 */
export const RR_CHANNELS = 6;
export const RR_CHANNEL_NAMES = ['pre_s', 'post_s', 'local_s', 'pre/record-1', 'post/record-1', 'local/record-1'] as const;
/** clip of the RR intervals in seconds (a 3 s pause is already far outside sinus rhythm) */
export const RR_MAX_S = 3;

export function rrChannels(rr: ArrayLike<number>, i: number, out: Float32Array | number[]): void {
  const [pre, post, local, rec] = [rr[i * 4], rr[i * 4 + 1], rr[i * 4 + 2], rr[i * 4 + 3]];
  const seconds = (a: number) => (Number.isFinite(a) ? Math.max(0, Math.min(RR_MAX_S, a)) : 0);
  const ratio = (a: number, b: number) => (b > 0 && Number.isFinite(a) ? Math.max(-2, Math.min(2, a / b - 1)) : 0);
  out[0] = seconds(pre);
  out[1] = seconds(post);
  out[2] = seconds(local);
  out[3] = ratio(pre, rec);
  out[4] = ratio(post, rec);
  out[5] = ratio(local, rec);
}

/** A copy of `ds` whose x is [N, L, C + 6] with the RR channels appended to every position. */
export function withRrChannels(ds: Dataset): Dataset {
  const rr = ds.features;
  if (!rr || rr.length !== ds.shape[0] * 4) throw new ArgumentError('withRrChannels', `dataset ${ds.name} has no [N, 4] RR features`);
  const [N, L, C] = ds.shape;
  const C2 = C + RR_CHANNELS;
  const x = new Float32Array(N * L * C2);
  const f = new Float32Array(RR_CHANNELS);
  for (let n = 0; n < N; n++) {
    rrChannels(rr, n, f);
    for (let l = 0; l < L; l++) {
      const src = (n * L + l) * C;
      const dst = (n * L + l) * C2;
      for (let c = 0; c < C; c++) x[dst + c] = ds.x[src + c];
      x.set(f, dst + C);
    }
  }
  return { ...ds, x, shape: [N, L, C2], meta: { ...ds.meta, rrChannels: [...RR_CHANNEL_NAMES] } };
}

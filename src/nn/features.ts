import type { Dataset } from '../data/dataset.ts';
import { ArgumentError } from '../util/errors.ts';

/**
 * RR context as extra input channels (opt-in, for MIT-BIH): a beat's morphology alone does not
 * separate supraventricular ectopic beats (S) from normal ones; its timing does. Given the
 * Dataset's per-beat RR features [rr_pre, rr_post, rr_local, rr_record] (seconds), append
 * RR_CHANNELS constant channels to every beat:
 *   pre / record - 1,  post / record - 1,  local / record - 1,  pre / post - 1
 * (patient-normalized ratios, clipped to [-2, 2]; 0 when a denominator is not positive).
 * The model stays a plain CNN over [L, C + 4]; on a device the four numbers come from the R-peak
 * detector's RR intervals.
 */
export const RR_CHANNELS = 4;

export function rrChannels(rr: ArrayLike<number>, i: number, out: Float32Array | number[]): void {
  const [pre, post, local, rec] = [rr[i * 4], rr[i * 4 + 1], rr[i * 4 + 2], rr[i * 4 + 3]];
  const ratio = (a: number, b: number) => (b > 0 && Number.isFinite(a) ? Math.max(-2, Math.min(2, a / b - 1)) : 0);
  out[0] = ratio(pre, rec);
  out[1] = ratio(post, rec);
  out[2] = ratio(local, rec);
  out[3] = ratio(pre, post);
}

/** A copy of `ds` whose x is [N, L, C + 4] with the RR channels appended to every position. */
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
  return { ...ds, x, shape: [N, L, C2], meta: { ...ds.meta, rrChannels: ['pre/record-1', 'post/record-1', 'local/record-1', 'pre/post-1'] } };
}

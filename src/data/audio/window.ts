/**
 * Analysis windows.
 *
 * Hann: w[n] = 0.5 - 0.5 cos(2 pi n / D), n = 0 .. L-1, with D = L for the periodic form (the
 * default, as in TensorFlow's tf.signal.hann_window and librosa's STFT: overlapped frames sum
 * to a constant) and D = L - 1 for the symmetric form (filter design, numpy.hanning).
 */
import { ArgumentError } from '../../util/errors.ts';

export function hannWindow(length: number, form: 'periodic' | 'symmetric' = 'periodic'): Float64Array {
  if (!(Number.isInteger(length) && length >= 1)) throw new ArgumentError('hannWindow', `length must be a positive integer, got ${length}`);
  const w = new Float64Array(length);
  if (length === 1) {
    w[0] = 1;
    return w;
  }
  const d = form === 'periodic' ? length : length - 1;
  for (let n = 0; n < length; n++) w[n] = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / d);
  return w;
}

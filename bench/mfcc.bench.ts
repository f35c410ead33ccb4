/**
 * `npm run bench -- mfcc`: MFCC extraction of one 1 s, 16 kHz clip (49 frames x 10 coefficients,
 * 40 ms / 20 ms, 1024-point FFT, 40 mel bands). Target: under 2 ms per clip.
 * Baseline: the straightforward float64 implementation of test/audio/naive_mfcc.ts (O(N^2) DFT,
 * dense mel matrix built once), measured in the same run.
 */
import { timeMs, record, writeResults } from './lib/harness.ts';
import { MfccFrontEnd } from '../src/data/audio/mfcc.ts';
import { RealFft } from '../src/data/audio/fft.ts';
import { NAIVE_DEFAULT, naiveMelMatrix, naiveMfcc, naivePower, testSignal } from '../test/audio/naive_mfcc.ts';

const clip = testSignal();
const fe = new MfccFrontEnd();
const out = new Float32Array(fe.numFrames * fe.numFeatures);
const feLogMel = new MfccFrontEnd({ output: 'logmel' });
const outLogMel = new Float32Array(feLogMel.numFrames * feLogMel.numFeatures);
const mel = naiveMelMatrix(NAIVE_DEFAULT);

const ours = await timeMs(() => fe.process(clip, out));
const oursLogMel = await timeMs(() => feLogMel.process(clip, outLogMel));
const naive = await timeMs(() => naiveMfcc(clip, NAIVE_DEFAULT, false, mel), { minSamples: 3, maxMs: 2000 });

const fft = new RealFft(1024);
const frame = new Float64Array(640).map((_, i) => clip[i]);
const power = new Float64Array(513);
const fftMs = await timeMs(() => fft.power(frame, power));
const dftMs = await timeMs(() => naivePower(frame, 1024), { minSamples: 3 });

writeResults('mfcc', [
  record('mfcc 1 s clip (49x10), ms per clip', ours, naive, 'ms', 'baseline: naive float64 DFT MFCC (test/audio/naive_mfcc.ts); target < 2 ms'),
  record('log-mel 1 s clip (49x40), ms per clip', oursLogMel, naive, 'ms', 'baseline: naive DFT MFCC'),
  record('power spectrum, 640 samples -> 1024-pt FFT', fftMs, dftMs, 'ms', 'baseline: naive DFT of the same frame'),
]);
if (ours >= 2) console.warn(`mfcc: ${ours.toFixed(3)} ms per clip misses the 2 ms target`);

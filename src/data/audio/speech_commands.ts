/**
 * Google Speech Commands (Warden 2018, v0.01 and v0.02) as the 12-class keyword-spotting task.
 *
 * Layout: <dir>/<word>/<speaker>_nohash_<n>.wav (16 kHz mono 16-bit, <= 1 s), optional
 * <dir>/_background_noise_/*.wav (long noise recordings), and the official split lists
 * <dir>/validation_list.txt and <dir>/testing_list.txt (paths "word/file.wav"; a file in
 * neither list is training). Without both lists, the split comes from the dataset README's
 * which_set(): SHA-1 of the file name with "_nohash_..." removed, so a speaker's clips share a
 * split (validation 10 %, testing 10 %).
 *
 * Classes (kws12): yes no up down left right on off stop go, silence, unknown.
 *  - unknown: clips of every other word (20 in v0.01, 25 in v0.02). Per split, a seeded random
 *    choice of round(unknownRatio * K) of them, K = keyword clips in that split; 'all' keeps all.
 *  - silence: round(silenceRatio * K) synthetic 1 s clips per split, each a random crop of a
 *    background noise file scaled by uniform(0, silenceVolume). Crops for train / val / test come
 *    from disjoint regions of each noise file (first 80 % / next 10 % / last 10 %), so no noise
 *    sample is shared across splits. Without noise files silence clips are all zeros (meta.warnings).
 *  - Defaults silenceRatio = unknownRatio = 0.1 (TensorFlow's silence_percentage and
 *    unknown_percentage of 10): with ten keywords of about K/10 clips each, silence and unknown
 *    are each ~1/12 of the examples, like every keyword.
 * Augmentation (train split only, opt-in): time shift uniform in +-timeShiftMs with zero fill,
 * then with probability noiseProbability add a random crop of background noise (train regions)
 * scaled by uniform(0, noiseVolume), clip to [-1, 1] (TensorFlow defaults 100 ms, 0.8, 0.1).
 * The augmented copies are appended to the clean train examples; everything is seeded.
 *
 * group = speaker id (the 8-hex prefix), so one can check that splits share no speaker;
 * silence examples have group "_background_noise_/<file>#<split>".
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Rng } from '../../core/rng.ts';
import { ArgumentError, FormatError } from '../../util/errors.ts';
import type { Dataset, SplitName } from '../dataset.ts';
import { DEFAULT_FRONT_END, fitClip, MfccFrontEnd, type FrontEndConfig } from './mfcc.ts';
import { readWavFile } from './wav.ts';

export const KWS_KEYWORDS: readonly string[] = Object.freeze(['yes', 'no', 'up', 'down', 'left', 'right', 'on', 'off', 'stop', 'go']);
export const SILENCE_CLASS = 'silence';
export const UNKNOWN_CLASS = 'unknown';
/** words only in v0.02 (35 words) */
export const V002_ONLY_WORDS: readonly string[] = Object.freeze(['backward', 'forward', 'follow', 'learn', 'visual']);
const SPLITS: readonly SplitName[] = ['train', 'val', 'test'];
const BACKGROUND_DIR = '_background_noise_';
/** fractions of each noise file used for train / val / test silence crops */
const NOISE_REGIONS: readonly [number, number][] = [[0, 0.8], [0.8, 0.9], [0.9, 1]];

export interface AugmentOptions {
  /** augmented copies of each train example appended to the clean ones (default 1) */
  copies?: number;
  /** maximum time shift in ms, uniform in [-t, t], zero fill (default 100) */
  timeShiftMs?: number;
  /** probability of mixing in background noise (default 0.8) */
  noiseProbability?: number;
  /** noise scale drawn uniform in [0, noiseVolume] (default 0.1) */
  noiseVolume?: number;
}

export interface SpeechCommandsOptions {
  dir: string;
  /** keyword classes (default the ten KWS keywords) */
  keywords?: readonly string[];
  /** silence clips per split = round(silenceRatio * keyword clips in the split) (default 0.1) */
  silenceRatio?: number;
  /** unknown clips per split = round(unknownRatio * keyword clips), or 'all' (default 0.1) */
  unknownRatio?: number | 'all';
  /** silence clip = noise crop * uniform(0, silenceVolume) (default 1) */
  silenceVolume?: number;
  /** 'auto' (default): the official lists when both exist, else the README hash */
  splitSource?: 'auto' | 'lists' | 'hash';
  /** hash split percentages (default 10 and 10) */
  validationPercentage?: number;
  testingPercentage?: number;
  /** background noise folder (default <dir>/_background_noise_) */
  backgroundDir?: string;
  /** features per clip: 'mfcc' [49, 10] (default), 'logmel' [49, 40], 'waveform' [16000, 1] */
  features?: 'mfcc' | 'logmel' | 'waveform';
  /** front-end settings (see mfcc.ts); output is set by `features` */
  frontEnd?: Partial<Omit<FrontEndConfig, 'output'>>;
  /** augmentation of the train split; off when undefined or false */
  augment?: AugmentOptions | false;
  /** at most this many clips per word folder (first in sorted order), for quick experiments */
  limitPerWord?: number;
  seed?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Speaker id: the file's base name with "_nohash_" and everything after it removed. */
export function speakerId(fileName: string): string {
  return basename(fileName).replace(/_nohash_.*$/, '');
}

const MAX_NUM_WAVS_PER_CLASS = 2 ** 27 - 1;

/** The dataset README's which_set(): stable split from SHA-1 of the speaker part of the name. */
export function whichSet(fileName: string, validationPercentage = 10, testingPercentage = 10): SplitName {
  const hex = createHash('sha1').update(speakerId(fileName), 'utf8').digest('hex');
  const mod = Number(BigInt('0x' + hex) % BigInt(MAX_NUM_WAVS_PER_CLASS + 1));
  const percentageHash = mod * (100.0 / MAX_NUM_WAVS_PER_CLASS);
  if (percentageHash < validationPercentage) return 'val';
  if (percentageHash < testingPercentage + validationPercentage) return 'test';
  return 'train';
}

export interface SpeechCommandsLayout {
  dir: string;
  /** word folders, sorted */
  words: string[];
  /** per word, clip paths relative to dir ("word/file.wav"), sorted */
  clips: Map<string, string[]>;
  /** background noise files (absolute paths), sorted */
  backgroundFiles: string[];
  /** the official lists, or null when either is missing */
  lists: { validation: Set<string>; testing: Set<string> } | null;
  version: 'v0.01' | 'v0.02' | 'unknown';
}

function readList(path: string): Set<string> {
  const out = new Set<string>();
  for (const line of readFileSync(path, 'utf8').split(/\r?\n/)) {
    const t = line.trim().replace(/\\/g, '/');
    if (t) out.add(t);
  }
  return out;
}

/** List the word folders, clips, noise files and split lists of a Speech Commands directory. */
export function scanSpeechCommands(dir: string, backgroundDir?: string): SpeechCommandsLayout {
  if (!existsSync(dir)) throw new FormatError(dir, 'no such directory');
  const words: string[] = [];
  const clips = new Map<string, string[]>();
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory() || e.name.startsWith('_') || e.name.startsWith('.')) continue;
    const wavs = readdirSync(join(dir, e.name)).filter((f) => f.toLowerCase().endsWith('.wav')).sort();
    if (wavs.length === 0) continue;
    words.push(e.name);
    clips.set(e.name, wavs.map((f) => `${e.name}/${f}`));
  }
  words.sort();
  const bgDir = backgroundDir ?? join(dir, BACKGROUND_DIR);
  const backgroundFiles = existsSync(bgDir)
    ? readdirSync(bgDir).filter((f) => f.toLowerCase().endsWith('.wav')).sort().map((f) => join(bgDir, f))
    : [];
  const vPath = join(dir, 'validation_list.txt'), tPath = join(dir, 'testing_list.txt');
  const lists = existsSync(vPath) && existsSync(tPath) ? { validation: readList(vPath), testing: readList(tPath) } : null;
  const version = words.some((w) => V002_ONLY_WORDS.includes(w)) ? 'v0.02' : words.length === 30 ? 'v0.01' : 'unknown';
  return { dir, words, clips, backgroundFiles, lists, version };
}

/** One planned example: a clip file, or a silence crop drawn at load time. */
export interface PlannedExample {
  kind: 'clip' | 'silence';
  /** clip path relative to dir (clips only) */
  path?: string;
  label: number;
  split: 0 | 1 | 2;
  group: string;
}

export interface SpeechCommandsPlan {
  layout: SpeechCommandsLayout;
  classes: string[];
  keywords: string[];
  splitSource: 'lists' | 'hash';
  examples: PlannedExample[];
  /** raw clip counts per split per class (unknown = every non-keyword clip) */
  fileCounts: Record<SplitName, Record<string, number>>;
  perWord: Record<string, Record<SplitName, number>>;
  warnings: string[];
}

function checkRatio(name: string, v: number): void {
  if (!(Number.isFinite(v) && v >= 0)) throw new ArgumentError('loadSpeechCommands', `${name} must be a finite number >= 0, got ${v}`);
}

/** Decide which clips (and how many silence crops) form each split, without reading audio. */
export function planSpeechCommands(opts: SpeechCommandsOptions): SpeechCommandsPlan {
  const layout = scanSpeechCommands(opts.dir, opts.backgroundDir);
  const keywords = [...(opts.keywords ?? KWS_KEYWORDS)];
  if (keywords.length === 0 || new Set(keywords).size !== keywords.length) throw new ArgumentError('loadSpeechCommands', 'keywords must be non-empty and distinct');
  const classes = [...keywords, SILENCE_CLASS, UNKNOWN_CLASS];
  const silenceIdx = keywords.length, unknownIdx = keywords.length + 1;
  const silenceRatio = opts.silenceRatio ?? 0.1;
  const unknownRatio = opts.unknownRatio ?? 0.1;
  checkRatio('silenceRatio', silenceRatio);
  if (unknownRatio !== 'all') checkRatio('unknownRatio', unknownRatio);
  const source = opts.splitSource ?? 'auto';
  if (source === 'lists' && !layout.lists) throw new ArgumentError('loadSpeechCommands', `splitSource 'lists' but ${opts.dir} lacks validation_list.txt / testing_list.txt`);
  const splitSource: 'lists' | 'hash' = source === 'hash' || !layout.lists ? 'hash' : 'lists';
  const vPct = opts.validationPercentage ?? 10, tPct = opts.testingPercentage ?? 10;
  const warnings: string[] = [];
  for (const k of keywords) if (!layout.clips.has(k)) warnings.push(`keyword '${k}' has no folder in ${opts.dir}`);

  const splitOf = (rel: string): 0 | 1 | 2 => {
    if (splitSource === 'lists') return layout.lists!.validation.has(rel) ? 1 : layout.lists!.testing.has(rel) ? 2 : 0;
    const s = whichSet(rel, vPct, tPct);
    return s === 'val' ? 1 : s === 'test' ? 2 : 0;
  };
  const fileCounts = Object.fromEntries(SPLITS.map((s) => [s, Object.fromEntries(classes.map((c) => [c, 0]))])) as Record<SplitName, Record<string, number>>;
  const perWord: Record<string, Record<SplitName, number>> = {};
  const keywordClips: PlannedExample[][] = [[], [], []];
  const unknownClips: PlannedExample[][] = [[], [], []];
  for (const word of layout.words) {
    let files = layout.clips.get(word)!;
    if (opts.limitPerWord !== undefined) files = files.slice(0, opts.limitPerWord);
    const kw = keywords.indexOf(word);
    perWord[word] = { train: 0, val: 0, test: 0 };
    for (const rel of files) {
      const split = splitOf(rel);
      perWord[word][SPLITS[split]]++;
      fileCounts[SPLITS[split]][kw >= 0 ? word : UNKNOWN_CLASS]++;
      const ex: PlannedExample = { kind: 'clip', path: rel, label: kw >= 0 ? kw : unknownIdx, split, group: speakerId(rel) };
      (kw >= 0 ? keywordClips : unknownClips)[split].push(ex);
    }
  }
  const rng = new Rng(opts.seed ?? 0).fork(); // stream 1 of the seed: unknown selection (loader: 2 silence, 3 augmentation)
  const examples: PlannedExample[] = [];
  for (const split of [0, 1, 2] as const) {
    const k = keywordClips[split].length;
    examples.push(...keywordClips[split]);
    const pool = unknownClips[split];
    const nUnknown = unknownRatio === 'all' ? pool.length : Math.min(pool.length, Math.round(unknownRatio * k));
    const order = rng.permutation(pool.length);
    const chosen = Array.from(order.subarray(0, nUnknown)).sort((a, b) => a - b);
    for (const i of chosen) examples.push(pool[i]);
    const nSilence = Math.round(silenceRatio * k);
    const noiseGroup = (i: number) => layout.backgroundFiles.length ? `${BACKGROUND_DIR}/${basename(layout.backgroundFiles[i % layout.backgroundFiles.length])}#${SPLITS[split]}` : `${BACKGROUND_DIR}/zeros#${SPLITS[split]}`;
    for (let i = 0; i < nSilence; i++) examples.push({ kind: 'silence', label: silenceIdx, split, group: noiseGroup(i) });
  }
  if (layout.backgroundFiles.length === 0 && examples.some((e) => e.kind === 'silence')) {
    warnings.push(`no background noise files (looked in ${opts.backgroundDir ?? join(opts.dir, BACKGROUND_DIR)}): silence examples are all zeros`);
  }
  return { layout, classes, keywords, splitSource, examples, fileCounts, perWord, warnings };
}

/** Seeded time shift and background-noise mixing for training clips (see the file comment). */
export class SpeechAugmenter {
  private readonly shiftMax: number;
  private readonly noiseProbability: number;
  private readonly noiseVolume: number;

  /** `noise`: the noise recordings to mix from (use only training regions). */
  constructor(private readonly noise: Float32Array[], opts: AugmentOptions = {}, sampleRate = 16000) {
    this.shiftMax = Math.round(((opts.timeShiftMs ?? 100) * sampleRate) / 1000);
    this.noiseProbability = opts.noiseProbability ?? 0.8;
    this.noiseVolume = opts.noiseVolume ?? 0.1;
    if (this.shiftMax < 0 || !(this.noiseProbability >= 0 && this.noiseProbability <= 1) || !(this.noiseVolume >= 0)) {
      throw new ArgumentError('SpeechAugmenter', 'timeShiftMs, noiseVolume must be >= 0 and noiseProbability in [0, 1]');
    }
  }

  /** Augment `clip` into a new array of the same length. Draws from `rng` only. */
  apply(clip: Float32Array, rng: Rng): Float32Array {
    const n = clip.length;
    const out = new Float32Array(n);
    const shift = this.shiftMax > 0 ? rng.int(2 * this.shiftMax + 1) - this.shiftMax : 0;
    for (let i = 0; i < n; i++) {
      const s = i - shift;
      out[i] = s >= 0 && s < n ? clip[s] : 0;
    }
    if (this.noise.length > 0 && rng.next() < this.noiseProbability) {
      const crop = cropNoise(this.noise[rng.int(this.noise.length)], n, rng);
      const vol = rng.uniform(0, this.noiseVolume);
      for (let i = 0; i < n; i++) out[i] = Math.max(-1, Math.min(1, out[i] + vol * crop[i]));
    }
    return out;
  }
}

/** A random `length`-sample crop of `noise` (read cyclically when the noise is shorter). */
export function cropNoise(noise: Float32Array, length: number, rng: Rng): Float32Array {
  const out = new Float32Array(length);
  if (noise.length === 0) return out;
  if (noise.length >= length) {
    const start = rng.int(noise.length - length + 1);
    out.set(noise.subarray(start, start + length));
  } else {
    const start = rng.int(noise.length);
    for (let i = 0; i < length; i++) out[i] = noise[(start + i) % noise.length];
  }
  return out;
}

function noiseRegion(noise: Float32Array, split: number): Float32Array {
  const [a, b] = NOISE_REGIONS[split];
  return noise.subarray(Math.floor(a * noise.length), Math.floor(b * noise.length));
}

/** Load Speech Commands as the kws12 Dataset: features [N, L, C], labels, official splits, speaker groups. */
export function loadSpeechCommands(opts: SpeechCommandsOptions): Dataset {
  const plan = planSpeechCommands(opts);
  const { layout } = plan;
  const features = opts.features ?? 'mfcc';
  if (features !== 'mfcc' && features !== 'logmel' && features !== 'waveform') throw new ArgumentError('loadSpeechCommands', `features must be mfcc, logmel or waveform, got ${String(features)}`);
  const fe = features === 'waveform' ? null : new MfccFrontEnd({ ...opts.frontEnd, output: features });
  const sampleRate = opts.frontEnd?.sampleRate ?? DEFAULT_FRONT_END.sampleRate;
  const clipSamples = opts.frontEnd?.clipSamples ?? DEFAULT_FRONT_END.clipSamples;
  const L = fe ? fe.numFrames : clipSamples;
  const C = fe ? fe.numFeatures : 1;
  const silenceVolume = opts.silenceVolume ?? 1;
  if (!(silenceVolume >= 0)) throw new ArgumentError('loadSpeechCommands', `silenceVolume must be >= 0, got ${silenceVolume}`);

  const noise = layout.backgroundFiles.map((f) => readWavFile(f, { expectedSampleRate: sampleRate }).samples);
  const root = new Rng(opts.seed ?? 0);
  root.fork(); // stream 1: unknown selection, drawn in planSpeechCommands
  const silenceRng = root.fork();
  const augRng = root.fork();

  const aug = opts.augment ? opts.augment : null;
  const copies = aug ? aug.copies ?? 1 : 0;
  if (!(Number.isInteger(copies) && copies >= 0)) throw new ArgumentError('loadSpeechCommands', `augment.copies must be a non-negative integer, got ${copies}`);
  const augmenter = aug ? new SpeechAugmenter(noise.map((s) => noiseRegion(s, 0)), aug, sampleRate) : null;
  const nClean = plan.examples.length;
  const nTrain = plan.examples.reduce((a, e) => a + (e.split === 0 ? 1 : 0), 0);
  const n = nClean + copies * nTrain;

  const x = new Float32Array(n * L * C);
  const y = new Int32Array(n), split = new Uint8Array(n), groupOf: string[] = new Array(n);
  let done = 0;
  const put = (row: number, wave: Float32Array, e: PlannedExample) => {
    if (fe) fe.process(wave, x, row * L * C);
    else x.set(wave, row * L);
    y[row] = e.label;
    split[row] = e.split;
    groupOf[row] = e.group;
    done++;
    opts.onProgress?.(done, n);
  };
  // Rows: the clean examples in plan order, then augmentation copy c of the t-th train example
  // at row nClean + c * nTrain + t. Copies are made right after the clean clip is read, so no
  // waveform is kept in memory. Augmentation draws follow the plan order.
  let t = 0;
  for (let i = 0; i < nClean; i++) {
    const e = plan.examples[i];
    let wave: Float32Array;
    if (e.kind === 'clip') {
      wave = fitClip(readWavFile(join(opts.dir, e.path!), { expectedSampleRate: sampleRate }).samples, clipSamples);
    } else if (noise.length > 0) {
      wave = cropNoise(noiseRegion(noise[silenceRng.int(noise.length)], e.split), clipSamples, silenceRng);
      const vol = silenceRng.uniform(0, silenceVolume);
      for (let j = 0; j < clipSamples; j++) wave[j] *= vol;
    } else {
      wave = new Float32Array(clipSamples);
    }
    put(i, wave, e);
    if (augmenter && e.split === 0) {
      for (let c = 0; c < copies; c++) put(nClean + c * nTrain + t, augmenter.apply(wave, augRng), e);
      t++;
    }
  }
  const groupNames = [...new Set(groupOf)].sort();
  const gIndex = new Map(groupNames.map((g, i) => [g, i]));
  const group = Int32Array.from(groupOf, (g) => gIndex.get(g)!);
  const isDefault = plan.keywords.length === KWS_KEYWORDS.length && plan.keywords.every((k, i) => k === KWS_KEYWORDS[i]);
  return {
    name: isDefault ? 'kws12' : `kws${plan.classes.length}`,
    x,
    shape: [n, L, C],
    y,
    classes: plan.classes,
    split,
    group,
    groupNames,
    meta: {
      source: opts.dir,
      dataset: 'Speech Commands (Warden 2018), CC BY 4.0',
      version: layout.version,
      splitSource: plan.splitSource,
      sampleRate,
      clipSamples,
      features,
      frontEnd: fe ? { ...fe.config } : null,
      keywords: plan.keywords,
      silenceRatio: opts.silenceRatio ?? 0.1,
      unknownRatio: opts.unknownRatio ?? 0.1,
      silenceVolume,
      backgroundFiles: layout.backgroundFiles.map((f) => basename(f)),
      noiseRegions: { train: NOISE_REGIONS[0], val: NOISE_REGIONS[1], test: NOISE_REGIONS[2] },
      augment: aug ? { copies, timeShiftMs: aug.timeShiftMs ?? 100, noiseProbability: aug.noiseProbability ?? 0.8, noiseVolume: aug.noiseVolume ?? 0.1 } : null,
      seed: opts.seed ?? 0,
      warnings: plan.warnings,
    },
  };
}

export type SplitCounts = Record<SplitName | 'all', number>;

/** JSON-friendly counts for `hypertinypw data stats speech-commands`. */
export interface SpeechCommandsStats {
  dir: string;
  version: string;
  splitSource: 'lists' | 'hash';
  classes: string[];
  words: string[];
  backgroundNoiseFiles: string[];
  /** examples loadSpeechCommands yields with these options (before augmentation copies), per split per class */
  examples: Record<SplitName, Record<string, number>>;
  /** clip files per split per class (unknown = every non-keyword clip, silence = 0) */
  files: Record<SplitName, Record<string, number>>;
  perWord: Record<string, Record<SplitName, number>>;
  totals: { examples: SplitCounts; files: SplitCounts };
  speakers: SplitCounts;
  warnings: string[];
}

/** Per class, per split counts of a Speech Commands directory (reads no audio). */
export function speechCommandsStats(dir: string, opts: Omit<SpeechCommandsOptions, 'dir'> = {}): SpeechCommandsStats {
  const plan = planSpeechCommands({ ...opts, dir });
  const examples = Object.fromEntries(SPLITS.map((s) => [s, Object.fromEntries(plan.classes.map((c) => [c, 0]))])) as Record<SplitName, Record<string, number>>;
  const speakers = SPLITS.map(() => new Set<string>());
  for (const e of plan.examples) {
    examples[SPLITS[e.split]][plan.classes[e.label]]++;
    if (e.kind === 'clip') speakers[e.split].add(e.group);
  }
  const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
  const totals = (t: Record<SplitName, Record<string, number>>): SplitCounts => {
    const [train, val, test] = SPLITS.map((s) => sum(t[s]));
    return { train, val, test, all: train + val + test };
  };
  const allSpeakers = new Set(speakers.flatMap((s) => [...s]));
  return {
    dir,
    version: plan.layout.version,
    splitSource: plan.splitSource,
    classes: plan.classes,
    words: plan.layout.words,
    backgroundNoiseFiles: plan.layout.backgroundFiles.map((f) => basename(f)),
    examples,
    files: plan.fileCounts,
    perWord: plan.perWord,
    totals: { examples: totals(examples), files: totals(plan.fileCounts) },
    speakers: { train: speakers[0].size, val: speakers[1].size, test: speakers[2].size, all: allSpeakers.size },
    warnings: plan.warnings,
  };
}

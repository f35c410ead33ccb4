import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.ts';
import { splitIndices } from '../../src/data/dataset.ts';
import {
  cropNoise, KWS_KEYWORDS, loadSpeechCommands, MfccFrontEnd, scanSpeechCommands, speakerId, SpeechAugmenter, speechCommandsStats, V002_ONLY_WORDS, whichSet, writeWav,
} from '../../src/data/audio/index.ts';
import { ArgumentError, FormatError } from '../../src/util/errors.ts';

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/speech-commands');
const SHARED = join(dirname(fileURLToPath(import.meta.url)), '../../../shared/data');
const KWS12 = [...KWS_KEYWORDS, 'silence', 'unknown'];

describe('speaker id and the README hash split', () => {
  it('removes _nohash_ and what follows', () => {
    expect(speakerId('happy/3cfc6b3a_nohash_2.wav')).toBe('3cfc6b3a');
    expect(speakerId('bobby_nohash_1.wav')).toBe('bobby');
  });

  it('matches which_set() run in Python 3 (hashlib.sha1 of the UTF-8 name)', () => {
    // Values from the README's Python function, computed once with python3.
    const py: [string, string][] = [
      ['00000000_nohash_0.wav', 'val'], ['9e3779b1_nohash_0.wav', 'val'], ['3c6ef362_nohash_0.wav', 'train'],
      ['2e2ac0ea_nohash_0.wav', 'val'], ['a708a7ae_nohash_0.wav', 'val'], ['be1e0823_nohash_0.wav', 'test'],
      ['c6ef3620_nohash_0.wav', 'test'], ['6526afd1_nohash_0.wav', 'test'], ['a195a333_nohash_0.wav', 'test'],
      ['happy/3cfc6b3a_nohash_2.wav', 'train'], ['bobby_nohash_1.wav', 'train'],
    ];
    for (const [name, split] of py) expect(whichSet(name)).toBe(split);
    expect(whichSet('x/00000000_nohash_7.wav', 9.5, 10)).toBe('test'); // percentage 9.5557
  });

  it('agrees with the official lists for every fixture clip', () => {
    const lay = scanSpeechCommands(FIXTURE);
    let n = 0;
    for (const files of lay.clips.values()) {
      for (const f of files) {
        const listed = lay.lists!.validation.has(f) ? 'val' : lay.lists!.testing.has(f) ? 'test' : 'train';
        expect(whichSet(f)).toBe(listed);
        n++;
      }
    }
    expect(n).toBe(8);
  });
});

describe('loadSpeechCommands on the fixture (official lists)', () => {
  it('gives the kws12 Dataset with MFCC [N, 49, 10], speaker groups and silence from noise', () => {
    const ds = loadSpeechCommands({ dir: FIXTURE, unknownRatio: 'all', silenceRatio: 0.5 });
    expect(ds.name).toBe('kws12');
    expect(ds.classes).toEqual(KWS12);
    // train: yes, no, up + bed (unknown) + round(0.5 * 3) = 2 silence; val: yes + bed + 1 silence; test: no + cat + 1 silence
    expect(ds.shape).toEqual([4 + 2 + 2 + 1 + 2 + 1, 49, 10]);
    expect(ds.x.length).toBe(ds.shape[0] * 49 * 10);
    const labels = (s: 'train' | 'val' | 'test') => Array.from(splitIndices(ds, s), (i) => ds.classes[ds.y[i]]).sort();
    expect(labels('train')).toEqual(['no', 'silence', 'silence', 'unknown', 'up', 'yes']);
    expect(labels('val')).toEqual(['silence', 'unknown', 'yes']);
    expect(labels('test')).toEqual(['no', 'silence', 'unknown']);
    // splits share no group
    const groupsBy = [0, 1, 2].map((s) => new Set(Array.from(ds.group).filter((_, i) => ds.split[i] === s)));
    for (const a of [0, 1, 2]) for (const b of [0, 1, 2]) if (a < b) for (const g of groupsBy[a]) expect(groupsBy[b].has(g)).toBe(false);
    expect(ds.groupNames).toContain('988e2f9a');
    expect(ds.groupNames).toContain('_background_noise_/running_tap_excerpt.wav#val');
    expect(ds.meta.splitSource).toBe('lists');
    // the fixture has 3 of the 10 keyword folders; noise is present, so no silence warning
    const warnings = ds.meta.warnings as string[];
    expect(warnings.length).toBe(7);
    expect(warnings[0]).toMatch(/keyword 'down' has no folder/);
    expect(ds.x.every(Number.isFinite)).toBe(true);
    // the first example is the 'yes' train clip: its MFCC equals the front end on the padded file
    const first = Array.from(splitIndices(ds, 'train')).find((i) => ds.classes[ds.y[i]] === 'yes')!;
    expect(ds.x[first * 490]).toBeGreaterThan(-87); // speech, not the silent floor
  });

  it('is deterministic per seed; the seed changes silence crops', () => {
    const a = loadSpeechCommands({ dir: FIXTURE, seed: 3 });
    const b = loadSpeechCommands({ dir: FIXTURE, seed: 3 });
    const c = loadSpeechCommands({ dir: FIXTURE, seed: 4, silenceRatio: 1 });
    const d = loadSpeechCommands({ dir: FIXTURE, seed: 5, silenceRatio: 1 });
    expect(a.x).toEqual(b.x);
    expect(c.x).not.toEqual(d.x);
  });

  it('default ratios: unknown and silence are round(0.1 x keyword clips) per split', () => {
    const st = speechCommandsStats(FIXTURE);
    expect(st.examples.train).toMatchObject({ yes: 1, no: 1, up: 1, silence: 0, unknown: 0 });
    expect(st.files.train).toMatchObject({ yes: 1, no: 1, up: 1, unknown: 1 });
    expect(st.totals.files).toEqual({ train: 4, val: 2, test: 2, all: 8 });
    expect(JSON.parse(JSON.stringify(st))).toEqual(st);
    const big = speechCommandsStats(FIXTURE, { silenceRatio: 2, unknownRatio: 1 });
    expect(big.examples.train).toMatchObject({ silence: 6, unknown: 1 });
  });

  it('log-mel and waveform features, augmentation copies on train only', () => {
    const lm = loadSpeechCommands({ dir: FIXTURE, features: 'logmel', unknownRatio: 'all' });
    expect(lm.shape.slice(1)).toEqual([49, 40]);
    const wf = loadSpeechCommands({ dir: FIXTURE, features: 'waveform', unknownRatio: 'all' });
    expect(wf.shape).toEqual([8, 16000, 1]);
    expect(wf.x.subarray(4000, 16000).every((v) => v === 0)).toBe(true); // 0.25 s clip padded
    const aug = loadSpeechCommands({ dir: FIXTURE, features: 'waveform', unknownRatio: 'all', augment: { copies: 2 } });
    expect(aug.shape[0]).toBe(8 + 2 * 4);
    expect(Array.from(aug.split.subarray(8))).toEqual(new Array(8).fill(0));
    expect(Array.from(aug.y.subarray(8, 12))).toEqual(Array.from(aug.y.subarray(0, 8)).filter((_, i) => aug.split[i] === 0));
    expect(aug.x.subarray(8 * 16000)).not.toEqual(aug.x.subarray(0, 8 * 16000));
    expect(aug.x.every((v) => v >= -1 && v <= 1)).toBe(true);
    const again = loadSpeechCommands({ dir: FIXTURE, features: 'waveform', unknownRatio: 'all', augment: { copies: 2 } });
    expect(again.x).toEqual(aug.x); // seeded
    expect(aug.meta.augment).toEqual({ copies: 2, timeShiftMs: 100, noiseProbability: 0.8, noiseVolume: 0.1 });
  });

  it('errors: missing directory, lists requested but absent, wrong sample rate', () => {
    expect(() => loadSpeechCommands({ dir: join(FIXTURE, 'nope') })).toThrow(FormatError);
    const tmp = mkdtempSync(join(tmpdir(), 'htpw-sc-'));
    try {
      mkdirSync(join(tmp, 'yes'));
      writeFileSync(join(tmp, 'yes', 'abcd0123_nohash_0.wav'), writeWav(new Float32Array(800), 8000));
      expect(() => loadSpeechCommands({ dir: tmp, splitSource: 'lists' })).toThrow(ArgumentError);
      expect(() => loadSpeechCommands({ dir: tmp })).toThrow(/sample rate 8000 Hz, expected 16000 Hz/);
      expect(() => loadSpeechCommands({ dir: tmp })).toThrow(FormatError);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('a synthetic v0.02 layout without lists (hash split)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'htpw-sc2-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const words = [...KWS_KEYWORDS, 'bed', 'bird', 'cat', 'dog', 'happy', 'house', 'marvin', 'sheila', 'tree', 'wow',
    'zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', ...V002_ONLY_WORDS];
  const rng = new Rng(11);
  const speakers = Array.from({ length: 30 }, () => rng.nextU32().toString(16).padStart(8, '0'));
  for (const w of words) {
    mkdirSync(join(tmp, w));
    for (let s = 0; s < 6; s++) {
      const spk = speakers[(s * 7 + w.length) % speakers.length];
      const tone = Float32Array.from({ length: 1600 }, (_, i) => 0.3 * Math.sin(i * (0.05 + w.length / 100)));
      writeFileSync(join(tmp, w, `${spk}_nohash_${s}.wav`), writeWav(tone, 16000));
    }
  }
  mkdirSync(join(tmp, '_background_noise_'));
  writeFileSync(join(tmp, '_background_noise_', 'white.wav'), writeWav(Float32Array.from({ length: 40000 }, () => rng.uniform(-0.5, 0.5)), 16000));

  it('detects v0.02, splits by speaker hash, balances silence and unknown', () => {
    const st = speechCommandsStats(tmp);
    expect(st.version).toBe('v0.02');
    expect(st.words.length).toBe(35);
    expect(st.splitSource).toBe('hash');
    const ds = loadSpeechCommands({ dir: tmp });
    for (let i = 0; i < ds.y.length; i++) {
      const g = ds.groupNames[ds.group[i]];
      if (!g.startsWith('_background_noise_')) expect(['train', 'val', 'test'][ds.split[i]]).toBe(whichSet(`${g}_nohash_0.wav`));
    }
    for (const split of ['train', 'val', 'test'] as const) {
      const k = KWS_KEYWORDS.reduce((a, w) => a + st.examples[split][w], 0);
      expect(st.examples[split].unknown).toBe(Math.round(0.1 * k));
      expect(st.examples[split].silence).toBe(Math.round(0.1 * k));
    }
    expect(ds.shape[0]).toBe(st.totals.examples.all);
  });
});

describe('augmentation primitives', () => {
  it('time shift moves the clip with zero fill; noise crops wrap when the noise is short', () => {
    const clip = Float32Array.from({ length: 100 }, (_, i) => (i + 1) / 1000);
    const a = new SpeechAugmenter([], { timeShiftMs: 1 }, 16000); // +-16 samples, no noise
    const out = a.apply(clip, new Rng(1));
    const shift = out.findIndex((v) => v !== 0) === 0 ? -Math.round(out[0] * 1000 - 1) : out.findIndex((v) => v !== 0);
    for (let i = 0; i < 100; i++) {
      const s = i - shift;
      expect(out[i]).toBe(s >= 0 && s < 100 ? clip[s] : 0);
    }
    expect(Math.abs(shift)).toBeLessThanOrEqual(16);
    const crop = cropNoise(Float32Array.of(1, 2, 3), 7, new Rng(2));
    for (let i = 1; i < 7; i++) expect(crop[i]).toBe((crop[i - 1] % 3) + 1);
    expect(new MfccFrontEnd().process(a.apply(new Float32Array(16000), new Rng(3))).length).toBe(490);
  });
});

describe.skipIf(process.env.HTPW_SHARED_DATA !== '1')('real Speech Commands v0.01 subset (opt-in)', () => {
  const dir = join(SHARED, 'speech-commands-v0.01-subset');
  const backgroundDir = join(SHARED, 'speech-commands', '_background_noise_');

  it('hash split reproduces the official lists; loads all clips; prints counts', () => {
    const lay = scanSpeechCommands(dir);
    expect(lay.version).toBe('v0.01');
    for (const files of lay.clips.values()) for (const f of files) {
      expect(whichSet(f)).toBe(lay.lists!.validation.has(f) ? 'val' : lay.lists!.testing.has(f) ? 'test' : 'train');
    }
    const st = speechCommandsStats(dir, { backgroundDir });
    expect(st.totals.files).toEqual({ train: 205, val: 44, test: 51, all: 300 });
    console.log(JSON.stringify({ examples: st.examples, totals: st.totals, speakers: st.speakers }, null, 1));
    const ds = loadSpeechCommands({ dir, backgroundDir });
    expect(ds.shape).toEqual([st.totals.examples.all, 49, 10]);
    expect(ds.x.every(Number.isFinite)).toBe(true);
    const all = loadSpeechCommands({ dir, backgroundDir, unknownRatio: 'all', features: 'waveform', silenceRatio: 0 });
    expect(all.shape[0]).toBe(300);
  });

  it('reads the v0.02 clips and every background noise file', () => {
    const st = speechCommandsStats(join(SHARED, 'speech-commands'));
    expect(st.backgroundNoiseFiles.length).toBe(6);
    const ds = loadSpeechCommands({ dir: join(SHARED, 'speech-commands'), silenceRatio: 1 });
    expect(ds.shape[0]).toBeGreaterThanOrEqual(2);
  });
});

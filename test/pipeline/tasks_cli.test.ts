import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { tmp } from './helpers.ts';

/** The step-by-step commands (train -> quantize -> eval -> export-c) on the Apnea-ECG and PTB-XL fixtures. */

const FIX = join(import.meta.dirname, '..', 'fixtures');

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  const err = vi.spyOn(console, 'error').mockImplementation(() => {});
  try {
    return { code: await main(args), out: lines.join('\n') };
  } finally {
    spy.mockRestore();
    err.mockRestore();
  }
}

describe('train, quantize, eval, export-c on the task fixtures', () => {
  for (const [task, dir, tiny, want] of [
    ['apnea', 'apnea-ecg', { stem: { channels: 8, kernel: 11, stride: 4 }, blocks: [{ channels: 12, stride: 4 }, { channels: 16, stride: 4 }], dropout: 0 }, /per-record diagnosis/],
    ['ptbxl', 'ptb-xl', { stem: { channels: 8, kernel: 7, stride: 2 }, blocks: [{ channels: 12, stride: 2 }, { channels: 16, stride: 2 }], dropout: 0 }, /macroAuc/],
  ] as const) {
    it(task, async () => {
      const out = tmp(`cli-${task}`);
      const data = join(FIX, dir);
      writeFileSync(join(out, 'cfg.json'), JSON.stringify({ modelOverrides: tiny, train: { batchSize: 2 } }));
      const t = await cli(['train', '--config', join(out, 'cfg.json'), '--data', data, '--task', task, '--epochs', '1', '--out', join(out, 'small'), '--quiet']);
      expect(t.code).toBe(0);
      expect(JSON.parse(t.out).testMacroF1Argmax).toBeGreaterThanOrEqual(0);
      const q = await cli(['quantize', join(out, 'small', 'best.ckpt'), '--data', data, '--task', task, '--method', 'qat', '--epochs', '1', '--batch-size', '2', '--out', join(out, 'int8.htpw'), '--quiet']);
      expect(q.code).toBe(0);
      expect(JSON.parse(q.out).testExamples).toBeGreaterThan(0);
      const e = await cli(['eval', join(out, 'int8.htpw'), '--task', task, '--data', data, '--resamples', '50']);
      expect(e.code).toBe(0);
      expect(e.out).toMatch(want);
      expect(await main(['export-c', join(out, 'int8.htpw'), '--out', join(out, 'c')])).toBe(0);
      expect(existsSync(join(out, 'c', 'htpw.c'))).toBe(true);
      expect(await main(['train', '--data', data, '--task', 'nope', '--out', join(out, 'x')])).toBe(2);
    }, 120_000);
  }
});

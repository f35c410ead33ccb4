/**
 * The README's ndarray example runs as printed: its code block is cut out of README.md, pointed at
 * a run directory of stand-in models of the demo's shapes (128 samples x 7 channels, 4 classes),
 * and executed; what it prints must be what its last comment says.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { saveCheckpoint } from '../../src/nn/checkpoint.ts';
import { SeparableCnn, separableCnnConfig, type ModelSpec } from '../../src/nn/models/separable_cnn.ts';
import { randomDeployable } from '../../src/hyper/testing.ts';
import { writeIntegerModel } from '../../src/pipeline/variants.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

describe('README', () => {
  it('the ndarray example runs and prints what its comment says', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = /```ts\n(import ndarray from 'ndarray';[\s\S]*?)```/.exec(readme);
    expect(block, 'the ndarray example in README.md').not.toBeNull();
    const code = block![1];
    const promised = /console\.log\([^\n]*\/\/ (.*)$/m.exec(code);
    expect(promised, 'the example ends with a console.log and the output in a comment').not.toBeNull();

    const run = mkdtempSync(join(tmpdir(), 'htpw-readme-'));
    mkdirSync(join(run, 'runs/small'), { recursive: true });
    mkdirSync(join(run, 'models'));
    const spec: ModelSpec = { family: 'separable_cnn', config: separableCnnConfig('small', { inputLength: 128, inputChannels: 7, numClasses: 4, seed: 3 }) };
    saveCheckpoint(join(run, 'runs/small/best.ckpt'), { kind: 'model', spec, model: new SeparableCnn(spec.config) });
    writeIntegerModel(join(run, 'models/hypertinypw.htpw'), randomDeployable(5, {}, { length: 128, inChannels: 7, classes: 4 }).deployable);

    const file = join(run, 'example.ts');
    writeFileSync(file, code
      .replace("from 'ndarray'", `from '${createRequire(import.meta.url).resolve('ndarray')}'`)
      .replace("from './src/index.ts'", `from '${join(ROOT, 'src/index.ts')}'`)
      .replaceAll('runs/run-mitbih-aami/', `${run}/`));
    const printed: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void printed.push(a.map((v) => JSON.stringify(v)).join(' ')));
    try {
      await import(file);
    } finally {
      log.mockRestore();
    }
    // the comment writes shapes as [10, 4], JSON as [10,4]
    expect(printed).toEqual([promised![1].trim().replace(/, /g, ',')]);
  });
});

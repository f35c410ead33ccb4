/** One file extension per file kind (#17): .ckpt float checkpoints, .htpw integer models (IntModel or Deployable). */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands/index.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
/** extensions a model file has had in help texts or docs; readers tell kinds apart by magic, so names must agree */
const RETIRED = /\.(htpd|depl|imdl|deployable|intmodel)\b/i;

describe('file extensions', () => {
  const texts: [string, string][] = [
    ...COMMANDS.map((c) => [`hypertinypw ${c.name} --help`, `${c.summary}\n${c.help}`] as [string, string]),
    ['README.md', readFileSync(join(ROOT, 'README.md'), 'utf8')],
    ['configs/README.md', readFileSync(join(ROOT, 'configs/README.md'), 'utf8')],
    ['src/inspect/page.ts', readFileSync(join(ROOT, 'src/inspect/page.ts'), 'utf8')],
    ['src/inspect/browser/main.ts', readFileSync(join(ROOT, 'src/inspect/browser/main.ts'), 'utf8')],
  ];
  it('no help text or document names a model file with another extension than .ckpt / .htpw', () => {
    for (const [where, text] of texts) expect(RETIRED.exec(text)?.[0], where).toBeUndefined();
  });
  it('every command that reads or writes an integer model names it .htpw, a checkpoint .ckpt', () => {
    const help = new Map(COMMANDS.map((c) => [c.name, c.help]));
    for (const name of ['bytes', 'eval', 'export-c', 'golden', 'inspect', 'quantize', 'compress']) expect(help.get(name), name).toContain('.htpw');
    for (const name of ['quantize', 'compress', 'eval']) expect(help.get(name), name).toContain('.ckpt');
  });
});

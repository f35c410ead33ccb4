import { readFileSync } from 'node:fs';
import { checkKnownFlags, numberFlag, parseArgs, stringFlag, UsageError, inputFile, type Command } from '../command.ts';
import { readModelView } from '../../inspect/model_view.ts';
import { startServer } from '../../inspect/server.ts';
import { buildSite, writeSite } from '../../inspect/site.ts';
import { FormatError } from '../../util/errors.ts';

const MAX_PORT = 65535;

/** `hypertinypw inspect [model] [--results FILE] [--port N] [--out DIR]`: the engine in the browser. */
export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'a local web page that runs the engine in the browser: bytes, layers, synthesized kernels, a beat, the Pareto plot',
  help: `usage: hypertinypw inspect [model.htpw] [--results results.jsonl] [--port N] [--out DIR]

Starts a web server on 127.0.0.1 (default port 8018; 0 = any free port) and prints its URL; stop
it with Ctrl-C. The page decodes the model in the browser with the project's own modules
(bundled with esbuild at start-up; no network needed) and shows: the flash / RAM bytes by
category (the totals of \`hypertinypw bytes\`); each layer's shape, kind and whether its weights
are stored or generated; each generated pointwise kernel synthesized in the page as a heatmap,
with the CRC-32 of its INT8 weights; a beat of the bundled MIT-BIH excerpt (data/demo/mitdb)
through the simulator: input trace, every layer's activations, class scores and the output
bytes (\`hypertinypw golden\` writes the same for the same input: the page offers the input as
a file for \`golden --input\`); with --results, the Pareto plot of a sweep, each point linked to
its row. Another model (or a results file) can be dropped on the page.

<model.htpw> is a Deployable ('HTPWDEPL') or an IntModel ('HTPWIMDL'); optional.
  --results FILE  a sweep's results.jsonl
  --port N        port on 127.0.0.1 (default 8018; 0 = any free port)
  --out DIR       write the page, its script and the named files to DIR instead of serving them
                  (serve DIR with any static web server: browsers do not run it from file://)`,
  async run(args: string[]): Promise<number> {
    const p = parseArgs(args);
    checkKnownFlags(p, ['results', 'port', 'out']);
    if (p.positional.length > 1) throw new UsageError('expected at most one model file (see --help)');
    const [model] = p.positional;
    const port = numberFlag(p, 'port', 8018)!;
    if (!Number.isInteger(port) || port < 0 || port > MAX_PORT) throw new UsageError(`--port must be an integer in 0..${MAX_PORT}, got ${port}`);
    if (model) {
      let bytes: Uint8Array;
      inputFile(model);
      try {
        bytes = readFileSync(model);
      } catch (e) {
        throw new FormatError(model, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
      readModelView(bytes, model); // a wrong or corrupt file fails here, in one line
    }
    const { site, manifest } = await buildSite({ model, results: stringFlag(p, 'results') });
    const out = stringFlag(p, 'out');
    if (out) {
      const written = writeSite(site, out);
      console.log(`wrote ${written.length} files to ${out} (index.html, inspect.js, site.json${manifest.model ? `, model/${manifest.model.name}` : ''}${manifest.results ? `, results/${manifest.results.name}` : ''}${manifest.demo ? `, demo/: ${manifest.demo.records.length} records` : ''}); serve the folder with any static web server`);
      return 0;
    }
    let server;
    try {
      server = await startServer(site, port);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new UsageError(`--port ${port}: cannot listen on 127.0.0.1 (${code ?? (e as Error).message})${code === 'EADDRINUSE' ? '; pick another with --port, or --port 0' : ''}`);
    }
    console.log(`hypertinypw inspect: ${server.url}  (Ctrl-C stops)`);
    await new Promise<void>((done) => {
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
    });
    await server.close();
    return 0;
  },
};

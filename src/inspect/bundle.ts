import { fileURLToPath } from 'node:url';

/**
 * The page's script: src/inspect/browser/main.ts and the project modules it imports (decoding,
 * synthesis, simulator, byte accounting, WFDB parsing), bundled for the browser with esbuild at
 * `inspect` start-up or `--out` time. Nothing is committed and nothing is fetched: the page works
 * offline.
 *
 * Some bundled modules also hold Node-only functions (readContainer, readRecord, ...) and so
 * import node: built-ins; the page never calls those. Each node: import resolves to a stub whose
 * every export is a function that throws "<name> is not available in the browser", so a call
 * that slipped through fails with a message instead of a missing-module error at load.
 */

export const BROWSER_ENTRY = fileURLToPath(new URL('./browser/main.ts', import.meta.url));

const NODE_STUB = `
// Every property of this module is a function that throws: the page never calls Node built-ins.
const unavailable = new Proxy({}, {
  get(_target, key) {
    if (typeof key !== 'string' || key === '__esModule' || key === 'then') return undefined;
    return () => { throw new Error(MODULE + '.' + key + ' is not available in the browser'); };
  },
});
module.exports = Object.create(unavailable);
`;

/** Bundle the browser entry into one ES module (a string). */
export async function bundleInspectScript(opts: { minify?: boolean } = {}): Promise<string> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [BROWSER_ENTRY],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: opts.minify ?? true,
    legalComments: 'none',
    logLevel: 'silent',
    plugins: [{
      name: 'node-builtins-unavailable',
      setup(build) {
        build.onResolve({ filter: /^node:/ }, (args) => ({ path: args.path, namespace: 'node-stub' }));
        build.onLoad({ filter: /.*/, namespace: 'node-stub' }, (args) => ({ contents: `const MODULE = ${JSON.stringify(args.path)};\n${NODE_STUB}`, loader: 'js' }));
      },
    }],
  });
  return result.outputFiles[0].text;
}

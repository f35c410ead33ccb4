import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';

/**
 * The `inspect` site and its local HTTP server (node:http, bound to 127.0.0.1).
 *
 * A site is a fixed table of routes: the page, its script, its manifest (in memory) and the
 * files the user named (the model, the results file, the demo excerpt's records) by absolute
 * path. Nothing else is served: a request path is decoded, rejected with 400 when it holds a
 * `..` segment, a backslash, a NUL or a malformed escape, and otherwise looked up exactly in the
 * table (404 when absent). There is no directory listing and no mapping of URL to disk path.
 */

export interface SiteEntry {
  /** MIME type sent as Content-Type */
  type: string;
  /** in-memory body (the page, the script, the manifest) */
  body?: string | Uint8Array;
  /** or a file on disk, read at request time */
  path?: string;
}

/** route (URL path beginning with '/', e.g. '/files/model.htpw') -> what it serves */
export type Site = Map<string, SiteEntry>;

export type Resolution =
  | { status: 200; route: string; entry: SiteEntry }
  | { status: 400 | 404 | 405; message: string };

/** The route a request URL names: its decoded path, or an error for a path that tries to escape. */
export function requestRoute(rawUrl: string): { route: string } | { error: string } {
  const pathPart = rawUrl.split(/[?#]/, 1)[0];
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathPart);
  } catch {
    return { error: 'malformed percent escape' };
  }
  if (!decoded.startsWith('/')) return { error: 'path must start with /' };
  if (decoded.includes('\0') || decoded.includes('\\')) return { error: 'NUL or backslash in path' };
  if (decoded.split('/').some((seg) => seg === '..' || seg === '.')) return { error: '"." or ".." segment in path' };
  return { route: decoded === '/' ? '/index.html' : decoded };
}

/** What a GET of `rawUrl` serves from `site`. */
export function resolveRequest(site: Site, method: string, rawUrl: string): Resolution {
  if (method !== 'GET' && method !== 'HEAD') return { status: 405, message: `method ${method} not allowed` };
  const r = requestRoute(rawUrl);
  if ('error' in r) return { status: 400, message: r.error };
  const entry = site.get(r.route);
  if (!entry) return { status: 404, message: `${r.route} is not served` };
  return { status: 200, route: r.route, entry };
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Serve `site` on 127.0.0.1:`port` (0 = any free port). */
export function startServer(site: Site, port = 0): Promise<RunningServer> {
  const server: Server = createServer((req, res) => {
    const r = resolveRequest(site, req.method ?? 'GET', req.url ?? '/');
    if (r.status !== 200) {
      res.writeHead(r.status, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`${r.status} ${r.message}\n`);
      return;
    }
    let body: string | Uint8Array;
    try {
      body = r.entry.body ?? readFileSync(r.entry.path!);
    } catch (e) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`404 ${r.route}: ${(e as NodeJS.ErrnoException).code ?? 'cannot read'}\n`);
      return;
    }
    res.writeHead(200, { 'Content-Type': r.entry.type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const addr = server.address();
      const p = typeof addr === 'object' && addr ? addr.port : port;
      resolve({
        url: `http://127.0.0.1:${p}/`,
        port: p,
        close: () => new Promise<void>((done) => {
          server.closeAllConnections();
          server.close(() => done());
        }),
      });
    });
  });
}

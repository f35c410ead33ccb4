/**
 * The inspect server's path handling: only the routes of the site are served; a path with a
 * `..` or `.` segment (raw or percent-encoded), a backslash, a NUL or a malformed escape is 400;
 * any other path 404; methods other than GET / HEAD 405. Checked on resolveRequest and over a
 * real socket with raw (unnormalized) request paths.
 */
import { request } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestRoute, resolveRequest, startServer, type RunningServer, type Site } from '../../src/inspect/server.ts';
import { tempDir } from './helpers.ts';

const dir = tempDir('server');
const secret = join(dir, 'secret.txt');
const named = join(dir, 'model.htpw');
writeFileSync(secret, 'not to be served');
writeFileSync(named, 'HTPWDEPL model bytes');
const site: Site = new Map([
  ['/index.html', { type: 'text/html', body: '<p>page</p>' }],
  ['/model/model.htpw', { type: 'application/octet-stream', path: named }],
]);

function rawGet(port: number, path: string, method = 'GET'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('inspect server path handling', () => {
  it('maps / to the page and decodes escapes', () => {
    expect(requestRoute('/')).toEqual({ route: '/index.html' });
    expect(requestRoute('/model/model%2Ehtpw?x=1#y')).toEqual({ route: '/model/model.htpw' });
  });

  it.each([
    '/../secret.txt', '/model/../../secret.txt', '/model/%2e%2e/%2e%2e/secret.txt', '/model/..%2F..%2Fsecret.txt',
    '/model/%2E%2E', '/./index.html', '/model\\..\\secret.txt', '/model/%5c..%5csecret.txt', '/model/model.htpw%00', '/%E0%A4%A', 'model/model.htpw',
  ])('rejects %s with 400', (path) => {
    expect(resolveRequest(site, 'GET', path).status).toBe(400);
  });

  it.each(['/secret.txt', '/model/secret.txt', '/model/', '/model', '/index.htm', '/model/model.htpw/x', `/${secret}`])('does not serve %s (404)', (path) => {
    expect(resolveRequest(site, 'GET', path).status).toBe(404);
  });

  it('serves the named routes to GET and HEAD only', () => {
    expect(resolveRequest(site, 'GET', '/model/model.htpw').status).toBe(200);
    expect(resolveRequest(site, 'HEAD', '/').status).toBe(200);
    expect(resolveRequest(site, 'POST', '/').status).toBe(405);
    expect(resolveRequest(site, 'PUT', '/model/model.htpw').status).toBe(405);
  });
});

describe('inspect server over HTTP on 127.0.0.1', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer(site, 0);
  });
  afterAll(async () => {
    await server.close();
  });

  it('binds to 127.0.0.1 and serves the page and the named file', async () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    expect(await rawGet(server.port, '/')).toEqual({ status: 200, body: '<p>page</p>' });
    expect(await rawGet(server.port, '/model/model.htpw')).toEqual({ status: 200, body: 'HTPWDEPL model bytes' });
  });

  it('answers escapes with 400 and never returns the unnamed file', async () => {
    for (const path of ['/model/../secret.txt', '/model/%2e%2e/secret.txt', '/model/..%2fsecret.txt', '/model/..\\secret.txt']) {
      const r = await rawGet(server.port, path);
      expect(r.status, path).toBe(400);
      expect(r.body).not.toContain('not to be served');
    }
    expect((await rawGet(server.port, '/secret.txt')).status).toBe(404);
    expect((await rawGet(server.port, '/', 'POST')).status).toBe(405);
  });
});

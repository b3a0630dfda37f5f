/** `npm run site:serve`: serve site-dist/ on 127.0.0.1 (PORT, default 8080) for development. */
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, normalize } from 'node:path';

const root = new URL('../site-dist/', import.meta.url);
const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
};
const port = Number(process.env['PORT'] ?? 8080);

createServer((req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
  const file = path === '/' ? 'index.html' : path.slice(1);
  readFile(new URL(file, root)).then(
    (body) => res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body),
    () => res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}\n`),
  );
}).listen(port, '127.0.0.1', () => console.log(`serving site-dist/ on http://127.0.0.1:${port}/ (Ctrl-C stops)`));

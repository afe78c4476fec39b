// A tiny static server for the built demo (and the browser tests): the right Content-Type for
// .wasm (streaming compilation needs application/wasm), a Content-Security-Policy header on every
// response, the cross-origin isolation headers (so simdnet can run threads), no directory
// listings, nothing outside the root. `npm run demo` builds, then runs this.
//
//   node --import tsx demo/serve.ts [--port N] [--host H] [--root DIR]
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The policy the demo is served under. simdnet needs only 'wasm-unsafe-eval' (to compile
 * WebAssembly) on top of 'self', and worker-src 'self' for its threads' workers, which are files
 * of this origin; so does TensorFlow.js with its wasm backend, single-threaded. No 'unsafe-eval',
 * no inline scripts or styles, no blob: or data: workers, nothing fetched from elsewhere.
 */
export const DEMO_CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  // Served as opaque bytes, not Content-Encoding: the page decompresses them itself.
  '.gz': 'application/octet-stream',
};

export interface StaticServerOptions {
  /** Directory served at /. */
  root: string;
  /** Default 0: any free port. */
  port?: number;
  /** Default 127.0.0.1: loopback only. */
  host?: string;
  /** Content-Security-Policy header value; default DEMO_CSP. */
  csp?: string;
  /**
   * Send Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp,
   * which make the page cross-origin isolated: SharedArrayBuffer, so simdnet's threads. Default true.
   */
  crossOriginIsolated?: boolean;
}

/** The headers that make a page cross-origin isolated. */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
} as const;

export interface StaticServer {
  server: Server;
  /** http://host:port/ */
  url: string;
  close(): Promise<void>;
}

export async function startStaticServer(options: StaticServerOptions): Promise<StaticServer> {
  const root = path.resolve(options.root);
  const csp = options.csp ?? DEMO_CSP;
  const isolation = (options.crossOriginIsolated ?? true) ? ISOLATION_HEADERS : {};
  const rootStat = await stat(root).catch(() => null);
  if (!rootStat?.isDirectory()) throw new TypeError(`static server root ${root} is not a directory`);

  const server = createServer((req, res) => {
    const send = (status: number, text: string): void => {
      res.writeHead(status, {
        'Content-Type': 'text/plain; charset=utf-8',
        'Content-Security-Policy': csp,
        ...isolation,
      });
      res.end(req.method === 'HEAD' ? undefined : text);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed\n');
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      return send(400, 'bad request\n');
    }
    const file = path.join(root, pathname.endsWith('/') ? `${pathname}index.html` : pathname);
    if (file !== root && !file.startsWith(root + path.sep)) return send(403, 'forbidden\n');
    stat(file).then(
      (info) => {
        if (!info.isFile()) return send(404, `not found: ${pathname}\n`);
        res.writeHead(200, {
          'Content-Type': CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
          'Content-Length': info.size,
          'Content-Security-Policy': csp,
          ...isolation,
          'X-Content-Type-Options': 'nosniff',
          'Cache-Control': 'no-cache',
        });
        if (req.method === 'HEAD') return res.end();
        createReadStream(file)
          .on('error', () => res.destroy())
          .pipe(res);
      },
      () => send(404, `not found: ${pathname}\n`),
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    server,
    url: `http://${host}:${port}/`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

async function main(argv: string[]): Promise<void> {
  const option = (name: string): string | undefined => {
    const at = argv.indexOf(`--${name}`);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const root = option('root') ?? fileURLToPath(new URL('./dist/', import.meta.url));
  const port = Number(option('port') ?? process.env.PORT ?? 4173);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new RangeError(`--port must be an integer in [0, 65535], got ${option('port')}`);
  const indexFile = path.join(root, 'index.html');
  if (!(await stat(indexFile).catch(() => null))) {
    throw new TypeError(`${indexFile} does not exist: build the demo first (npm run demo:build)`);
  }
  const { url } = await startStaticServer({ root, port, host: option('host') ?? '127.0.0.1' });
  process.stdout.write(
    `simdnet demo: ${url}  (serving ${root} cross-origin isolated, under CSP "${DEMO_CSP}"; Ctrl-C stops)\n`,
  );
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err: Error) => {
    process.stderr.write(`demo/serve.ts: ${err.message}\n`);
    process.exitCode = 1;
  });
}

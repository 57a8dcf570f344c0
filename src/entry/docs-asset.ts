import { createReadStream, existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { SCALAR_VERSION } from '../http/docs.js';

/**
 * Where the Node entry finds the API reference's bundle: the copy `npm run build:node` puts in
 * dist/assets/ (a production install has no dev dependencies), else the installed dev dependency
 * (`npm run dev`, the tests). Null when neither is there.
 */
export function findDocsBundle(): string | null {
  const name = `scalar-${SCALAR_VERSION}.js`;
  // dist/src/entry/ → dist/assets/
  const built = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'assets', name);
  if (existsSync(built)) return built;
  try {
    const main = createRequire(import.meta.url).resolve('@scalar/api-reference');
    let dir = dirname(main);
    while (!dir.endsWith(join('@scalar', 'api-reference')) && dirname(dir) !== dir) dir = dirname(dir);
    const installed = join(dir, 'dist', 'browser', 'standalone.js');
    return existsSync(installed) ? installed : null;
  } catch {
    return null;
  }
}

/** `AppDeps.docsAsset` for Node: streams the file on each request (the bundle is several megabytes). */
export function nodeDocsAsset(path: string): () => Response {
  return () => {
    const body = Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>;
    return new Response(body, { headers: { 'content-length': String(statSync(path).size) } });
  };
}

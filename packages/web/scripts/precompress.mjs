// Writes a brotli (.br) and a gzip (.gz) copy beside each hashed asset of dist/assets, at the
// strongest settings: done once per build, so the server sends them without compressing per request.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const assets = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/assets');
// Fonts and images are compressed formats already.
const compressible = /\.(?:js|css|svg|json|map)$/;
let files = 0;
for (const name of readdirSync(assets).filter((file) => compressible.test(file))) {
  const file = path.join(assets, name);
  const content = readFileSync(file);
  const brotli = brotliCompressSync(content, {
    params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: content.length },
  });
  const gzip = gzipSync(content, { level: 9 });
  // A compressed copy that is not smaller would only cost the client decoding time.
  if (brotli.length < content.length) writeFileSync(`${file}.br`, brotli);
  if (gzip.length < content.length) writeFileSync(`${file}.gz`, gzip);
  files += 1;
}
console.log(`precompressed ${files} assets (brotli and gzip)`);

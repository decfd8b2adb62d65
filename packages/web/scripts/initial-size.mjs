// Prints the initial download of the console page: the JavaScript and CSS that dist/index.html loads
// (its entry script and the chunks it preloads), raw and gzip. The playground is another page.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist');
const html = readFileSync(path.join(dist, 'index.html'), 'utf8');
const assets = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((match) => match[1]);
let totals = { js: [0, 0], css: [0, 0] };
for (const asset of assets) {
  const content = readFileSync(path.join(dist, asset));
  const gzip = gzipSync(content, { level: 9 }).length;
  const kind = asset.endsWith('.css') ? 'css' : 'js';
  totals[kind][0] += content.length;
  totals[kind][1] += gzip;
  console.log(`${asset.padEnd(48)} ${(content.length / 1024).toFixed(1).padStart(7)} kB  gzip ${(gzip / 1024).toFixed(1).padStart(6)} kB`);
}
for (const [kind, [raw, gzip]] of Object.entries(totals)) {
  console.log(`initial ${kind.padEnd(40)} ${(raw / 1024).toFixed(1).padStart(7)} kB  gzip ${(gzip / 1024).toFixed(1).padStart(6)} kB`);
}

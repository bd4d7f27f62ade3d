// Writes .br and .gz next to every compressible file of the built app (run by
// `npm run build` after `vite build`). Usage: tsx scripts/precompress.ts [dir]
import path from 'node:path';
import { precompressDir } from '../server/http/precompress';

const dir = path.resolve(process.argv[2] ?? 'build');
const t = precompressDir(dir);
const kib = (n: number): string => `${(n / 1024).toFixed(0)} KiB`;
console.log(`precompressed ${t.files} files in ${path.relative(process.cwd(), dir) || '.'}: ${kib(t.bytes)} -> gzip ${kib(t.gz)}, brotli ${kib(t.br)}`);

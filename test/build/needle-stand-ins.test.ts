/**
 * The modules webpack-config.js gives needle in place of zlib and sax
 * (webpack/needle-zlib.js, webpack/needle-sax.js): what needle reads of them at
 * load is what zlib itself holds, and a compressed answer still decompresses.
 */
import { pipeline } from 'node:stream/promises';
import { Readable, Writable } from 'node:stream';
import zlib from 'node:zlib';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const standIn = require('../../webpack/needle-zlib.js') as Record<string, unknown>;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sax = require('../../webpack/needle-sax.js') as { parser: (...a: unknown[]) => unknown };

async function through(decompressor: NodeJS.ReadWriteStream, input: Buffer): Promise<string> {
  const out: Buffer[] = [];
  await pipeline(Readable.from([input]), decompressor, new Writable({ write: (c: Buffer, _e, done) => (out.push(c), done()) }));
  return Buffer.concat(out).toString('utf8');
}

describe('needle stand-ins', () => {
  it('holds the flush constants zlib has', () => {
    expect(standIn.Z_SYNC_FLUSH).toBe(zlib.constants.Z_SYNC_FLUSH);
    expect(standIn.BROTLI_OPERATION_FLUSH).toBe(zlib.constants.BROTLI_OPERATION_FLUSH);
    expect(typeof standIn.BrotliDecompress).toBe('function');
  });

  it.each([
    ['Gunzip', zlib.gzipSync],
    ['Inflate', zlib.deflateSync],
    ['BrotliDecompress', zlib.brotliCompressSync],
  ] as const)('%s decompresses what zlib compressed, called as needle calls it (bound options, no new)', async (name, compress) => {
    const make = (standIn[name] as (o: object) => NodeJS.ReadWriteStream).bind(null, { flush: zlib.constants.Z_SYNC_FLUSH });
    const text = JSON.stringify({ activationId: 'a'.repeat(32) });
    expect(await through(make(), compress(Buffer.from(text)))).toBe(text);
  });

  it('has an XML parser that throws (needle then passes the body through)', () => {
    expect(() => sax.parser(true, {})).toThrow(/not parsed/);
  });
});

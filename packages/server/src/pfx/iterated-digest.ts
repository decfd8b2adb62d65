import { hash } from 'node:crypto';

/**
 * `rounds` more applications of `digest` to a digest output: `digest(digest(… value))`, the inner
 * loop of the PKCS#12 KDF (2,048 rounds for OpenSSL's files). Each value is one padded block, so
 * SHA-1 and SHA-256 — what PKCS#12 files use — run here as a compression loop on reused words:
 * about five times faster than a call into node:crypto per round, whose cost is the call itself.
 * Other digests take that call per round.
 */
export function iterateDigest(digest: string, value: Buffer, rounds: number): Buffer {
  if (rounds === 0) return value;
  if (digest === 'sha1' && value.length === 20) return iterateSha1(value, rounds);
  if (digest === 'sha256' && value.length === 32) return iterateSha256(value, rounds);
  let result = value;
  for (let round = 0; round < rounds; round++) result = hash(digest, result, 'buffer');
  return result;
}

function iterateSha1(value: Buffer, rounds: number): Buffer {
  const w = new Int32Array(80);
  const h = new Int32Array(5);
  for (let index = 0; index < 5; index++) h[index] = value.readInt32BE(index * 4);
  for (let round = 0; round < rounds; round++) {
    // The 20-byte message, then the padding: a 1 bit, zeros, and the length in bits (160).
    w.set(h);
    w[5] = 0x80000000 | 0;
    w.fill(0, 6, 15);
    w[15] = 160;
    for (let i = 16; i < 80; i++) {
      const x = w[i - 3]! ^ w[i - 8]! ^ w[i - 14]! ^ w[i - 16]!;
      w[i] = (x << 1) | (x >>> 31);
    }
    let a = 0x67452301;
    let b = 0xefcdab89 | 0;
    let c = 0x98badcfe | 0;
    let d = 0x10325476;
    let e = 0xc3d2e1f0 | 0;
    // Four stages of 20 rounds, each with its own function and constant.
    for (let i = 0; i < 20; i++) {
      const t = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e + 0x5a827999 + w[i]!) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    for (let i = 20; i < 40; i++) {
      const t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + 0x6ed9eba1 + w[i]!) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    for (let i = 40; i < 60; i++) {
      const t = (((a << 5) | (a >>> 27)) + ((b & c) | (b & d) | (c & d)) + e + (0x8f1bbcdc | 0) + w[i]!) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    for (let i = 60; i < 80; i++) {
      const t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + (0xca62c1d6 | 0) + w[i]!) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    h[0] = (a + 0x67452301) | 0;
    h[1] = (b + 0xefcdab89) | 0;
    h[2] = (c + 0x98badcfe) | 0;
    h[3] = (d + 0x10325476) | 0;
    h[4] = (e + 0xc3d2e1f0) | 0;
  }
  return bigEndianWords(h);
}

const sha256Initial = Int32Array.from(
  [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19],
  (word) => word | 0,
);
const sha256K = Int32Array.from(
  [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ],
  (word) => word | 0,
);

function iterateSha256(value: Buffer, rounds: number): Buffer {
  const w = new Int32Array(64);
  const h = new Int32Array(8);
  for (let index = 0; index < 8; index++) h[index] = value.readInt32BE(index * 4);
  for (let round = 0; round < rounds; round++) {
    // The 32-byte message, then the padding: a 1 bit, zeros, and the length in bits (256).
    w.set(h);
    w[8] = 0x80000000 | 0;
    w.fill(0, 9, 15);
    w[15] = 256;
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15]!;
      const y = w[i - 2]!;
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
    }
    let a = sha256Initial[0]!;
    let b = sha256Initial[1]!;
    let c = sha256Initial[2]!;
    let d = sha256Initial[3]!;
    let e = sha256Initial[4]!;
    let f = sha256Initial[5]!;
    let g = sha256Initial[6]!;
    let hh = sha256Initial[7]!;
    for (let i = 0; i < 64; i++) {
      const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const choice = (e & f) ^ (~e & g);
      const t1 = (hh + s1 + choice + sha256K[i]! + w[i]!) | 0;
      const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const majority = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (s0 + majority) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h[0] = (a + sha256Initial[0]!) | 0;
    h[1] = (b + sha256Initial[1]!) | 0;
    h[2] = (c + sha256Initial[2]!) | 0;
    h[3] = (d + sha256Initial[3]!) | 0;
    h[4] = (e + sha256Initial[4]!) | 0;
    h[5] = (f + sha256Initial[5]!) | 0;
    h[6] = (g + sha256Initial[6]!) | 0;
    h[7] = (hh + sha256Initial[7]!) | 0;
  }
  return bigEndianWords(h);
}

function bigEndianWords(words: Int32Array): Buffer {
  const output = Buffer.alloc(words.length * 4);
  for (let index = 0; index < words.length; index++) output.writeInt32BE(words[index]!, index * 4);
  return output;
}

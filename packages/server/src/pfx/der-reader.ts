/**
 * A small reader for the ASN.1 encodings found in PKCS#12 files: DER, plus the BER forms (indefinite
 * lengths, constructed OCTET STRINGs) some Windows and Java tools still write. It returns views into
 * its input; nothing is copied until a caller asks for the octets of a constructed string.
 */

/** Identifier octets (class, constructed bit and tag number) of the elements PKCS#12 uses. */
export const Tag = {
  integer: 0x02,
  octetString: 0x04,
  constructedOctetString: 0x24,
  oid: 0x06,
  sequence: 0x30,
  /** `[0]` constructed: an EXPLICIT tag, or an IMPLICIT one on a constructed (BER) string. */
  context0: 0xa0,
  /** `[0]` primitive: an IMPLICIT OCTET STRING. */
  context0Primitive: 0x80,
} as const;

/** Thrown for input that is not a well-formed encoding; `truncated` when it ends before a value does. */
export class DerError extends Error {
  override name = 'DerError';

  constructor(readonly truncated = false) {
    super(truncated ? 'ASN.1 value runs past the end of its input' : 'Malformed ASN.1 encoding');
  }
}

export interface DerElement {
  /** Identifier octet; tag numbers above 30 (high-tag-number form) are not supported. */
  tag: number;
  /** Content octets; for an indefinite length, without the end-of-contents octets. */
  content: Buffer;
  /** The whole element: identifier, length and content. */
  encoded: Buffer;
}

const constructedBit = 0x20;
// Nesting only matters for indefinite lengths, which are read recursively; real files nest < 10 deep.
const maxDepth = 32;

/** Reads the element that starts at `offset`. */
export function readElement(input: Buffer, offset = 0): DerElement {
  return readAt(input, offset, 0);
}

function readAt(input: Buffer, offset: number, depth: number): DerElement {
  if (depth > maxDepth) throw new DerError();
  if (offset + 2 > input.length) throw new DerError(true);
  const tag = input[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError();
  const lengthByte = input[offset + 1]!;
  let start = offset + 2;

  if (lengthByte === 0x80) {
    if ((tag & constructedBit) === 0) throw new DerError();
    let position = start;
    for (;;) {
      if (position + 2 > input.length) throw new DerError(true);
      if (input[position] === 0 && input[position + 1] === 0) break;
      position += readAt(input, position, depth + 1).encoded.length;
    }
    return { tag, content: input.subarray(start, position), encoded: input.subarray(offset, position + 2) };
  }

  let length = lengthByte;
  if (lengthByte > 0x80) {
    const lengthOctets = lengthByte & 0x7f;
    // Four octets already allow 4 GiB, far beyond any PFX file.
    if (lengthOctets > 4) throw new DerError();
    if (start + lengthOctets > input.length) throw new DerError(true);
    length = input.readUIntBE(start, lengthOctets);
    start += lengthOctets;
  }
  const end = start + length;
  if (end > input.length) throw new DerError(true);
  return { tag, content: input.subarray(start, end), encoded: input.subarray(offset, end) };
}

/** The element that makes up all of `input`, with nothing before or after it. */
export function readWhole(input: Buffer): DerElement {
  const element = readElement(input);
  if (element.encoded.length !== input.length) throw new DerError();
  return element;
}

/** The elements inside a constructed element, in order. */
export function children(element: DerElement): DerElement[] {
  if ((element.tag & constructedBit) === 0) throw new DerError();
  const elements: DerElement[] = [];
  let offset = 0;
  while (offset < element.content.length) {
    const child = readElement(element.content, offset);
    elements.push(child);
    offset += child.encoded.length;
  }
  return elements;
}

/** The element itself, when it is present and has the given tag. */
export function expectTag(element: DerElement | undefined, tag: number): DerElement {
  if (element?.tag !== tag) throw new DerError();
  return element;
}

/**
 * The octets of an OCTET STRING, whether primitive or (BER) constructed from pieces, under its
 * universal tag or an IMPLICIT context tag.
 */
export function octets(element: DerElement): Buffer {
  if ((element.tag & constructedBit) === 0) return element.content;
  return Buffer.concat(children(element).map(octets));
}

/** Dotted form of an OBJECT IDENTIFIER, e.g. `1.2.840.113549.1.7.1`. */
export function oid(element: DerElement | undefined): string {
  const content = expectTag(element, Tag.oid).content;
  if (content.length === 0) throw new DerError();
  const arcs: number[] = [];
  let value = 0;
  for (const byte of content) {
    // Arcs in PKCS#12 OIDs are far below 2^53; refuse rather than lose precision.
    if (value > Number.MAX_SAFE_INTEGER / 128) throw new DerError();
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      arcs.push(value);
      value = 0;
    }
  }
  if ((content.at(-1)! & 0x80) !== 0) throw new DerError();
  const first = arcs.shift()!;
  const root = first < 80 ? Math.floor(first / 40) : 2;
  return [root, first - root * 40, ...arcs].join('.');
}

/** A non-negative INTEGER small enough for a JavaScript number (versions, iteration counts, lengths). */
export function smallInteger(element: DerElement | undefined): number {
  const content = expectTag(element, Tag.integer).content;
  if (content.length === 0 || content.length > 6 || (content[0]! & 0x80) !== 0) throw new DerError();
  return content.readUIntBE(0, content.length);
}

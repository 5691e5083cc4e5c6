// A strict reader for the few DER shapes an SPKI public key is made of.
// Strict because the bytes are hostile (§2.2: no key, however malformed, may
// stop the service): every length must be the minimal DER form and fit inside
// its parent, indefinite lengths and unread trailing bytes are refused, so each
// key has exactly one accepted encoding. No ASN.1 library is installed, and
// node:crypto is what must be protected, so it cannot do this parse for us.

/** A malformed encoding; caught at the SPKI boundary and turned into a reason. */
export class DerError extends Error {
  override readonly name = 'DerError';
}

export const TAG = { INTEGER: 0x02, BIT_STRING: 0x03, NULL: 0x05, OID: 0x06, SEQUENCE: 0x30 } as const;

export class DerReader {
  #pos: number;

  constructor(
    private readonly bytes: Uint8Array,
    start = 0,
    private readonly end = bytes.length,
  ) {
    this.#pos = start;
  }

  get atEnd(): boolean {
    return this.#pos === this.end;
  }

  /** Reads one element with this tag and returns its content. */
  read(tag: number, what: string): Uint8Array {
    if (this.atEnd) throw new DerError(`${what} is missing (the data is truncated)`);
    if (this.bytes[this.#pos] !== tag) throw new DerError(`${what} is not where it should be`);
    const length = this.#readLength(what);
    const start = this.#pos;
    this.#pos += length;
    return this.bytes.subarray(start, this.#pos);
  }

  /** Reads a SEQUENCE and returns a reader over its content. */
  sequence(what: string): DerReader {
    const content = this.read(TAG.SEQUENCE, what);
    return new DerReader(content);
  }

  /** Reads whatever element comes next, whole (tag and length included). */
  readAny(what: string): Uint8Array {
    if (this.atEnd) throw new DerError(`${what} is missing (the data is truncated)`);
    const start = this.#pos;
    const tag = this.bytes[this.#pos]!;
    // Multi-byte (high-number) tags never occur in an SPKI.
    if ((tag & 0x1f) === 0x1f) throw new DerError(`${what} has an unsupported tag`);
    const length = this.#readLength(what);
    this.#pos += length;
    return this.bytes.subarray(start, this.#pos);
  }

  expectEnd(what: string): void {
    if (!this.atEnd) throw new DerError(`unexpected bytes after ${what}`);
  }

  /** Steps over the tag, reads the length, leaves #pos at the content. */
  #readLength(what: string): number {
    let pos = this.#pos + 1;
    if (pos >= this.end) throw new DerError(`${what} is truncated`);
    const first = this.bytes[pos++]!;
    let length = first;
    if (first === 0x80) throw new DerError(`${what} uses an indefinite length, which DER forbids`);
    if (first > 0x80) {
      const count = first & 0x7f;
      // Four length bytes already describe 4 GiB; an SPKI here is under 16 KiB.
      if (count > 4) throw new DerError(`${what} has an impossible length field`);
      if (pos + count > this.end) throw new DerError(`${what} is truncated`);
      length = 0;
      for (let i = 0; i < count; i++) length = length * 256 + this.bytes[pos++]!;
      if (length < 0x80 || this.bytes[pos - count] === 0) {
        throw new DerError(`${what} has a length that is not minimal DER`);
      }
    }
    if (length > this.end - pos) throw new DerError(`${what} claims a length beyond the end of the data`);
    this.#pos = pos;
    return length;
  }
}

/** A DER INTEGER's content as a non-negative BigInt; refuses non-minimal and negative encodings. */
export function positiveInteger(content: Uint8Array, what: string): bigint {
  if (content.length === 0) throw new DerError(`${what} is an empty INTEGER`);
  if (content.length > 1 && content[0] === 0x00 && content[1]! < 0x80) {
    throw new DerError(`${what} is not minimally encoded`);
  }
  if (content[0]! >= 0x80) throw new DerError(`${what} is negative`);
  return BigInt(`0x${Buffer.from(content).toString('hex')}`);
}

import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';

/**
 * Just enough ZIP for DOCX: read a package with limits that hold whatever its headers claim (an
 * uploaded template is untrusted: a zip bomb declares small sizes and inflates to gigabytes), and
 * write one. Node's zlib does the (de)compression; `maxOutputLength` stops an entry that inflates
 * past its share of the budget, whatever it declared.
 */
export class ZipError extends Error {}

export interface ZipLimits {
  /** Sum of all entries' uncompressed sizes. */
  maxTotal: number;
  maxEntries: number;
}

const EOCD = 0x06054b50;
const CEN = 0x02014b50;
const LOC = 0x04034b50;

export function readZip(buf: Buffer, limits: ZipLimits): Map<string, Buffer> {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipError('The file is not a ZIP archive (a DOCX file is one)');
  const count = buf.readUInt16LE(eocd + 10);
  const cdSize = buf.readUInt32LE(eocd + 12);
  const cdOffset = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdOffset === 0xffffffff) throw new ZipError('ZIP64 archives are not supported');
  if (count > limits.maxEntries) throw new ZipError(`The archive has ${count} entries, more than ${limits.maxEntries}`);
  if (cdOffset + cdSize > eocd) throw new ZipError('The ZIP central directory is damaged');

  const files = new Map<string, Buffer>();
  let total = 0;
  let p = cdOffset;
  for (let n = 0; n < count; n++) {
    if (p + 46 > eocd || buf.readUInt32LE(p) !== CEN) throw new ZipError('The ZIP central directory is damaged');
    const flags = buf.readUInt16LE(p + 8);
    const crc = buf.readUInt32LE(p + 16);
    const method = buf.readUInt16LE(p + 10);
    const compressed = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;
    if (flags & 1) throw new ZipError(`${name} is encrypted`);
    if (files.has(name)) throw new ZipError(`${name} is in the archive twice`);
    if (local + 30 > buf.length || buf.readUInt32LE(local) !== LOC) throw new ZipError(`${name}: damaged local header`);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    if (start + compressed > buf.length) throw new ZipError(`${name}: truncated`);
    const budget = limits.maxTotal - total;
    if (size > budget) throw new ZipError(`The archive unpacks to more than ${limits.maxTotal} bytes`);
    const raw = buf.subarray(start, start + compressed);
    let data: Buffer;
    if (method === 0) data = Buffer.from(raw);
    else if (method === 8) {
      try {
        // One byte over the declared size is enough to see that it lied.
        data = inflateRawSync(raw, { maxOutputLength: Math.max(1, Math.min(budget, size + 1)) });
      } catch (e) {
        throw new ZipError(e instanceof RangeError ? `The archive unpacks to more than it declares (${name})` : `${name}: damaged compressed data`);
      }
    } else throw new ZipError(`${name}: unsupported compression method ${method}`);
    if (data.length !== size) throw new ZipError(`${name}: size does not match its header`);
    if (crc32(data) !== crc) throw new ZipError(`${name}: damaged (checksum mismatch)`);
    total += data.length;
    files.set(name, data);
  }
  return files;
}

/** A ZIP of the given entries, deflated (level 6), in the order given. */
export function writeZip(entries: [string, Buffer | string][]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of entries) {
    const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    const deflated = deflateRawSync(data, { level: 6 });
    const nameBuf = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const head = Buffer.alloc(30);
    head.writeUInt32LE(LOC, 0);
    head.writeUInt16LE(20, 4); // version needed
    head.writeUInt16LE(0x0800, 6); // UTF-8 names
    head.writeUInt16LE(8, 8);
    head.writeUInt32LE(0x00210000, 10); // 1980-01-01 00:00, so the output does not depend on the clock
    head.writeUInt32LE(crc, 14);
    head.writeUInt32LE(deflated.length, 18);
    head.writeUInt32LE(data.length, 22);
    head.writeUInt16LE(nameBuf.length, 26);
    const cen = Buffer.alloc(46);
    cen.writeUInt32LE(CEN, 0);
    cen.writeUInt16LE(20, 4);
    cen.writeUInt16LE(20, 6);
    cen.writeUInt16LE(0x0800, 8);
    cen.writeUInt16LE(8, 10);
    cen.writeUInt32LE(0x00210000, 12);
    cen.writeUInt32LE(crc, 16);
    cen.writeUInt32LE(deflated.length, 20);
    cen.writeUInt32LE(data.length, 24);
    cen.writeUInt16LE(nameBuf.length, 28);
    cen.writeUInt32LE(offset, 42);
    locals.push(head, nameBuf, deflated);
    centrals.push(cen, nameBuf);
    offset += 30 + nameBuf.length + deflated.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(EOCD, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

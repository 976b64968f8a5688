/**
 * @module
 * POSIX tar headers (IEEE Std 1003.1 `pax` "ustar Interchange Format"),
 * written by hand so the layer writer controls every byte: numeric fields
 * in zero-padded octal, empty user/group names, device numbers 0. A name or
 * link target that does not fit the ustar fields (or is not ASCII), or a
 * size past the 11-digit octal limit, gets a pax extended header (`x`)
 * with `path`, `linkpath` or `size` records in front of it.
 */

/** Tar's block size; entries and their data are padded to it. */
export const BLOCK = 512

/** The end of an archive: two zero blocks. */
export const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK)

/** What a header says. */
export interface TarHeader {
  readonly name: string
  readonly type: "file" | "directory" | "symlink"
  readonly mode: number
  readonly size: number
  /** Seconds since the epoch. */
  readonly mtime: number
  readonly linkname?: string
}

const TYPEFLAG = { file: "0", directory: "5", symlink: "2", pax: "x" } as const
const MAX_OCTAL_SIZE = 0o77777777777

function octal(n: number, digits: number): string {
  return n.toString(8).padStart(digits, "0")
}

function ascii(s: string): boolean {
  return /^[\x20-\x7e]*$/.test(s)
}

/** Splits a long name into ustar's `prefix` (≤ 155) and `name` (≤ 100) at a `/`, if it can. */
function split(name: string): { prefix: string; name: string } | null {
  if (name.length <= 100) return { prefix: "", name }
  for (let i = name.indexOf("/"); i !== -1; i = name.indexOf("/", i + 1)) {
    if (i <= 155 && name.length - i - 1 <= 100 && name.length - i - 1 > 0) return { prefix: name.slice(0, i), name: name.slice(i + 1) }
  }
  return null
}

function block(fields: { name: string; prefix: string; mode: number; size: number; mtime: number; typeflag: string; linkname: string }): Buffer {
  const b = Buffer.alloc(BLOCK)
  b.write(fields.name, 0, 100, "utf8")
  b.write(`${octal(fields.mode & 0o7777, 7)}\0`, 100, "ascii")
  b.write(`${octal(0, 7)}\0`, 108, "ascii")
  b.write(`${octal(0, 7)}\0`, 116, "ascii")
  b.write(`${octal(fields.size, 11)}\0`, 124, "ascii")
  b.write(`${octal(fields.mtime, 11)}\0`, 136, "ascii")
  b.write(fields.typeflag, 156, "ascii")
  b.write(fields.linkname, 157, 100, "utf8")
  b.write("ustar\0", 257, "ascii")
  b.write("00", 263, "ascii")
  b.write(`${octal(0, 7)}\0`, 329, "ascii")
  b.write(`${octal(0, 7)}\0`, 337, "ascii")
  b.write(fields.prefix, 345, 155, "utf8")
  // The checksum is summed with its own field as spaces (ustar "chksum").
  b.fill(" ", 148, 156)
  let sum = 0
  for (const byte of b) sum += byte
  b.write(`${octal(sum, 6)}\0 `, 148, "ascii")
  return b
}

/** One pax record: `<length> <key>=<value>\n`, the length counting itself. */
function record(key: string, value: string): string {
  const body = ` ${key}=${value}\n`
  let length = Buffer.byteLength(body)
  while (String(length).length + Buffer.byteLength(body) !== length) length = String(length).length + Buffer.byteLength(body)
  return `${length}${body}`
}

function pad(n: number): number {
  return (BLOCK - (n % BLOCK)) % BLOCK
}

/**
 * The header block(s) of an entry: a pax header first when needed.
 */
export function encodeHeader(h: TarHeader): Buffer {
  const parts = split(h.name)
  const linkname = h.linkname ?? ""
  const records: Array<string> = []
  if (parts === null || !ascii(h.name)) records.push(record("path", h.name))
  if (linkname.length > 100 || !ascii(linkname)) records.push(record("linkpath", linkname))
  if (h.size > MAX_OCTAL_SIZE) records.push(record("size", String(h.size)))
  const fallback = parts !== null && ascii(h.name) ? parts : { prefix: "", name: "flwd-long-name" }
  const main = block({
    ...fallback,
    mode: h.mode,
    size: h.size > MAX_OCTAL_SIZE ? 0 : h.size,
    mtime: h.mtime,
    typeflag: TYPEFLAG[h.type],
    linkname: records.some((r) => r.includes(" linkpath=")) ? "" : linkname
  })
  if (records.length === 0) return main
  const pax = Buffer.from(records.join(""), "utf8")
  const paxHeader = block({ name: "PaxHeader", prefix: "", mode: 0o644, size: pax.length, mtime: h.mtime, typeflag: TYPEFLAG.pax, linkname: "" })
  return Buffer.concat([paxHeader, pax, Buffer.alloc(pad(pax.length)), main])
}

/** Zero bytes that pad `size` bytes of data to a whole block. */
export function padding(size: number): Buffer {
  return Buffer.alloc(pad(size))
}

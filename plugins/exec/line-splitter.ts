/**
 * @module
 * Turns a byte stream into text lines without ever holding more than one
 * line (at most {@link MAX_LINE_BYTES}) in memory, so a job that prints a
 * single endless line cannot exhaust the engine.
 */

/**
 * Longest line kept whole; longer lines are emitted in pieces of this size.
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_LINE_BYTES = 64 * 1024

/**
 * Splits bytes into lines: `\n` and `\r\n` both end a line, the terminator is
 * dropped, and a trailing partial line is returned by `end()`.
 *
 * @since 0.1.0
 * @category models
 */
export interface LineSplitter {
  /** Returns the lines completed by this chunk, in order. */
  readonly push: (chunk: Uint8Array) => Array<string>
  /** Returns what is left after the last newline (at most one line). */
  readonly end: () => Array<string>
}

const NL = 0x0a
const CR = 0x0d

/**
 * Creates a splitter; `maxLineBytes` defaults to 64 KiB.
 *
 * @since 0.1.0
 * @category constructors
 */
export function makeLineSplitter(maxLineBytes: number = MAX_LINE_BYTES): LineSplitter {
  const decoder = new TextDecoder("utf-8")
  let pending: Array<Uint8Array> = []
  let pendingBytes = 0

  const take = (part: Uint8Array): Uint8Array => {
    if (pending.length === 0) return part
    const all = new Uint8Array(pendingBytes + part.length)
    let at = 0
    for (const p of pending) {
      all.set(p, at)
      at += p.length
    }
    all.set(part, at)
    pending = []
    pendingBytes = 0
    return all
  }

  const decodeLine = (bytes: Uint8Array): string => {
    const end = bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.length - 1 : bytes.length
    return decoder.decode(bytes.subarray(0, end))
  }

  // Cuts an over-long line before a UTF-8 continuation byte so no character is split.
  const cutAt = (bytes: Uint8Array): number => {
    let cut = maxLineBytes
    while (cut > maxLineBytes - 4 && (bytes[cut] & 0xc0) === 0x80) cut--
    return cut
  }

  const keep = (rest: Uint8Array, out: Array<string>): void => {
    if (rest.length === 0) return
    pending.push(rest.slice())
    pendingBytes += rest.length
    if (pendingBytes < maxLineBytes) return
    let all = take(new Uint8Array(0))
    while (all.length >= maxLineBytes) {
      const cut = cutAt(all)
      out.push(decoder.decode(all.subarray(0, cut)))
      all = all.subarray(cut)
    }
    if (all.length > 0) {
      pending = [all.slice()]
      pendingBytes = all.length
    }
  }

  return {
    push(chunk) {
      const out: Array<string> = []
      let start = 0
      let nl = chunk.indexOf(NL, start)
      while (nl !== -1) {
        const line = take(chunk.subarray(start, nl))
        // A line over the cap that ends in this chunk is still emitted in pieces.
        let rest = line
        while (rest.length > maxLineBytes) {
          const cut = cutAt(rest)
          out.push(decoder.decode(rest.subarray(0, cut)))
          rest = rest.subarray(cut)
        }
        out.push(decodeLine(rest))
        start = nl + 1
        nl = chunk.indexOf(NL, start)
      }
      keep(chunk.subarray(start), out)
      return out
    },
    end() {
      if (pendingBytes === 0) return []
      return [decodeLine(take(new Uint8Array(0)))]
    }
  }
}

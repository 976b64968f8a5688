/**
 * @module
 * Run ids: `run_` + 26 lowercase Crockford base32 characters, ULID-shaped
 * (48-bit millisecond time, 80 random bits), so ids sort by creation time.
 */

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"

let lastTime = -1
let lastRandom: Array<number> = []

function randomDigits(): Array<number> {
  const bytes = new Uint8Array(16)
  globalThis.crypto.getRandomValues(bytes)
  return Array.from(bytes, (b) => b & 31)
}

// Within one millisecond the random part counts up, keeping ids ordered.
function increment(digits: Array<number>): Array<number> {
  const next = digits.slice()
  for (let i = next.length - 1; i >= 0; i--) {
    if (next[i] < 31) {
      next[i]++
      return next
    }
    next[i] = 0
  }
  return randomDigits()
}

/** Returns a new run id for the given time (milliseconds since the epoch). */
export function makeRunId(now: number): string {
  const time = Math.max(0, Math.floor(now))
  lastRandom = time <= lastTime ? increment(lastRandom) : randomDigits()
  lastTime = Math.max(time, lastTime)
  let t = lastTime
  let head = ""
  for (let i = 0; i < 10; i++) {
    head = ALPHABET[t % 32] + head
    t = Math.floor(t / 32)
  }
  return "run_" + head + lastRandom.map((d) => ALPHABET[d]).join("")
}

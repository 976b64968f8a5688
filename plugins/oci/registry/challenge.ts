/**
 * @module
 * Parses `WWW-Authenticate` (RFC 9110 §11.6.1): one or more challenges, each
 * a scheme followed by a token68 or comma-separated `name=value` parameters,
 * values as tokens or quoted strings. Registries send `Basic realm="…"` or
 * `Bearer realm="…",service="…",scope="…"` (distribution token auth spec).
 */

/**
 * One challenge; `scheme` and parameter names are lowercased.
 *
 * @since 0.1.0
 * @category models
 */
export interface Challenge {
  readonly scheme: string
  readonly params: Readonly<Record<string, string>>
  readonly token68?: string
}

const TOKEN = /[!#$%&'*+.^_`|~0-9A-Za-z-]/
const TOKEN68 = /[0-9A-Za-z\-._~+/]/

class Cursor {
  i = 0
  readonly s: string
  constructor(s: string) {
    this.s = s
  }
  get done(): boolean {
    return this.i >= this.s.length
  }
  peek(): string {
    return this.s[this.i] ?? ""
  }
  spaces(): void {
    while (this.peek() === " " || this.peek() === "\t") this.i++
  }
  read(re: RegExp): string {
    const start = this.i
    while (!this.done && re.test(this.peek())) this.i++
    return this.s.slice(start, this.i)
  }
  quoted(): string {
    this.i++ // opening quote
    let out = ""
    while (!this.done && this.peek() !== '"') {
      if (this.peek() === "\\") this.i++
      out += this.peek()
      this.i++
    }
    this.i++ // closing quote
    return out
  }
}

/** Reads a token68 or `name=value` parameters, up to the next challenge or the end. */
function readParams(c: Cursor): { params: Record<string, string>; token68?: string } {
  c.spaces()
  const start = c.i
  // token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=", alone before "," or the end.
  if (c.read(TOKEN68) !== "") {
    c.read(/=/)
    const end = c.i
    c.spaces()
    if (c.done || c.peek() === ",") return { params: {}, token68: c.s.slice(start, end) }
  }
  c.i = start
  const params: Record<string, string> = {}
  for (;;) {
    c.spaces()
    const save = c.i
    const name = c.read(TOKEN)
    c.spaces()
    if (name === "" || c.peek() !== "=") {
      c.i = save
      return { params }
    }
    c.i++
    c.spaces()
    // Unquoted values should be tokens; a URL sent unquoted is read up to the next comma or space.
    params[name.toLowerCase()] = c.peek() === '"' ? c.quoted() : c.read(/[^,\s]/)
    c.spaces()
    if (c.peek() !== ",") return { params }
    c.i++
  }
}

/**
 * Parses the values of the `WWW-Authenticate` headers of a response.
 *
 * @since 0.1.0
 * @category constructors
 */
export function parseChallenges(values: ReadonlyArray<string> | string): ReadonlyArray<Challenge> {
  const out: Array<Challenge> = []
  for (const value of typeof values === "string" ? [values] : values) {
    const c = new Cursor(value)
    while (!c.done) {
      c.spaces()
      while (c.peek() === ",") {
        c.i++
        c.spaces()
      }
      const scheme = c.read(TOKEN)
      if (scheme === "") {
        c.i++ // skip a stray character rather than loop forever
        continue
      }
      const { params, token68 } = readParams(c)
      out.push(token68 === undefined ? { scheme: scheme.toLowerCase(), params } : { scheme: scheme.toLowerCase(), params, token68 })
    }
  }
  return out
}

/**
 * The challenge flwd answers: Bearer before Basic.
 *
 * @since 0.1.0
 * @category utils
 */
export function pickChallenge(challenges: ReadonlyArray<Challenge>): Challenge | null {
  return challenges.find((c) => c.scheme === "bearer") ?? challenges.find((c) => c.scheme === "basic") ?? null
}

/**
 * @module
 * A fast reader for the plain YAML that job configs are written in: block
 * mappings and sequences, one-line flow collections, quoted and plain
 * scalars, comments. It exists because the `yaml` package costs ~0.2 ms per
 * small document, which alone would exceed the discovery budget of a
 * 1,000-job tree. It returns `undefined` for anything outside that subset
 * (anchors, tags, block scalars, multi-line scalars, tabs, duplicate keys,
 * odd keys …) and the caller falls back to `yaml`, which then owns every
 * error message. Where it answers, it answers exactly as `yaml` would under
 * its default YAML 1.2 core schema; the tests compare both on a corpus.
 */

interface Line {
  indent: number
  text: string
}

class Bail extends Error {}
const bail = (): never => {
  throw new Bail()
}

const keyRe = /^([A-Za-z0-9_][A-Za-z0-9_.\/-]*):(?: +(.*))?$/
const intRe = /^[-+]?[0-9]+$/
const floatRe = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/

/** Parses `text` when it is inside the subset, else returns undefined. */
export function parseYamlSubset(text: string): unknown {
  if (/[\t\r\uFEFF]/.test(text)) return undefined
  const lines: Array<Line> = []
  for (const raw of text.split("\n")) {
    let content = raw
    const hash = raw.indexOf("#")
    if (hash >= 0) {
      // Comments need a quote-aware scan; lines mixing both go to the full parser.
      if (hash > 0 && raw[hash - 1] !== " ") {
        if (/(^|\s)#/.test(raw)) return undefined
      } else {
        if (/['"]/.test(raw.slice(0, hash))) return undefined
        content = raw.slice(0, hash)
      }
    }
    content = content.trimEnd()
    if (content.trim() === "") continue
    const indent = content.length - content.trimStart().length
    content = content.slice(indent)
    if (content.startsWith("---") || content.startsWith("...") || content.startsWith("%")) return undefined
    lines.push({ indent, text: content })
  }
  if (lines.length === 0) return null
  try {
    const state = { lines, i: 0 }
    const value = block(state, lines[0].indent)
    return state.i === lines.length ? value : undefined
  } catch (e) {
    if (e instanceof Bail) return undefined
    throw e
  }
}

interface State {
  lines: Array<Line>
  i: number
}

const isItem = (text: string) => text === "-" || text.startsWith("- ")

function block(s: State, indent: number): unknown {
  const line = s.lines[s.i]
  if (line.indent !== indent) bail()
  return isItem(line.text) ? sequence(s, indent) : mapping(s, indent)
}

function mapping(s: State, indent: number): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  while (s.i < s.lines.length && s.lines[s.i].indent === indent && !isItem(s.lines[s.i].text)) {
    const m = keyRe.exec(s.lines[s.i].text) ?? bail()
    const key = m[1]
    if (typeof plain(key) !== "string" || Object.hasOwn(out, key) || key === "__proto__") bail()
    s.i++
    if (m[2] === undefined) {
      const next = s.lines[s.i]
      if (next && next.indent > indent) out[key] = block(s, next.indent)
      else if (next && next.indent === indent && isItem(next.text)) out[key] = sequence(s, indent)
      else out[key] = null
    } else {
      out[key] = inline(m[2])
      if (s.i < s.lines.length && s.lines[s.i].indent > indent) bail()
    }
  }
  if (s.i < s.lines.length && s.lines[s.i].indent > indent) bail()
  return out
}

function sequence(s: State, indent: number): Array<unknown> {
  const out: Array<unknown> = []
  while (s.i < s.lines.length && s.lines[s.i].indent === indent && isItem(s.lines[s.i].text)) {
    const line = s.lines[s.i]
    const rest = line.text.slice(1).trimStart()
    if (rest === "" || isItem(rest)) bail()
    const itemIndent = indent + line.text.length - rest.length
    if (keyRe.test(rest)) {
      // `- key: value` opens a mapping whose column is that of `key`.
      s.lines[s.i] = { indent: itemIndent, text: rest }
      out.push(mapping(s, itemIndent))
    } else {
      s.i++
      out.push(inline(rest))
    }
    if (s.i < s.lines.length && s.lines[s.i].indent > indent) bail()
  }
  return out
}

function inline(text: string): unknown {
  const c = text[0]
  if (c === "{" || c === "[") {
    const cursor = { text, at: 0 }
    const value = flow(cursor)
    if (cursor.text.slice(cursor.at).trim() !== "") bail()
    return value
  }
  if (c === '"' || c === "'") {
    const cursor = { text, at: 0 }
    const value = quoted(cursor)
    if (cursor.at !== text.length) bail()
    return value
  }
  if (text.includes(": ") || text.endsWith(":")) bail()
  return plain(text)
}

interface Cursor {
  text: string
  at: number
}

function skip(c: Cursor) {
  while (c.text[c.at] === " ") c.at++
}

function flow(c: Cursor): unknown {
  const open = c.text[c.at++]
  const close = open === "{" ? "}" : "]"
  const seq: Array<unknown> = []
  const map: Record<string, unknown> = {}
  skip(c)
  if (c.text[c.at] === close) {
    c.at++
    return open === "{" ? map : seq
  }
  for (;;) {
    skip(c)
    if (open === "{") {
      const m = /^([A-Za-z0-9_][A-Za-z0-9_.\/-]*) *: +/.exec(c.text.slice(c.at)) ?? bail()
      if (typeof plain(m[1]) !== "string" || Object.hasOwn(map, m[1]) || m[1] === "__proto__") bail()
      c.at += m[0].length
      map[m[1]] = flowValue(c)
    } else seq.push(flowValue(c))
    skip(c)
    const sep = c.text[c.at++]
    if (sep === close) return open === "{" ? map : seq
    if (sep !== ",") bail()
    skip(c)
    if (c.text[c.at] === close || c.text[c.at] === ",") bail()
  }
}

function flowValue(c: Cursor): unknown {
  const ch = c.text[c.at]
  if (ch === "{" || ch === "[") return flow(c)
  if (ch === '"' || ch === "'") return quoted(c)
  const m = /^[^,\[\]{}]*/.exec(c.text.slice(c.at))!
  const token = m[0].trimEnd()
  if (token === "" || token.includes(": ") || token.endsWith(":") || token.includes(" #")) bail()
  c.at += m[0].length
  return plain(token)
}

const escapes: Record<string, string> = { "\\": "\\", '"': '"', "/": "/", n: "\n", t: "\t", r: "\r", b: "\b", "0": "\0", " ": " " }

function quoted(c: Cursor): string {
  const q = c.text[c.at++]
  let out = ""
  for (;;) {
    if (c.at >= c.text.length) bail()
    const ch = c.text[c.at++]
    if (q === "'") {
      if (ch !== "'") out += ch
      else if (c.text[c.at] === "'") {
        out += "'"
        c.at++
      } else return out
    } else if (ch === '"') return out
    else if (ch !== "\\") out += ch
    else {
      const e = c.text[c.at++]
      if (e in escapes) out += escapes[e]
      else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(c.text.slice(c.at, c.at + 4))) {
        const code = parseInt(c.text.slice(c.at, c.at + 4), 16)
        if (code >= 0xd800 && code <= 0xdfff) bail()
        out += String.fromCharCode(code)
        c.at += 4
      } else bail()
    }
  }
}

/** Resolves a plain scalar under the YAML 1.2 core schema, bailing on the rare forms. */
function plain(text: string): unknown {
  const c = text[0]
  if ("&*!|>%@`?:,[]{}#'\"".includes(c)) bail()
  if (c === "-" && !/^-[0-9.]/.test(text)) bail()
  if (text === "~" || text === "null" || text === "Null" || text === "NULL") return null
  if (text === "true" || text === "True" || text === "TRUE") return true
  if (text === "false" || text === "False" || text === "FALSE") return false
  if (intRe.test(text)) return text.length > 15 ? bail() : Number(text)
  if (floatRe.test(text)) return Number(text)
  if (/^[-+]?(0[xo]|\.inf|\.Inf|\.INF|\.nan|\.NaN|\.NAN)/.test(text)) bail()
  return text
}

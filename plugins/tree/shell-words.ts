/**
 * @module
 * Splits a `command:` string into argv the way a POSIX shell splits words —
 * quotes and backslashes — but with no expansion of any kind: no variables,
 * globs, `~`, command substitution, redirection or pipes. No shell ever runs
 * a job's command, so shell syntax is reported rather than passed on silently.
 */

/**
 * The words of a command, or why it cannot be split.
 *
 * @since 0.1.0
 * @category models
 */
export type ShellWords =
  | {
    readonly ok: true
    readonly words: ReadonlyArray<string>
    /** Unquoted shell syntax (`|`, `&&`, `>` …) found in the words; they would be passed literally. */
    readonly operators: ReadonlyArray<string>
    /** Unquoted or double-quoted `$` references, which no shell will expand. */
    readonly expansions: ReadonlyArray<string>
  }
  | { readonly ok: false; readonly message: string }

const operatorChars = new Set(["|", "&", ";", "<", ">", "`"])

/**
 * Splits `text` into words: whitespace separates words; `'…'` is literal;
 * `"…"` is literal except `\"`, `\\`, `` \` `` and `\$`; outside quotes a
 * backslash keeps the next character.
 *
 * @example
 * splitShellWords(`./run.sh --name "Ada Lovelace" 'it''s'`)
 * // { ok: true, words: ["./run.sh", "--name", "Ada Lovelace", "its"], operators: [], expansions: [] }
 *
 * @since 0.1.0
 * @category constructors
 */
export function splitShellWords(text: string): ShellWords {
  const words: Array<string> = []
  const operators: Array<string> = []
  const expansions: Array<string> = []
  let word = ""
  let inWord = false
  let i = 0
  const end = () => {
    if (inWord) words.push(word)
    word = ""
    inWord = false
  }
  while (i < text.length) {
    const c = text[i]
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      end()
      i++
    } else if (c === "'") {
      const close = text.indexOf("'", i + 1)
      if (close < 0) return { ok: false, message: `unterminated single quote at character ${i + 1}` }
      word += text.slice(i + 1, close)
      inWord = true
      i = close + 1
    } else if (c === '"') {
      inWord = true
      i++
      for (;;) {
        if (i >= text.length) return { ok: false, message: "unterminated double quote" }
        const d = text[i]
        if (d === '"') break
        if (d === "\\" && i + 1 < text.length && '"\\`$\n'.includes(text[i + 1])) {
          if (text[i + 1] !== "\n") word += text[i + 1]
          i += 2
          continue
        }
        if (d === "$") expansions.push(dollarRef(text, i))
        word += d
        i++
      }
      i++
    } else if (c === "\\") {
      if (i + 1 >= text.length) return { ok: false, message: "trailing backslash" }
      if (text[i + 1] !== "\n") {
        word += text[i + 1]
        inWord = true
      }
      i += 2
    } else {
      let token = c
      if (operatorChars.has(c)) operators.push(token = operatorAt(text, i))
      else if (c === "$") expansions.push(dollarRef(text, i))
      word += token
      inWord = true
      i += token.length
    }
  }
  end()
  return { ok: true, words, operators: [...new Set(operators)], expansions: [...new Set(expansions)] }
}

function operatorAt(text: string, i: number): string {
  const two = text.slice(i, i + 2)
  return ["&&", "||", ">>", "<<", ";;", ">&"].includes(two) ? two : text[i]
}

function dollarRef(text: string, i: number): string {
  const match = /^\$(\{[^}]*\}?|\(|[A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-])?/.exec(text.slice(i))
  return match ? match[0] : "$"
}

/**
 * @module
 * "Did you mean …?" for commands, flags and job ids, worded for the CLI;
 * the matching itself is core's (`core/text`).
 */
import { suggest } from "../core/text/mod.ts"

export { suggest }

/** `; did you mean "a", "b"?` or the empty string. */
export function didYouMean(input: string, candidates: ReadonlyArray<string>): string {
  const near = suggest(input, candidates)
  return near.length === 0 ? "" : `; did you mean ${near.map((n) => `"${n}"`).join(", ")}?`
}

/**
 * `; did you mean ":jobs"? …` when `word` is a command spelled without its
 * colon: a bare word is taken for a job id, and a newcomer typing
 * `flwd jobs` means the command. The empty string otherwise.
 */
export function commandHint(word: string, commands: ReadonlyArray<string>): string {
  return commands.includes(`:${word}`) ? `; did you mean ":${word}"? (commands start with ":")` : ""
}

/** ` (did you mean "a"?)` for messages that go on to list every choice. */
export function nearHint(input: string, candidates: ReadonlyArray<string>): string {
  const near = suggest(input, candidates)
  return near.length === 0 ? "" : ` (did you mean ${near.map((n) => `"${n}"`).join(", ")}?)`
}

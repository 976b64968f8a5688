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

/** ` (did you mean "a"?)` for messages that go on to list every choice. */
export function nearHint(input: string, candidates: ReadonlyArray<string>): string {
  const near = suggest(input, candidates)
  return near.length === 0 ? "" : ` (did you mean ${near.map((n) => `"${n}"`).join(", ")}?)`
}

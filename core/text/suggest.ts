/**
 * @module
 * "Did you mean …?": prefix matches first, then the candidates a few edits
 * away (Levenshtein distance). Pure and dependency-free, so the CLI can use
 * it for commands and flags without loading the engine.
 */

/** Edit distance between two strings (insert, delete, substitute). */
export function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1))
      diagonal = above
    }
  }
  return row[b.length]
}

/**
 * Up to `max` candidates near `input`, nearest first. A candidate whose id
 * (or last `/` segment) starts with the input counts as nearest; otherwise
 * the distance must stay within a third of the input's length (at least 2),
 * so short typos are caught and unrelated names are not offered.
 */
export function suggest(input: string, candidates: ReadonlyArray<string>, max = 3): ReadonlyArray<string> {
  const wanted = input.toLowerCase()
  if (wanted === "") return []
  const limit = Math.max(2, Math.floor(wanted.length / 3))
  return candidates
    .map((candidate) => {
      const lower = candidate.toLowerCase()
      const tail = lower.slice(lower.lastIndexOf("/") + 1)
      const score = lower.startsWith(wanted) || tail.startsWith(wanted) ? 0 : Math.min(distance(wanted, lower), distance(wanted, tail))
      return { candidate, score }
    })
    .filter((c) => c.score <= limit)
    .sort((a, b) => a.score - b.score || a.candidate.localeCompare(b.candidate))
    .slice(0, max)
    .map((c) => c.candidate)
}

/**
 * @module
 * Nearest-id suggestions for mistyped job ids ("did you mean …?").
 */

function distance(a: string, b: string): number {
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

/** Up to `max` candidates close to `input`: same prefix or few edits away. */
export function suggest(input: string, candidates: ReadonlyArray<string>, max = 3): ReadonlyArray<string> {
  const wanted = input.toLowerCase()
  const limit = Math.max(2, Math.floor(wanted.length / 3))
  return candidates
    .map((id) => {
      const lower = id.toLowerCase()
      const tail = lower.slice(lower.lastIndexOf("/") + 1)
      const score = lower.startsWith(wanted) || tail.startsWith(wanted) ? 0 : Math.min(distance(wanted, lower), distance(wanted, tail))
      return { id, score }
    })
    .filter((c) => c.score <= limit)
    .sort((a, b) => a.score - b.score || a.id.localeCompare(b.id))
    .slice(0, max)
    .map((c) => c.id)
}

/**
 * @module
 * Durations as written in config and policy files: `500ms`, `30s`, `10m`,
 * `1h`, `1d`, combinations such as `1h30m`, or a bare number of seconds.
 */

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/**
 * Parses a duration to milliseconds; undefined when the text is not one.
 *
 * @since 0.1.0
 * @category constructors
 */
export function parseDuration(input: string | number): number | undefined {
  if (typeof input === "number") return Number.isFinite(input) && input >= 0 ? input * 1000 : undefined
  const text = input.trim()
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y
  let total = 0
  let at = 0
  while (at < text.length) {
    part.lastIndex = at
    const match = part.exec(text)
    if (match === null) return undefined
    total += Number(match[1]) * units[match[2]]
    at = part.lastIndex
  }
  return at > 0 ? total : undefined
}

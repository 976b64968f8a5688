/**
 * @module
 * Small statistics helpers shared by the benchmarks.
 */

/** The median of a list of numbers. */
export function median(values: ReadonlyArray<number>): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Formats milliseconds with a sensible precision. */
export function ms(value: number): string {
  return value < 10 ? `${value.toFixed(3)} ms` : `${value.toFixed(1)} ms`
}

/** Prints one result row: name, figure, and the goal it is held against. */
export function report(name: string, figure: string, goal = ""): void {
  console.log(`${name.padEnd(58)} ${figure.padStart(16)}  ${goal}`)
}

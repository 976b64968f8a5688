/**
 * @module
 * Giving back the memory an idle server does not use. Starting up
 * (compiling modules, discovering jobs, opening the store) leaves V8's
 * young generation grown to its full 2 × 16 MiB and the old one holding
 * start-up garbage, and V8 keeps both at that size while nothing
 * allocates: an idle server would hold ~40 MiB it has no use for. A
 * memory-reducing collection (V8's "last resort" one, which also shrinks
 * the young generation) once the server listens, and again whenever the
 * heap has grown and the process has then been quiet for a while, returns
 * that memory to the system. It blocks for a few tens of milliseconds,
 * only when the event loop was next to idle.
 *
 * Node only: Node hands the collector to code that enables `--expose-gc`
 * at run time and reads `gc` from a fresh context (the
 * `v8.setFlagsFromString` pattern of its documentation); elsewhere this
 * does nothing.
 */

type Collect = (options: { readonly type: "major"; readonly execution: "sync"; readonly flavor: "last-resort" }) => void

/** How often the heap and the event loop are looked at. */
const QUIET_MS = 10_000

/** Growth of the heap since the last compaction that is worth giving back. */
const GROWTH_BYTES = 8 * 1024 * 1024

/** Event-loop utilization under which an interval counts as quiet. */
const QUIET_UTILIZATION = 0.01

async function collector(): Promise<{ readonly gc: Collect; readonly heapSize: () => number } | undefined> {
  if (typeof (globalThis as { Deno?: unknown }).Deno !== "undefined") return undefined
  try {
    const [v8, vm] = await Promise.all([import("node:v8"), import("node:vm")])
    v8.setFlagsFromString("--expose-gc")
    const gc = vm.runInNewContext("gc") as unknown
    // Only this module holds it; code loaded later sees no `gc`.
    v8.setFlagsFromString("--no-expose-gc")
    return typeof gc === "function" ? { gc: gc as Collect, heapSize: () => v8.getHeapStatistics().total_heap_size } : undefined
  } catch {
    return undefined
  }
}

/**
 * Compacts the heap now, then watches for growth followed by quiet.
 * Resolves to a function that stops watching.
 *
 * @since 0.1.0
 * @category constructors
 */
export async function startHeapCompaction(): Promise<() => void> {
  const found = await collector()
  if (found === undefined) return () => undefined
  const { gc, heapSize } = found
  let compactedAt = 0
  const compact = () => {
    try {
      gc({ type: "major", execution: "sync", flavor: "last-resort" })
    } catch {
      // A runtime that refuses the options: the memory stays, nothing else changes.
    }
    compactedAt = heapSize()
  }
  compact()
  const { performance } = globalThis
  let last = performance.eventLoopUtilization()
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization()
    const quiet = performance.eventLoopUtilization(now, last).utilization < QUIET_UTILIZATION
    last = now
    if (quiet && heapSize() - compactedAt >= GROWTH_BYTES) compact()
  }, QUIET_MS)
  timer.unref()
  return () => clearInterval(timer)
}

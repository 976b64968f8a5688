/**
 * `startHeapCompaction()` gives back the young generation a busy start-up
 * grew, without leaving `gc` exposed to the rest of the process.
 */
import v8 from "node:v8"
import t from "tap"
import { startHeapCompaction } from "../../server/heap-compaction.ts"

const youngBytes = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space")?.physical_space_size ?? 0

t.test("startHeapCompaction() shrinks a grown young generation and exposes no gc", async (t) => {
  const hadGc = typeof (globalThis as { gc?: unknown }).gc === "function"
  // Objects that survive a few scavenges make V8 grow the young generation.
  let keep: Array<Array<number>> = []
  for (let round = 0; round < 40 && youngBytes() < 8 * 1024 * 1024; round++) {
    for (let i = 0; i < 50_000; i++) keep.push([i, round])
    if (keep.length > 400_000) keep = keep.slice(200_000)
  }
  keep = []
  const grown = youngBytes()
  t.ok(grown >= 8 * 1024 * 1024, `the young generation grew (${grown} bytes)`)
  const stop = await startHeapCompaction()
  t.teardown(stop)
  const after = youngBytes()
  t.ok(after < grown / 2, `it shrank from ${grown} to ${after} bytes`)
  t.equal(typeof (globalThis as { gc?: unknown }).gc === "function", hadGc, "gc is not left on the global object")
})

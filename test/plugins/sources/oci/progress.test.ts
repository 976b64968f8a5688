import t from "tap"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import * as TestContext from "effect/TestContext"
import type { SourceContext } from "../../../../core/mod.ts"
import { keepAlive } from "../../../../plugins/sources/oci/_progress.ts"

const recorder = () => {
  const events: Array<Record<string, unknown>> = []
  const ctx = { progress: (data: Readonly<Record<string, unknown>>) => Effect.sync(() => void events.push({ ...data })) } as unknown as SourceContext
  return { events, ctx }
}

t.test("keepAlive() reports every 10 s while a load runs, so the engine does not abandon it", async (t) => {
  const { events, ctx } = recorder()
  const result = await Effect.runPromise(Effect.gen(function*() {
    const fiber = yield* Effect.fork(keepAlive(ctx, "r", Effect.as(Effect.sleep("35 seconds"), "done")))
    yield* TestClock.adjust("35 seconds")
    return yield* Fiber.join(fiber)
  }).pipe(Effect.provide(TestContext.TestContext)))
  t.equal(result, "done")
  t.same(events.map((e) => [e.ref, e.phase]), [["r", "working"], ["r", "working"], ["r", "working"]])
})

t.test("keepAlive() reports nothing for a short load and stops with it", async (t) => {
  const { events, ctx } = recorder()
  await Effect.runPromise(Effect.gen(function*() {
    const fiber = yield* Effect.fork(keepAlive(ctx, "r", Effect.sleep("5 seconds")))
    yield* TestClock.adjust("5 seconds")
    yield* Fiber.join(fiber)
    yield* TestClock.adjust("60 seconds")
  }).pipe(Effect.provide(TestContext.TestContext)))
  t.same(events, [])
})

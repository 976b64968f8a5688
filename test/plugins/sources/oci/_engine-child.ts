/**
 * Runs one source operation in an engine of its own process and prints
 * every `source.pulled` event as a JSON line, so crash.test.ts can kill it
 * with SIGKILL at a known point of a pull.
 *
 * Usage: node _engine-child.ts <data-dir> <policy-file> add|refresh <spec-json|name>
 */
import { createEngine, Effect, Engine, Stream } from "../../../../mod.ts"

const [dataDir, policyFile, action, arg] = process.argv.slice(2)
const engine = await createEngine({ dataDir, policyFile, root: dataDir, env: {} })
const after = await engine.run(Effect.flatMap(Engine, (e) => e.latestEventId))
void engine.run(Effect.flatMap(Engine, (e) =>
  Stream.runForEach(e.events({ after }), (ev) =>
    Effect.sync(() => {
      if (ev.type === "source.pulled") process.stdout.write(JSON.stringify(ev.data) + "\n")
    }))))
const result = action === "add"
  ? await engine.run(Effect.flatMap(Engine, (e) => e.addSource(JSON.parse(arg))))
  : await engine.run(Effect.flatMap(Engine, (e) => e.refreshSource(arg)))
process.stdout.write(`done ${JSON.stringify(result)}\n`)
await engine.dispose()
process.exit(0)

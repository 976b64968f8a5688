/**
 * Pulls `<registry>/x:1` into a data directory and reports each unpacked
 * layer on stdout; crash.test.ts kills it with SIGKILL mid-pull.
 */
import * as Effect from "effect/Effect"
import { makeBlobStore, makeRegistryClient, parseImageReference, pullImage } from "../../../plugins/oci/mod.ts"

const [registry, dataDir] = process.argv.slice(2)
const client = makeRegistryClient({ dockerConfig: false })
await Effect.runPromise(pullImage(client, {
  ref: parseImageReference(`${registry}/x:1`),
  store: makeBlobStore(dataDir),
  onProgress: (e) => {
    if (e.type === "layer" && e.state === "unpacked") process.stdout.write(`unpacked ${e.index}\n`)
  }
}))
process.stdout.write("done\n")
await Effect.runPromise(client.close)

/**
 * @module
 * The unpack worker thread: gunzips, hashes and unpacks the layers of one
 * image with synchronous file system calls, off the main thread, whose
 * event loop and garbage collector (re-marking a heap of loaded modules)
 * then stay off the byte path. Its import graph is the unpacker alone
 * (node built-ins and tar-stream, no Effect), so it starts in tens of
 * milliseconds; its heap goes with it when the image is done.
 */
import { Readable } from "node:stream"
import { parentPort, workerData } from "node:worker_threads"
import { errnoOf, textOf, UnpackFault } from "./_fault.ts"
import type { FromWorker, ToWorker, WorkerFailure, WorkerSetup } from "./_worker-protocol.ts"
import { Budget } from "./limits.ts"
import { SafeRoot } from "./safe-root.ts"
import { unpackLayer } from "./unpack-layer.ts"

/** How often the image's running totals are sent: the engine's watchdog needs them, not every entry. */
const PROGRESS_MS = 100

const port = parentPort
if (port === null) throw new Error("the unpack worker runs only as a worker thread")
const setup = workerData as WorkerSetup
const budget = new Budget(setup.limits)
const root = new SafeRoot(setup.root)
const send = (m: FromWorker) => port.postMessage(m)

/** The current layer's bytes: pushed as they arrive, acknowledged once the unpacker asks for more. */
let feed: { push: (bytes: Uint8Array) => void; end: () => void } | undefined

function failureOf(e: unknown): WorkerFailure {
  if (e instanceof UnpackFault) return { kind: "fault", reason: e.reason, detail: e.detail, layer: e.layer, entry: e.entry }
  return { kind: "error", message: textOf(e), code: errnoOf(e) }
}

function startLayer(m: Extract<ToWorker, { type: "layer" }>): void {
  let unacked = 0
  const ack = () => {
    if (unacked === 0) return
    send({ type: "ack", bytes: unacked })
    unacked = 0
  }
  const source = new Readable({ read: ack })
  feed = {
    push: (bytes) => {
      unacked += bytes.byteLength
      if (source.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))) ack()
    },
    end: () => source.push(null)
  }
  let reported = 0
  const progress = () => {
    const now = Date.now()
    if (now - reported < PROGRESS_MS) return
    reported = now
    send({ type: "progress", entries: budget.entries, bytes: budget.bytes })
  }
  unpackLayer(root, { source, compression: m.compression, digest: m.digest, diffId: m.diffId }, budget, {
    onlyFilesAndDirectories: setup.onlyFilesAndDirectories,
    umask: setup.umask,
    onProgress: progress
  }).then(
    (stats) => send({ type: "done", stats, entries: budget.entries, bytes: budget.bytes }),
    (e: unknown) => send({ type: "failed", failure: failureOf(e) })
  ).finally(() => {
    feed = undefined
    source.destroy()
  })
}

port.on("message", (m: ToWorker) => {
  if (m.type === "layer") startLayer(m)
  else if (m.type === "chunk") feed?.push(m.bytes)
  else feed?.end()
})

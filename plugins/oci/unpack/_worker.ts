/**
 * @module
 * The unpack worker thread: gunzips, hashes and unpacks the layers of one
 * image with synchronous file system calls, off the main thread, whose
 * event loop and garbage collector (re-marking a heap of loaded modules)
 * then stay off the byte path. Its import graph is the unpacker alone
 * (node built-ins and tar-stream, no Effect), so it starts in tens of
 * milliseconds; its heap goes with it when the image is done.
 */
import { closeSync, openSync, readSync } from "node:fs"
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

/** Largest read of a layer file: a few large reads, as the decompressor works best with. */
const READ_CHUNK = 1024 * 1024

/** The current layer's bytes: pushed as they arrive (and acknowledged once the unpacker asks for more), or read from its file. */
let feed: { push: (bytes: Uint8Array) => void; grown: (size: number) => void; end: () => void } | undefined

/** A layer's bytes sent by the main thread. */
function sentSource(): Readable {
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
    grown: () => {},
    end: () => source.push(null)
  }
  return source
}

/** A layer's bytes read from its file, never past what the main thread said it holds. */
function fileSource(path: string): Readable {
  const fd = openSync(path, "r")
  let position = 0
  let available = 0
  let ended = false
  let wanted = false
  const fill = () => {
    wanted = false
    while (position < available) {
      const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, available - position))
      const n = readSync(fd, buf, 0, buf.length, position)
      if (n === 0) throw new Error(`layer file ended at ${position} bytes of ${available}`)
      position += n
      if (!source.push(n === buf.length ? buf : buf.subarray(0, n))) return
    }
    if (ended) source.push(null)
    else wanted = true
  }
  const pull = () => {
    try {
      fill()
    } catch (e) {
      source.destroy(e instanceof Error ? e : new Error(textOf(e)))
    }
  }
  // A read that found nothing new leaves the stream waiting for a push: the next growth makes it.
  const source: Readable = new Readable({
    read: pull,
    destroy: (error, callback) => {
      closeSync(fd)
      callback(error)
    }
  })
  feed = {
    push: () => {},
    grown: (size) => {
      available = size
      if (wanted) pull()
    },
    end: () => {
      ended = true
      if (wanted) pull()
    }
  }
  return source
}

function failureOf(e: unknown): WorkerFailure {
  if (e instanceof UnpackFault) return { kind: "fault", reason: e.reason, detail: e.detail, layer: e.layer, entry: e.entry }
  return { kind: "error", message: textOf(e), code: errnoOf(e) }
}

function startLayer(m: Extract<ToWorker, { type: "layer" }>): void {
  let source: Readable
  try {
    source = m.path === undefined ? sentSource() : fileSource(m.path)
  } catch (e) {
    send({ type: "failed", failure: failureOf(e) })
    return
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
  else if (m.type === "grown") feed?.grown(m.size)
  else feed?.end()
})

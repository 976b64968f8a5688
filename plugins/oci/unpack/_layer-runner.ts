/**
 * @module
 * Where an image's layers are unpacked: in a worker thread (`_worker.ts`)
 * when the runtime has one, else on this thread. Either way the same code
 * (`unpackLayer`) applies every safeguard; the worker only moves it off the
 * main thread. The main thread's part is to tell the worker how far a
 * layer's file has grown, or, for a layer that is only a stream, to read
 * it and post its bytes a bounded window ahead of what the worker consumed.
 */
import { Worker } from "node:worker_threads"
import { UnpackFault } from "./_fault.ts"
import type { FromWorker, ToWorker, WorkerFailure, WorkerSetup } from "./_worker-protocol.ts"
import { Budget, type UnpackLimits } from "./limits.ts"
import { SafeRoot } from "./safe-root.ts"
import { currentUmask, type EntryPolicy, type LayerInput, type LayerStats, unpackLayer } from "./unpack-layer.ts"

/** The image's running totals of entries and uncompressed bytes. */
export interface Totals {
  readonly entries: number
  readonly bytes: number
}

/** Unpacks layers, one after the other, into one root. */
export interface LayerRunner {
  readonly run: (input: LayerInput, onProgress: (totals: Totals) => void) => Promise<LayerStats>
  /** Stops the worker (at once, even mid-layer); nothing is written to the root after this settles. */
  readonly close: () => Promise<void>
}

/** Compressed bytes posted to the worker and not yet consumed: enough to keep it busy, little enough to hold. */
const WINDOW = 4 * 1024 * 1024

/**
 * The worker's young generation: its garbage is a stream of short-lived
 * chunks and entry objects, which a small nursery collects as cheaply as a
 * large one while the process's peak stays lower (V8 would grow it to
 * 32 MB and keep it).
 */
const YOUNG_MB = 4

/** The worker's module, beside this one: `.ts` from the sources (Node, Deno), `.js` in the built package. */
function workerUrl(): URL {
  return new URL(import.meta.url.endsWith(".ts") ? "./_worker.ts" : "./_worker.js", import.meta.url)
}

/** Flags that load modules before the entry (`--import`, `--require`, loaders), alone or followed by their value. */
const HOOK = /^(--import|--require|-r|--loader|--experimental-loader)(=|$)/

/**
 * This process's flags less its module hooks: the worker runs only the
 * unpacker, and a hook (a test runner's mocks, an instrumentation agent)
 * would be loaded again in it, which may take longer than the unpack.
 */
function workerArgv(): Array<string> {
  const out: Array<string> = []
  const argv = process.execArgv
  for (let i = 0; i < argv.length; i++) {
    const m = HOOK.exec(argv[i])
    if (m === null) out.push(argv[i])
    else if (m[2] === "") i++
  }
  return out
}

/** Unpacks on this thread. */
export function inThread(root: string, limits: UnpackLimits | undefined, policy: EntryPolicy): LayerRunner {
  const budget = new Budget(limits)
  const safe = new SafeRoot(root)
  return {
    run: (input, onProgress) => unpackLayer(safe, input, budget, { ...policy, onProgress: () => onProgress({ entries: budget.entries, bytes: budget.bytes }) }),
    close: async () => {}
  }
}

function fromWorker(f: WorkerFailure): unknown {
  if (f.kind === "fault") return new UnpackFault(f)
  return Object.assign(new Error(f.message), f.code === undefined ? {} : { code: f.code })
}

/**
 * Unpacks in a worker thread started now (its start overlaps the first
 * layer's download). Fails, like `new Worker`, where the runtime has none.
 */
export function inWorker(root: string, limits: UnpackLimits | undefined, policy: EntryPolicy): LayerRunner {
  const setup: WorkerSetup = { root, limits, onlyFilesAndDirectories: policy.onlyFilesAndDirectories === true, umask: currentUmask() }
  const worker = new Worker(workerUrl(), {
    workerData: setup,
    execArgv: workerArgv(),
    resourceLimits: { maxYoungGenerationSizeMb: YOUNG_MB }
  })
  const post = (m: ToWorker, transfer?: ReadonlyArray<ArrayBuffer>) => worker.postMessage(m, transfer as Array<ArrayBuffer> | undefined)
  // The layer under way: what the worker's messages settle.
  let current: { readonly settle: (m: FromWorker) => void; readonly fail: (e: unknown) => void } | undefined
  let dead: unknown
  worker.on("message", (m: FromWorker) => current?.settle(m))
  worker.on("error", (e) => {
    dead = e
    current?.fail(e)
  })
  worker.on("exit", (code) => {
    dead ??= new Error(`the unpack worker exited (${code})`)
    current?.fail(dead)
  })
  return {
    run: (input, onProgress) =>
      new Promise<LayerStats>((resolve, reject) => {
        if (dead !== undefined) return reject(dead)
        let inFlight = 0
        let wake: (() => void) | undefined
        let over = false
        const finish = () => {
          over = true
          current = undefined
          wake?.()
        }
        current = {
          settle: (m) => {
            if (m.type === "ack") {
              inFlight -= m.bytes
              if (inFlight <= WINDOW) wake?.()
            } else if (m.type === "progress") onProgress(m)
            else if (m.type === "done") {
              onProgress(m)
              finish()
              resolve(m.stats)
            } else {
              finish()
              // Nothing more to read: the worker gave up on the layer.
              input.source.destroy()
              reject(fromWorker(m.failure))
            }
          },
          fail: (e) => {
            finish()
            input.source.destroy()
            reject(e)
          }
        }
        const file = input.file
        post({ type: "layer", compression: input.compression, digest: input.digest, diffId: input.diffId, path: file?.path })
        const pump = file !== undefined
          ? async () => {
            // The worker reads the file itself: only its growth crosses the thread.
            for await (const size of file.growth()) {
              if (over) return
              post({ type: "grown", size })
            }
            if (!over) post({ type: "end" })
          }
          : async () => {
            for await (const chunk of input.source as AsyncIterable<Uint8Array>) {
              if (over) return
              // A copy the worker owns: the source's buffer may be shared (a slice of a pool, the caller's own bytes).
              const bytes = new Uint8Array(chunk)
              inFlight += bytes.byteLength
              post({ type: "chunk", bytes }, [bytes.buffer])
              while (inFlight > WINDOW && !over) await new Promise<void>((r) => (wake = r))
            }
            if (!over) post({ type: "end" })
          }
        // A source that fails (a download whose digest did not match) says more than the worker's truncated archive.
        pump().catch((e: unknown) => {
          if (over) return
          finish()
          reject(e ?? new Error("layer source failed"))
        })
      }),
    close: async () => {
      current = undefined
      dead ??= new Error("the unpack worker was closed")
      await worker.terminate()
    }
  }
}

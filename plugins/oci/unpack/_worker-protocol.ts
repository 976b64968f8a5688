/**
 * @module
 * The messages between `unpackImage` and its worker thread (`_worker.ts`).
 * One worker unpacks one image: it is told the root and the limits when it
 * starts, then each layer in turn. A layer's compressed bytes either follow
 * in chunks it acknowledges as it consumes them (the sender keeps a bounded
 * window in flight, so a fast download never piles up in memory), or are in
 * a file the worker reads itself as far as `grown` says (the cache file a
 * download is writing, or a cached blob): then no byte crosses the thread.
 */
import type { Compression } from "./decompress.ts"
import type { FaultData } from "./_fault.ts"
import type { UnpackLimits } from "./limits.ts"
import type { LayerStats } from "./unpack-layer.ts"

/** What the worker is started with (`workerData`). */
export interface WorkerSetup {
  readonly root: string
  readonly limits: UnpackLimits | undefined
  readonly onlyFilesAndDirectories: boolean
  readonly umask: number
}

/** To the worker. */
export type ToWorker =
  | { readonly type: "layer"; readonly compression: Compression; readonly digest?: string; readonly diffId?: string; readonly path?: string }
  | { readonly type: "chunk"; readonly bytes: Uint8Array }
  /** The layer's file now holds `size` bytes. */
  | { readonly type: "grown"; readonly size: number }
  | { readonly type: "end" }

/** A failure as it crosses the thread: a fault of the unpacker, or anything else by its message and code. */
export type WorkerFailure =
  | ({ readonly kind: "fault" } & FaultData)
  | { readonly kind: "error"; readonly message: string; readonly code?: string }

/** From the worker. */
export type FromWorker =
  | { readonly type: "ack"; readonly bytes: number }
  /** The image's running totals, a few times a second. */
  | { readonly type: "progress"; readonly entries: number; readonly bytes: number }
  | { readonly type: "done"; readonly stats: LayerStats; readonly entries: number; readonly bytes: number }
  | { readonly type: "failed"; readonly failure: WorkerFailure }

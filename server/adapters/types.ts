/**
 * @module
 * What a runtime adapter provides: listen with a fetch handler, stop
 * accepting, and drop what is still connected.
 */

/** @since 0.1.0 @category models */
export interface Listener {
  readonly hostname: string
  readonly port: number
  /** Stops accepting connections; resolves once every open one has ended. */
  readonly stop: () => Promise<void>
  /** Closes every connection still open (after the grace period). */
  readonly drop: () => void
}

/** @since 0.1.0 @category models */
export interface ListenOptions {
  /**
   * How long a client may take to send a request's headers and body; past
   * it, the runtime answers 408 where it can (Node). Default: the runtime's.
   */
  readonly readTimeoutMs?: number
}

/** @since 0.1.0 @category models */
export type Listen = (
  fetch: (request: Request) => Response | Promise<Response>,
  address: { readonly hostname: string; readonly port: number },
  options?: ListenOptions
) => Promise<Listener>

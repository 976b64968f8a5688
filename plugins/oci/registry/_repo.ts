/**
 * @module
 * A repository on a registry as the operations see it: the transport stack,
 * the API base URL, and the name used in errors.
 */
import type { Transport } from "./_http.ts"

export interface RepoContext {
  readonly transport: Transport
  readonly base: URL
  readonly repository: string
  /** `registry/repository`, for error messages. */
  readonly name: string
  readonly signal?: AbortSignal
}

/** `/v2/<repository>/<path>` on the registry. */
export function repoUrl(ctx: RepoContext, path: string): URL {
  return new URL(`/v2/${ctx.repository}/${path}`, ctx.base)
}

export function pullScope(ctx: RepoContext): ReadonlyArray<string> {
  return [`repository:${ctx.repository}:pull`]
}

export function pushScope(ctx: RepoContext): ReadonlyArray<string> {
  return [`repository:${ctx.repository}:pull,push`]
}

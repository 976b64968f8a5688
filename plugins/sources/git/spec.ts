/**
 * @module
 * The `git` source spec: `{ type: "git", name, url, ref?, path?, pull_policy? }`.
 */
import { PullPolicy, Schema, sourceSpec } from "../../../core/mod.ts"

/**
 * When a git source looks for new commits: core's pull policies
 * (`on-add` default, `on-startup`, `on-run`, `always`), applied by core to
 * the commit this plugin resolves. A ref that is a full commit id names
 * one commit whatever the policy.
 *
 * @since 0.1.0
 * @category models
 */
export const GitPullPolicy = PullPolicy
/** @since 0.1.0 @category models */
export type GitPullPolicy = typeof GitPullPolicy.Type

const Url = Schema.String.pipe(
  Schema.filter((s) =>
    s.length === 0 ? "is required (a repository URL or path)" : s.startsWith("-")
      ? "must not start with '-'"
      // Control characters would end up in git's arguments and config.
      // Control characters are what this refuses.
      // deno-lint-ignore no-control-regex
      : /[\s\u0000-\u001f\u007f]/.test(s)
      ? "must not contain whitespace or control characters"
      : true
  )
)

// git-check-ref-format, reduced: no "..", "@{", "//", control or special characters, no leading "-".
const RefName = Schema.String.pipe(
  Schema.filter((s) =>
    /^(?!-)(?!.*\.\.)(?!.*\/\/)(?!.*@\{)(?!.*\.lock$)(?!\/)(?!.*\/$)[A-Za-z0-9._\/+@-]{1,255}$/.test(s) ||
    "must be a branch, tag, full ref name (refs/…) or full commit id"
  )
)

const SubPath = Schema.String.pipe(
  Schema.filter((s) =>
    s.startsWith("/") ? "must be relative to the repository root" : s.split("/").includes("..")
      ? "must not contain '..'"
      // Control characters are what this refuses.
      // deno-lint-ignore no-control-regex
      : /[\u0000-\u001f]/.test(s)
      ? "must not contain control characters"
      : true
  )
)

/**
 * The spec of a git source. `url` is `https://`, `http://`, `ssh://`,
 * `git://`, scp-like `user@host:repo.git`, `file://` or a local path;
 * `ref` defaults to the remote's `HEAD`; `path` is the job tree's directory
 * inside the repository (default its root).
 *
 * @since 0.1.0
 * @category models
 */
export const GitSourceSpec = sourceSpec("git", {
  url: Url,
  ref: Schema.optional(RefName),
  path: Schema.optional(SubPath),
  pull_policy: Schema.optional(GitPullPolicy)
})
/** @since 0.1.0 @category models */
export type GitSourceSpec = typeof GitSourceSpec.Type

/** True when `ref` names one commit, so it never re-resolves. */
export const isCommitId = (ref: string): boolean => /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(ref)

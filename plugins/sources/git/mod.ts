/**
 * @module
 * The `git` source plugin: `{ "type": "git", "name", "url", "ref"?, "path"?, "pull_policy"? }`.
 * Clones into the data directory with the git CLI, pins the commit and
 * serves its job tree; remote hosts and local repositories must be allowed
 * by the policy (`git.allowed_hosts`, `git.allowed_paths`).
 *
 * @example
 * ```ts
 * import { createEngine, Effect, Engine } from "flwd"
 *
 * const engine = await createEngine({ policy: { git: { allowed_hosts: ["git.example.com"] } } })
 * await engine.run(Effect.flatMap(Engine, (e) => e.addSource({ type: "git", name: "team", url: "https://git.example.com/team/jobs.git", ref: "main" })))
 * ```
 */
export { gitSource, makeGitSource } from "./plugin.ts"
export type { GitSourceOptions } from "./git-source.ts"
export { GitPin } from "./source-pin.ts"
export { gitPolicyFields, gitPolicyOf, GitPolicySection } from "./policy-section.ts"
export { admitLocation, type GitLocation, parseGitUrl } from "./location.ts"
export { GitPullPolicy, GitSourceSpec } from "./spec.ts"

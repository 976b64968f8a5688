/**
 * @module
 * The tree-v1 job-tree library (DESIGN §4), shared by every source plugin
 * whose jobs live in a directory tree: local trees, git checkouts and OCI
 * add-ons.
 *
 * @example
 * ```ts
 * import { discoverJobTree } from "../tree/mod.ts"
 *
 * const { jobs, diagnostics } = await discoverJobTree("examples/jobs")
 * ```
 */
export { type DiscoveredTree, discoverJobTree, discoverJobTreeEffect, discoverJobTreeSync, type DiscoverOptions } from "./discover.ts"
export { buildJob, type BuiltJob, type JobInput } from "./build-job.ts"
export { TreeConfig, unknownConfigKeys } from "./config-schema.ts"
export { parseConfigYaml, type ParsedYaml } from "./parse-config-yaml.ts"
export { type ShellWords, splitShellWords } from "./shell-words.ts"
export { orderSteps } from "./step-graph.ts"

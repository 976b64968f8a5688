/**
 * @module
 * The flags every command accepts, wherever they stand before `--`. Kept
 * apart so the parser can name them in errors without loading the registry.
 *
 * `--remote` and `--token` choose the engine rather than configure it.
 * Before a job id they are flwd's; after it they are the job's own flags
 * (`hello-world --token …` passes a secret to the job), so they are hidden
 * from the lists of flags a job command accepts and documented in
 * docs/cli.md instead.
 */
import type { FlagSpec } from "./flag-spec.ts"

/** @since 0.1.0 @category models */
export const globalFlags: ReadonlyArray<FlagSpec> = [
  { name: "root", kind: "value", valueName: "dir", description: "job tree whose jobs keep bare ids (default ./jobs)" },
  { name: "data-dir", kind: "value", valueName: "dir", description: "data directory (default $FLWD_DATA_DIR, else ./.flwd)" },
  {
    name: "profile",
    kind: "value",
    valueName: "name",
    description: "default security profile (default $FLWD_PROFILE, else flwd.yaml's, else the policy's, else secure)"
  },
  { name: "policy", kind: "value", valueName: "file", description: "policy file (default $FLWD_POLICY_FILE, else ./flwd.policy.yaml)" },
  { name: "config", kind: "value", valueName: "file", description: "flwd.yaml to read (default $FLWD_CONFIG, else ./flwd.yaml when present)" },
  {
    name: "store",
    kind: "value",
    valueName: "url",
    description: "where the state is kept: sqlite (default) or postgres://… (default $FLWD_STORE, else flwd.yaml's)"
  },
  { name: "plugin", kind: "list", valueName: "path|pkg", description: "load a plugin module (a path or a package name); repeatable" },
  { name: "json", kind: "boolean", description: "machine-readable output: JSON, NDJSON for streams, problems as JSON on stderr" },
  { name: "verbose", kind: "boolean", short: "v", description: "extra diagnostics on stderr: settings in use, timing" },
  { name: "quiet", kind: "boolean", short: "q", description: "no progress or notes on stderr; results, warnings and errors still print" },
  { name: "help", kind: "boolean", short: "h", description: "show help" },
  { name: "version", kind: "boolean", description: "print the version" },
  {
    name: "remote",
    kind: "value",
    valueName: "url",
    hidden: true,
    description: "talk to the flwd server at url (default $FLWD_REMOTE) instead of running the engine in-process"
  },
  { name: "token", kind: "value", valueName: "token", hidden: true, description: "bearer token for --remote (default $FLWD_TOKEN)" }
]

/**
 * Global flags that, like the connection flags, are flwd's only before a
 * job id: after it, `--config` and `--plugin` are the job's own.
 *
 * @since 0.1.0
 * @category models
 */
export const beforeJobFlags: ReadonlyArray<string> = ["config", "plugin"]

/**
 * The flags that pick a remote engine. They are flwd's anywhere before a
 * job id (`flwd --remote U <job>`, `flwd :plan --remote U <job>`) and
 * anywhere for commands that name no job; after a job id they are the
 * job's flags (a job may declare its own `--token`).
 *
 * @since 0.1.0
 * @category models
 */
export const connectionFlags: ReadonlyArray<string> = ["remote", "token"]

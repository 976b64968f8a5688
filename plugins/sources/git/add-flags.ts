/**
 * @module
 * The `flwd :sources add --type git` flags: the CLI's parsing, help and
 * completion come from this list.
 */
import type { AddFlag } from "../../../core/mod.ts"

/** @since 0.2.0 @category models */
export const gitAddFlags: ReadonlyArray<AddFlag> = [
  { flag: "url", placeholder: "url", help: "repository URL or local path" },
  { flag: "ref", placeholder: "ref", help: "branch, tag or commit (default: the remote's HEAD)" },
  { flag: "path", placeholder: "dir", help: "job tree directory inside the repository (default: its root)" },
  {
    flag: "pull-policy",
    field: "pull_policy",
    placeholder: "policy",
    help: "on-add, on-startup, on-run or always",
    complete: ["on-add", "on-startup", "on-run", "always"]
  }
]

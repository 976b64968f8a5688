/**
 * @module
 * The commands `flwd` knows, as data: names, flags and help text.
 * `help.ts` prints it, the completion helper completes from it and each
 * command reads its own flags from it; `dispatch.ts` adds the module that
 * runs each one. Nothing here imports the engine, and of the commands only
 * `:serve`'s flags, so a command importing this file closes no import cycle.
 */
import { type FlagSpec, UsageError } from "./argv.ts"
import { serveFlags } from "./commands/serve.ts"
import { nearHint } from "./suggest.ts"

/** @since 0.1.0 @category models */
export interface CommandSpec {
  readonly name: string
  readonly summary: string
  readonly usage: string
  readonly flags: ReadonlyArray<FlagSpec>
  /** Positional words after the command, for completion: what they name. */
  readonly operands?: ReadonlyArray<"job" | "run" | "source" | "shell">
  readonly subcommands?: ReadonlyArray<CommandSpec>
  readonly examples?: ReadonlyArray<string>
  readonly hidden?: boolean
}

const insecureRegistryFlag: FlagSpec = {
  name: "insecure-registry",
  kind: "list",
  valueName: "host",
  description: "registry reachable over plain http (loopback always is); repeatable"
}

/** The flags of every kind; each source plugin adds its own (`addFlags`), merged in by `:sources add`. */
export const sourceAddFlags: ReadonlyArray<FlagSpec> = [
  { name: "type", kind: "value", valueName: "type", description: "source type: local, git, oci, or a loaded plugin's; each type adds its own flags" },
  { name: "name", kind: "value", valueName: "name", description: "source name; its jobs are exposed as <name>/<job>" },
  { name: "set", kind: "list", valueName: "field=value", description: "any other field of the source spec (JSON values are decoded); repeatable" }
]

/** The commands, in the order help lists them. */
export const commands: ReadonlyArray<CommandSpec> = [
  {
    name: ":jobs",
    summary: "List the jobs of every source",
    usage: "flwd :jobs [--ids] [--json]",
    flags: [{ name: "ids", kind: "boolean", description: "print only job ids, one per line (used by shell completion)" }],
    examples: ["flwd :jobs", "flwd :jobs --json"]
  },
  {
    name: ":plan",
    summary: "Show what running a job would do, without running it",
    usage: "flwd :plan <job> [job flags] [--json]",
    flags: [],
    operands: ["job"],
    examples: ["flwd :plan hello-world --name Alice"]
  },
  {
    name: ":run",
    summary: "Run a job (the same as `flwd <job>`, for job ids that look like commands)",
    usage: "flwd :run <job> [job flags] [--json]",
    flags: [],
    operands: ["job"],
    examples: ["flwd :run hello-world --name Alice"]
  },
  {
    name: ":runs",
    summary: "List, inspect, follow and cancel runs",
    usage: "flwd :runs [list|show|events|cancel] …",
    flags: [
      { name: "job", kind: "value", valueName: "id", description: "only runs of this job" },
      { name: "status", kind: "value", valueName: "status", description: "only runs in this status: queued, running, succeeded, failed, canceled" },
      { name: "limit", kind: "value", valueName: "n", description: "at most n runs (default 50, at most 500)" },
      { name: "cursor", kind: "value", valueName: "cursor", description: "the next page, from a previous --json page's next_cursor" }
    ],
    examples: ["flwd :runs --status failed --limit 10"],
    subcommands: [
      { name: "list", summary: "List runs, newest first", usage: "flwd :runs [list] [--job J] [--status S] [--limit N] [--json]", flags: [] },
      { name: "show", summary: "Show one run", usage: "flwd :runs show <id> [--json]", flags: [], operands: ["run"] },
      { name: "events", summary: "Print a run's events, following it until it ends", usage: "flwd :runs events <id> [--json]", flags: [], operands: ["run"] },
      { name: "cancel", summary: "Cancel a queued or running run", usage: "flwd :runs cancel <id> [--json]", flags: [], operands: ["run"] }
    ]
  },
  {
    name: ":events",
    summary: "Print the engine's events (sources, policy decisions, runs); follow them as they come",
    usage: "flwd :events [--follow] [--run ID] [--type T] [--after ID] [--json]",
    flags: [
      { name: "follow", kind: "boolean", description: "keep printing new events until Ctrl-C (with --run: until the run ends)" },
      { name: "run", kind: "value", valueName: "id", description: "only this run's events" },
      { name: "type", kind: "list", valueName: "type", description: "only events of this type (run.finished, policy.decision, source.added, …); repeatable" },
      {
        name: "after",
        kind: "value",
        valueName: "id",
        description: "start after this event id (default: the start of the journal; with --follow, what happens next)"
      }
    ],
    examples: ["flwd :events --type policy.decision", "flwd :events --follow --run <id>", "flwd :events --follow --json"]
  },
  {
    name: ":sources",
    summary: "Add, list, show, refresh and remove job sources",
    usage: "flwd :sources [list|show|add|refresh|remove] …",
    flags: [],
    examples: [
      "flwd :sources add --type local --name team --path ./team-jobs",
      "flwd :sources add --type oci --name addon --ref 127.0.0.1:5000/example/addon:1.0.0 --trusted --pull-policy on-add",
      "flwd :sources refresh addon",
      "flwd :sources list"
    ],
    subcommands: [
      { name: "list", summary: "List sources", usage: "flwd :sources [list] [--json]", flags: [] },
      { name: "show", summary: "Show one source with its diagnostics", usage: "flwd :sources show <name> [--json]", flags: [], operands: ["source"] },
      {
        name: "add",
        summary: "Add (or replace) a source",
        usage: "flwd :sources add --type T --name N [--path P | --url U | --ref R] [--trusted] [--pull-policy P] [--json]",
        flags: sourceAddFlags
      },
      { name: "refresh", summary: "Reload a source", usage: "flwd :sources refresh <name> [--json]", flags: [], operands: ["source"] },
      { name: "remove", summary: "Remove a source", usage: "flwd :sources remove <name> [--json]", flags: [], operands: ["source"] }
    ]
  },
  {
    name: ":gc",
    summary: "Remove pulled add-on images, blobs and pins no source refers to",
    usage: "flwd :gc [--dry-run] [--json]",
    flags: [{ name: "dry-run", kind: "boolean", description: "only list what would be removed" }],
    examples: ["flwd :gc --dry-run", "flwd :gc"]
  },
  {
    name: ":policy",
    summary: "Show the effective security policy; check an image against it without adding it",
    usage: "flwd :policy show [--json] | flwd :policy check <ref> [--json]",
    flags: [],
    examples: ["flwd :policy show", "flwd :policy check 127.0.0.1:5000/example/addon:1.0.0"],
    subcommands: [
      {
        name: "show",
        summary: "Print the profile, what each profile makes of the policy, registries, trusted keys (by name), ceilings and overrides",
        usage: "flwd :policy show [--json]",
        flags: []
      },
      {
        name: "check",
        summary: "Run registry admission and signature verification for an image; exit 0 admitted, 1 denied",
        usage: "flwd :policy check <ref> [--json]",
        flags: []
      }
    ]
  },
  {
    name: ":addon",
    summary: "Author add-ons: scaffold, validate, pack, push and sign OCI add-on images",
    usage: "flwd :addon init|validate|pack|push|sign|keygen …",
    flags: [],
    examples: [
      "flwd :addon init hello-tools",
      "flwd :addon pack hello-tools --tag 127.0.0.1:5000/example/hello-tools:0.1.0 --push",
      "flwd :addon sign 127.0.0.1:5000/example/hello-tools:0.1.0 --key key.pem"
    ],
    subcommands: [
      {
        name: "init",
        summary: "Scaffold an add-on directory (manifest.yaml and an example job)",
        usage: "flwd :addon init <dir> [--id ID] [--name NAME] [--busybox] [--force] [--json]",
        flags: [
          { name: "id", kind: "value", valueName: "id", description: "metadata.id (default: from the directory name)" },
          { name: "name", kind: "value", valueName: "name", description: "metadata.name (default: the id in title case)" },
          { name: "force", kind: "boolean", description: "write into a non-empty directory" },
          {
            name: "busybox",
            kind: "boolean",
            description: "copy this host's static /bin/busybox into rootfs/bin (sh linked to it): a runnable image with no base"
          }
        ]
      },
      {
        name: "validate",
        summary: "Check an add-on directory or image as adding it as a source would",
        usage: "flwd :addon validate <dir|ref> [--base IMAGE] [--platform os/arch] [--json]",
        flags: [
          {
            name: "base",
            kind: "value",
            valueName: "image",
            description: "for a directory: the base image it will be packed on (its files count for the interpreter check)"
          },
          { name: "platform", kind: "value", valueName: "os/arch", description: "platform to pull for an image reference (default: this host's)" },
          insecureRegistryFlag
        ]
      },
      {
        name: "pack",
        summary: "Build a reproducible OCI image of an add-on; write a layout or push it",
        usage: "flwd :addon pack <dir> --tag REF [--base IMAGE] [--platform os/arch] [--oci-layout DIR] [--push] [--json]",
        flags: [
          { name: "tag", kind: "value", valueName: "ref", description: "the image's name, registry/repository:tag (required)" },
          { name: "base", kind: "value", valueName: "image", description: "base image whose layers go under the add-on (default: none)" },
          { name: "platform", kind: "value", valueName: "os/arch", description: "platform of the base to use, or of the image (default: this host's)" },
          { name: "oci-layout", kind: "value", valueName: "dir", description: "write the image into this OCI image layout" },
          { name: "push", kind: "boolean", description: "push the image to --tag" },
          insecureRegistryFlag
        ]
      },
      {
        name: "push",
        summary: "Push an image of an OCI layout to a registry",
        usage: "flwd :addon push <layout> --tag REF [--json]",
        flags: [
          { name: "tag", kind: "value", valueName: "ref", description: "where to push, registry/repository:tag; its tag names the layout's image (required)" },
          insecureRegistryFlag
        ]
      },
      {
        name: "sign",
        summary: "Sign an image with a key, cosign-compatible (tag sha256-<hex>.sig)",
        usage: "flwd :addon sign <ref> --key key.pem [--json]",
        flags: [
          { name: "key", kind: "value", valueName: "file", description: "ECDSA P-256 private key, PEM (required; see keygen)" },
          insecureRegistryFlag
        ]
      },
      {
        name: "keygen",
        summary: "Generate an ECDSA P-256 key pair: <out>.pem (private, 0600) and <out>.pub",
        usage: "flwd :addon keygen [--out key] [--force] [--json]",
        flags: [
          { name: "out", kind: "value", valueName: "path", description: "file name without extension (default: key)" },
          { name: "force", kind: "boolean", description: "overwrite existing key files" }
        ]
      }
    ]
  },
  {
    name: "completion",
    summary: "Print a shell completion script (bash, zsh or fish)",
    usage: "flwd completion bash|zsh|fish",
    flags: [],
    operands: ["shell"],
    examples: ["source <(flwd completion bash)", "flwd completion fish > ~/.config/fish/completions/flwd.fish"]
  },
  {
    name: ":complete",
    summary: "Completion candidates for the words after `flwd` (used by the completion scripts)",
    usage: "flwd :complete -- <word>… <current word>",
    flags: [],
    hidden: true
  },
  {
    name: ":serve",
    summary: "Serve the HTTP API",
    usage: "flwd :serve [--bind HOST:PORT] [--dev] [--grace 10s] [--body-limit BYTES]",
    flags: serveFlags,
    examples: ["flwd :serve --dev --root examples/jobs", "FLWD_TOKENS='ci-token:runs:read,runs:write' flwd :serve --bind 127.0.0.1:8080"]
  },
  {
    name: ":config",
    summary: "Validate flwd.yaml and show the effective configuration (secrets masked)",
    usage: "flwd :config validate [file] | flwd :config show [--json]",
    flags: [],
    examples: ["flwd :config validate", "flwd --config deploy/flwd.yaml :config show"],
    subcommands: [
      { name: "validate", summary: "Check a config file, its plugins and its declared sources", usage: "flwd :config validate [file] [--json]", flags: [] },
      { name: "show", summary: "Print the effective configuration, secrets masked", usage: "flwd :config show [--json]", flags: [] }
    ]
  }
]

/** Finds a command by name (`completion` also answers to `:completion`). */
export function findCommand(name: string): CommandSpec | undefined {
  const wanted = name === ":completion" ? "completion" : name
  return commands.find((c) => c.name === wanted)
}

/** The commands a user may type, for help and suggestions. */
export function visibleCommands(): ReadonlyArray<CommandSpec> {
  return commands.filter((c) => c.hidden !== true)
}

/**
 * Throws for a first word that is neither a flag nor one of `spec`'s
 * subcommands: a typo, not an operand.
 */
export function checkSubcommand(spec: CommandSpec, word: string | undefined): void {
  const subcommands = spec.subcommands ?? []
  if (word === undefined || word.startsWith("-") || subcommands.some((s) => s.name === word)) return
  const names = subcommands.map((s) => s.name)
  throw new UsageError(`unknown subcommand ${spec.name} ${word}${nearHint(word, names)}; subcommands: ${names.join(", ")}`, {
    errors: [{ path: "subcommand", message: "unknown subcommand" }]
  })
}

/**
 * @module
 * `flwd :serve [--bind HOST:PORT] [--dev] [--grace 10s] [--body-limit BYTES]
 * [--read-timeout 30s] [--allowed-host NAME]… [--no-ui] [--log text|json] [--otlp-endpoint URL]`:
 * serves the HTTP API over this invocation's engine (`--root`,
 * `--data-dir`, `--profile`, `--policy` are the global flags). The work is
 * `runServe` in `server/main.ts`; this module only reads the flags.
 */
import { expectPositionals, type FlagSpec, parseArgs, stringFlag } from "../argv.ts"
import type { CommandContext } from "../context.ts"

/**
 * The flags of `:serve`, for the command registry.
 *
 * @since 0.1.0
 * @category commands
 */
export const serveFlags: ReadonlyArray<FlagSpec> = [
  { name: "bind", kind: "value", valueName: "host:port", description: "address to listen on (default 127.0.0.1:8080; port 0 picks a free one)" },
  { name: "dev", kind: "boolean", description: "issue dev-token with every scope; loopback binds only" },
  { name: "grace", kind: "value", valueName: "duration", description: "how long shutdown waits for runs before canceling them (default 10s)" },
  { name: "body-limit", kind: "value", valueName: "bytes", description: "largest request body (default 1048576)" },
  { name: "read-timeout", kind: "value", valueName: "duration", description: "how long a client may take to send a request before a 408 (default 30s)" },
  {
    name: "allowed-host",
    kind: "list",
    valueName: "name",
    description: "also answer requests for this Host (a proxy's name; *.name for subdomains); repeatable"
  },
  { name: "gc-interval", kind: "value", valueName: "duration", description: "sweep unreferenced add-ons and blobs this often (default 6h; 0 disables)" },
  { name: "no-ui", kind: "boolean", description: "do not serve the web console at /ui" },
  {
    name: "node-lease",
    kind: "value",
    valueName: "duration",
    description: "on a shared store: how long this server is taken for alive after its last renewal (default $FLWD_NODE_LEASE, else 15s)"
  },
  {
    name: "log",
    kind: "value",
    valueName: "format",
    description: "log format on stderr: text (warnings and failures; default) or json (one object a line, every request too)"
  },
  {
    name: "otlp-endpoint",
    kind: "value",
    valueName: "url",
    description: "send traces over OTLP/HTTP to this collector (beats OTEL_EXPORTER_OTLP_ENDPOINT; default: that variable, else off)"
  }
]

/** @since 0.1.0 @category commands */
export async function run(ctx: CommandContext): Promise<number> {
  const parsed = parseArgs(ctx.args, serveFlags, ":serve")
  expectPositionals(parsed, 0, ":serve")
  const { processSignals, runServe } = await import("../../server/main.ts")
  return runServe({
    bind: stringFlag(parsed, "bind"),
    dev: parsed.flags.dev === true,
    grace: stringFlag(parsed, "grace"),
    bodyLimit: stringFlag(parsed, "body-limit"),
    allowedHosts: parsed.flags["allowed-host"] as ReadonlyArray<string> | undefined,
    readTimeout: stringFlag(parsed, "read-timeout"),
    gcInterval: stringFlag(parsed, "gc-interval"),
    ...(parsed.flags["no-ui"] === true ? { ui: false } : {}),
    log: stringFlag(parsed, "log"),
    otlpEndpoint: stringFlag(parsed, "otlp-endpoint"),
    // A server takes runs from a shared store's queue: any server executes a run posted to any.
    engine: () => {
      const nodeLease = stringFlag(parsed, "node-lease")
      return ctx.engine({ claimsQueuedRuns: true, ...(nodeLease !== undefined ? { nodeLease } : {}) })
    }
  }, {
    stdout: (line) => ctx.out.line(line),
    stderr: (line) => ctx.out.note(line),
    // The server's own handling: a second signal cancels the runs, it does not exit 143.
    onSignal: processSignals
  })
}

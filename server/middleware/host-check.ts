/**
 * @module
 * The `Host` check against DNS rebinding. A web page on `attacker.example`
 * can make its name resolve to 127.0.0.1 and then talk to a loopback server
 * as its own origin; the browser still sends `Host: attacker.example`. So a
 * server on loopback answers only requests whose `Host` is a loopback name
 * or address (any port), or a name the operator allowed (a reverse proxy's);
 * every other request is refused with 421 before authentication or routing.
 */
import type { MiddlewareHandler } from "hono"
import { ValidationError } from "../../core/mod.ts"
import type { AppEnv } from "../context.ts"
import { isLoopback } from "../loopback.ts"
import { HttpError } from "../problem.ts"

/** An allowed host: one name or address, or (`*.name`) any name under it. */
export interface HostPattern {
  readonly name: string
  readonly subdomains: boolean
}

// An authority without userinfo, path or anything else the URL parser would
// quietly drop: `name`, `name:port`, `[v6]`, `[v6]:port`.
const authority = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)(?::(\d{0,5}))?$/

/**
 * The canonical host name of a `Host` value (lower case, IPv4 shorthands
 * expanded, IPv6 without brackets, no trailing dot), or undefined when it is
 * not a plain authority.
 *
 * @since 0.1.0
 * @category constructors
 */
export function hostName(authorityText: string): string | undefined {
  const m = authority.exec(authorityText.trim())
  if (m === null) return undefined
  try {
    return new URL(`http://${m[1]}/`).hostname.replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "")
  } catch {
    return undefined
  }
}

/**
 * Parses allowed hosts (`proxy.example`, `*.apps.example`, `[fd00::1]`);
 * ports are not part of them. Fails with `validation.failed` naming
 * `<path>[i]`.
 *
 * @since 0.1.0
 * @category constructors
 */
export function parseAllowedHosts(list: ReadonlyArray<string>, path: string): ReadonlyArray<HostPattern> {
  return list.map((text, i) => {
    const subdomains = text.trim().startsWith("*.")
    const rest = subdomains ? text.trim().slice(2) : text.trim()
    const name = /:\d*$/.test(rest.replace(/^\[.*\]/, "")) ? undefined : hostName(rest)
    if (name === undefined || name === "") {
      const at = `${path}[${i}]`
      throw new ValidationError({
        code: "validation.failed",
        detail: `${at} must be a host name or address without a port (or *.name for its subdomains)`,
        errors: [{ path: at, message: "must be a host name without a port" }]
      })
    }
    return { name, subdomains }
  })
}

/** True when `name` (canonical) is loopback or matches one of `allowed`. */
export function hostAllowed(name: string, allowed: ReadonlyArray<HostPattern>): boolean {
  return isLoopback(name) || allowed.some((p) => (p.subdomains ? name.endsWith(`.${p.name}`) : name === p.name))
}

function refuse(host: string): HttpError {
  const shown = host.length > 100 ? `${host.slice(0, 100)}…` : host
  return new HttpError(
    "request.host.not.allowed",
    `This server does not answer for the host ${JSON.stringify(shown)}: only loopback names and allowed hosts (--allowed-host)`,
    { errors: [{ path: "Host", message: "is not a loopback name or an allowed host" }] }
  )
}

/**
 * Refuses requests whose `Host` header, or the host of the request URL
 * (they differ only for an absolute request target), is neither loopback
 * nor allowed.
 *
 * @since 0.1.0
 * @category middleware
 * @example
 * ```ts
 * app.use(hostCheck(parseAllowedHosts(["proxy.example"], "allowedHosts")))
 * ```
 */
export function hostCheck(allowed: ReadonlyArray<HostPattern>): MiddlewareHandler<AppEnv> {
  // A client sends the same `Host` on every request, so the verdict on each
  // value is kept rather than parsed again; bounded, since the values come
  // from clients. Only allowed values are kept: a refused one costs a parse.
  const accepted = new Set<string>()
  const allowedHost = (host: string): boolean => {
    if (accepted.has(host)) return true
    const name = hostName(host)
    if (name === undefined || !hostAllowed(name, allowed)) return false
    if (accepted.size >= MAX_KEPT) accepted.clear()
    accepted.add(host)
    return true
  }
  return async function hostCheck(c, next) {
    const header = c.req.header("host")
    const target = urlHost(c.req.url)
    if (header !== undefined && !allowedHost(header)) throw refuse(header)
    if (!allowedHost(target)) throw refuse(target)
    await next()
  }
}

/** How many distinct allowed `Host` values a server remembers. */
const MAX_KEPT = 64

/** The host part of an absolute URL (`http://host:port/path` → `host:port`). */
function urlHost(url: string): string {
  const from = url.indexOf("//") + 2
  const end = url.indexOf("/", from)
  const authority = end === -1 ? url.slice(from) : url.slice(from, end)
  // The URL the runtime made is already normalized; any userinfo would be before `@`.
  return authority.slice(authority.lastIndexOf("@") + 1)
}

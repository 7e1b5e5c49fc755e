// The two network primitives the checks use; injected so tests can replace them.
import dns from "node:dns";
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import tls from "node:tls";

export type HttpResponse = { status: number; body: string };
export type HttpGet = (url: string, o: { timeoutMs: number; insecure?: boolean }) => Promise<HttpResponse>;

export type PeerCert = {
  /** Certificate chains to a CA Node trusts (system store + NODE_EXTRA_CA_CERTS). */
  trusted: boolean;
  trustError?: string;
  validTo: Date;
  issuer: string;
  /** The certificate covers the host name asked for (SNI). */
  matchesHost: boolean;
};
export type TlsProbe = (o: { host: string; port: number; servername: string; timeoutMs: number }) => Promise<PeerCert>;

/** localhost and *.localhost: loopback by definition (RFC 6761 6.3), the stack's default names. */
export const isLocalhostName = (host: string) => /(^|\.)localhost\.?$/i.test(host);

/**
 * `resolve` (dns.lookup), except that a *.localhost name it does not know is loopback, as in
 * browsers: glibc without nss-myhostname (Debian's default) answers ENOTFOUND for auth.localhost, a
 * lie about a running stack. A name it does know keeps its answer: inside the project network the
 * stack's names are Caddy's network aliases, not loopback.
 */
export const localhostFallback =
  (resolve: LookupFunction): LookupFunction =>
  (hostname, options, callback) => {
    if (!isLocalhostName(hostname)) {
      resolve(hostname, options, callback);
      return;
    }
    resolve(hostname, options, (err, address, family) => {
      if (!err || (err.code !== "ENOTFOUND" && err.code !== "EAI_AGAIN")) {
        (callback as (...args: unknown[]) => void)(err, address, family);
        return;
      }
      const loopback = options.family === 6 ? { address: "::1", family: 6 } : { address: "127.0.0.1", family: 4 };
      if (options.all) callback(null, [loopback]);
      else callback(null, loopback.address, loopback.family);
    });
  };

export const lookup = localhostFallback(dns.lookup as LookupFunction);

/** GET with a deadline; `insecure` skips certificate checks (Caddy's internal CA). */
export const httpGet: HttpGet = (url, { timeoutMs, insecure }) =>
  new Promise((resolve, reject) => {
    const u = new URL(url);
    const mod = u.protocol === "https:" ? https : http;
    const req = mod.get(
      u,
      { timeout: timeoutMs, lookup, ...(u.protocol === "https:" ? { rejectUnauthorized: !insecure } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
  });

export const tlsProbe: TlsProbe = ({ host, port, servername, timeoutMs }) =>
  new Promise((resolve, reject) => {
    const socket = tls.connect({ host, port, lookup, servername, rejectUnauthorized: false, ALPNProtocols: ["http/1.1"] });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no TLS handshake within ${timeoutMs} ms`)));
    socket.once("secureConnect", () => {
      const cert = socket.getPeerCertificate();
      const result: PeerCert = {
        trusted: socket.authorized,
        validTo: new Date(cert.valid_to),
        issuer: String(cert.issuer?.CN ?? cert.issuer?.O ?? "unknown issuer"),
        matchesHost: tls.checkServerIdentity(servername, cert) === undefined,
      };
      if (!socket.authorized && socket.authorizationError) result.trustError = String(socket.authorizationError);
      socket.end();
      resolve(result);
    });
    socket.once("error", reject);
  });

/** One line for an error, without stack; `secret` is masked wherever it appears. */
export function describeError(err: unknown, secret?: string): string {
  let text = err instanceof Error ? err.message : String(err);
  const cause = err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  if (cause?.message && !text.includes(cause.message)) text += ` (${cause.message})`;
  const code = (err as { code?: string } | undefined)?.code;
  if (code && !text.includes(code)) text += ` [${code}]`;
  return secret ? text.split(secret).join("***") : text;
}

import { randomBytes } from "node:crypto";

import {
  accessTokenTtlSeconds,
  codeTtlMs,
  endpointNames,
  qrSessionTtlMs,
  refreshTokenTtlMs,
  type EndpointName,
} from "./constant.js";
import type { App, Fault, TestUser } from "./types.js";

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const randomBase62 = (length: number): string =>
  Array.from(randomBytes(length), (byte) => base62[byte % base62.length]).join("");

/** Like WeChat's request ids: `6206378a-2b0f1a54-5f5e2ab5`. */
export const newRid = (): string => [4, 4, 4].map((n) => randomBytes(n).toString("hex")).join("-");

type QrSession = { uuid: string; app: App; redirectUri: string; state: string; scope: string; createdAt: number; done: boolean };
type CodeGrant = { appid: string; user: TestUser; scope: string; expiresAt: number; used: boolean };
type AccessToken = { token: string; appid: string; user: TestUser; scope: string; expiresAt: number };
type RefreshToken = { token: string; appid: string; user: TestUser; scope: string; expiresAt: number; accessToken: string };
export type RecordedRequest = { at: string; endpoint: EndpointName; method: string; query: Record<string, string> };

export type CodeLookup =
  | { ok: true; grant: CodeGrant }
  | { ok: false; reason: "unknown" | "used" | "expired" };

export type TokenLookup<T> = { ok: true; entry: T } | { ok: false; reason: "unknown" | "expired" };

const zeroCounts = (): Record<EndpointName, number> =>
  Object.fromEntries(endpointNames.map((name) => [name, 0])) as Record<EndpointName, number>;

/** Everything the emulator remembers; `reset()` forgets it all (not the config). */
export class EmulatorState {
  private qrSessions = new Map<string, QrSession>();
  private codes = new Map<string, CodeGrant>();
  private accessTokens = new Map<string, AccessToken>();
  private refreshTokens = new Map<string, RefreshToken>();
  private faults: Fault[] = [];
  private clockOffsetMs = 0;
  calls = zeroCounts();
  requests: RecordedRequest[] = [];

  constructor(private readonly baseNow: () => number = Date.now) {}

  now(): number {
    return this.baseNow() + this.clockOffsetMs;
  }

  advanceClock(ms: number): void {
    this.clockOffsetMs += ms;
  }

  reset(): void {
    this.qrSessions.clear();
    this.codes.clear();
    this.accessTokens.clear();
    this.refreshTokens.clear();
    this.faults = [];
    this.clockOffsetMs = 0;
    this.calls = zeroCounts();
    this.requests = [];
  }

  // Calls and faults (control API)

  recordCall(endpoint: EndpointName, method: string, query: Record<string, string>): void {
    this.calls[endpoint] += 1;
    const redacted = { ...query };
    if (redacted.secret) redacted.secret = "***";
    this.requests.push({ at: new Date(this.now()).toISOString(), endpoint, method, query: redacted });
    if (this.requests.length > 200) this.requests.shift();
  }

  addFault(fault: Fault): void {
    this.faults.push({ ...fault });
  }

  listFaults(): Fault[] {
    return this.faults.map((fault) => ({ ...fault }));
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** The first queued fault for this endpoint, used up by one call. */
  takeFault(endpoint: EndpointName): Fault | undefined {
    const index = this.faults.findIndex((fault) => fault.endpoint === endpoint);
    const fault = this.faults[index];
    if (!fault) return undefined;
    fault.times -= 1;
    if (fault.times <= 0) this.faults.splice(index, 1);
    return { ...fault };
  }

  // QR page sessions (the uuid behind each QR code)

  openQrSession(session: Omit<QrSession, "uuid" | "createdAt" | "done">): QrSession {
    const created = { ...session, uuid: randomBase62(16), createdAt: this.now(), done: false };
    this.qrSessions.set(created.uuid, created);
    return created;
  }

  /** A QR session can be answered once, within its lifetime. */
  takeQrSession(uuid: string): QrSession | undefined {
    const session = this.qrSessions.get(uuid);
    if (!session || session.done || this.now() - session.createdAt > qrSessionTtlMs) return undefined;
    session.done = true;
    return session;
  }

  // Codes and tokens

  issueCode(appid: string, user: TestUser, scope: string, ttlMs = codeTtlMs): string {
    const code = randomBase62(32);
    this.codes.set(code, { appid, user, scope, expiresAt: this.now() + ttlMs, used: false });
    return code;
  }

  /** Single use: the first lookup of a valid code consumes it. */
  redeemCode(appid: string, code: string): CodeLookup {
    const grant = this.codes.get(code);
    if (!grant || grant.appid !== appid) return { ok: false, reason: "unknown" };
    if (grant.used) return { ok: false, reason: "used" };
    if (this.now() >= grant.expiresAt) return { ok: false, reason: "expired" };
    grant.used = true;
    return { ok: true, grant };
  }

  issueTokens(appid: string, user: TestUser, scope: string): { access: AccessToken; refresh: RefreshToken } {
    const access = this.newAccessToken(appid, user, scope);
    const refresh: RefreshToken = {
      token: randomBytes(66).toString("base64url"),
      appid,
      user,
      scope,
      expiresAt: this.now() + refreshTokenTtlMs,
      accessToken: access.token,
    };
    this.refreshTokens.set(refresh.token, refresh);
    return { access, refresh };
  }

  lookupAccessToken(token: string): TokenLookup<AccessToken> {
    const entry = this.accessTokens.get(token);
    if (!entry) return { ok: false, reason: "unknown" };
    if (this.now() >= entry.expiresAt) return { ok: false, reason: "expired" };
    return { ok: true, entry };
  }

  lookupRefreshToken(appid: string, token: string): TokenLookup<RefreshToken> {
    const entry = this.refreshTokens.get(token);
    if (!entry || entry.appid !== appid) return { ok: false, reason: "unknown" };
    if (this.now() >= entry.expiresAt) return { ok: false, reason: "expired" };
    return { ok: true, entry };
  }

  /**
   * WeChat: an access token that has not expired keeps its value and gets a new lifetime;
   * an expired one is replaced by a new token. The refresh token itself does not change.
   */
  refresh(entry: RefreshToken): AccessToken {
    const current = this.accessTokens.get(entry.accessToken);
    if (current && this.now() < current.expiresAt) {
      current.expiresAt = this.now() + accessTokenTtlSeconds * 1000;
      return current;
    }
    const access = this.newAccessToken(entry.appid, entry.user, entry.scope);
    entry.accessToken = access.token;
    return access;
  }

  private newAccessToken(appid: string, user: TestUser, scope: string): AccessToken {
    const access: AccessToken = {
      token: randomBytes(66).toString("base64url"),
      appid,
      user,
      scope,
      expiresAt: this.now() + accessTokenTtlSeconds * 1000,
    };
    this.accessTokens.set(access.token, access);
    return access;
  }
}

import type { IncomingMessage, ServerResponse } from "node:http";

import type { EmulatorState } from "./state.js";
import { clockGuard, faultGuard } from "./types.js";

const sendJson = (res: ServerResponse, status: number, body?: unknown): void => {
  if (body === undefined) {
    res.writeHead(status);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
};

const readJson = async (req: IncomingMessage): Promise<unknown> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? JSON.parse(text) : {};
};

/**
 * The control API (plain HTTP, loopback or stack network only):
 *   GET /healthz            {"status":"ok","url":...}
 *   POST /faults            {"endpoint","errcode"?,"httpStatus"?,"delayMs"?,"times"?=1} -> 201
 *   GET /faults             queued faults
 *   DELETE /faults          204
 *   GET /calls              {"qrconnect":n,"oauth2_authorize":n,"access_token":n,"userinfo":n,"refresh_token":n,"auth":n}
 *   GET /requests           the last 200 WeChat calls (secret redacted)
 *   POST /clock             {"advanceMs":n}: move the emulator's clock forward (expire codes, tokens)
 *   POST /reset             forget faults, counts, codes, tokens, clock offset -> 204
 */
export const createControlHandler =
  (state: EmulatorState, info: { url: string }) =>
  async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const { pathname } = new URL(req.url ?? "/", "http://control");
    const route = `${req.method ?? "GET"} ${pathname}`;
    try {
      switch (route) {
        case "GET /healthz":
          return sendJson(res, 200, { status: "ok", url: info.url });
        case "POST /faults": {
          const fault = faultGuard.safeParse(await readJson(req));
          if (!fault.success) return sendJson(res, 400, { error: "invalid fault", issues: fault.error.issues });
          state.addFault(fault.data);
          return sendJson(res, 201, fault.data);
        }
        case "GET /faults":
          return sendJson(res, 200, state.listFaults());
        case "DELETE /faults":
          state.clearFaults();
          return sendJson(res, 204);
        case "GET /calls":
          return sendJson(res, 200, state.calls);
        case "GET /requests":
          return sendJson(res, 200, state.requests);
        case "POST /clock": {
          const clock = clockGuard.safeParse(await readJson(req));
          if (!clock.success) return sendJson(res, 400, { error: "invalid clock", issues: clock.error.issues });
          state.advanceClock(clock.data.advanceMs);
          return sendJson(res, 200, { now: new Date(state.now()).toISOString() });
        }
        case "POST /reset":
          state.reset();
          return sendJson(res, 204);
        default:
          return sendJson(res, 404, { error: `no route ${route}` });
      }
    } catch (error) {
      return sendJson(res, 400, { error: (error as Error).message });
    }
  };

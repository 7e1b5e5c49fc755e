import { createHash } from "node:crypto";

import { paths, type OaErrorPage } from "./constant.js";
import type { App, TestUser } from "./types.js";

const escapeHtml = (value: string): string =>
  value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

const layout = (title: string, body: string): string => `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { margin: 0; background: #333; font-family: "Microsoft YaHei", "PingFang SC", Helvetica, Arial, sans-serif; color: #fff; }
  .main { width: 300px; margin: 60px auto 0; text-align: center; }
  .title { font-size: 20px; margin-bottom: 28px; }
  .qrcode { width: 280px; height: 280px; background: #fff; margin: 0 auto; padding: 10px; box-sizing: border-box; }
  .info { margin-top: 16px; font-size: 13px; color: #b9b9b9; line-height: 1.6; }
  .users { margin-top: 24px; display: flex; flex-direction: column; gap: 10px; }
  button { font: inherit; font-size: 15px; padding: 10px 12px; border-radius: 4px; border: 0; cursor: pointer; }
  .confirm { background: #07c160; color: #fff; display: flex; align-items: center; gap: 10px; justify-content: center; }
  .confirm img { width: 24px; height: 24px; border-radius: 3px; background: #ddd; }
  .deny { background: #555; color: #eee; }
  .sandbox { margin-top: 32px; font-size: 12px; color: #f0ad4e; }
  .error { background: #fff; color: #333; padding: 40px 20px; border-radius: 4px; }
  .error h2 { font-size: 20px; font-weight: normal; margin: 0 0 12px; }
  .error p { color: #888; font-size: 14px; margin: 0; }
</style>
</head>
<body>
${body}
</body>
</html>
`;

/** A QR-looking pattern derived from the uuid (nothing to scan: the test users stand in for the phone). */
const fakeQrSvg = (uuid: string): string => {
  const size = 29;
  const bits = createHash("sha512").update(uuid).digest();
  const finder = (row: number, col: number): boolean | undefined => {
    for (const [r0, c0] of [
      [0, 0],
      [0, size - 7],
      [size - 7, 0],
    ] as const) {
      const r = row - r0;
      const c = col - c0;
      if (r >= -1 && r <= 7 && c >= -1 && c <= 7) {
        if (r < 0 || r > 6 || c < 0 || c > 6) return false;
        return r === 0 || r === 6 || c === 0 || c === 6 || (r >= 2 && r <= 4 && c >= 2 && c <= 4);
      }
    }
    return undefined;
  };
  const cells: string[] = [];
  for (let row = 0; row < size; row += 1) {
    for (let col = 0; col < size; col += 1) {
      const index = row * size + col;
      const fixed = finder(row, col);
      const dark = fixed ?? (((bits[index % bits.length] ?? 0) >> (index % 8)) & 1) === 1;
      if (dark) cells.push(`<rect x="${col}" y="${row}" width="1" height="1"/>`);
    }
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="-1 -1 ${size + 2} ${size + 2}" width="260" height="260" shape-rendering="crispEdges" data-testid="qrcode">${cells.join("")}</svg>`;
};

const sandboxNote = `<div class="sandbox">WeChat emulator: for testing only, not WeChat.</div>`;

/**
 * What the visitor's phone would answer: one button per test user (the WeChat user signed in on
 * that phone), then deny. `action` is the label of each user's button ("确认登录 / Confirm").
 */
const userChoice = (o: {
  formAction: string;
  uuid: string;
  users: TestUser[];
  testid: "confirm" | "allow";
  action: string;
}): string => `<form method="post" action="${o.formAction}" class="users">
    <input type="hidden" name="uuid" value="${escapeHtml(o.uuid)}">
${o.users
  .map(
    (user) => `    <button type="submit" class="confirm" name="user" value="${escapeHtml(user.key)}" data-testid="${o.testid}-${escapeHtml(user.key)}">
      <img src="${escapeHtml(user.headimgurl)}" alt="" referrerpolicy="no-referrer" onerror="this.style.visibility='hidden'">
      ${o.action} ${escapeHtml(user.nickname)}
    </button>`
  )
  .join("\n")}
    <button type="submit" class="deny" name="deny" value="1" data-testid="deny">拒绝 / Deny</button>
  </form>`;

/** open.weixin.qq.com/connect/qrconnect: QR box, app name, one confirm button per test user, deny. */
export const qrPage = (o: { app: App; uuid: string; users: TestUser[] }): string =>
  layout(
    "微信登录",
    `<div class="main">
  <div class="title">微信登录</div>
  <div class="qrcode">${fakeQrSvg(o.uuid)}</div>
  <div class="info">
    <p>请使用微信扫描二维码登录</p>
    <p data-testid="app-name">“${escapeHtml(o.app.name)}”</p>
  </div>
  ${userChoice({ formAction: paths.confirm, uuid: o.uuid, users: o.users, testid: "confirm", action: "确认登录 / Confirm as" })}
  ${sandboxNote}
</div>`
  );

/** A page that ends the flow with a message and no way back to the site, as WeChat's do. */
const messagePage = (testid: "wechat-error" | "wechat-denied", o: { title: string; detail: string }): string =>
  layout(
    o.title,
    `<div class="main">
  <div class="error" data-testid="${testid}">
    <h2 data-testid="${testid}-title">${escapeHtml(o.title)}</h2>
    <p data-testid="${testid}-detail">${escapeHtml(o.detail)}</p>
  </div>
  ${sandboxNote}
</div>`
  );

/** WeChat's error page: no redirect back to the site. */
export const errorPage = (o: { title: string; detail: string }): string => messagePage("wechat-error", o);

/** After a denied login (current WeChat behaviour: no redirect). */
export const deniedPage = (o: { title: string; detail: string }): string => messagePage("wechat-denied", o);

/**
 * The OA's snsapi_userinfo consent (WeChat shows it as a sheet inside its browser): the app asks for
 * nickname and avatar; one allow button per test user (the phone's signed-in WeChat user), deny.
 */
export const oaConsentPage = (o: { app: App; uuid: string; users: TestUser[] }): string =>
  layout(
    "微信授权",
    `<div class="main">
  <div class="title" data-testid="app-name">${escapeHtml(o.app.name)}</div>
  <div class="info" data-testid="oa-consent">
    <p>申请获得以下权限：获得你的公开信息（昵称、头像等）</p>
    <p>Requests your public profile (nickname, avatar)</p>
  </div>
  ${userChoice({ formAction: paths.oauth2Confirm, uuid: o.uuid, users: o.users, testid: "allow", action: "允许 / Allow as" })}
  ${sandboxNote}
</div>`
  );

/** The OA authorization's error page, with WeChat's numbered error. */
export const oaErrorPage = ({ code, detail }: OaErrorPage): string =>
  errorPage({ title: "Oops! Something went wrong:(", detail: `错误码：${code}，${detail}` });

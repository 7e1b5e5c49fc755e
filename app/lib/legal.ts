import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Locale } from "./i18n";

export type LegalDoc = "privacy" | "terms";
export type LegalBlock = { kind: "h1" | "h2" | "p"; text: string };

/**
 * Texts of /privacy and /terms. The operator replaces them without rebuilding: files in
 * LEGAL_DIR (mounted into the container), read on every request, first match wins:
 * `<doc>.<locale>.md`, then `<doc>.md` (doc = privacy | terms, locale = zh-CN | en).
 * Format: paragraphs separated by blank lines; `# ` and `## ` start headings; no HTML.
 * Without a file the built-in text below is shown.
 */
export async function loadLegalText(
  doc: LegalDoc,
  locale: Locale,
  legalDir: string | undefined,
): Promise<{ text: string; source: "file" | "builtin"; file?: string }> {
  if (legalDir) {
    for (const name of [`${doc}.${locale}.md`, `${doc}.md`]) {
      const file = path.join(legalDir, name);
      try {
        return { text: await readFile(file, "utf8"), source: "file", file };
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== "ENOENT" && code !== "ENOTDIR") console.error(`[legal] cannot read ${file}: ${code}`);
      }
    }
  }
  return { text: BUILTIN[doc][locale], source: "builtin" };
}

export function parseLegalText(text: string): LegalBlock[] {
  return text
    .replace(/\r\n/g, "\n")
    .split(/\n\s*\n/)
    .map((block) => block.trim())
    .filter(Boolean)
    .flatMap((block): LegalBlock[] => {
      const lines = block.split("\n");
      const out: LegalBlock[] = [];
      let paragraph: string[] = [];
      const flush = () => {
        if (paragraph.length) out.push({ kind: "p", text: paragraph.join("\n") });
        paragraph = [];
      };
      for (const line of lines) {
        const heading = /^(#{1,2})\s+(.*)$/.exec(line.trim());
        if (heading) {
          flush();
          out.push({ kind: heading[1] === "#" ? "h1" : "h2", text: heading[2] ?? "" });
        } else paragraph.push(line.trim());
      }
      flush();
      return out;
    });
}

const BUILTIN: Record<LegalDoc, Record<Locale, string>> = {
  privacy: {
    "zh-CN": `# 隐私政策

本网站使用微信登录（通过自托管的 Logto 身份服务）来识别你的身份。

## 我们收集的信息
当你使用微信登录时，我们会获得你的微信昵称、头像，以及由微信提供的用户标识（OpenID / UnionID）。我们不会获取你的手机号、好友关系或聊天内容。

## 信息的用途
这些信息仅用于让你登录本网站并显示你的账户信息。我们不会出售或向第三方提供你的个人信息，法律法规要求的除外。

## 信息的保存
你的账户信息保存在本网站运营者自己的服务器上。登录状态保存在浏览器的 Cookie 中，退出登录后即被清除。

## 联系我们
如需查询、更正或删除你的个人信息，请联系本网站运营者。`,
    en: `# Privacy policy

This site uses Sign in with WeChat (through a self-hosted Logto identity service) to know who you are.

## What we collect
When you sign in with WeChat we receive your WeChat nickname, avatar and the user identifier WeChat provides (OpenID / UnionID). We do not receive your phone number, contacts or messages.

## What it is used for
Only to sign you in and to show your account. We do not sell your personal information or give it to third parties, except where the law requires it.

## Where it is kept
Your account is stored on the site operator's own servers. Your sign-in is kept in a browser cookie and cleared when you sign out.

## Contact
To see, correct or delete your personal information, contact the site operator.`,
  },
  terms: {
    "zh-CN": `# 用户协议

使用本网站即表示你同意以下条款。

## 账户
你可以使用微信登录本网站。请妥善保管你的微信账户；通过你的账户进行的操作视为你本人的操作。

## 使用规范
请勿利用本网站从事违反法律法规的活动，或干扰本网站的正常运行。

## 免责声明
本网站按"现状"提供，运营者不对服务的持续可用性作出保证。

## 条款变更
运营者可能更新本协议，更新后的内容将在本页面公布。`,
    en: `# Terms of service

By using this site you agree to these terms.

## Your account
You can sign in with WeChat. Keep your WeChat account safe: actions taken through your account are considered yours.

## Acceptable use
Do not use this site for anything unlawful or to disrupt its operation.

## Disclaimer
This site is provided "as is"; the operator does not guarantee that it will always be available.

## Changes
The operator may update these terms; the current version is always on this page.`,
  },
};

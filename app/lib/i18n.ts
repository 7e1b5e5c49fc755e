export const LOCALES = ["zh-CN", "en"] as const;
export type Locale = (typeof LOCALES)[number];
/** When Accept-Language names neither Chinese nor English (or is missing). */
const DEFAULT_LOCALE: Locale = "zh-CN";

/**
 * Picks zh-CN or en from an Accept-Language header, honouring q-values: any `zh*` tag means
 * Simplified Chinese, any `en*` tag English, the first by preference wins.
 */
export function negotiateLocale(acceptLanguage: string | null | undefined): Locale {
  if (!acceptLanguage) return DEFAULT_LOCALE;
  const ranked = acceptLanguage
    .split(",")
    .map((part, index) => {
      const [tag = "", ...params] = part.trim().split(";");
      const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
      const quality = q ? Number(q.slice(2)) : 1;
      return { tag: tag.trim().toLowerCase(), quality: Number.isFinite(quality) ? quality : 0, index };
    })
    .filter((entry) => entry.tag && entry.quality > 0)
    .sort((a, b) => b.quality - a.quality || a.index - b.index);
  for (const { tag } of ranked) {
    if (tag === "zh" || tag.startsWith("zh-")) return "zh-CN";
    if (tag === "en" || tag.startsWith("en-")) return "en";
  }
  return DEFAULT_LOCALE;
}

export type ErrorCode =
  | "Configuration"
  | "AccessDenied"
  | "Verification"
  | "OAuthCallbackError"
  | "OAuthAccountNotLinked"
  | "MissingCSRF"
  | "RefreshTokenError"
  | "MissingCredentials"
  | "Default";

export type Dictionary = {
  siteName: string;
  intro: string;
  signInWeChat: string;
  signInOther: string;
  signIn: string;
  signInToContinue: string;
  signedInAs: (name: string) => string;
  goToAccount: string;
  signOut: string;
  /** A phone outside WeChat: its own screen's QR code cannot be scanned by it. */
  phone: {
    title: string;
    body: string;
    openInWeChat: string;
    copyLink: string;
    copied: string;
    qrAnyway: string;
  };
  account: {
    title: string;
    nickname: string;
    avatar: string;
    userId: string;
    expires: string;
    noNickname: string;
  };
  error: {
    title: string;
    messages: Record<ErrorCode, string>;
    code: string;
    operatorHint: string;
    retry: string;
    home: string;
  };
  footer: { privacy: string; terms: string };
  legal: { privacy: string; terms: string };
};

export const dictionaries: Record<Locale, Dictionary> = {
  "zh-CN": {
    siteName: "微信登录示例",
    intro: "这是一个示例网站：通过自托管的 Logto 使用微信扫码登录。登录后可以查看你的账户信息。",
    signInWeChat: "使用微信登录",
    signInOther: "其他登录方式",
    signIn: "登录",
    signInToContinue: "请先登录以继续。",
    signedInAs: (name) => `已登录：${name}`,
    goToAccount: "我的账户",
    phone: {
      title: "在手机上用微信登录",
      body: "微信登录会显示一个二维码，需要用另一台设备上的微信扫描，手机无法扫描自己屏幕上的二维码。请在微信里打开本页：复制链接，发送到任意微信聊天（例如“文件传输助手”），再在微信中点开，即可一键登录。也可以使用其他登录方式。",
      openInWeChat: "在微信中打开本页",
      copyLink: "复制链接",
      copied: "已复制",
      qrAnyway: "仍然显示二维码（用另一台设备扫码）",
    },
    signOut: "退出登录",
    account: {
      title: "我的账户",
      nickname: "昵称",
      avatar: "头像",
      userId: "用户 ID",
      expires: "会话到期时间",
      noNickname: "（未设置昵称）",
    },
    error: {
      title: "登录未完成",
      messages: {
        Configuration: "暂时无法连接登录服务，或登录服务配置有误。请稍后重试；如果一直出现，请联系网站管理员。",
        AccessDenied: "登录被取消或未获允许。",
        Verification: "登录链接已失效或已被使用，请重新登录。",
        OAuthCallbackError: "登录服务返回了错误（例如你取消了授权）。请重试。",
        OAuthAccountNotLinked: "该账户已与其他登录方式关联，请使用原来的方式登录。",
        MissingCSRF: "登录表单已过期，请重试。",
        RefreshTokenError: "你的登录已过期且无法续期，已为你退出登录。请重新登录。",
        MissingCredentials: "登录功能尚未配置完成：应用还没有 Logto 客户端凭据。请稍后重试或联系网站管理员。",
        Default: "登录时出现问题，请重试。",
      },
      code: "错误代码",
      operatorHint: "管理员提示",
      retry: "重试登录",
      home: "返回首页",
    },
    footer: { privacy: "隐私政策", terms: "用户协议" },
    legal: { privacy: "隐私政策", terms: "用户协议" },
  },
  en: {
    siteName: "WeChat sign-in demo",
    intro:
      "An example site: sign in by scanning a WeChat QR code, through a self-hosted Logto. Once signed in you can see your account.",
    signInWeChat: "Sign in with WeChat",
    signInOther: "Other sign-in methods",
    signIn: "Sign in",
    signInToContinue: "Please sign in to continue.",
    signedInAs: (name) => `Signed in as ${name}`,
    goToAccount: "My account",
    phone: {
      title: "Signing in with WeChat on a phone",
      body: "WeChat sign-in shows a QR code to scan with WeChat on another device: a phone cannot scan its own screen. Open this page in WeChat instead: copy the link, send it to any WeChat chat (File Transfer, for instance) and tap it there to sign in with one tap. Or use another sign-in method.",
      openInWeChat: "Open this page in WeChat",
      copyLink: "Copy link",
      copied: "Copied",
      qrAnyway: "Show the QR code anyway (scan it with another device)",
    },
    signOut: "Sign out",
    account: {
      title: "My account",
      nickname: "Nickname",
      avatar: "Avatar",
      userId: "User ID",
      expires: "Session expires",
      noNickname: "(no nickname)",
    },
    error: {
      title: "Sign-in did not complete",
      messages: {
        Configuration:
          "The sign-in service could not be reached or is not set up correctly. Please try again in a minute; if this keeps happening, contact the site operator.",
        AccessDenied: "Sign-in was cancelled or not allowed.",
        Verification: "The sign-in link has expired or was already used. Please sign in again.",
        OAuthCallbackError: "The sign-in service returned an error (for example, you cancelled). Please try again.",
        OAuthAccountNotLinked: "This account is linked to another sign-in method; please use that one.",
        MissingCSRF: "The sign-in form expired. Please try again.",
        RefreshTokenError: "Your sign-in expired and could not be renewed, so you have been signed out. Please sign in again.",
        MissingCredentials:
          "Sign-in is not set up yet: the app has no Logto client credentials. Please try again later or contact the site operator.",
        Default: "Something went wrong while signing in. Please try again.",
      },
      code: "Error code",
      operatorHint: "For the operator",
      retry: "Try signing in again",
      home: "Back to the home page",
    },
    footer: { privacy: "Privacy policy", terms: "Terms of service" },
    legal: { privacy: "Privacy policy", terms: "Terms of service" },
  },
};

const KNOWN_CODES = new Set<string>(Object.keys(dictionaries.en.error.messages));

/** Maps Auth.js's `?error=` value (or ours) to a known code; unknown values become Default. */
export function toErrorCode(value: string | string[] | undefined): ErrorCode {
  const first = Array.isArray(value) ? value[0] : value;
  return first && KNOWN_CODES.has(first) ? (first as ErrorCode) : "Default";
}

export function formatDateTime(iso: string, locale: Locale): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, {
    dateStyle: "long",
    timeStyle: "short",
    timeZone: "Asia/Shanghai",
  }).format(date) + (locale === "en" ? " (UTC+8)" : "（北京时间）");
}

// oidc-provider ships no types; the stand-in uses it untyped (Logto itself uses @types/oidc-provider).
declare module "oidc-provider";
declare module "@logto/connector-wechat-web";
declare module "@logto/cli/lib/connector/utils.js";

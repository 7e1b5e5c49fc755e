// Test-only preload (node --require): resolves the names in WECHAT_E2E_HOSTS
// ("open.weixin.qq.com=127.0.44.3,api.weixin.qq.com=127.0.44.3") to the given addresses inside
// dns.lookup (callback and promise forms, `all` and `family` options); other names resolve as usual.
"use strict";
const dns = require("node:dns");

const hosts = new Map(
  (process.env.WECHAT_E2E_HOSTS || "")
    .split(",")
    .filter(Boolean)
    .map((pair) => pair.split("=").map((part) => part.trim().toLowerCase()))
);

const answer = (address, options) => {
  const family = address.includes(":") ? 6 : 4;
  const all = typeof options === "object" && options !== null && options.all;
  return all ? [{ address, family }] : { address, family };
};

const originalLookup = dns.lookup;
dns.lookup = function lookup(hostname, options, callback) {
  if (typeof options === "function") {
    callback = options;
    options = {};
  }
  const address = hosts.get(String(hostname).toLowerCase());
  if (!address) return originalLookup.call(dns, hostname, options, callback);
  const result = answer(address, options);
  process.nextTick(() => (Array.isArray(result) ? callback(null, result) : callback(null, result.address, result.family)));
  return {};
};

const originalPromiseLookup = dns.promises.lookup;
dns.promises.lookup = async function lookup(hostname, options) {
  const address = hosts.get(String(hostname).toLowerCase());
  if (!address) return originalPromiseLookup.call(dns.promises, hostname, options);
  return answer(address, options);
};

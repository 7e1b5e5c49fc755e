// Resolve the stack's test host names to loopback addresses inside one Node process, without
// touching /etc/hosts. Load with NODE_OPTIONS="--require /abs/path/dns-preload.cjs" and
// HARNESS_HOSTS="auth.stack.test=127.0.0.1,open.weixin.qq.com=127.0.0.2,...".
//
// Patches dns.lookup (callback form) and dns.promises.lookup, honouring the `all` and `family`
// options (number or object form); net, http(s), got (Logto's connectors) and fetch (undici,
// Auth.js) all resolve through these. Names not in the map go to the real resolver.
"use strict";

const dns = require("node:dns");

function parseHosts(spec) {
  const map = new Map();
  for (const pair of (spec || "").split(",")) {
    const trimmed = pair.trim();
    if (!trimmed) continue;
    const eq = trimmed.indexOf("=");
    if (eq <= 0) throw new Error(`dns-preload: bad HARNESS_HOSTS entry "${trimmed}" (want name=ip)`);
    map.set(trimmed.slice(0, eq).trim().toLowerCase(), trimmed.slice(eq + 1).trim());
  }
  return map;
}

const hosts = parseHosts(process.env.HARNESS_HOSTS);

function familyOf(address) {
  return address.includes(":") ? 6 : 4;
}

/** The mapped answer for (hostname, options), undefined when the name is not ours. */
function answer(hostname, options) {
  if (typeof hostname !== "string") return undefined;
  const address = hosts.get(hostname.toLowerCase().replace(/\.$/, ""));
  if (address === undefined) return undefined;
  const opts = typeof options === "number" ? { family: options } : options || {};
  const wanted = opts.family === "IPv4" ? 4 : opts.family === "IPv6" ? 6 : Number(opts.family) || 0;
  const family = familyOf(address);
  const matches = wanted === 0 || wanted === family;
  return { all: Boolean(opts.all), address, family, matches };
}

function notFound(hostname) {
  const error = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
  error.code = "ENOTFOUND";
  error.errno = -3008;
  error.syscall = "getaddrinfo";
  error.hostname = hostname;
  return error;
}

const originalLookup = dns.lookup;
function lookup(hostname, options, callback) {
  const cb = typeof options === "function" ? options : callback;
  const opts = typeof options === "function" ? undefined : options;
  const a = answer(hostname, opts);
  if (!a) return originalLookup.call(dns, hostname, options, callback);
  process.nextTick(() => {
    if (!a.matches) cb(notFound(hostname));
    else if (a.all) cb(null, [{ address: a.address, family: a.family }]);
    else cb(null, a.address, a.family);
  });
  return {};
}
dns.lookup = lookup;

const originalPromiseLookup = dns.promises.lookup;
dns.promises.lookup = async function promiseLookup(hostname, options) {
  const a = answer(hostname, options);
  if (!a) return originalPromiseLookup.call(dns.promises, hostname, options);
  if (!a.matches) throw notFound(hostname);
  if (a.all) return [{ address: a.address, family: a.family }];
  return { address: a.address, family: a.family };
};

module.exports = { hosts };

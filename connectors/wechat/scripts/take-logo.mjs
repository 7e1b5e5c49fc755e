// The WeChat mark Logto shows for this connector is Logto's own (MPL-2.0), copied at build time from
// the npm package of its WeChat connector so this repository keeps no copy of Logto's files.
import { copyFileSync } from 'node:fs';

const logtoConnector = new URL(import.meta.resolve('@logto/connector-wechat-web'));
copyFileSync(new URL('../logo.svg', logtoConnector), new URL('../logo.svg', import.meta.url));

/**
 * Whether WeChat's host names lead to a machine on the seed's own network instead of WeChat: in
 * Compose, a WeChat emulator of compose.sandbox.yaml left attached to the project network (its
 * network aliases are open.weixin.qq.com and api.weixin.qq.com), e.g. after `docker compose up`
 * without --remove-orphans. Logto shares that network, so its connector would send the real
 * AppSecret and every user's sign-in there.
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIPv6 } from 'node:net';
import { type NetworkInterfaceInfo, networkInterfaces } from 'node:os';

import { wechatHosts } from './constant.js';

export type Resolved = { host: string; address: string };

const family = (address: string) => (isIPv6(address) ? 'ipv6' : 'ipv4');

/** Pure: the answers inside the subnet of one of `interfaces` (loopback included). */
export const onOwnNetworks = (
  resolved: readonly Resolved[],
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>
): Resolved[] => {
  const own = new BlockList();
  for (const { cidr, address } of Object.values(interfaces).flatMap((list) => list ?? [])) {
    const prefix = Number(cidr?.split('/')[1]);
    if (cidr && Number.isInteger(prefix)) {
      own.addSubnet(address, prefix, family(address));
    }
  }
  return resolved.filter(({ address }) => own.check(address, family(address)));
};

/** What WeChat's hosts resolve to here; a name that does not resolve contributes nothing. */
const resolveWechatHosts = async (): Promise<Resolved[]> =>
  (
    await Promise.all(
      wechatHosts.map(async (host) =>
        (await lookup(host, { all: true }).catch(() => [])).map(({ address }) => ({ host, address }))
      )
    )
  ).flat();

/** The WeChat host names that resolve to the seed's own network, with the address each got. */
export const wechatHostsOnOwnNetwork = async (): Promise<Resolved[]> =>
  onOwnNetworks(await resolveWechatHosts(), networkInterfaces());

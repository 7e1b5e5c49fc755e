import type { NetworkInterfaceInfo } from 'node:os';

import { describe, expect, it } from 'vitest';

import { onOwnNetworks } from './wechat-network.js';

const info = (cidr: string): NetworkInterfaceInfo => {
  const address = cidr.split('/')[0] ?? '';
  const common = { address, netmask: '', mac: '', internal: false, cidr };
  return address.includes(':') ? { ...common, family: 'IPv6', scopeid: 0 } : { ...common, family: 'IPv4' };
};

// A seed container on a Compose network: loopback plus the project network.
const container = { lo: [info('127.0.0.1/8'), info('::1/128')], eth0: [info('172.18.0.5/16')] };

describe('onOwnNetworks', () => {
  it('finds an address on the project network (the emulator by its alias) and on loopback', () => {
    const resolved = [
      { host: 'api.weixin.qq.com', address: '172.18.0.3' },
      { host: 'open.weixin.qq.com', address: '127.0.0.2' },
    ];
    expect(onOwnNetworks(resolved, container)).toEqual(resolved);
  });

  it("ignores WeChat's public addresses and other private networks", () => {
    const resolved = [
      { host: 'api.weixin.qq.com', address: '101.226.129.166' },
      { host: 'api.weixin.qq.com', address: '172.19.0.3' },
      { host: 'open.weixin.qq.com', address: '240e:e1:f300::1' },
    ];
    expect(onOwnNetworks(resolved, container)).toEqual([]);
  });

  it('skips interfaces without a cidr', () => {
    expect(onOwnNetworks([{ host: 'api.weixin.qq.com', address: '10.0.0.2' }], { eth1: [{ ...info('10.0.0.1/8'), cidr: null }] })).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest'
import { identify } from './identification'
import { parseProbeOutput, splitSections } from './probe-output'
import { parseIfInet6, parseInterfaces, parseIpAddr, parseIpLink, parseProcIpv4 } from './probe-network'
import { probeScript, SECTION_MARK } from './probe-script'

const M = SECTION_MARK

// `ip -o link show` and `ip -o addr show` of a Pi on Wi-Fi with a DHCP lease and a static eth0.
const IP_LINK = [
  '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
  '2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP mode DEFAULT group default qlen 1000\\    link/ether dc:a6:32:12:34:56 brd ff:ff:ff:ff:ff:ff',
  '3: wlan0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast state UP mode DORMANT group default qlen 1000\\    link/ether DC:A6:32:12:34:57 brd ff:ff:ff:ff:ff:ff',
  '5: veth1@if4: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000\\    link/ether 7a:1b:2c:3d:4e:5f brd ff:ff:ff:ff:ff:ff link-netnsid 0',
  '6: tunl0@NONE: <NOARP> mtu 1480 qdisc noop state DOWN mode DEFAULT group default qlen 1000\\    link/ipip 0.0.0.0 brd 0.0.0.0',
].join('\n')
const IP_ADDR = [
  '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever',
  '2: eth0    inet 10.0.0.5/24 brd 10.0.0.255 scope global eth0\\       valid_lft forever preferred_lft forever',
  '3: wlan0    inet 192.168.1.23/24 brd 192.168.1.255 scope global dynamic noprefixroute wlan0\\       valid_lft 85914sec preferred_lft 85914sec',
  '3: wlan0    inet6 2a02:8108:1:2::17/64 scope global dynamic mngtmpaddr noprefixroute \\       valid_lft 86327sec preferred_lft 14327sec',
  '3: wlan0    inet6 fe80::dea6:32ff:fe12:3457/64 scope link \\       valid_lft forever preferred_lft forever',
].join('\n')

describe('ip -o', () => {
  it('link: names without @peer, lower-case MACs, none for loopback and tunnels', () => {
    expect(parseIpLink(IP_LINK)).toEqual([
      { name: 'lo' },
      { name: 'eth0', mac: 'dc:a6:32:12:34:56' },
      { name: 'wlan0', mac: 'dc:a6:32:12:34:57' },
      { name: 'veth1', mac: '7a:1b:2c:3d:4e:5f' },
      { name: 'tunl0' },
    ])
  })

  it('addr: address, prefix, family, and dynamic only where ip says so', () => {
    expect(parseIpAddr(IP_ADDR).map((a) => [a.name, a.address])).toEqual([
      ['lo', { family: 'ipv4', address: '127.0.0.1', prefix: 8, dynamic: false }],
      ['eth0', { family: 'ipv4', address: '10.0.0.5', prefix: 24, dynamic: false }],
      ['wlan0', { family: 'ipv4', address: '192.168.1.23', prefix: 24, dynamic: true }],
      ['wlan0', { family: 'ipv6', address: '2a02:8108:1:2::17', prefix: 64, dynamic: true }],
      ['wlan0', { family: 'ipv6', address: 'fe80::dea6:32ff:fe12:3457', prefix: 64, dynamic: false }],
    ])
  })

  it('interfaces: merged by name, loopback left out', () => {
    const ifaces = parseInterfaces(
      new Map([
        ['ip-link', IP_LINK],
        ['ip-addr', IP_ADDR],
      ]),
    )
    expect(ifaces.map((i) => i.name)).toEqual(['eth0', 'wlan0', 'veth1', 'tunl0'])
    expect(ifaces[1]).toMatchObject({ mac: 'dc:a6:32:12:34:57', addresses: [{ address: '192.168.1.23' }, {}, {}] })
  })
})

describe('without ip: /sys and /proc', () => {
  const IF_INET6 = [
    '00000000000000000000000000000001 01 80 10 80       lo',
    'fe80000000000000dea632fffe123457 03 40 20 80    wlan0',
    '2a028108000100020000000000000017 03 40 00 00    wlan0',
  ].join('\n')
  const FIB_TRIE = `Main:
  +-- 0.0.0.0/0 3 0 5
     |-- 0.0.0.0
        /0 universe UNICAST
     +-- 10.0.0.0/24 2 0 2
        |-- 10.0.0.0
           /24 link UNICAST
        |-- 10.0.0.5
           /32 host LOCAL
     +-- 127.0.0.0/8 2 0 2
        |-- 127.0.0.1
           /32 host LOCAL
     +-- 192.168.1.0/24 2 0 2
        |-- 192.168.1.23
           /32 host LOCAL
        |-- 192.168.1.255
           /32 link BROADCAST
Local:
  +-- 0.0.0.0/0 3 0 5
     |-- 10.0.0.5
        /32 host LOCAL`
  const ROUTE = [
    'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
    'wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0',
    'eth0\t0000000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
    'wlan0\t0001A8C0\t00000000\t0001\t0\t0\t600\t00FFFFFF\t0\t0\t0',
  ].join('\n')

  it('if_inet6: canonical address, prefix, dynamic = not permanent', () => {
    expect(parseIfInet6(IF_INET6).map((a) => [a.name, a.address])).toEqual([
      ['lo', { family: 'ipv6', address: '::1', prefix: 128, dynamic: false }],
      ['wlan0', { family: 'ipv6', address: 'fe80::dea6:32ff:fe12:3457', prefix: 64, dynamic: false }],
      ['wlan0', { family: 'ipv6', address: '2a02:8108:1:2::17', prefix: 64, dynamic: true }],
    ])
  })

  it('IPv4: the local addresses of fib_trie on the interface and prefix of their route; lease unknown', () => {
    expect(parseProcIpv4(FIB_TRIE, ROUTE)).toEqual([
      { name: 'eth0', address: { family: 'ipv4', address: '10.0.0.5', prefix: 24 } },
      { name: 'wlan0', address: { family: 'ipv4', address: '192.168.1.23', prefix: 24 } },
    ])
  })

  it('interfaces: MACs from /sys/class/net', () => {
    const sections = new Map([
      ['sys-net', 'eth0 dc:a6:32:12:34:56\nlo 00:00:00:00:00:00\nwlan0 dc:a6:32:12:34:57'],
      ['if-inet6', IF_INET6],
      ['fib-trie', FIB_TRIE],
      ['route', ROUTE],
    ])
    const ifaces = parseInterfaces(sections)
    expect(ifaces.map((i) => [i.name, i.mac, i.addresses.map((a) => `${a.address}/${a.prefix}`)])).toEqual([
      ['eth0', 'dc:a6:32:12:34:56', ['10.0.0.5/24']],
      ['wlan0', 'dc:a6:32:12:34:57', ['fe80::dea6:32ff:fe12:3457/64', '2a02:8108:1:2::17/64', '192.168.1.23/24']],
    ])
  })
})

describe('the probe', () => {
  it('asks for the interfaces and hands them to the identification', () => {
    expect(probeScript().text).toContain('ip -o addr show')
    const output = [`${M} ip-link`, IP_LINK, `${M} ip-addr`, IP_ADDR, `${M} end`].join('\n')
    const facts = parseProbeOutput(output)
    expect(facts.interfaces.map((i) => i.name)).toEqual(['eth0', 'wlan0', 'veth1', 'tunl0'])
    expect(identify(facts, new Date(), 0).interfaces).toEqual(facts.interfaces)
    // Nothing found: no field (an old identification looks the same, and the validator falls back).
    expect('interfaces' in identify(parseProbeOutput(`${M} end`), new Date(), 0)).toBe(false)
    expect(splitSections(output).has('ip-addr')).toBe(true)
  })
})

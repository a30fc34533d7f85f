import { describe, expect, it } from 'vitest'
import type { V1Node } from '@kubernetes/client-node'
import { isHealthy, nodeStatus, parseHealth, parseMemberList, parseShowStat } from './cluster-status'

// The head of HAProxy 2.6's `show stat` (the columns up to `status` and `addr` matter here).
const HEADER =
  '# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,req_rate,req_rate_max,req_tot,cli_abrt,srv_abrt,comp_in,comp_out,comp_byp,comp_rsp,lastsess,last_chk,last_agt,qtime,ctime,rtime,ttime,agent_status,agent_code,agent_duration,check_desc,agent_desc,check_rise,check_fall,check_health,agent_rise,agent_fall,agent_health,addr'
const row = (px: string, sv: string, status: string, addr = '') => {
  const cols = HEADER.slice(2).split(',')
  return cols
    .map((c) => (c === 'pxname' ? px : c === 'svname' ? sv : c === 'status' ? status : c === 'addr' ? addr : '0'))
    .join(',')
}

describe('parseShowStat', () => {
  it("lists the backend's servers with their state (not the frontend, not the summary rows, not other proxies)", () => {
    const csv = [
      HEADER,
      row('kubernetes-api', 'FRONTEND', 'OPEN'),
      row('kubernetes-control-planes', 'cp-1', 'UP', '10.0.0.11:6443'),
      row('kubernetes-control-planes', 'cp-2', 'DOWN', '10.0.0.12:6443'),
      row('kubernetes-control-planes', 'cp-3', 'UP 1/3', '10.0.0.13:6443'),
      row('kubernetes-control-planes', 'BACKEND', 'UP'),
      row('stats', 'other', 'UP'),
      '',
    ].join('\n')
    expect(parseShowStat(csv)).toEqual([
      { backend: 'kubernetes-control-planes', server: 'cp-1', status: 'UP', up: true, address: '10.0.0.11:6443' },
      { backend: 'kubernetes-control-planes', server: 'cp-2', status: 'DOWN', up: false, address: '10.0.0.12:6443' },
      { backend: 'kubernetes-control-planes', server: 'cp-3', status: 'UP 1/3', up: true, address: '10.0.0.13:6443' },
    ])
    expect(parseShowStat('Unknown command\n')).toEqual([])
  })
})

describe('etcd', () => {
  it('reads the JSON gateway member list (64-bit IDs as strings, in hex like etcdctl) and refuses an error', () => {
    const members = parseMemberList(
      JSON.stringify({
        header: {},
        members: [
          {
            ID: '10501334649042878790',
            name: 'cp-1',
            peerURLs: ['https://10.0.0.11:2380'],
            clientURLs: ['https://10.0.0.11:2379'],
          },
          { ID: '42', peerURLs: ['https://10.0.0.12:2380'], isLearner: true },
        ],
      }),
    )
    expect(members).toEqual([
      {
        id: '91bc3c398fb3c146',
        name: 'cp-1',
        peerURLs: ['https://10.0.0.11:2380'],
        clientURLs: ['https://10.0.0.11:2379'],
        learner: false,
      },
      { id: '2a', name: '', peerURLs: ['https://10.0.0.12:2380'], clientURLs: [], learner: true },
    ])
    expect(() => parseMemberList('{"error":"etcdserver: request timed out","code":14}')).toThrow(/request timed out/)
  })

  it('reads each client URL’s /health answer', () => {
    const h = parseHealth('https://a:2379 {"health":"true","reason":""}\nhttps://b:2379 curl: (7) Failed to connect\n')
    expect(h.get('https://a:2379')).toEqual({ healthy: true, detail: 'healthy' })
    expect(h.get('https://b:2379')).toEqual({ healthy: false, detail: 'curl: (7) Failed to connect' })
  })
})

describe('nodeStatus and isHealthy', () => {
  const node: V1Node = {
    metadata: { name: 'cp-1', labels: { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/os': 'linux' } },
    spec: {
      taints: [
        { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' },
        { key: 'a', value: 'b', effect: 'NoExecute' },
      ],
    },
    status: {
      conditions: [{ type: 'Ready', status: 'True' }],
      nodeInfo: { kubeletVersion: 'v1.32.4' } as never,
      addresses: [{ type: 'InternalIP', address: '10.0.0.11' }],
    },
  }
  it('roles from the node-role labels, Ready, taints as kubectl writes them', () => {
    expect(nodeStatus(node)).toEqual({
      name: 'cp-1',
      roles: ['control-plane'],
      ready: true,
      taints: ['node-role.kubernetes.io/control-plane:NoSchedule', 'a=b:NoExecute'],
      kubeletVersion: 'v1.32.4',
      address: '10.0.0.11',
    })
  })
  it('healthy only when every part answered and all is well', () => {
    const ok = {
      endpoint: { host: '10.0.0.2', port: 6443, kind: 'haproxy' as 'haproxy' | 'address' },
      nodes: { reachable: true as const, source: 'x', items: [nodeStatus(node)] },
      backends: {
        reachable: true as const,
        source: 'lb',
        items: [{ backend: 'b', server: 's', status: 'UP', up: true }],
      },
      etcd: {
        reachable: true as const,
        source: 'cp-1',
        items: [{ id: '1', name: 'cp-1', peerURLs: [], clientURLs: [], learner: false, healthy: true }],
      },
    }
    expect(isHealthy(ok)).toBe(true)
    const unread = { reachable: false as const, reason: 'a load balancer Flotilla does not manage' }
    expect(isHealthy({ ...ok, backends: unread })).toBe(false)
    expect(isHealthy({ ...ok, backends: unread, endpoint: { ...ok.endpoint, kind: 'address' } })).toBe(true)
    expect(isHealthy({ ...ok, etcd: { reachable: false, reason: 'no answer' } })).toBe(false)
    expect(
      isHealthy({
        ...ok,
        backends: { ...ok.backends, items: [{ ...ok.backends.items[0]!, status: 'DOWN', up: false }] },
      }),
    ).toBe(false)
    expect(isHealthy({ ...ok, nodes: { ...ok.nodes, items: [{ ...ok.nodes.items[0]!, ready: false }] } })).toBe(false)
  })
})

import { BlockList, isIP } from 'node:net';

/**
 * Where a webhook may be sent (SSRF guard). `forbidden` is never allowed (link-local, cloud
 * metadata, multicast, reserved); `private` (loopback, RFC 1918, unique-local, CGNAT…) only when
 * the operator allows private destinations; `public` always.
 */
export type AddressClass = 'public' | 'private' | 'forbidden';

export interface AddressVerdict {
  address: string;
  class: AddressClass;
  /** What the address is, for the error message ("link-local / cloud metadata"). */
  reason: string;
}

interface Range {
  net: string;
  prefix: number;
  reason: string;
}

const forbiddenV4: Range[] = [
  { net: '169.254.0.0', prefix: 16, reason: 'link-local / cloud metadata' },
  { net: '100.100.100.200', prefix: 32, reason: 'cloud metadata' },
  { net: '192.0.0.192', prefix: 32, reason: 'cloud metadata' },
  { net: '224.0.0.0', prefix: 4, reason: 'multicast' },
  { net: '240.0.0.0', prefix: 4, reason: 'reserved' },
];
const privateV4: Range[] = [
  { net: '127.0.0.0', prefix: 8, reason: 'loopback' },
  { net: '0.0.0.0', prefix: 8, reason: 'this host' },
  { net: '10.0.0.0', prefix: 8, reason: 'private' },
  { net: '172.16.0.0', prefix: 12, reason: 'private' },
  { net: '192.168.0.0', prefix: 16, reason: 'private' },
  { net: '100.64.0.0', prefix: 10, reason: 'shared address space' },
  { net: '192.0.0.0', prefix: 24, reason: 'IETF protocol assignments' },
  { net: '192.0.2.0', prefix: 24, reason: 'documentation' },
  { net: '198.18.0.0', prefix: 15, reason: 'benchmarking' },
  { net: '198.51.100.0', prefix: 24, reason: 'documentation' },
  { net: '203.0.113.0', prefix: 24, reason: 'documentation' },
];
const forbiddenV6: Range[] = [
  { net: 'fe80::', prefix: 10, reason: 'link-local' },
  { net: 'fd00:ec2::254', prefix: 128, reason: 'cloud metadata' },
  { net: 'ff00::', prefix: 8, reason: 'multicast' },
];
const privateV6: Range[] = [
  { net: '::1', prefix: 128, reason: 'loopback' },
  { net: '::', prefix: 128, reason: 'unspecified' },
  { net: 'fc00::', prefix: 7, reason: 'unique local' },
  { net: 'fec0::', prefix: 10, reason: 'site-local' },
  { net: '2001:db8::', prefix: 32, reason: 'documentation' },
  { net: '100::', prefix: 64, reason: 'discard' },
  { net: '2002::', prefix: 16, reason: '6to4' },
  { net: '::', prefix: 96, reason: 'IPv4-compatible' },
];

/** Host names that reach a cloud metadata service without an address literal. */
const metadataHostnames = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'metadata.azure.internal',
  'instance-data',
  'instance-data.ec2.internal',
]);

function blockList(v4: Range[], v6: Range[]): { list: BlockList; ranges: Range[] }[] {
  return [...v4.map((r) => ({ r, family: 'ipv4' as const })), ...v6.map((r) => ({ r, family: 'ipv6' as const }))].map(
    ({ r, family }) => {
      const list = new BlockList();
      list.addSubnet(r.net, r.prefix, family);
      return { list, ranges: [r] };
    },
  );
}

const forbidden = blockList(forbiddenV4, forbiddenV6);
const privateRanges = blockList(privateV4, privateV6);

function match(lists: { list: BlockList; ranges: Range[] }[], address: string, family: 'ipv4' | 'ipv6'): string | null {
  for (const { list, ranges } of lists) if (list.check(address, family)) return ranges[0]!.reason;
  return null;
}

/** The eight 16-bit groups of an IPv6 address (with an embedded dotted quad expanded). */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase().split('%')[0]!;
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = text.slice(0, quad.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const parse = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const zeros = tail === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...new Array<number>(zeros).fill(0), ...right];
}

/** The IPv4 address a NAT64 (64:ff9b::/96) address carries, if it is one. */
function nat64Embedded(address: string): string | null {
  const g = ipv6Groups(address);
  if (g[0] !== 0x64 || g[1] !== 0xff9b || g.slice(2, 6).some((x) => x !== 0)) return null;
  return [g[6]! >> 8, g[6]! & 0xff, g[7]! >> 8, g[7]! & 0xff].join('.');
}

/** Classifies one IP address (v4, v6, v4-mapped v6, NAT64). */
export function classifyAddress(address: string): AddressVerdict {
  const version = isIP(address.split('%')[0]!);
  if (version === 0) return { address, class: 'forbidden', reason: 'not an IP address' };
  if (version === 6) {
    const embedded = nat64Embedded(address);
    if (embedded) return { ...classifyAddress(embedded), address };
  }
  const family = version === 4 ? 'ipv4' : 'ipv6';
  const plain = address.split('%')[0]!;
  const forbiddenReason = match(forbidden, plain, family);
  if (forbiddenReason) return { address, class: 'forbidden', reason: forbiddenReason };
  const privateReason = match(privateRanges, plain, family);
  if (privateReason) return { address, class: 'private', reason: privateReason };
  return { address, class: 'public', reason: 'public' };
}

/** A host name that always means a metadata service, whatever it resolves to. */
export function isMetadataHostname(hostname: string): boolean {
  return metadataHostnames.has(hostname.toLowerCase().replace(/\.$/, ''));
}

/** Whether an address of this class may be contacted under the operator's setting. */
export function isAllowed(verdict: AddressVerdict, allowPrivate: boolean): boolean {
  return verdict.class === 'public' || (verdict.class === 'private' && allowPrivate);
}

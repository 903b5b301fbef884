import { classifyAddress, isAllowed, isMetadataHostname } from '../../src/domain/address-policy';

describe('the webhook address policy', () => {
  it.each([
    ['169.254.169.254', 'link-local / cloud metadata'],
    ['169.254.170.2', 'link-local / cloud metadata'],
    ['100.100.100.200', 'cloud metadata'],
    ['fd00:ec2::254', 'cloud metadata'],
    ['fe80::1', 'link-local'],
    ['::ffff:169.254.169.254', 'link-local / cloud metadata'],
    ['64:ff9b::a9fe:a9fe', 'link-local / cloud metadata'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['ff02::1', 'multicast'],
  ])('always refuses %s (%s)', (address, reason) => {
    const verdict = classifyAddress(address);
    expect(verdict).toEqual({ address, class: 'forbidden', reason });
    expect(isAllowed(verdict, true)).toBe(false);
  });

  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['0.0.0.0', 'this host'],
    ['::', 'unspecified'],
    ['10.0.0.5', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'shared address space'],
    ['fd12:3456::1', 'unique local'],
    ['64:ff9b::a00:1', 'private'],
  ])('refuses %s (%s) unless private addresses are allowed', (address, reason) => {
    const verdict = classifyAddress(address);
    expect(verdict).toEqual({ address, class: 'private', reason });
    expect(isAllowed(verdict, false)).toBe(false);
    expect(isAllowed(verdict, true)).toBe(true);
  });

  it.each(['93.184.215.14', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('allows the public address %s', (address) => {
    expect(isAllowed(classifyAddress(address), false)).toBe(true);
  });

  it('knows the metadata host names, however they are written', () => {
    expect(isMetadataHostname('metadata.google.internal')).toBe(true);
    expect(isMetadataHostname('METADATA.google.internal.')).toBe(true);
    expect(isMetadataHostname('metadata.example.com')).toBe(false);
  });
});

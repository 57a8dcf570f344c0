import { describe, expect, it } from 'vitest';
import { clientIpResolver, parseTrustProxy, type TrustProxy } from '../../src/http/client-ip.js';

const trust = (v: string) => parseTrustProxy(v) as TrustProxy;
const resolve = (mode: string, socket: string | undefined, headers: Record<string, string> = {}) =>
  clientIpResolver(trust(mode))({ socket, header: (n) => headers[n] });

describe('parseTrustProxy', () => {
  it('accepts the four modes', () => {
    expect(parseTrustProxy('none')).toEqual({ mode: 'none' });
    expect(parseTrustProxy('Cloudflare')).toEqual({ mode: 'cloudflare' });
    expect(parseTrustProxy('2')).toEqual({ mode: 'hops', hops: 2 });
    expect(parseTrustProxy('10.0.0.0/8, ::1, fd00::/8')).toEqual({
      mode: 'cidr',
      ranges: ['10.0.0.0/8', '::1', 'fd00::/8'],
    });
  });
  it('rejects anything else with a message', () => {
    for (const bad of ['yes', '10.0.0.0/33', '300.1.1.1', '-1', '100', ',']) {
      expect(typeof parseTrustProxy(bad), bad).toBe('string');
    }
  });
});

describe('clientIpResolver', () => {
  it('reports an IPv4 peer of a dual-stack socket as IPv4', () => {
    expect(resolve('none', '::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(resolve('none', undefined, { 'x-forwarded-for': '192.0.2.1' })).toBeNull();
  });
  it('matches IPv6 ranges and IPv4 ranges against mapped peers', () => {
    const xff = { 'x-forwarded-for': '2001:db8::7, fd00::1' };
    expect(resolve('fd00::/8, ::1', '::1', xff)).toBe('2001:db8::7');
    expect(resolve('127.0.0.0/8', '::ffff:127.0.0.1', { 'x-forwarded-for': '198.51.100.4' })).toBe(
      '198.51.100.4',
    );
  });
  it('never returns a malformed or oversized header value', () => {
    expect(resolve('cloudflare', '127.0.0.1', { 'cf-connecting-ip': 'x'.repeat(100) })).toBe('127.0.0.1');
    expect(resolve('1', '127.0.0.1', { 'x-forwarded-for': '1.2.3.4, not-an-ip' })).toBeNull();
  });
});

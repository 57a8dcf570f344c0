import { describe, expect, it } from 'vitest';
import { webhookRetryDelayMs } from '../../src/modules/webhooks/dispatcher.js';
import {
  checkDestination,
  isPublicAddress,
  MAX_URL_LENGTH,
  parseWebhookUrl,
  UrlRefused,
} from '../../src/modules/webhooks/url-guard.js';

// The SSRF rules and the retry schedule, as pure functions (the integration tests drive them over HTTP).

const refusedWith = (fn: () => unknown, code: string) => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UrlRefused);
    expect((err as UrlRefused).code).toBe(code);
    return;
  }
  throw new Error('not refused');
};

describe('parseWebhookUrl', () => {
  it('accepts http(s) URLs up to 2,000 characters', () => {
    expect(parseWebhookUrl('https://crm.example.com/hooks?x=1').href).toBe(
      'https://crm.example.com/hooks?x=1',
    );
    const long = `https://example.com/${'a'.repeat(MAX_URL_LENGTH - 20)}`;
    expect(long).toHaveLength(MAX_URL_LENGTH);
    expect(parseWebhookUrl(long).href).toBe(long);
  });
  it.each([
    'ftp://example.com/',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'gopher://example.com/',
    '//example.com/x',
    'example.com/x',
    'https://user@example.com/',
    'https://:pw@example.com/',
    'https://example.com/\tx',
    'https://exa mple.com/',
    'https://example.com/\u0085',
    `https://example.com/${'a'.repeat(MAX_URL_LENGTH)}`,
  ])('refuses %s as invalid_url', (url) => refusedWith(() => parseWebhookUrl(url), 'invalid_url'));
});

describe('isPublicAddress', () => {
  it.each(['8.8.8.8', '93.184.216.34', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('%s is public', (a) =>
    expect(isPublicAddress(a)).toBe(true),
  );
  it.each([
    '127.0.0.1',
    '127.1.2.3',
    '10.0.0.1',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.0.1',
    '169.254.169.254',
    '169.254.0.1',
    '100.64.0.1',
    '0.0.0.0',
    '255.255.255.255',
    '224.0.0.1',
    '::1',
    '::',
    'fe80::1',
    'fc00::1',
    'fd00:ec2::254',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:169.254.169.254',
    '::ffff:192.168.1.1',
    '64:ff9b::a00:1',
    '2002:7f00:1::',
    'not an address',
  ])('%s is not', (a) => expect(isPublicAddress(a)).toBe(false));
});

describe('checkDestination', () => {
  const resolve = async (host: string) =>
    ({ 'good.test': ['93.184.216.34'], 'evil.test': ['93.184.216.34', '127.0.0.1'] })[host] ?? [];
  it('returns every address of a name whose addresses are all public', async () => {
    expect(await checkDestination(new URL('https://good.test/x'), resolve, false)).toEqual(['93.184.216.34']);
  });
  it('refuses a name with any private address, an unknown name, localhost, private literals', async () => {
    for (const url of [
      'https://evil.test/',
      'https://nope.test/',
      'http://localhost/',
      'http://a.localhost./',
      'http://[::1]/',
    ]) {
      await expect(checkDestination(new URL(url), resolve, false), url).rejects.toMatchObject({
        code: 'url_not_allowed',
      });
    }
  });
  it('allows private destinations only when told to, and still needs a name to resolve', async () => {
    expect(await checkDestination(new URL('http://127.0.0.1:9/'), resolve, true)).toEqual(['127.0.0.1']);
    expect(await checkDestination(new URL('http://evil.test/'), resolve, true)).toEqual([
      '93.184.216.34',
      '127.0.0.1',
    ]);
    await expect(checkDestination(new URL('http://nope.test/'), resolve, true)).rejects.toMatchObject({
      code: 'url_not_allowed',
    });
  });
});

describe('webhookRetryDelayMs', () => {
  const settings = { retryBaseSeconds: 10, maxRetryDelaySeconds: 3600 };
  it('doubles from the base, capped, jittered into the upper half', () => {
    expect(webhookRetryDelayMs(1, settings, () => 0)).toBe(5_000);
    expect(webhookRetryDelayMs(1, settings, () => 0.999_999_999_9)).toBe(10_000);
    expect(webhookRetryDelayMs(3, settings, () => 0.5)).toBe(30_000);
    expect(webhookRetryDelayMs(20, settings, () => 0)).toBe(1_800_000);
    expect(webhookRetryDelayMs(20, settings, () => 0.999_999_999_9)).toBe(3_600_000);
  });
});

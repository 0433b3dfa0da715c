// Server-side request forgery protection for push receiver URLs (issue 14, "Receiver URLs"): no
// loopback, private or link-local address unless allowed, judged on every resolution, and numeric
// host spellings judged as the address they really are.
import { describe, expect, it } from 'vitest';
import {
  checkReceiverUrl,
  toVettedLookup,
  type ReceiverUrlCheck,
  type ReceiverUrlResolver,
} from '../src/lib/receiver-url.ts';

/** A resolver that answers fixed addresses, and counts how often it was asked. */
function answering(...addresses: string[]): ReceiverUrlResolver & { calls: string[] } {
  const calls: string[] = [];
  const resolve = (hostname: string) => {
    calls.push(hostname);
    return Promise.resolve(addresses);
  };
  return Object.assign(resolve, { calls });
}

const PUBLIC_V4 = '93.184.215.14';
const PUBLIC_V6 = '2606:2800:21f:cb07:6820:80da:af6b:8b2c';

function refusal(check: ReceiverUrlCheck): { code: string; reason: string } {
  if (check.ok) throw new Error(`expected a refusal, got ${JSON.stringify(check.addresses)}`);
  return { code: check.code, reason: check.reason };
}

describe('RFC 8935 §2.1: SETs are pushed over TLS', () => {
  it('accepts an https URL whose host resolves to public addresses, and returns them all', async () => {
    const check = await checkReceiverUrl('https://receiver.example.com/events', {
      resolve: answering(PUBLIC_V4, PUBLIC_V6),
    });
    expect(check).toMatchObject({
      ok: true,
      addresses: [
        { address: PUBLIC_V4, family: 4 },
        { address: PUBLIC_V6, family: 6 },
      ],
    });
    expect(check.ok && check.url.href).toBe('https://receiver.example.com/events');
  });

  it('refuses plain http unless allowHttp is set', async () => {
    const resolve = answering(PUBLIC_V4);
    expect(refusal(await checkReceiverUrl('http://receiver.example.com/', { resolve }))).toEqual({
      code: 'insecure_scheme',
      reason: expect.stringContaining('TLS') as string,
    });
    expect(
      (await checkReceiverUrl('http://receiver.example.com/', { resolve, allowHttp: true })).ok,
    ).toBe(true);
  });

  it('refuses other schemes even with allowHttp', async () => {
    for (const url of [
      'ftp://receiver.example.com/',
      'file:///etc/passwd',
      'ws://receiver.example.com/',
    ])
      expect(refusal(await checkReceiverUrl(url, { allowHttp: true })).code).toBe(
        'insecure_scheme',
      );
  });

  it('refuses a URL that is not absolute', async () => {
    expect(refusal(await checkReceiverUrl('/events')).code).toBe('invalid_url');
  });

  it('refuses credentials in the URL, and does not repeat them in the reason', async () => {
    const { code, reason } = refusal(
      await checkReceiverUrl('https://user:s3cret@receiver.example.com/', {
        resolve: answering(PUBLIC_V4),
      }),
    );
    expect(code).toBe('credentials_in_url');
    expect(reason).not.toContain('s3cret');
  });
});

describe('Receiver URLs: a host resolving to an internal address is refused (SSRF)', () => {
  const internal: Record<string, string> = {
    'loopback 127.0.0.1': '127.0.0.1',
    'loopback 127.255.0.9': '127.255.0.9',
    'cloud metadata 169.254.169.254': '169.254.169.254',
    'RFC 1918 10/8': '10.1.2.3',
    'RFC 1918 172.16/12': '172.31.255.255',
    'RFC 1918 192.168/16': '192.168.0.1',
    'carrier-grade NAT 100.64/10': '100.100.100.200',
    'unspecified 0.0.0.0': '0.0.0.0',
    'multicast 224.0.0.1': '224.0.0.1',
    'broadcast 255.255.255.255': '255.255.255.255',
    'IPv6 loopback ::1': '::1',
    'IPv6 unspecified ::': '::',
    'IPv6 unique local fc00::/7': 'fd00:ec2::254',
    'IPv6 link-local fe80::/10': 'fe80::1',
    'IPv6 link-local with a zone': 'fe80::1%eth0',
    'IPv6 multicast': 'ff02::1',
    'IPv4-mapped loopback ::ffff:127.0.0.1': '::ffff:127.0.0.1',
    'IPv4-mapped metadata in hex ::ffff:a9fe:a9fe': '::ffff:a9fe:a9fe',
    'NAT64 of loopback 64:ff9b::7f00:1': '64:ff9b::7f00:1',
    '6to4 of 10.0.0.1 2002:a00:1::': '2002:a00:1::',
    'IPv4-translated loopback ::ffff:0:7f00:1': '::ffff:0:7f00:1',
    'IPv4-translated metadata ::ffff:0:169.254.169.254': '::ffff:0:169.254.169.254',
    'Teredo 2001::/32': '2001:0:4136:e378:8000:63bf:3fff:fdd2',
  };
  for (const [name, address] of Object.entries(internal))
    it(`refuses a public-looking name resolving to ${name}`, async () => {
      const { code, reason } = refusal(
        await checkReceiverUrl('https://receiver.example.com/events', {
          resolve: answering(address),
        }),
      );
      expect(code).toBe('forbidden_address');
      expect(reason).toContain('receiver.example.com resolves to');
    });

  it('says that 169.254.169.254 is where cloud metadata lives', async () => {
    const { reason } = refusal(
      await checkReceiverUrl('https://metadata.example.com/', {
        resolve: answering('169.254.169.254'),
      }),
    );
    expect(reason).toMatch(/metadata/);
  });

  it('refuses a name when any one of its addresses is internal', async () => {
    const check = await checkReceiverUrl('https://receiver.example.com/', {
      resolve: answering(PUBLIC_V4, '10.0.0.7'),
    });
    expect(refusal(check).reason).toContain('10.0.0.7');
  });

  it('admits the ranges just outside the private ones', async () => {
    for (const address of [
      '172.15.255.255',
      '172.32.0.0',
      '100.63.255.255',
      '100.128.0.0',
      '11.0.0.1',
      'fbff::1',
      '::ffff:93.184.215.14',
    ])
      expect(
        (await checkReceiverUrl('https://receiver.example.com/', { resolve: answering(address) }))
          .ok,
        address,
      ).toBe(true);
  });

  it('refuses the OS resolution of localhost (the default resolver)', async () => {
    expect(refusal(await checkReceiverUrl('https://localhost/events')).code).toBe(
      'forbidden_address',
    );
  });
});

describe('Receiver URLs: the check is repeated on each resolution (DNS rebinding)', () => {
  it('refuses on the second check a name that answered public first and private next', async () => {
    const answers = [[PUBLIC_V4], ['127.0.0.1']];
    const resolve: ReceiverUrlResolver = () => Promise.resolve(answers.shift() ?? []);
    const url = 'https://rebind.example.com/events';
    expect((await checkReceiverUrl(url, { resolve })).ok).toBe(true);
    expect(refusal(await checkReceiverUrl(url, { resolve }))).toEqual({
      code: 'forbidden_address',
      reason: 'rebind.example.com resolves to 127.0.0.1, a loopback address',
    });
  });

  it('hands the connection only the vetted addresses, whatever name it asks for', () => {
    const lookup = toVettedLookup([
      { address: PUBLIC_V4, family: 4 },
      { address: PUBLIC_V6, family: 6 },
    ]);
    const answers: unknown[] = [];
    lookup('rebind.example.com', { all: true }, (error, address) => answers.push(error, address));
    lookup('rebind.example.com', {}, (error, address, family) =>
      answers.push(error, address, family),
    );
    expect(answers).toEqual([
      null,
      [
        { address: PUBLIC_V4, family: 4 },
        { address: PUBLIC_V6, family: 6 },
      ],
      null,
      PUBLIC_V4,
      4,
    ]);
  });
});

describe('Receiver URLs: literal IP hosts, in every spelling the URL parser accepts', () => {
  const literals = [
    'http://127.0.0.1/',
    'http://2130706433/',
    'http://0x7f.1/',
    'http://0177.0.0.1/',
    'http://127.1/',
    'http://0/',
    'http://169.254.169.254/latest/meta-data/',
    'http://0xa9fea9fe/',
    'http://[::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[0:0:0:0:0:ffff:7f00:1]/',
    'http://[::ffff:169.254.169.254]/',
    'http://[::127.0.0.1]/',
    'http://[64:ff9b::169.254.169.254]/',
    'http://[fd00:ec2::254]/',
    'http://[fe80::1]/',
    'http://[::ffff:0:7f00:1]/',
    'http://[2001::7f00:1]/',
  ];
  for (const url of literals)
    it(`refuses ${url} without asking a resolver`, async () => {
      const resolve = answering(PUBLIC_V4);
      expect(refusal(await checkReceiverUrl(url, { allowHttp: true, resolve })).code).toBe(
        'forbidden_address',
      );
      expect(resolve.calls).toEqual([]);
    });

  it('accepts a public literal address, as the address it is', async () => {
    expect(await checkReceiverUrl('https://1572394766/events')).toMatchObject({
      ok: true,
      addresses: [{ address: PUBLIC_V4, family: 4 }],
    });
    expect(await checkReceiverUrl(`https://[${PUBLIC_V6}]/`)).toMatchObject({
      ok: true,
      addresses: [{ address: PUBLIC_V6, family: 6 }],
    });
  });
});

describe('Receiver URLs: allowPrivate, for receivers the operator runs nearby', () => {
  it('admits loopback, private, link-local and carrier-grade NAT addresses', async () => {
    for (const address of [
      '127.0.0.1',
      '10.0.0.1',
      '192.168.1.1',
      '169.254.1.1',
      '100.64.0.1',
      '::1',
      'fd12::1',
    ])
      expect(
        (
          await checkReceiverUrl('https://receiver.internal/', {
            allowPrivate: true,
            resolve: answering(address),
          })
        ).ok,
        address,
      ).toBe(true);
  });

  it('still refuses unspecified, multicast, reserved and Teredo addresses', async () => {
    for (const address of [
      '0.0.0.0',
      '::',
      '224.0.0.1',
      'ff02::1',
      '255.255.255.255',
      '240.0.0.1',
      '2001:0:4136:e378:8000:63bf:3fff:fdd2',
    ])
      expect(
        refusal(
          await checkReceiverUrl('https://receiver.internal/', {
            allowPrivate: true,
            resolve: answering(address),
          }),
        ).code,
        address,
      ).toBe('forbidden_address');
  });
});

describe('Receiver URLs: resolution failures are results, not throws', () => {
  it('reports a name that does not resolve as unresolvable, with the resolver code', async () => {
    const resolve: ReceiverUrlResolver = () =>
      Promise.reject(
        Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.example'), { code: 'ENOTFOUND' }),
      );
    expect(refusal(await checkReceiverUrl('https://nowhere.example/', { resolve }))).toEqual({
      code: 'unresolvable',
      reason: 'nowhere.example could not be resolved (ENOTFOUND)',
    });
  });

  it('reports an empty or nonsensical answer as unresolvable', async () => {
    expect(
      refusal(await checkReceiverUrl('https://a.example/', { resolve: answering() })).code,
    ).toBe('unresolvable');
    expect(
      refusal(
        await checkReceiverUrl('https://a.example/', { resolve: answering('not-an-address') }),
      ).code,
    ).toBe('unresolvable');
  });

  it('gives up on a resolution when the signal aborts', async () => {
    const never: ReceiverUrlResolver = () => new Promise(() => undefined);
    const check = await checkReceiverUrl('https://slow.example/', {
      resolve: never,
      signal: AbortSignal.timeout(20),
    });
    expect(refusal(check).code).toBe('unresolvable');
  });
});

describe('Receiver URLs: cloud metadata services need allowMetadata, even beside allowPrivate', () => {
  const metadata = [
    '169.254.169.254',
    '169.254.170.2',
    '169.254.170.23',
    '100.100.100.200',
    'fd00:ec2::254',
    'fd00:ec2::23',
    '::ffff:169.254.169.254',
    '::ffff:0:169.254.169.254',
  ];

  it('refuses the metadata addresses with allowPrivate, saying why', async () => {
    for (const address of metadata) {
      const { code, reason } = refusal(
        await checkReceiverUrl('https://receiver.internal/', {
          allowPrivate: true,
          resolve: answering(address),
        }),
      );
      expect(code, address).toBe('forbidden_address');
      expect(reason, address).toMatch(/metadata/);
    }
  });

  it('admits them with the explicit allowMetadata', async () => {
    for (const address of metadata)
      expect(
        (
          await checkReceiverUrl('https://receiver.internal/', {
            allowMetadata: true,
            resolve: answering(address),
          })
        ).ok,
        address,
      ).toBe(true);
  });

  it('still admits the rest of link-local and carrier-grade NAT with allowPrivate', async () => {
    for (const address of ['169.254.169.253', '169.254.170.3', '100.100.100.201', 'fd00:ec2::253'])
      expect(
        (
          await checkReceiverUrl('https://receiver.internal/', {
            allowPrivate: true,
            resolve: answering(address),
          })
        ).ok,
        address,
      ).toBe(true);
  });
});

describe('Receiver URLs: allowLoopback, for a receiver on the operator’s own host', () => {
  it('admits loopback in every form', async () => {
    for (const address of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1', '::ffff:0:7f00:1'])
      expect(
        (
          await checkReceiverUrl('http://localhost:8080/events', {
            allowHttp: true,
            allowLoopback: true,
            resolve: answering(address),
          })
        ).ok,
        address,
      ).toBe(true);
  });

  it('admits nothing else of the private ranges, nor metadata', async () => {
    for (const address of ['10.0.0.1', '192.168.1.1', '169.254.1.1', 'fd12::1', '169.254.169.254'])
      expect(
        refusal(
          await checkReceiverUrl('https://receiver.internal/', {
            allowLoopback: true,
            resolve: answering(address),
          }),
        ).code,
        address,
      ).toBe('forbidden_address');
  });
});

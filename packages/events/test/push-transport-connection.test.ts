// Where a push (RFC 8935) connects: the receiver URL is checked against server-side request forgery
// before every delivery, name resolution included, and over TLS the vetted address is dialled while
// the certificate is checked against the URL's name. Receivers are node:http(s) servers on loopback.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createTlsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { pushSet } from '../src/lib/push-transport.ts';
import type { ReceiverUrlResolver } from '../src/lib/receiver-url.ts';
import { SET, loopbackReceivers, reply, toLoopback } from './fixtures/push-receiver.ts';

const { receiver } = loopbackReceivers();

describe('Receiver URLs: checked against SSRF before every delivery', () => {
  it('refuses a public-looking name that resolves to loopback, sending nothing', async () => {
    const { port, seen } = await receiver(reply(202));
    const result = await pushSet(SET, `http://receiver.test:${port}/`, {
      allowHttp: true,
      resolve: toLoopback,
    });
    expect(result).toEqual({
      outcome: 'refused-url',
      code: 'forbidden_address',
      reason: 'receiver.test resolves to 127.0.0.1, a loopback address',
    });
    expect(seen).toHaveLength(0);
  });

  it('refuses a name that resolves to the cloud metadata address, even with allowPrivate', async () => {
    for (const allowPrivate of [false, true]) {
      const result = await pushSet(SET, 'https://receiver.example.com/', {
        allowPrivate,
        resolve: () => Promise.resolve(['169.254.169.254']),
      });
      expect(result).toMatchObject({ outcome: 'refused-url', code: 'forbidden_address' });
    }
  });

  it('delivers to the operator’s own loopback receiver with allowLoopback alone', async () => {
    const { port } = await receiver(reply(202));
    expect(
      await pushSet(SET, `http://receiver.test:${port}/`, {
        allowHttp: true,
        allowLoopback: true,
        resolve: toLoopback,
      }),
    ).toEqual({ outcome: 'delivered', status: 202 });
    expect(
      await pushSet(SET, `http://receiver.test:${port}/`, {
        allowHttp: true,
        allowLoopback: true,
        resolve: () => Promise.resolve(['10.0.0.1']),
      }),
    ).toMatchObject({ outcome: 'refused-url', code: 'forbidden_address' });
  });

  it('refuses literal loopback in any spelling', async () => {
    for (const host of ['127.0.0.1', '2130706433', '0x7f.1', '[::ffff:127.0.0.1]']) {
      const { port, seen } = await receiver(reply(202));
      expect(
        await pushSet(SET, `http://${host}:${port}/`, { allowHttp: true }),
        host,
      ).toMatchObject({
        outcome: 'refused-url',
        code: 'forbidden_address',
      });
      expect(seen).toHaveLength(0);
    }
  });

  it('refuses plain http unless allowed', async () => {
    expect(
      await pushSet(SET, 'http://receiver.example.com/', { resolve: toLoopback }),
    ).toMatchObject({
      outcome: 'refused-url',
      code: 'insecure_scheme',
    });
  });

  it('resolves again on each delivery, and refuses once the name rebinds to a private address', async () => {
    const { port, seen } = await receiver(reply(202));
    // 192.0.2.1 (TEST-NET-1) is public as far as the check goes, and routes nowhere.
    const answers = [['192.0.2.1'], ['127.0.0.1']];
    const resolve: ReceiverUrlResolver = () => Promise.resolve(answers.shift() ?? []);
    const url = `http://rebind.test:${port}/`;
    const first = await pushSet(SET, url, { allowHttp: true, resolve, timeoutMs: 300 });
    expect(first.outcome).toBe('retry');
    expect(await pushSet(SET, url, { allowHttp: true, resolve })).toMatchObject({
      outcome: 'refused-url',
      reason: 'rebind.test resolves to 127.0.0.1, a loopback address',
    });
    expect(seen).toHaveLength(0);
  });

  it('retries a name that does not resolve now, as it may later', async () => {
    const result = await pushSet(SET, 'https://receiver.example.com/', {
      resolve: () =>
        Promise.reject(Object.assign(new Error('queryA EAI_AGAIN'), { code: 'EAI_AGAIN' })),
    });
    expect(result).toEqual({
      outcome: 'retry',
      reason: 'receiver.example.com could not be resolved (EAI_AGAIN)',
    });
  });
});

describe('RFC 8935 §2.1 over TLS: the vetted address is dialled, the name is verified', () => {
  const certificate = makeCertificate('receiver.test');

  it.skipIf(certificate === undefined)(
    'sends SNI for the original name and checks the certificate against it',
    async () => {
      const { key, cert } = certificate ?? { key: '', cert: '' };
      let servername: string | false | null | undefined;
      const tls = createTlsServer({ key, cert });
      const { port, seen } = await receiver((req, res) => {
        servername = (req.socket as TLSSocket).servername;
        reply(202)(req, res);
      }, tls);
      expect(
        await pushSet(SET, `https://receiver.test:${port}/`, {
          allowPrivate: true,
          resolve: toLoopback,
          ca: cert,
        }),
      ).toEqual({ outcome: 'delivered', status: 202 });
      expect(servername).toBe('receiver.test');
      expect(seen[0]?.headers.host).toBe(`receiver.test:${port}`);

      // The same server under another name: the certificate does not match, so nothing is delivered.
      const wrong = await pushSet(SET, `https://other.test:${port}/`, {
        allowPrivate: true,
        resolve: toLoopback,
        ca: cert,
      });
      expect(wrong).toMatchObject({ outcome: 'retry' });
      expect(wrong.outcome === 'retry' && wrong.reason).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
      expect(seen).toHaveLength(1);
    },
  );
});

/** A self-signed certificate for `name`, made with the openssl CLI; undefined where there is none. */
function makeCertificate(name: string): { key: string; cert: string } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'scim-events-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '1',
        '-subj',
        `/CN=${name}`,
        '-addext',
        `subjectAltName=DNS:${name}`,
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

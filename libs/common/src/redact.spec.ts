import { describe, expect, it } from 'vitest';
import { REDACTED, redact, redactString, registerSecret } from './redact';

describe(redactString.name, () => {
  it('should mask serviceKey and API keys in query strings and URLs', () => {
    const url =
      'https://apis.data.go.kr/B551015/API214_1/RaceDetailResult_1?serviceKey=abc%2Bdef%3D%3D&pageNo=1&api_key=zzz';
    const out = redactString(url);
    expect(out).not.toContain('abc%2Bdef');
    expect(out).not.toContain('zzz');
    expect(out).toContain('pageNo=1');
    expect(out).toContain(`serviceKey=${REDACTED}`);
  });

  it('should mask header dumps and bearer tokens', () => {
    const out = redactString(
      'headers: {"x-api-key":"k1secret","authorization":"Bearer t0ken-value","cookie":"a=b; c=d"}',
    );
    for (const secret of ['k1secret', 't0ken-value', 'a=b', 'c=d']) expect(out).not.toContain(secret);
  });

  it('should mask our API keys wherever they appear', () => {
    expect(redactString('key kra_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789 rejected')).toBe(`key ${REDACTED} rejected`);
  });

  it('should mask passwords in connection strings', () => {
    expect(redactString('connect postgres://app:s3cr3t@db:5432/kra failed')).toBe(
      `connect postgres://app:${REDACTED}@db:5432/kra failed`,
    );
  });

  it('should mask registered secrets in raw and percent-encoded form', () => {
    registerSecret('Zq9+/x==Registered');
    const out = redactString(`raw Zq9+/x==Registered encoded ${encodeURIComponent('Zq9+/x==Registered')}`);
    expect(out).toBe(`raw ${REDACTED} encoded ${REDACTED}`);
  });
});

describe(redact.name, () => {
  it('should mask values under secret-looking keys at any depth, case-insensitively', () => {
    const input = {
      headers: { 'X-API-Key': 'one', Authorization: 'two' },
      body: { nested: [{ serviceKey: 'three', ok: 'visible' }] },
    };
    expect(redact(input)).toEqual({
      headers: { 'X-API-Key': REDACTED, Authorization: REDACTED },
      body: { nested: [{ serviceKey: REDACTED, ok: 'visible' }] },
    });
    expect(input.headers['X-API-Key']).toBe('one'); // the original is untouched
  });

  it('should reduce errors to type, message, code and stack, all masked', () => {
    const error = Object.assign(new Error('GET http://kra/x?serviceKey=leak failed'), {
      code: 'ECONNRESET',
      config: { headers: { secret: 'x' } },
    });
    const out = redact(error) as unknown as Record<string, string>;
    expect(Object.keys(out)).toEqual(['type', 'message', 'code', 'stack']);
    expect(out.message).toBe(`GET http://kra/x?serviceKey=${REDACTED} failed`);
    expect(out.stack).not.toContain('leak');
  });

  it('should survive cycles', () => {
    const cyclic: Record<string, unknown> = { name: 'a' };
    cyclic.self = cyclic;
    expect(redact(cyclic)).toEqual({ name: 'a', self: '[Truncated]' });
  });

  it('should copy an object that appears twice without mistaking it for a cycle', () => {
    const shared = { status: 'up' };
    expect(redact({ info: { db: shared }, details: { db: shared } })).toEqual({
      info: { db: shared },
      details: { db: shared },
    });
  });
});

// X-Twilio-Signature verification: Twilio's published example vector, the URL and parameter rules, and the ways a
// forged or replayed request must fail.
import fc from 'fast-check';
import { OmniError } from '../../../src/domain/index.js';
import {
  computeTwilioSignature,
  parseTwilioForm,
  twilioParamsToJson,
  twilioSignatureBase,
  twilioUrlVariants,
  verifyTwilioRequest,
} from '../../../src/transport/channels/twilio-signature.js';
import { AUTH_TOKEN, SMS_TEXT, SMS_URL, signTwilio, twilioRequest, VOICE_URL } from '../../fixtures/twilio/requests.js';

// The worked example in Twilio's "Validating requests" documentation (as twilio-node's and twilio-python's tests
// pin it): auth token 12345, this URL and these POST parameters sign to this value.
const DOC_URL = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const DOC_PARAMS: [string, string][] = [
  ['CallSid', 'CA1234567890ABCDE'],
  ['Caller', '+14158675309'],
  ['Digits', '1234'],
  ['From', '+14158675309'],
  ['To', '+18005551212'],
];
const DOC_SIGNATURE = 'RSOYDt4T1cUTdK1PDd93/VVr8B8=';

function expectOmniError(fn: () => unknown, code: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(OmniError);
  expect((thrown as OmniError).code).toBe(code);
}

describe('Twilio request signature', () => {
  test("reproduces Twilio's documented example signature", () => {
    expect(twilioSignatureBase(DOC_URL, [...DOC_PARAMS].reverse())).toBe(
      'https://mycompany.com/myapp.php?foo=1&bar=2' +
        'CallSidCA1234567890ABCDECaller+14158675309Digits1234From+14158675309To+18005551212',
    );
    expect(computeTwilioSignature('12345', DOC_URL, DOC_PARAMS)).toBe(DOC_SIGNATURE);
  });

  test('accepts the documented request and returns its parameters', () => {
    const body = new URLSearchParams(DOC_PARAMS).toString();
    const request = twilioRequest({ url: DOC_URL, body, authToken: '12345', signature: DOC_SIGNATURE });
    const params = verifyTwilioRequest(request, '12345');
    expect(twilioParamsToJson(params)).toEqual(Object.fromEntries(DOC_PARAMS));
  });

  test('parameter order in the body does not matter: Twilio sorts by name', () => {
    const body = new URLSearchParams([...DOC_PARAMS].reverse()).toString();
    const request = twilioRequest({ url: DOC_URL, body, authToken: '12345', signature: DOC_SIGNATURE });
    expect(() => verifyTwilioRequest(request, '12345')).not.toThrow();
  });

  test('a missing or empty header is INVALID_SIGNATURE', () => {
    expectOmniError(
      () => verifyTwilioRequest(twilioRequest({ url: SMS_URL, body: SMS_TEXT, signature: null }), AUTH_TOKEN),
      'INVALID_SIGNATURE',
    );
    expectOmniError(
      () => verifyTwilioRequest(twilioRequest({ url: SMS_URL, body: SMS_TEXT, signature: '' }), AUTH_TOKEN),
      'INVALID_SIGNATURE',
    );
  });

  test('a wrong token, a garbage header or an altered body is INVALID_SIGNATURE', () => {
    const wrongToken = twilioRequest({ url: SMS_URL, body: SMS_TEXT, authToken: 'another-token' });
    expectOmniError(() => verifyTwilioRequest(wrongToken, AUTH_TOKEN), 'INVALID_SIGNATURE');
    const garbage = twilioRequest({ url: SMS_URL, body: SMS_TEXT, signature: 'not-a-signature' });
    expectOmniError(() => verifyTwilioRequest(garbage, AUTH_TOKEN), 'INVALID_SIGNATURE');
    const signed = twilioRequest({ url: SMS_URL, body: SMS_TEXT });
    const altered = { ...signed, rawBody: Buffer.from(SMS_TEXT.replace('Body=This', 'Body=That')) };
    expectOmniError(() => verifyTwilioRequest(altered, AUTH_TOKEN), 'INVALID_SIGNATURE');
    const added = { ...signed, rawBody: Buffer.from(`${SMS_TEXT}&Extra=1`) };
    expectOmniError(() => verifyTwilioRequest(added, AUTH_TOKEN), 'INVALID_SIGNATURE');
  });

  test('a signature computed for a different public URL fails', () => {
    for (const signedUrl of [
      VOICE_URL,
      'http://cx.example.com/webhooks/twilio/sms',
      'https://evil.example.com/webhooks/twilio/sms',
      `${SMS_URL}?tenant=other`,
      `${SMS_URL}/`,
      'https://cx.example.com:8443/webhooks/twilio/sms',
    ]) {
      const request = twilioRequest({ url: SMS_URL, body: SMS_TEXT, signedUrl });
      expectOmniError(() => verifyTwilioRequest(request, AUTH_TOKEN), 'INVALID_SIGNATURE');
    }
  });

  test('the query string is part of the signed URL', () => {
    const url = `${SMS_URL}?tenant=acme&x=%27`;
    expect(() => verifyTwilioRequest(twilioRequest({ url, body: SMS_TEXT }), AUTH_TOKEN)).not.toThrow();
    const other = twilioRequest({ url, body: SMS_TEXT, signedUrl: `${SMS_URL}?tenant=acme&x=%28` });
    expectOmniError(() => verifyTwilioRequest(other, AUTH_TOKEN), 'INVALID_SIGNATURE');
  });

  test('the default port may or may not be in the signed URL, as Twilio SDKs accept', () => {
    const withPort = 'https://cx.example.com:443/webhooks/twilio/sms';
    expect(twilioUrlVariants(SMS_URL)).toEqual([SMS_URL, withPort]);
    expect(twilioUrlVariants(withPort)).toEqual([withPort, SMS_URL]);
    expect(twilioUrlVariants('http://h.example:80/p?q=1')).toEqual([
      'http://h.example:80/p?q=1',
      'http://h.example/p?q=1',
    ]);
    expect(twilioUrlVariants('https://[::1]/p')).toEqual(['https://[::1]/p', 'https://[::1]:443/p']);
    expect(twilioUrlVariants('https://h.example:8443/p')).toEqual(['https://h.example:8443/p']);
    expect(() =>
      verifyTwilioRequest(twilioRequest({ url: SMS_URL, body: SMS_TEXT, signedUrl: withPort }), AUTH_TOKEN),
    ).not.toThrow();
    expect(() =>
      verifyTwilioRequest(twilioRequest({ url: withPort, body: SMS_TEXT, signedUrl: SMS_URL }), AUTH_TOKEN),
    ).not.toThrow();
  });

  test('repeated parameters: each value in the order sent, or sorted as the SDKs sign them', () => {
    const params: [string, string][] = [
      ['To', '+15555550100'],
      ['Tag', 'b'],
      ['Tag', 'a'],
      ['Tag', 'b'],
    ];
    const body = new URLSearchParams(params).toString();
    const inOrder = computeTwilioSignature(AUTH_TOKEN, SMS_URL, params);
    expect(twilioSignatureBase(SMS_URL, params)).toBe(`${SMS_URL}TagbTagaTagbTo+15555550100`);
    expect(() =>
      verifyTwilioRequest(twilioRequest({ url: SMS_URL, body, signature: inOrder }), AUTH_TOKEN),
    ).not.toThrow();
    const sdkStyle = computeTwilioSignature(AUTH_TOKEN, SMS_URL, [
      ['Tag', 'a'],
      ['Tag', 'b'],
      ['To', '+15555550100'],
    ]);
    expect(() =>
      verifyTwilioRequest(twilioRequest({ url: SMS_URL, body, signature: sdkStyle }), AUTH_TOKEN),
    ).not.toThrow();
    const params2 = verifyTwilioRequest(twilioRequest({ url: SMS_URL, body, signature: inOrder }), AUTH_TOKEN);
    expect(twilioParamsToJson(params2)).toEqual({ To: '+15555550100', Tag: ['b', 'a', 'b'] });
  });

  test('a GET request signs only the URL (its parameters are in the query string)', () => {
    const url = `${SMS_URL}?MessageSid=SM1&Body=hi`;
    const request = {
      ...twilioRequest({ url, body: '', signature: signTwilio(AUTH_TOKEN, url, []) }),
      method: 'GET' as const,
    };
    expect([...verifyTwilioRequest(request, AUTH_TOKEN)]).toEqual([]);
  });

  test('form bodies decode "+" and percent escapes, including UTF-8', () => {
    const params = parseTwilioForm(Buffer.from('Body=Ol%C3%A1+mundo%21+%F0%9F%98%80&Plus=%2B1&Empty='));
    expect(twilioParamsToJson(params)).toEqual({ Body: 'Olá mundo! 😀', Plus: '+1', Empty: '' });
  });

  test('any signed form verifies, and fails once signed for another URL or with one value changed', () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 20 });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,12}$/), text), { maxLength: 8 }),
        fc.webPath(),
        fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 8 }),
        (params, path, change) => {
          const url = `https://cx.example.com${path}`;
          const body = new URLSearchParams(params).toString();
          const parsed = [...new URLSearchParams(body)];
          expect(() => verifyTwilioRequest(twilioRequest({ url, body }), AUTH_TOKEN)).not.toThrow();
          const replayed = twilioRequest({ url: `${url}x`, body, signature: signTwilio(AUTH_TOKEN, url, parsed) });
          expectOmniError(() => verifyTwilioRequest(replayed, AUTH_TOKEN), 'INVALID_SIGNATURE');
          if (parsed.length > 0) {
            const tampered = parsed.map(([k, v], i): [string, string] => (i === 0 ? [k, v + change] : [k, v]));
            const request = twilioRequest({
              url,
              body: new URLSearchParams(tampered).toString(),
              signature: signTwilio(AUTH_TOKEN, url, parsed),
            });
            expectOmniError(() => verifyTwilioRequest(request, AUTH_TOKEN), 'INVALID_SIGNATURE');
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

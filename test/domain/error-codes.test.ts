// The error-code list in the code, its HTTP statuses, and the table in docs/api.md must agree.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ERROR_CODES, OmniError } from '../../src/domain/index.js';

const doc = readFileSync(path.join(__dirname, '..', '..', 'docs', 'api.md'), 'utf8');
const table = doc.slice(doc.indexOf('<!-- error-codes:start -->'), doc.indexOf('<!-- error-codes:end -->'));
const documented = new Map([...table.matchAll(/^\| `([A-Z_]+)`\s*\| (\d{3})\s*\|/gm)].map((m) => [m[1], Number(m[2])]));

test('every error code is documented with its status, and nothing else is', () => {
  expect(Object.fromEntries(documented)).toEqual(ERROR_CODES);
});

test('typed errors survive the thread boundary', () => {
  const original = new OmniError('CONVERSATION_NOT_FOUND', 'gone', { id: 'cnv_x' });
  const rebuilt = OmniError.fromWire(JSON.parse(JSON.stringify(original.toWire())));
  expect(rebuilt).toBeInstanceOf(OmniError);
  expect([rebuilt.code, rebuilt.message, rebuilt.httpStatus, rebuilt.details]).toEqual([
    'CONVERSATION_NOT_FOUND',
    'gone',
    404,
    { id: 'cnv_x' },
  ]);
  expect(OmniError.fromWire({ name: 'OmniError', code: 'NO_SUCH' as never, message: 'm' }).code).toBe('INTERNAL');
  expect(OmniError.from(new Error('boom')).code).toBe('INTERNAL');
});

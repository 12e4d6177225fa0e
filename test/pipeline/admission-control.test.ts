// AdmissionControl on its own: slots are taken and given back (also when the work fails), and refusals are typed
// OVERLOADED (503, retryable) with their reason.
import { OmniError } from '../../src/domain/index.js';
import { AdmissionControl } from '../../src/pipeline/index.js';

test('past maxInFlight the next message is refused with OVERLOADED; slots come back when work ends or fails', async () => {
  const admission = new AdmissionControl({ maxInFlight: 2 });
  const reasons: string[] = [];
  admission.onRefused((reason) => reasons.push(reason));
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const a = admission.run(() => gate);
  const b = admission.run(() => gate);
  const refused = await admission.run(() => Promise.resolve()).catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(OmniError);
  expect(refused).toMatchObject({ code: 'OVERLOADED', httpStatus: 503, retryable: true });
  expect(reasons).toEqual(['in_flight']);
  release();
  await Promise.all([a, b]);
  await expect(admission.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  expect(admission.stats).toEqual({ inFlight: 0, refused: { in_flight: 1 } });
});

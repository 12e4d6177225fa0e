// AdmissionControl on its own: slots are taken and given back (also when the work fails), refusals are typed
// OVERLOADED (503, retryable) with the reason, and commits in flight count toward the analysis backlog.
import { OmniError } from '../../src/domain/index.js';
import { AdmissionControl } from '../../src/pipeline/index.js';

test('past maxInFlight the next message is refused with OVERLOADED; slots come back when work ends or fails', async () => {
  const admission = new AdmissionControl({ maxInFlight: 2, maxAnalysisBacklog: 100, analysisBacklog: () => 0 });
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
  expect(admission.stats).toEqual({ inFlight: 0, refused: { in_flight: 1, analysis_backlog: 0 } });
});

test('commits in flight count toward the analysis backlog', async () => {
  let backlog = 3;
  const admission = new AdmissionControl({ maxInFlight: 100, maxAnalysisBacklog: 5, analysisBacklog: () => backlog });
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const first = admission.run(() => gate);
  const second = admission.run(() => gate); // 3 waiting + 1 in flight = 4 < 5
  await expect(admission.run(() => gate)).rejects.toMatchObject({ code: 'OVERLOADED' }); // 3 + 2 = 5
  release();
  await Promise.all([first, second]);
  backlog = 0;
  await expect(admission.run(() => Promise.resolve('ok'))).resolves.toBe('ok');
  expect(admission.stats.refused.analysis_backlog).toBe(1);
});

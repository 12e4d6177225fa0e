/**
 * @jest-environment ./test/helpers/onnx-environment.js
 */
// Custom intents from configuration (Requirement 14.4): a handful of examples per intent, learned at start-up in
// TypeScript as a nearest-centroid head over the project's sentence encoder, inside the real inference pool.
import pino from 'pino';
import { DEFAULT_MODELS_DIR } from '../../src/config/index.js';
import { CustomIntentHead } from '../../src/inference/custom-intents.js';
import { InferencePool } from '../../src/inference/index.js';

const unit = (values: number[]) => {
  const norm = Math.hypot(...values);
  return Float32Array.from(values.map((v) => v / norm));
};

test('the head learns a prototype and a leave-one-out threshold per intent; weak matches are not accepted', () => {
  const head = CustomIntentHead.fit(
    [
      { name: 'a', examples: ['1', '2', '3'] },
      { name: 'b', examples: ['4', '5', '6'] },
    ],
    [
      [unit([1, 0.1, 0]), unit([1, -0.1, 0]), unit([1, 0, 0.1])],
      [unit([0, 1, 0.1]), unit([0.1, 1, 0]), unit([0, 1, -0.1])],
    ],
  );
  expect(head.intents).toEqual(['a', 'b']);
  for (const t of Object.values(head.thresholds())) {
    expect(t).toBeGreaterThanOrEqual(0.45);
    expect(t).toBeLessThanOrEqual(0.85);
  }
  const a = head.match(unit([1, 0.05, 0]));
  expect(a).toMatchObject({ intent: 'a', accepted: true });
  expect(a?.confidence).toBeGreaterThan(0.5);
  expect(head.match(unit([0, 0, 1]))?.accepted).toBe(false);
  expect(() => CustomIntentHead.fit([{ name: 'c', examples: ['x'] }], [[unit([1, 0, 0])]])).toThrow(/at least 2/);
});

test('configured intents are recognised by the pool; other messages keep the default model', async () => {
  const pool = new InferencePool({
    modelsDir: DEFAULT_MODELS_DIR,
    logger: pino({ level: 'silent' }),
    customIntents: [
      {
        name: 'warranty_claim',
        examples: [
          'my product broke and it is still under warranty',
          'I want to make a warranty claim',
          'is this repair covered by the warranty?',
          'warranty replacement for my broken headphones',
          'how do I claim the guarantee on my laptop',
        ],
      },
      {
        name: 'store_hours',
        examples: [
          'what time does your store open?',
          'are you open on sundays',
          'opening hours of the shop',
          'when do you close today',
        ],
      },
    ],
  });
  await pool.start();
  try {
    const warranty = await pool.analyze('can I claim warranty for my broken phone?');
    expect(warranty.intent.label).toBe('warranty_claim');
    expect(warranty.customIntent?.accepted).toBe(true);
    const hours = await pool.analyze('what are your opening hours on saturday');
    expect(hours.intent.label).toBe('store_hours');
    const other = await pool.analyze('I forgot my password and cannot log in');
    expect(other.customIntent?.accepted).toBe(false);
    expect(other.intent.label).toBe('recover_password');
  } finally {
    await pool.close();
  }
});

// Warms an inference worker up before it reports ready: a cold worker's first analysis takes ≈ 250 ms
// (onnxruntime's first run of the session ≈ 150 ms, chrono-node's first parse ≈ 45 ms, the language detector's
// first call ≈ 17 ms), and the next few hundred texts run 2-5× slower than later ones while V8 compiles the
// hashing, language and entity code. Without a warm-up the first customers after a start, a model reload or a
// worker restart pay that (the end-to-end bench's first second: offers at p50 262 ms, p99 461 ms). The texts are
// synthetic customer messages (entities, dates, several languages, several clauses) and the project's own training
// examples (`<modelsDir>/*/own-examples.csv`) when the models folder has them; nothing is stored or sent anywhere.
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import type { AnalysisItem, TextAnalysis } from './inference-protocol.js';
import { readLabelledCsv } from './training/csv-reader.js';

/** What the warm-up needs of an analyzer (TextAnalyzer, or a stand-in in a unit test). */
export interface WarmUpTarget {
  analyzeItems(items: AnalysisItem[]): Promise<TextAnalysis[]>;
}

export interface WarmUpResult {
  texts: number;
  batches: number;
  ms: number;
}

/** Messages that take every path of the analysis: clauses, ids, money, dates, e-mail, phone, other scripts. */
const BUILT_IN = [
  'where is my order 4711? it was due yesterday',
  'I was charged twice for my subscription, please refund $9.99',
  'can I talk to a human please, this bot is useless',
  'how do I reset my password',
  'thanks, that fixed it!',
  'my invoice INV-20931 shows €45,50 but I paid 40 euros',
  'please call me back on +44 20 7946 0958 tomorrow at 5pm',
  'send the receipt to jane.doe@example.com and also cancel order A-99812',
  'the app keeps crashing when I open it, and I cannot log in since Monday',
  'I want to change my delivery address before Friday, but the page will not load',
  'I have been waiting for 3 weeks!!! this is unacceptable',
  'hello, good morning',
  'my card was declined at the shop on 12/03 for £120',
  'next week I will travel, can you pause my plan for a month?',
  'Hola, mi pedido no ha llegado todavía y necesito ayuda',
  'Bonjour, je voudrais annuler ma commande et être remboursé',
  'Guten Tag, meine Rechnung ist falsch, bitte korrigieren',
  'Olá, não consigo acessar minha conta desde ontem',
  'Ciao, vorrei parlare con un operatore per favore',
  'Здравствуйте, мой заказ задерживается уже две недели',
  '注文した商品がまだ届きません',
  'مرحبا، أريد استرداد أموالي',
  '😡😡😡',
  'ok',
  'I ordered the blue kettle on the 3rd of May, tracking number 1Z999AA10123456784, and it arrived broken. ' +
    'I would like a replacement or a refund of 59.90 dollars. Also, your courier was rude. ' +
    'Please get back to me by the end of the week.',
];

/** The texts of a `text,label` CSV (the trainer's reader); none when the file is missing or not such a CSV. */
function csvTexts(file: string): string[] {
  try {
    return readLabelledCsv(file).texts.filter((text) => text.trim() !== '');
  } catch {
    return [];
  }
}

/** The warm-up texts: the built-in messages and every `own-examples.csv` under the models folder. */
export function warmUpTexts(modelsDir: string): string[] {
  const texts = [...BUILT_IN];
  if (!existsSync(modelsDir)) return texts;
  for (const entry of readdirSync(modelsDir, { withFileTypes: true })) {
    if (entry.isDirectory()) texts.push(...csvTexts(path.join(modelsDir, entry.name, 'own-examples.csv')));
  }
  return texts;
}

/** Batch sizes cycled through, so onnxruntime sees the shapes live traffic sends (one text to a full batch). */
const BATCH_SIZES = [1, 8, 3, 32, 16, 64, 2, 24];

/** Analyses `count` texts (cycling through `texts`) in batches of mixed sizes; results are discarded. */
export async function warmUp(target: WarmUpTarget, texts: readonly string[], count: number): Promise<WarmUpResult> {
  const started = performance.now();
  let done = 0;
  let batches = 0;
  if (texts.length === 0) return { texts: 0, batches: 0, ms: 0 };
  while (done < count) {
    const size = Math.min(BATCH_SIZES[batches % BATCH_SIZES.length] as number, count - done);
    const at = Date.now();
    const items = Array.from({ length: size }, (_, k) => ({ text: texts[(done + k) % texts.length] as string, at }));
    await target.analyzeItems(items);
    done += size;
    batches++;
  }
  return { texts: done, batches, ms: performance.now() - started };
}

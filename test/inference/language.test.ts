// Language identification of customer messages: common languages of a contact centre, and "undetermined" for text
// too short or too bare to tell.
import { detectLanguage, loadLanguageDetector } from '../../src/inference/text-analyzer.js';

beforeAll(() => loadLanguageDetector());

test.each([
  ['Where is my order? It still has not arrived and I need it by Friday.', 'en'],
  ['Mi pedido no ha llegado todavía, ¿me pueden ayudar por favor?', 'es'],
  ['Wo ist meine Bestellung? Sie ist immer noch nicht angekommen.', 'de'],
  ['Ma commande n’est toujours pas arrivée, pouvez-vous m’aider ?', 'fr'],
  ['Meu pedido ainda não chegou, podem me ajudar por favor?', 'pt'],
])('%s → %s', (text, code) => {
  expect(detectLanguage(text)).toBe(code);
});

test('too short or symbol-only text is undetermined', () => {
  for (const text of ['', 'ok', '👍👍', '   ']) expect(detectLanguage(text)).toBe('und');
});

// Runs both default models on a batch: intent (with its out-of-scope rule) and sentiment, whose score in [-1, 1] is
// p(positive) - p(negative) (Requirement 3.1), with the label from the model's argmax.
import * as path from 'node:path';
import type { TextAnalysis } from './inference-protocol.js';
import { OnnxTextClassifier } from './onnx-text-classifier.js';

export class TextAnalyzer {
  private constructor(
    private readonly intent: OnnxTextClassifier,
    private readonly sentiment: OnnxTextClassifier,
  ) {}

  static async load(modelsDir: string, intraOpNumThreads = 1): Promise<TextAnalyzer> {
    const [intent, sentiment] = await Promise.all([
      OnnxTextClassifier.load(path.join(modelsDir, 'intent'), { intraOpNumThreads }),
      OnnxTextClassifier.load(path.join(modelsDir, 'sentiment'), { intraOpNumThreads }),
    ]);
    return new TextAnalyzer(intent, sentiment);
  }

  get models(): Record<string, string> {
    return { intent: this.intent.manifest.name, sentiment: this.sentiment.manifest.name };
  }

  async analyze(texts: string[]): Promise<TextAnalysis[]> {
    const [intents, sentiments] = await Promise.all([this.intent.classify(texts), this.sentiment.classify(texts)]);
    return texts.map((_, i) => {
      const intent = intents[i]!;
      const sentiment = sentiments[i]!;
      const p = (label: string) => sentiment.ranking.find((r) => r.label === label)?.probability ?? 0;
      return {
        intent: {
          label: intent.label,
          confidence: intent.confidence,
          outOfScope: intent.outOfScope,
          ranking: intent.ranking.slice(0, 5),
        },
        sentiment: {
          label: sentiment.label as TextAnalysis['sentiment']['label'],
          score: Math.max(-1, Math.min(1, p('positive') - p('negative'))),
          confidence: sentiment.confidence,
        },
      };
    });
  }

  async close(): Promise<void> {
    await Promise.all([this.intent.close(), this.sentiment.close()]);
  }
}

// Messages whose analysis failed too many times (e.g. a poison message that crashes the inference worker each time):
// moved out of the analysis-due index, in the same transaction, so they stop tripping the circuit for everyone, and
// kept here with the last error until an operator replays them (GET /v1/dead-letters, POST …/:id/replay).
// Key: [tenant, deadLetterId]. The message itself stays stored and routed; only its analysis is parked.
import type { Database, Key } from 'lmdb';
import type { ConversationId, CustomerId, TenantId } from '../domain/index.js';
import type { AnalysisDueValue } from './analysis-due-index.js';

export interface DeadLetter {
  id: string;
  tenant: TenantId;
  /** The step that failed. */
  step: 'analysis';
  conversationId: ConversationId;
  customerId: CustomerId;
  seq: number;
  attempts: number;
  lastError: { code: string; message: string };
  storedAt: number;
  deadAt: number;
}

export class DeadLetterStore {
  constructor(
    private readonly db: Database<unknown, Key>,
    private readonly due: Database<unknown, Key>,
  ) {}

  /** Moves a waiting message from the analysis-due index to the dead letters, atomically. */
  bury(letter: DeadLetter): Promise<boolean> {
    return this.db.transaction(() => {
      void this.due.remove([letter.tenant, letter.conversationId, letter.seq]);
      void this.db.put([letter.tenant, letter.id], letter);
      return true;
    });
  }

  list(tenant: TenantId, limit = 100): DeadLetter[] {
    const out: DeadLetter[] = [];
    for (const { value } of this.db.getRange({ start: [tenant], end: [tenant, '\uffff'], limit })) {
      out.push(value as DeadLetter);
    }
    return out;
  }

  get(tenant: TenantId, id: string): DeadLetter | undefined {
    return this.db.get([tenant, id]) as DeadLetter | undefined;
  }

  /** Puts a dead letter back into the analysis-due index (attempts reset), atomically. */
  revive(letter: DeadLetter): Promise<boolean> {
    const value: AnalysisDueValue = { customerId: letter.customerId, at: letter.storedAt, attempts: 0 };
    return this.db.transaction(() => {
      void this.db.remove([letter.tenant, letter.id]);
      void this.due.put([letter.tenant, letter.conversationId, letter.seq], value);
      return true;
    });
  }

  get size(): number {
    return this.db.getCount();
  }
}

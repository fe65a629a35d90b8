import type { Sentiment } from "#shared/core/mention";
import type { DailyBudget, SentimentCache } from "#shared/core/ports";

/** SentimentCache in a Map: for tests and the offline runtime (DynamoDB's is in shared/store). */
export class InMemorySentimentCache implements SentimentCache {
  readonly entries = new Map<string, Sentiment>();

  async getMany(hashes: readonly string[]): Promise<Map<string, Sentiment>> {
    const found = new Map<string, Sentiment>();
    for (const hash of hashes) {
      const sentiment = this.entries.get(hash);
      if (sentiment !== undefined) found.set(hash, sentiment);
    }
    return found;
  }

  async putMany(entries: ReadonlyMap<string, Sentiment>): Promise<void> {
    for (const [hash, sentiment] of entries) this.entries.set(hash, sentiment);
  }
}

/** DailyBudget with a fixed allowance per UTC day: for tests and the offline runtime. */
export class InMemoryDailyBudget implements DailyBudget {
  private day = "";
  private usedToday = 0;

  constructor(
    private readonly limitPerDay: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get used(): number {
    this.rollOver();
    return this.usedToday;
  }

  async reserve(units: number): Promise<number> {
    this.rollOver();
    const grant = Math.max(0, Math.min(units, this.limitPerDay - this.usedToday));
    this.usedToday += grant;
    return grant;
  }

  private rollOver(): void {
    const today = this.now().toISOString().slice(0, 10);
    if (today !== this.day) {
      this.day = today;
      this.usedToday = 0;
    }
  }
}

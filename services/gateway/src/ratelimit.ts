// Per-principal token buckets: one for requests, one for tokens, each refilled continuously at
// its per-minute rate with a burst of one minute's worth. Token cost is reserved up front
// (prompt estimate + max_tokens) and settled to the real usage afterwards, so a principal cannot
// start many long generations at once. State is per replica: with N replicas a principal gets up
// to N times the configured rate (the README says how to size it).

export interface RateDecision {
  allowed: boolean;
  /** Seconds until the request could succeed (for Retry-After). */
  retryAfterSeconds: number;
  limit?: "requests" | "tokens";
}

class Bucket {
  constructor(
    public level: number,
    public updated: number,
  ) {}

  refill(capacity: number, perMs: number, now: number): void {
    this.level = Math.min(capacity, this.level + (now - this.updated) * perMs);
    this.updated = now;
  }
}

interface Entry {
  requests: Bucket;
  tokens: Bucket;
  lastSeen: number;
}

export class RateLimiter {
  private readonly entries = new Map<string, Entry>();
  private lastSweep = 0;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 100_000,
  ) {}

  private entry(key: string, rpm: number, tpm: number, now: number): Entry {
    let e = this.entries.get(key);
    if (!e) {
      if (this.entries.size >= this.maxEntries) this.sweep(now, true);
      e = { requests: new Bucket(rpm, now), tokens: new Bucket(tpm, now), lastSeen: now };
      this.entries.set(key, e);
    }
    e.requests.refill(rpm, rpm / 60_000, now);
    e.tokens.refill(tpm, tpm / 60_000, now);
    e.lastSeen = now;
    if (now - this.lastSweep > 60_000) this.sweep(now, false);
    return e;
  }

  /** Takes one request from the principal's request bucket. */
  takeRequest(key: string, rpm: number, tpm: number): RateDecision {
    const now = this.now();
    const e = this.entry(key, rpm, tpm, now);
    if (e.requests.level >= 1) {
      e.requests.level -= 1;
      return { allowed: true, retryAfterSeconds: 0 };
    }
    return { allowed: false, limit: "requests", retryAfterSeconds: Math.max(1, Math.ceil((1 - e.requests.level) / (rpm / 60))) };
  }

  /** Reserves `cost` tokens (capped at one minute's worth, so any request can eventually pass). */
  reserveTokens(key: string, rpm: number, tpm: number, cost: number): RateDecision & { reserved: number } {
    const now = this.now();
    const e = this.entry(key, rpm, tpm, now);
    const need = Math.min(cost, tpm);
    if (e.tokens.level >= need) {
      e.tokens.level -= need;
      return { allowed: true, retryAfterSeconds: 0, reserved: need };
    }
    return {
      allowed: false,
      limit: "tokens",
      retryAfterSeconds: Math.max(1, Math.ceil((need - e.tokens.level) / (tpm / 60))),
      reserved: 0,
    };
  }

  /** Returns over-reserved tokens (or takes more) once the real usage is known. */
  settleTokens(key: string, tpm: number, reserved: number, actual: number): void {
    const e = this.entries.get(key);
    if (!e) return;
    e.tokens.level = Math.min(tpm, e.tokens.level + reserved - actual);
  }

  /** Gives back a request slot for a request the gateway itself refused before any work. */
  refundRequest(key: string, rpm: number): void {
    const e = this.entries.get(key);
    if (e) e.requests.level = Math.min(rpm, e.requests.level + 1);
  }

  get size(): number {
    return this.entries.size;
  }

  private sweep(now: number, force: boolean): void {
    this.lastSweep = now;
    // A principal idle for over a minute has full buckets again: forgetting it changes nothing.
    for (const [k, e] of this.entries) if (now - e.lastSeen > 60_000) this.entries.delete(k);
    if (force && this.entries.size >= this.maxEntries) {
      const oldest = [...this.entries].sort((a, b) => a[1].lastSeen - b[1].lastSeen).slice(0, Math.ceil(this.maxEntries / 10));
      for (const [k] of oldest) this.entries.delete(k);
    }
  }
}

// Whether the Slack set-up checks (preflight.ts) have passed, for /readyz and
// for Bolt's authorisation. The first check runs before the bot serves: the
// caller stops the start on a refusal. A Slack that cannot be reached does not
// stop it: the bot serves, /readyz says why it is not ready, and the check is
// retried with exponential backoff until it passes. A refusal met on a retry
// (the token revoked meanwhile, the bot removed from the channel) keeps the bot
// not ready and is logged as an error at every attempt: inviting the bot, say,
// makes it ready without a restart.

import type { Logger } from '../ports/logger.js';
import type { PreflightResult, SlackIdentity } from './preflight.js';

export interface Backoff {
  firstMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { firstMs: 1000, maxMs: 60_000 };

export class SlackSetupWatch {
  private checked: SlackIdentity | undefined;
  private reason = 'the Slack checks have not run yet';
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly check: () => Promise<PreflightResult>,
    private readonly logger: Logger,
    private readonly backoff: Backoff = DEFAULT_BACKOFF,
    private readonly random: () => number = Math.random,
  ) {}

  /** Runs the first check. A refusal is returned for the caller to stop the start; no answer starts the retries. */
  async start(): Promise<PreflightResult> {
    const result = await this.check();
    if (result.kind === 'refused') this.reason = result.message;
    else this.settle(result);
    return result;
  }

  /** Who the token speaks as, once auth.test has answered. */
  identity(): SlackIdentity | undefined {
    return this.checked;
  }

  /** `ok`, or why this replica is not ready (for /readyz). */
  status(): string {
    return this.reason === '' ? 'ok' : this.reason;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private settle(result: PreflightResult): void {
    if (result.kind === 'ok') {
      this.checked = result.identity;
      if (this.failures > 0) this.logger.info(`Slack set-up checked after ${this.failures + 1} attempts: the bot is ready`);
      this.reason = '';
      this.failures = 0;
      return;
    }
    this.failures += 1;
    const delayMs = this.nextDelay();
    const retry = `not ready; checking again in ${Math.round(delayMs / 1000)}s`;
    this.reason = `${result.message}; ${retry}`;
    if (result.kind === 'refused') this.logger.error(`${result.message} (${retry})`);
    else this.logger.warn(`${result.message} (${retry})`);
    this.timer = setTimeout(() => void this.retry(), delayMs);
    this.timer.unref();
  }

  private async retry(): Promise<void> {
    if (this.stopped) return;
    const result = await this.check().catch((error: unknown): PreflightResult => ({ kind: 'unreachable', message: String(error) }));
    if (!this.stopped) this.settle(result);
  }

  /** Doubling from firstMs up to maxMs, each with ±20% jitter so replicas restarted together do not retry in step. */
  private nextDelay(): number {
    const base = Math.min(this.backoff.maxMs, this.backoff.firstMs * 2 ** (this.failures - 1));
    return Math.round(base * (0.8 + 0.4 * this.random()));
  }
}

// The event stream's Prometheus series: each sink's lag and its dead letters,
// as a scrape renders them.

import { describe, expect, it } from 'vitest';
import { JitMetrics } from '../../src/metrics/metrics.js';
import { silentLogger } from '../../src/ports/logger.js';

describe('event stream metrics', () => {
  it('lagAndDeadLetters_areRenderedPerSink', async () => {
    const metrics = new JitMetrics({
      openGrants: async () => 0,
      backlog: async () => ({ pending: 0, oldestAt: undefined }),
      now: () => 0,
      logger: silentLogger,
    });
    metrics.streamLag('webhook', 7);
    metrics.streamLag('syslog', 0);
    metrics.streamLag('webhook', 3);
    metrics.streamDeadLettered('webhook');
    metrics.streamDeadLettered('webhook');
    const { body } = await metrics.render();
    expect(body).toContain('jit_event_stream_lag_events{sink="webhook"} 3');
    expect(body).toContain('jit_event_stream_lag_events{sink="syslog"} 0');
    expect(body).toContain('jit_event_stream_dead_letters_total{sink="webhook"} 2');
    expect(body).not.toContain('jit_event_stream_dead_letters_total{sink="syslog"}');
  });
});

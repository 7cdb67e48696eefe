// The webhook sink over real HTTPS on loopback: a fake receiver with a
// self-signed certificate trusted only through the sink's CA, checking the
// HMAC header as a real receiver would.

import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SinkError, streamEvent, streamJson } from '../../src/domain/event-stream.js';
import { ManualClock } from '../../src/ports/clock.js';
import { WebhookSink } from '../../src/events/webhook.js';
import { makeSelfSignedCertificate } from '../support/fake-arm-cert.js';
import { type FakeWebhook, startFakeWebhook } from '../support/fake-webhook.js';
import { chainRows, T0 } from './support.js';

const SECRET = 'webhook-secret-0123456789abcdef0123';

describe('webhook sink', () => {
  let fake: FakeWebhook | undefined;
  const sinks: WebhookSink[] = [];
  afterEach(async () => {
    for (const sink of sinks.splice(0)) await sink.close();
    await fake?.close();
    fake = undefined;
  });

  function sinkFor(url: string, options: { ca?: string; secret?: string; timeoutMs?: number } = {}): WebhookSink {
    const sink = new WebhookSink({ url, secret: options.secret ?? SECRET, clock: new ManualClock(T0 + 5000), ...options });
    sinks.push(sink);
    return sink;
  }

  it('deliver_postsTheEnvelopeSigned_andTheReceiverVerifiesIt', async () => {
    fake = await startFakeWebhook(SECRET);
    const sink = sinkFor(fake.url, { ca: fake.ca });
    const events = chainRows(3).map(streamEvent);
    for (const event of events) await sink.deliver(event);
    expect(fake.posts.map((post) => post.signatureValid)).toEqual([true, true, true]);
    expect(fake.accepted()).toEqual(events);
    const first = fake.posts[0]!;
    expect(first.body).toBe(streamJson(events[0]!));
    expect(first.headers['content-type']).toBe('application/json');
    expect(first.headers['x-jit-event-id']).toBe(events[0]!.id);
    expect(first.headers['x-jit-timestamp']).toBe(String(Math.floor((T0 + 5000) / 1000)));
  });

  it('wrongSecret_isRejectedByTheReceiver_andTheDeliveryFails', async () => {
    fake = await startFakeWebhook(SECRET);
    const sink = sinkFor(fake.url, { ca: fake.ca, secret: 'another-secret-0123456789abcdef0123' });
    await expect(sink.deliver(streamEvent(chainRows(1)[0]!))).rejects.toThrow(/HTTP 400/);
    expect(fake.posts[0]!.signatureValid).toBe(false);
  });

  it('certificateNotTrusted_fails_withoutPosting', async () => {
    fake = await startFakeWebhook(SECRET);
    const sink = sinkFor(fake.url);
    await expect(sink.deliver(streamEvent(chainRows(1)[0]!))).rejects.toBeInstanceOf(SinkError);
    expect(fake.posts).toHaveLength(0);
  });

  it('http500_fails_and429RetryAfter_isPassedOn', async () => {
    fake = await startFakeWebhook(SECRET);
    const sink = sinkFor(fake.url, { ca: fake.ca });
    const event = streamEvent(chainRows(1)[0]!);
    fake.failNext(1, { status: 500 });
    await expect(sink.deliver(event)).rejects.toThrow(/HTTP 500: refused \(500\)/);
    fake.failNext(1, { status: 429, headers: { 'retry-after': '7' } });
    const error = await sink.deliver(event).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SinkError);
    expect((error as SinkError).retryAfterMs).toBe(7000);
    await sink.deliver(event);
    expect(fake.posts.map((post) => post.status)).toEqual([500, 429, 200]);
  });

  it('redirect_isNotFollowed', async () => {
    fake = await startFakeWebhook(SECRET);
    const sink = sinkFor(fake.url, { ca: fake.ca });
    fake.failNext(1, { status: 307, headers: { location: `${fake.url}/elsewhere` } });
    await expect(sink.deliver(streamEvent(chainRows(1)[0]!))).rejects.toThrow(/HTTP 307 \(a redirect to .*not followed/);
    expect(fake.posts).toHaveLength(1);
  });

  it('noAnswerWithinTheTimeout_fails', async () => {
    const { cert, key } = makeSelfSignedCertificate('silent');
    const silent = https.createServer({ cert, key }, () => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const sink = sinkFor(`https://127.0.0.1:${(silent.address() as AddressInfo).port}/x`, { ca: cert, timeoutMs: 200 });
      await expect(sink.deliver(streamEvent(chainRows(1)[0]!))).rejects.toThrow(/no answer within 0.2s/);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

// The syslog sink over real sockets on loopback: octet-counted RFC 5424 frames
// over TCP and over TLS (a self-signed certificate trusted only through the
// sink's CA), a dropped connection reopened, a server away then back.

import { afterEach, describe, expect, it } from 'vitest';
import { SinkError, streamEvent } from '../../src/domain/event-stream.js';
import { SyslogSink } from '../../src/events/syslog.js';
import { type FakeSyslog, startFakeSyslog } from '../support/fake-syslog.js';
import { chainRows, until } from './support.js';

const ORIGIN = { hostname: 'jit-test', procid: '99' };

describe('syslog sink', () => {
  const fakes: FakeSyslog[] = [];
  const sinks: SyslogSink[] = [];
  afterEach(async () => {
    for (const sink of sinks.splice(0)) await sink.close();
    for (const fake of fakes.splice(0)) await fake.close();
  });

  async function fakeServer(options: Parameters<typeof startFakeSyslog>[0]): Promise<FakeSyslog> {
    const fake = await startFakeSyslog(options);
    fakes.push(fake);
    return fake;
  }

  function sinkFor(url: string, ca?: string): SyslogSink {
    const sink = new SyslogSink({ url, origin: ORIGIN, timeoutMs: 2000, ...(ca ? { ca } : {}) });
    sinks.push(sink);
    return sink;
  }

  for (const tls of [false, true]) {
    it(`${tls ? 'tls' : 'tcp'}_framesEveryEventInOrder_asRfc5424_onOneConnection`, async () => {
      const fake = await fakeServer({ tls });
      const sink = sinkFor(fake.url, tls ? fake.ca : undefined);
      const events = chainRows(5).map(streamEvent);
      for (const event of events) await sink.deliver(event);
      await until(() => fake.frames.length === 5);
      expect(fake.frames.map((frame) => frame.event)).toEqual(events);
      const frame = fake.frames[0]!;
      expect(frame).toMatchObject({
        pri: 85,
        version: '1',
        hostname: 'jit-test',
        appName: 'jit-access-bot',
        procid: '99',
        msgid: 'grant.opened',
        timestamp: events[0]!.at,
      });
      expect(frame.sd).toEqual({ id: 'jit@32473', params: { id: events[0]!.id, seq: '1', hash: events[0]!.hash } });
      expect(fake.frames[2]!.pri).toBe(84);
      expect(fake.connections()).toBe(1);
    });
  }

  it('tls_certificateNotTrusted_fails', async () => {
    const fake = await fakeServer({ tls: true });
    const sink = sinkFor(fake.url);
    await expect(sink.deliver(streamEvent(chainRows(1)[0]!))).rejects.toBeInstanceOf(SinkError);
    expect(fake.frames).toHaveLength(0);
  });

  it('tls_hostNameChecked_localhostInTheCertificateIsAccepted', async () => {
    const fake = await fakeServer({ tls: true });
    const sink = sinkFor(`tls://localhost:${fake.port}`, fake.ca);
    await sink.deliver(streamEvent(chainRows(1)[0]!));
    await until(() => fake.frames.length === 1);
  });

  it('connectionDroppedByTheServer_isReopened_forTheNextEvent', async () => {
    const fake = await fakeServer({ tls: false });
    const sink = sinkFor(fake.url);
    const events = chainRows(4).map(streamEvent);
    await sink.deliver(events[0]!);
    await sink.deliver(events[1]!);
    await until(() => fake.frames.length === 2);
    fake.dropConnections();
    await until(() => !sink.connected);
    await sink.deliver(events[2]!);
    await sink.deliver(events[3]!);
    await until(() => fake.frames.length === 4);
    expect(fake.frames.map((frame) => frame.event.seq)).toEqual([1, 2, 3, 4]);
    expect(fake.connections()).toBe(2);
  });

  it('serverAway_fails_thenDeliversOnceItIsBack', async () => {
    const first = await fakeServer({ tls: true });
    const sink = sinkFor(first.url, first.ca);
    const [one, two] = chainRows(2).map(streamEvent);
    await sink.deliver(one!);
    await until(() => first.frames.length === 1);
    await first.close();
    await until(() => !sink.connected);
    await expect(sink.deliver(two!)).rejects.toThrow(/could not connect to syslog at tls:\/\/127\.0\.0\.1:\d+/);
    const back = await fakeServer({ tls: true, port: first.port, certificate: first.certificate });
    await sink.deliver(two!);
    await until(() => back.frames.length === 1);
    expect(back.frames[0]!.event).toEqual(two);
  });
});

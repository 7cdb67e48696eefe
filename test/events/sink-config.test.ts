// Which sinks the environment configures (compose/event-stream.ts sinkPlans):
// whole ones only; a half-configured sink or an unreadable CA stops the start
// with a sentence that names the variable to set.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sinkPlans } from '../../src/compose/event-stream.js';
import { StartupError } from '../../src/compose/startup.js';
import { type Config, loadConfig } from '../../src/config/env.js';
import { makeSelfSignedCertificate } from '../support/fake-arm-cert.js';

const base = { SLACK_BOT_TOKEN: 'xoxb-123', SLACK_SIGNING_SECRET: 'secret-123456', JIT_AUDIT_CHANNEL: 'C0AUDIT' };
const SECRET = 'x'.repeat(32);

function config(env: Record<string, string>): Config {
  const loaded = loadConfig({ ...base, ...env });
  if (!loaded.ok) throw new Error(loaded.error);
  return loaded.config;
}

describe('event sinks from the environment', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('noSinkConfigured_plansNothing_andDefaultsAreTwelveAttemptsFromTheBeginning', () => {
    const plain = config({});
    expect(sinkPlans(plain)).toEqual([]);
    expect(plain.JIT_EVENT_MAX_ATTEMPTS).toBe(12);
    expect(plain.JIT_EVENT_START).toBe('beginning');
  });

  it('webhookAndSyslog_bothPlanned_withTheirCaFilesRead', () => {
    dir = mkdtempSync(join(tmpdir(), 'jit-ca-'));
    const ca = join(dir, 'ca.pem');
    const { cert } = makeSelfSignedCertificate();
    writeFileSync(ca, cert);
    const plans = sinkPlans(
      config({
        JIT_EVENT_WEBHOOK_URL: 'https://siem.example.com/jit',
        JIT_EVENT_WEBHOOK_SECRET: SECRET,
        JIT_EVENT_WEBHOOK_CA: ca,
        JIT_EVENT_SYSLOG_URL: 'tls://siem.example.com:6514',
        JIT_EVENT_SYSLOG_CA: ca,
      }),
    );
    expect(plans).toEqual([
      { kind: 'webhook', url: 'https://siem.example.com/jit', secret: SECRET, ca: cert },
      { kind: 'syslog', url: 'tls://siem.example.com:6514', ca: cert },
    ]);
  });

  it('halfConfigured_stopsTheStart_sayingWhatToSet', () => {
    const refused = (env: Record<string, string>) => {
      try {
        sinkPlans(config(env));
      } catch (error) {
        expect(error).toBeInstanceOf(StartupError);
        return (error as Error).message;
      }
      throw new Error('expected the start to stop');
    };
    expect(refused({ JIT_EVENT_WEBHOOK_URL: 'https://siem.example.com/jit' })).toMatch(
      /^JIT_EVENT_WEBHOOK_URL is set but JIT_EVENT_WEBHOOK_SECRET is not: set it to a random secret of at least 32 characters/,
    );
    expect(refused({ JIT_EVENT_WEBHOOK_SECRET: SECRET })).toMatch(/JIT_EVENT_WEBHOOK_SECRET is set but JIT_EVENT_WEBHOOK_URL is not: set the https:\/\/ URL/);
    expect(refused({ JIT_EVENT_SYSLOG_URL: 'tcp://siem.example.com:514', JIT_EVENT_SYSLOG_CA: '/etc/ssl/ca.pem' })).toMatch(
      /not a tls:\/\/ URL: use tls:\/\/host:port/,
    );
    expect(
      refused({ JIT_EVENT_WEBHOOK_URL: 'https://siem.example.com/jit', JIT_EVENT_WEBHOOK_SECRET: SECRET, JIT_EVENT_WEBHOOK_CA: '/nonexistent/ca.pem' }),
    ).toMatch(/^JIT_EVENT_WEBHOOK_CA \/nonexistent\/ca.pem cannot be read \(ENOENT\): point it at a PEM file/);
  });
});

import { describe, expect, it } from 'vitest';
import { loadCliConfig, loadConfig } from '../../src/config/env.js';
import { CRASH_POINTS } from '../../src/workflow/crash-points.js';

const base = { SLACK_BOT_TOKEN: 'xoxb-123', SLACK_SIGNING_SECRET: 'secret-123456', JIT_AUDIT_CHANNEL: 'C0AUDIT' };

describe('loadConfig', () => {
  it('loadConfig_withRequiredOnly_fillsDefaults', () => {
    const result = loadConfig(base);
    expect(result).toEqual({
      ok: true,
      config: expect.objectContaining({
        PORT: 3000,
        JIT_DB: './data/jit.db',
        JIT_POLICY: './policy.yaml',
        JIT_BACKEND: 'memory',
      }),
    });
    expect(result.ok && [result.config.SLACK_APP_TOKEN, result.config.SLACK_API_URL]).toEqual([undefined, undefined]);
  });

  it('loadConfig_jitDb_aPostgresUrlOrAFilePath_withThePoolAndReplicaId', () => {
    const postgres = loadConfig({ ...base, JIT_DB: 'postgresql://jit:pw@db.internal:5432/jit?sslmode=verify-full', JIT_DB_POOL: '4', JIT_REPLICA_ID: 'jit-0' });
    expect(postgres.ok && [postgres.config.JIT_DB, postgres.config.JIT_DB_POOL, postgres.config.JIT_REPLICA_ID]).toEqual([
      'postgresql://jit:pw@db.internal:5432/jit?sslmode=verify-full',
      4,
      'jit-0',
    ]);
    // Empty, as .env.example leaves them: the defaults.
    const file = loadConfig({ ...base, JIT_DB: '/var/lib/jit/jit.db', JIT_DB_POOL: '', JIT_REPLICA_ID: '' });
    expect(file.ok && [file.config.JIT_DB, file.config.JIT_DB_POOL, file.config.JIT_REPLICA_ID]).toEqual(['/var/lib/jit/jit.db', 10, undefined]);
  });

  it('loadConfig_slackApiUrlWithoutSlash_getsTrailingSlash', () => {
    const result = loadConfig({ ...base, SLACK_API_URL: 'http://127.0.0.1:9/api' });
    expect(result.ok && result.config.SLACK_API_URL).toBe('http://127.0.0.1:9/api/');
  });

  it('loadConfig_nftCommand_isSplitIntoAnArgumentVector', () => {
    const result = loadConfig({ ...base, JIT_NFT_COMMAND: ' ip netns exec gw  nft ' });
    expect(result.ok && result.config.JIT_NFT_COMMAND).toEqual(['ip', 'netns', 'exec', 'gw', 'nft']);
  });

  it('loadConfig_trustedProxies_areParsedCidrs', () => {
    const result = loadConfig({ ...base, JIT_TRUSTED_PROXIES: '10.0.0.0/8, fd00::/8', JIT_PUBLIC_URL: 'https://jit.example.com/' });
    expect(result.ok && result.config.JIT_TRUSTED_PROXIES.map((c) => c.text)).toEqual(['10.0.0.0/8', 'fd00::/8']);
    expect(result.ok && result.config.JIT_PUBLIC_URL).toBe('https://jit.example.com');
  });

  it('loadConfig_emptyOptionalValues_countAsUnset', () => {
    const result = loadConfig({ ...base, SLACK_APP_TOKEN: '', JIT_APPROVAL_CHANNEL: ' ' });
    expect(result.ok && [result.config.SLACK_APP_TOKEN, result.config.JIT_APPROVAL_CHANNEL]).toEqual([undefined, undefined]);
  });

  it.each(CRASH_POINTS)('loadConfig_crashPoint_%s_isAccepted', (point) => {
    const result = loadConfig({ ...base, JIT_CRASH_AT: point });
    expect(result.ok && result.config.JIT_CRASH_AT).toBe(point);
  });

  it.each([
    [{ SLACK_BOT_TOKEN: undefined }, /^SLACK_BOT_TOKEN is required: copy the Bot User OAuth Token/],
    [{ SLACK_BOT_TOKEN: 'xoxp-user' }, /^SLACK_BOT_TOKEN must be a bot token starting with xoxb-/],
    [{ SLACK_SIGNING_SECRET: undefined }, /^SLACK_SIGNING_SECRET is required/],
    [{ SLACK_APP_TOKEN: 'abc' }, /^SLACK_APP_TOKEN must be an app-level token starting with xapp-/],
    [{ SLACK_API_URL: 'ftp://x' }, /^SLACK_API_URL must be an http\(s\) URL/],
    [{ PORT: '70000' }, /^PORT must be a TCP port number/],
    [{ PORT: 'http' }, /^PORT must be a TCP port number/],
    [{ JIT_AUDIT_CHANNEL: undefined }, /^JIT_AUDIT_CHANNEL is required: set it to the ID of the audit channel/],
    [{ JIT_AUDIT_CHANNEL: '#audit' }, /^JIT_AUDIT_CHANNEL must be a Slack channel ID/],
    [{ JIT_APPROVAL_CHANNEL: 'approvals' }, /^JIT_APPROVAL_CHANNEL must be a Slack channel ID/],
    [{ JIT_BACKEND: 'Not A Name' }, /^JIT_BACKEND must be a backend name/],
    [{ AZURE_ARM_ENDPOINT: 'nope' }, /^AZURE_ARM_ENDPOINT must be an http\(s\) URL/],
    [{ JIT_AZURE_NSG_SCOPE: 'vnet' }, /^JIT_AZURE_NSG_SCOPE must be nic .* or subnet/],
    [{ JIT_NFT_COMMAND: 'nft; rm -rf /' }, /^JIT_NFT_COMMAND must be a command such as `nft`/],
    [{ JIT_NFT_TABLE: 'My Table' }, /^JIT_NFT_TABLE must be an nftables table name/],
    [{ JIT_PUBLIC_URL: 'jit.example.com' }, /^JIT_PUBLIC_URL must be an http\(s\) URL/],
    [
      { JIT_TRUSTED_PROXIES: '10.0.0.0/8, 10.0.0.0/33' },
      /^JIT_TRUSTED_PROXIES must list the CIDRs of your reverse proxies, comma-separated: `10.0.0.0\/33` has an impossible prefix/,
    ],
    [{ JIT_LOG_LEVEL: 'loud' }, /^JIT_LOG_LEVEL must be one of debug, info, warn, error/],
    [{ JIT_DB: 'mysql://jit:pw@db:3306/jit' }, /^JIT_DB must be a file path \(SQLite\) or a postgres:\/\/user:password@host:5432\/database URL/],
    [{ JIT_DB_POOL: '0' }, /^JIT_DB_POOL must be a whole number of connections, 1 to 100/],
    [{ JIT_DB_POOL: 'ten' }, /^JIT_DB_POOL must be a whole number of connections, 1 to 100/],
    [{ JIT_REPLICA_ID: 'replica one' }, /^JIT_REPLICA_ID must be 1 to 64 letters, digits/],
    [{ JIT_SWEEP_SCHEDULE: 'every minute' }, /^JIT_SWEEP_SCHEDULE must be a cron expression/],
    [
      { JIT_CRASH_AT: 'approved-before-opne' },
      /^JIT_CRASH_AT must be unset in production; tests set it to one of approving-before-commit, approved-before-open, /,
    ],
  ])('loadConfig_badValue_namesTheVariable %j', (override, message) => {
    const env: Record<string, string | undefined> = { ...base, ...override };
    const result = loadConfig(env);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.split('\n')).toHaveLength(1);
    expect(!result.ok && result.error).toMatch(message);
  });
});

describe('JIT_READERS and the CLI environment', () => {
  it('readers_areSplitOnCommasAndSpaces', () => {
    const result = loadConfig({ ...base, JIT_READERS: 'U0AUDIT1, S0SECURITY  W0AUDIT' });
    expect(result.ok && result.config.JIT_READERS).toEqual(['U0AUDIT1', 'S0SECURITY', 'W0AUDIT']);
    const unset = loadConfig(base);
    expect(unset.ok && unset.config.JIT_READERS).toEqual([]);
  });

  it('readerThatIsNotASlackId_namesTheVariableAndTheValue', () => {
    const result = loadConfig({ ...base, JIT_READERS: 'U0AUDIT1,#security' });
    expect(result).toEqual({ ok: false, error: expect.stringMatching(/^JIT_READERS must list Slack user IDs .* `#security` is neither$/) });
  });

  it('cliConfig_needsNoSlackKeys_butChecksTheRest', () => {
    const result = loadCliConfig({ JIT_DB: '/tmp/x.db' });
    expect(result.ok && [result.config.JIT_DB, result.config.SLACK_BOT_TOKEN, result.config.JIT_BACKEND]).toEqual(['/tmp/x.db', undefined, 'memory']);
    expect(loadCliConfig({ JIT_BACKEND: 'No Such' })).toEqual({ ok: false, error: expect.stringMatching(/^JIT_BACKEND must be a backend name/) });
    expect(loadCliConfig({ SLACK_BOT_TOKEN: 'nope' })).toEqual({ ok: false, error: expect.stringMatching(/^SLACK_BOT_TOKEN must be a bot token/) });
  });
});

// The environment contract of DESIGN.md, parsed once at startup (STYLE.md §6).
// A bad value becomes one line naming the variable and saying what to do.

import cron from 'node-cron';
import { z } from 'zod';
import { parseCidr, type Cidr } from '../domain/cidr.js';
import { CRASH_POINTS } from '../workflow/crash-points.js';
import { PRINCIPAL_ID } from '../domain/policy/schema.js';
import { placeholderProblems } from './placeholders.js';

const channelId = /^[CGD][A-Z0-9]{2,}$/;

const optional = (schema: z.ZodType<string>) =>
  z.preprocess((value) => (typeof value === 'string' && value.trim() === '' ? undefined : value), schema.optional());

const url = (example: string) =>
  z
    .string()
    .trim()
    .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), {
      message: `must be an http(s) URL such as ${example}`,
    });

/** A service's API base URL, defaulting to its public one, without a trailing slash. */
const apiBase = (fallback: string) =>
  url(fallback)
    .default(fallback)
    .transform((value) => value.replace(/\/+$/, ''));

const durationMs = (fallback: string) =>
  z
    .string()
    .trim()
    .default(fallback)
    .transform((value, ctx) => {
      const match = /^(\d+)(ms|s|m)$/.exec(value);
      if (!match) {
        ctx.addIssue({ code: 'custom', message: `must be a number followed by ms, s or m, such as ${fallback}` });
        return z.NEVER;
      }
      const unit = { ms: 1, s: 1000, m: 60_000 }[match[2] as 'ms' | 's' | 'm'];
      return Number(match[1]) * unit;
    });

const schema = z.object({
  SLACK_BOT_TOKEN: z
    .string({ error: 'is required: copy the Bot User OAuth Token (xoxb-…) from your Slack app’s OAuth & Permissions page' })
    .trim()
    .regex(/^xoxb-\S+$/, 'must be a bot token starting with xoxb- (OAuth & Permissions page of your Slack app)'),
  SLACK_SIGNING_SECRET: z
    .string({ error: 'is required: copy the Signing Secret from your Slack app’s Basic Information page' })
    .trim()
    .min(8, 'looks too short: copy the Signing Secret from your Slack app’s Basic Information page'),
  SLACK_APP_TOKEN: optional(
    z
      .string()
      .trim()
      .regex(/^xapp-\S+$/, 'must be an app-level token starting with xapp- (Basic Information → App-Level Tokens), or unset for HTTP mode'),
  ),
  SLACK_API_URL: optional(url('https://slack.com/api/')).transform((value) => (value === undefined ? undefined : value.endsWith('/') ? value : `${value}/`)),
  PORT: z
    .string()
    .trim()
    .default('3000')
    .transform((value, ctx) => {
      const port = Number(value);
      if (!/^\d+$/.test(value) || port > 65535) {
        ctx.addIssue({ code: 'custom', message: 'must be a TCP port number between 0 and 65535 (0 picks a free port)' });
        return z.NEVER;
      }
      return port;
    }),
  JIT_LISTEN_HOST: optional(
    z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9.:-]+$/, 'must be an interface address such as 127.0.0.1 or ::, or unset for all interfaces'),
  ),
  JIT_PUBLIC_URL: optional(url('https://jit.example.com')).transform((value) => value?.replace(/\/+$/, '')),
  JIT_TRUSTED_PROXIES: optional(z.string()).transform((value, ctx) => {
    const cidrs: Cidr[] = [];
    for (const text of (value ?? '').split(/[\s,]+/).filter(Boolean)) {
      const parsed = parseCidr(text);
      if (!parsed.ok) {
        ctx.addIssue({ code: 'custom', message: `must list the CIDRs of your reverse proxies, comma-separated: ${parsed.error}` });
        return z.NEVER;
      }
      cidrs.push(parsed.cidr);
    }
    return cidrs;
  }),
  // A policy file, or azure://subscriptions/<id>[/resourceGroups/<rg>] for Defender for Cloud's JIT policies.
  JIT_POLICY: z.string().trim().min(1).default('./policy.yaml'),
  // With an azure:// policy: the local file of our extensions (approvers, rules, readers, admins, per-VM name/backend/tags).
  JIT_POLICY_EXTENSIONS: optional(z.string().trim().min(1)),
  // With an azure:// policy: how often Defender for Cloud's policies are read again (SIGHUP reads them at once).
  JIT_POLICY_REFRESH: durationMs('5m').refine((ms) => ms >= 10_000, { message: 'must be at least 10s (Azure throttles readers that poll faster)' }),
  // Audit readers besides the policy's `readers` (for Azure policy documents kept as Azure writes them).
  JIT_READERS: optional(z.string()).transform((value, ctx) => {
    const ids = (value ?? '').split(/[\s,]+/).filter(Boolean);
    const bad = ids.find((id) => !PRINCIPAL_ID.test(id));
    if (bad !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `must list Slack user IDs (U…, W…) or user-group IDs (S…), comma-separated: \`${bad.slice(0, 40)}\` is neither`,
      });
      return z.NEVER;
    }
    return ids;
  }),
  // A file path keeps the embedded SQLite database; a postgres:// URL shares one PostgreSQL database between replicas.
  JIT_DB: z
    .string()
    .trim()
    .min(1)
    .default('./data/jit.db')
    .refine((value) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(value) || (isPostgresUrl(value) && URL.canParse(value)), {
      message: 'must be a file path (SQLite) or a postgres://user:password@host:5432/database URL (PostgreSQL)',
    }),
  // PostgreSQL only: connections each replica keeps open.
  JIT_DB_POOL: z.preprocess(
    (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
    z.coerce
      .number({ error: 'must be a whole number of connections, 1 to 100' })
      .int('must be a whole number of connections, 1 to 100')
      .min(1, 'must be a whole number of connections, 1 to 100')
      .max(100, 'must be a whole number of connections, 1 to 100')
      .default(10),
  ),
  // Names this replica in logs, outbox claims and the scheduler lease; host and process id by default.
  JIT_REPLICA_ID: optional(
    z
      .string()
      .trim()
      .regex(/^[\w.:@-]{1,64}$/, 'must be 1 to 64 letters, digits or . _ : @ -'),
  ),
  JIT_AUDIT_CHANNEL: z
    .string({ error: 'is required: set it to the ID of the audit channel (channel details → About, e.g. C0123456789) and invite the bot there' })
    .trim()
    .regex(channelId, 'must be a Slack channel ID such as C0123456789 (channel details → About), not a #name'),
  JIT_APPROVAL_CHANNEL: optional(z.string().trim().regex(channelId, 'must be a Slack channel ID such as C0123456789, or unset to DM each approver')),
  JIT_ADMINS: optional(z.string()).transform((value, ctx) => {
    const ids = (value ?? '').split(/[\s,]+/).filter(Boolean);
    const bad = ids.find((id) => !/^[UW][A-Z0-9]{2,}$/.test(id));
    if (bad !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `must list Slack member IDs (U… or W…), comma-separated: \`${bad.slice(0, 40)}\` is not one (profile → ⋮ → Copy member ID); user groups go in the policy's admins`,
      });
      return z.NEVER;
    }
    return [...new Set(ids)];
  }),
  JIT_BACKEND: z
    .string()
    .trim()
    .default('memory')
    .refine((value) => /^[a-z][a-z0-9-]{0,31}$/.test(value), { message: 'must be a backend name such as memory' }),
  AZURE_ARM_ENDPOINT: optional(url('https://management.azure.com')),
  JIT_AZURE_NSG_SCOPE: z
    .enum(['nic', 'subnet'], { error: 'must be nic (the NSG on the VM’s network interface) or subnet (the NSG on its subnet)' })
    .default('nic'),
  // The Azure Firewall in front of the VMs whose backend is azure-firewall: its resource id.
  JIT_AZURE_FIREWALL: optional(
    z
      .string()
      .trim()
      .regex(
        /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/azureFirewalls\/[^/]+\/?$/i,
        'must be an Azure Firewall resource id: /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Network/azureFirewalls/<name>',
      ),
  ),
  // The rule collection group the bot owns in that firewall's policy, and its priority (unique among the policy's groups).
  JIT_AZURE_FIREWALL_RCG: z
    .string()
    .trim()
    .default('jit-access-bot')
    .refine((value) => /^[A-Za-z0-9][A-Za-z0-9._-]{0,78}[A-Za-z0-9_]$/.test(value), {
      message: 'must be a rule collection group name: letters, digits, . _ -, 2 to 80 characters',
    }),
  JIT_AZURE_FIREWALL_PRIORITY: z
    .string()
    .trim()
    .default('150')
    .transform((value, ctx) => {
      const priority = Number(value);
      if (!/^\d+$/.test(value) || priority < 100 || priority > 65000) {
        ctx.addIssue({ code: 'custom', message: 'must be a rule collection group priority from 100 to 65000, unused by the policy’s other groups' });
        return z.NEVER;
      }
      return priority;
    }),
  // Public ports the firewall's DNAT rules may use for grants, e.g. 50000-59999 (port 22 maps to 50022 when free).
  JIT_AZURE_FIREWALL_PORTS: z
    .string()
    .trim()
    .default('50000-59999')
    .transform((value, ctx) => {
      const match = /^(\d{1,5})-(\d{1,5})$/.exec(value);
      const [min, max] = match ? [Number(match[1]), Number(match[2])] : [0, 0];
      if (!match || min < 1 || max > 65535 || min > max) {
        ctx.addIssue({ code: 'custom', message: 'must be a port range such as 50000-59999 (first-last, 1 to 65535)' });
        return z.NEVER;
      }
      return { min, max };
    }),
  JIT_NFT_COMMAND: z
    .string()
    .trim()
    .default('nft')
    .transform((value, ctx) => {
      const argv = value.split(/\s+/).filter(Boolean);
      if (argv.length === 0 || !argv.every((arg) => /^[A-Za-z0-9_./:=@%+-]+$/.test(arg))) {
        ctx.addIssue({ code: 'custom', message: 'must be a command such as `nft`, `sudo nft` or `ip netns exec gw nft` (plain words, no shell syntax)' });
        return z.NEVER;
      }
      return argv;
    }),
  JIT_NFT_TABLE: z
    .string()
    .trim()
    .default('jit')
    .refine((value) => /^[a-z][a-z0-9_]{0,31}$/.test(value), { message: 'must be an nftables table name such as jit (lower case letters, digits, _)' }),
  // On-call rule conditions (`match.onCall`): PagerDuty REST API v2 and Opsgenie, read with these tokens; answers cached JIT_ONCALL_CACHE.
  JIT_PAGERDUTY_TOKEN: optional(z.string().trim().min(8, 'must be a PagerDuty REST API key (Integrations → API Access Keys), or unset')),
  JIT_PAGERDUTY_URL: apiBase('https://api.pagerduty.com'),
  JIT_OPSGENIE_TOKEN: optional(z.string().trim().min(8, 'must be an Opsgenie API key (Settings → API key management), or unset')),
  // https://api.eu.opsgenie.com for the EU instance.
  JIT_OPSGENIE_URL: apiBase('https://api.opsgenie.com'),
  JIT_ONCALL_CACHE: durationMs('60s'),
  // Audit anchoring: checkpoints of the chain head signed with HMAC-SHA256 (JIT_AUDIT_KEY) or Ed25519 (JIT_AUDIT_SIGNING_KEY, a PEM file).
  JIT_AUDIT_KEY: optional(z.string().trim().min(32, 'must be at least 32 characters (e.g. `openssl rand -hex 32`), or unset')),
  JIT_AUDIT_SIGNING_KEY: optional(z.string().trim().min(1)),
  JIT_AUDIT_CHECKPOINT: durationMs('15m'),
  // The event stream: every audit event, in chain order, at least once, to an HTTPS webhook (HMAC-SHA256 signed) and/or syslog.
  JIT_EVENT_WEBHOOK_URL: optional(
    z
      .string()
      .trim()
      .refine((value) => URL.canParse(value) && isSafeWebhook(new URL(value)), {
        message: 'must be an https:// URL such as https://siem.example.com/jit (http:// only to 127.0.0.1, ::1 or localhost)',
      }),
  ),
  JIT_EVENT_WEBHOOK_SECRET: optional(
    z.string().trim().min(32, 'must be at least 32 characters (e.g. `openssl rand -hex 32`): the webhook signs each body with it'),
  ),
  // A PEM file of the CA(s) that issued the webhook's or syslog server's certificate, when it is not a public one.
  JIT_EVENT_WEBHOOK_CA: optional(z.string().trim().min(1)),
  JIT_EVENT_SYSLOG_URL: optional(
    z
      .string()
      .trim()
      .refine((value) => URL.canParse(value) && /^(tcp|tls):$/.test(new URL(value).protocol) && new URL(value).port !== '', {
        message: 'must be tcp://host:port or tls://host:port (RFC 5424 over TCP, RFC 5425 over TLS), such as tls://siem.example.com:6514',
      }),
  ),
  JIT_EVENT_SYSLOG_CA: optional(z.string().trim().min(1)),
  // Attempts at one event before it is dead-lettered (reported in the audit channel) and the stream moves on.
  JIT_EVENT_MAX_ATTEMPTS: z.preprocess(
    (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
    z.coerce
      .number({ error: 'must be a whole number of attempts, 1 to 1000' })
      .int('must be a whole number of attempts, 1 to 1000')
      .min(1, 'must be a whole number of attempts, 1 to 1000')
      .max(1000, 'must be a whole number of attempts, 1 to 1000')
      .default(12),
  ),
  // Where a sink seen for the first time starts: the chain's first event (beginning) or the events after its start (now).
  JIT_EVENT_START: z
    .enum(['beginning', 'now'], { error: 'must be beginning (send the whole audit log first) or now (only events from now on)' })
    .default('beginning'),
  // REST API tokens (/jit token create): the longest lifetime a user may give one, in days.
  JIT_API_TOKEN_MAX_DAYS: z.preprocess(
    (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
    z.coerce
      .number({ error: 'must be a whole number of days, 1 to 365' })
      .int('must be a whole number of days, 1 to 365')
      .min(1, 'must be a whole number of days, 1 to 365')
      .max(365, 'must be a whole number of days, 1 to 365')
      .default(90),
  ),
  JIT_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error'], { error: 'must be one of debug, info, warn, error' }).default('info'),
  JIT_LOG_FORMAT: z.enum(['text', 'json'], { error: 'must be text (one readable line each) or json (one JSON object a line)' }).default('text'),
  // GET /metrics asks for `Authorization: Bearer <token>` when set.
  JIT_METRICS_TOKEN: optional(z.string().trim().min(16, 'must be at least 16 characters (e.g. `openssl rand -hex 32`), or unset to serve /metrics openly')),
  JIT_EXPIRY_WARNING: durationMs('5m'),
  JIT_SWEEP_SCHEDULE: z
    .string()
    .trim()
    .default('* * * * *')
    .refine((value) => cron.validate(value), { message: 'must be a cron expression such as "* * * * *" (every minute)' }),
  // Test-only (src/workflow/crash-points.ts): a misspelt point would silently never fire, so it stops the start instead.
  JIT_CRASH_AT: optional(z.enum(CRASH_POINTS, { error: `must be unset in production; tests set it to one of ${CRASH_POINTS.join(', ')}` })),
});

export type Config = z.output<typeof schema>;

/** https anywhere; plain http only to this machine (a local relay, tests). */
function isSafeWebhook(url: URL): boolean {
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
}

/** Whether JIT_DB names a PostgreSQL database rather than a SQLite file. */
export function isPostgresUrl(value: string): boolean {
  return /^postgres(ql)?:\/\//i.test(value);
}

/** The `jit` CLI answers no Slack request and posts nothing itself (the bot delivers its outbox), so the bot's Slack keys are optional there. */
const cliSchema = schema.partial({ SLACK_BOT_TOKEN: true, SLACK_SIGNING_SECRET: true, JIT_AUDIT_CHANNEL: true });

export type CliConfig = z.output<typeof cliSchema>;

export type ConfigResult = { ok: true; config: Config } | { ok: false; error: string };

/** Parses the environment; on failure returns one line per bad variable (main prints each as a `jit:` line). */
export function loadConfig(env: NodeJS.ProcessEnv): ConfigResult {
  const parsed = parseEnv(schema, env);
  // The example values of .env.example pass the format checks; they are refused by name (once the format is right).
  const bad = parsed.ok ? [] : parsed.error.split('\n');
  const placeholders = placeholderProblems(env).filter(({ key }) => !bad.some((line) => line.startsWith(`${key} `)));
  if (placeholders.length === 0) return parsed;
  return { ok: false, error: [...bad, ...placeholders.map(({ line }) => line)].join('\n') };
}

export function loadCliConfig(env: NodeJS.ProcessEnv): { ok: true; config: CliConfig } | { ok: false; error: string } {
  return parseEnv(cliSchema, env);
}

function parseEnv<T>(envSchema: z.ZodType<T>, env: NodeJS.ProcessEnv): { ok: true; config: T } | { ok: false; error: string } {
  // An empty value (`JIT_AUDIT_CHANNEL=`, as .env.example leaves the optional ones) counts as unset:
  // the default applies, and a required variable is told it is required.
  const given = Object.fromEntries(Object.entries(env).filter(([, value]) => value === undefined || value.trim() !== ''));
  const parsed = envSchema.safeParse(given);
  if (parsed.success) return { ok: true, config: parsed.data };
  const lines = parsed.error.issues.map((issue) => {
    const key = String(issue.path[0] ?? 'environment');
    const message = issue.code === 'invalid_type' && given[key] === undefined ? issue.message.replace(/^Invalid input.*$/, 'is required') : issue.message;
    return `${key} ${message}`;
  });
  return { ok: false, error: lines.join('\n') };
}

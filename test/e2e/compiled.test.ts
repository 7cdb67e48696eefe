// Production runs the compiled JavaScript: `npm start` runs dist/main.js (which
// `npm ci` builds through the `prepare` script), and `jit` (bin/jit.js) runs
// dist/cli/jit.js while that build is newer than the source. Here the built bot
// starts, serves a signed Slack request and /metrics, logs one JSON object a
// line with JIT_LOG_FORMAT=json, and stops on SIGTERM.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { slashCommand } from '../support/slack-requests.js';
import { type CompiledBuild, compiledBuild, mtime, ROOT } from '../support/compiled-build.js';

const SECRET = 'compiled-signing-secret-42';
const METRICS_TOKEN = 'compiled-metrics-token-0123456789';

const POLICY = `
approvers: [UAPPROVER1]
virtualMachines:
  - id: web-1
    address: 10.0.0.4
    ports:
      - { number: 22, protocol: TCP, allowedSourceAddressPrefix: "*", maxRequestAccessDuration: PT3H }
rules:
  - name: web-on-its-own
    match: { vms: [web-1] }
    effect: approve
`;

/** Where builds made by the tests live: inside node_modules, so Node resolves their imports. */
const CACHE = join(ROOT, 'node_modules', '.cache');
let built: CompiledBuild;
let work: string | undefined;
let fake: FakeSlack | undefined;
let child: ChildProcess | undefined;

beforeAll(() => {
  built = compiledBuild();
}, 180_000);
afterAll(() => {
  if (built.own) rmSync(built.dir, { recursive: true, force: true });
});
afterEach(async () => {
  child?.kill('SIGKILL');
  child = undefined;
  await fake?.close();
  fake = undefined;
  if (work) rmSync(work, { recursive: true, force: true });
  work = undefined;
});

async function waitFor<T>(find: () => T | undefined, what: () => string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting; so far:\n${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the compiled bot (npm start)', () => {
  it('npmStart_runsTheBuild_servesSlackAndMetrics_logsJsonLines_stopsOnSigterm', async () => {
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string; prepare: string; build: string } }).scripts;
    // --max-semi-space-size=2: a young generation of 4 MB, not up to 32; --heap-growing-percent=25: a full
    // collection once the old generation has grown 25 % past what the last one kept, not 300 % (BENCHMARKS.md row 4).
    expect(scripts.start).toBe('node --env-file-if-exists=.env --max-semi-space-size=2 --heap-growing-percent=25 dist/main.js');
    expect(scripts.prepare).toBe('npm run build');
    expect(scripts.build).toMatch(/tsc -p tsconfig\.build\.json$/);

    const dir = mkdtempSync(join(tmpdir(), 'jit-compiled-'));
    work = dir;
    writeFileSync(join(dir, 'policy.yaml'), POLICY);
    const slack = await startFakeSlack();
    fake = slack;
    const [node, ...args] = scripts.start.split(' ').map((word) => (word === 'dist/main.js' ? join(built.dir, 'main.js') : word));
    expect(node).toBe('node');
    const env = {
      PATH: process.env.PATH,
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.apiUrl,
      PORT: '0',
      JIT_LISTEN_HOST: '127.0.0.1',
      JIT_POLICY: join(dir, 'policy.yaml'),
      JIT_DB: join(dir, 'jit.db'),
      JIT_AUDIT_CHANNEL: 'CAUDIT',
      JIT_LOG_FORMAT: 'json',
      JIT_METRICS_TOKEN: METRICS_TOKEN,
    };
    const started = Date.now();
    const proc = spawn(process.execPath, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let output = '';
    proc.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    proc.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exit = new Promise<number | null>((resolveExit) => proc.on('exit', resolveExit));
    // Node's own notice of a missing .env (--env-file-if-exists) and main.ts's signal notice are plain text by design.
    const lines = () => output.split('\n').filter((line) => line !== '' && !line.startsWith('.env not found') && !line.startsWith('jit: '));
    const events = () => lines().map((line) => JSON.parse(line) as Record<string, unknown>);

    const ready = await waitFor(
      () => events().find((line) => line.event === 'started'),
      () => output,
    );
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(ready).toMatchObject({ level: 'info', name: 'jit', msg: expect.stringMatching(/^jit bot started: HTTP mode on port \d+/) });
    const port = /port (\d+)/.exec(String(ready.msg))![1];
    const baseUrl = `http://127.0.0.1:${port}`;

    const result = await slashCommand(baseUrl, SECRET, {
      text: 'request web-1 22 198.51.100.7 1h deploy',
      userId: 'UREQ',
      responseUrl: slack.responseUrl('r1'),
    });
    expect(result.status).toBe(200);
    const reply = await slack.waitForResponse((r) => r.id === 'r1');
    const id = /#([23456789a-hjkmnp-z]{6})/.exec(String(reply.body.text))![1]!;
    const opened = await waitFor(
      () => events().find((line) => line.event === 'grant.opened'),
      () => output,
    );
    expect(opened).toMatchObject({ level: 'info', request: id, msg: expect.stringContaining('grant opened on web-1') });
    // A line named by no call still carries the request it is about.
    expect(events().find((line) => line.event === undefined && String(line.msg).startsWith(`request ${id} by UREQ`))).toMatchObject({ request: id });

    expect((await fetch(`${baseUrl}/metrics`)).status).toBe(401);
    const metrics = await fetch(`${baseUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(text).toMatch(/^jit_open_grants 1$/m);
    expect(text).toMatch(/^jit_decisions_total\{effect="approve"\} 1$/m);

    proc.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(events().at(-1)).toMatchObject({ event: 'stopped', msg: 'jit bot stopped' });
    // Every log line is one JSON object, and none holds a secret.
    expect(events().length).toBeGreaterThan(3);
    for (const secret of [SECRET, 'xoxb-test', METRICS_TOKEN]) expect(output).not.toContain(secret);
  }, 60_000);
});

describe('the jit command (bin/jit.js)', () => {
  // A copy of bin/jit.js beside a stand-in build and source, inside the repository so it finds tsx.
  let root: string;
  beforeAll(() => {
    mkdirSync(CACHE, { recursive: true });
    root = mkdtempSync(join(CACHE, 'jit-bin-'));
    mkdirSync(join(root, 'bin'));
    cpSync(join(ROOT, 'bin', 'jit.js'), join(root, 'bin', 'jit.js'));
    writeFileSync(join(root, 'package.json'), '{ "type": "module" }\n');
    mkdirSync(join(root, 'src', 'cli'), { recursive: true });
    writeFileSync(join(root, 'src', 'cli', 'jit.ts'), "const from: string = 'source';\nprocess.stdout.write(from);\n");
    writeFileSync(join(root, 'src', 'cli', 'other.ts'), 'export {};\n');
    mkdirSync(join(root, 'dist', 'cli'), { recursive: true });
    writeFileSync(join(root, 'dist', 'cli', 'jit.js'), "process.stdout.write('compiled');\n");
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const run = () => spawnSync(process.execPath, [join(root, 'bin', 'jit.js')], { cwd: tmpdir(), encoding: 'utf8' });
  const age = (path: string, secondsAgo: number) => {
    const at = new Date(Date.now() - secondsAgo * 1000);
    utimesSync(path, at, at);
  };
  const ageSource = (secondsAgo: number) => {
    for (const path of ['src', 'src/cli', 'src/cli/jit.ts', 'src/cli/other.ts']) if (mtime(join(root, path)) > 0) age(join(root, path), secondsAgo);
  };

  it('jit_runsTheBuild_whileItIsNewerThanTheSource_elseTheSourceThroughTsx', () => {
    ageSource(60);
    age(join(root, 'dist', 'cli', 'jit.js'), 30);
    expect(run().stdout).toBe('compiled');

    // A source file edited since the build.
    age(join(root, 'src', 'cli', 'other.ts'), 10);
    expect(run().stdout).toBe('source');

    // A source file removed since the build (only its folder's time tells).
    ageSource(60);
    expect(run().stdout).toBe('compiled');
    unlinkSync(join(root, 'src', 'cli', 'other.ts'));
    expect(run().stdout).toBe('source');

    // No build at all: a fresh checkout.
    ageSource(60);
    rmSync(join(root, 'dist'), { recursive: true });
    expect(run().stdout).toBe('source');
  }, 60_000);
});

// What `/jit` answers reads well on a phone: one short answer to a typo, a help
// that fits a screen with details a command away, no promise of a "Use my IP"
// link the bot cannot give, a warning for a source open to everyone, people
// shown as mentions, and a my-IP page that says what it will request. Driven
// through the real bot over signed HTTP.

import { afterEach, describe, expect, it } from 'vitest';
import { JIT_VERBS } from '../../src/slack/jit-command.js';
import { selectValue, slashCommand, textValue } from '../support/slack-requests.js';
import { requestIdIn, SECRET, startE2E, stopChecked, type E2E } from './harness.js';

const PUBLIC = 'https://jit.example.test';
let e2e: E2E | undefined;
afterEach(async () => {
  await stopChecked(e2e);
  e2e = undefined;
});

/** Every response_url post the bot made while `act` ran, plus a grace period for a late second one. */
async function repliesTo(act: () => Promise<string>): Promise<{ reply: string; posts: number }> {
  const from = e2e!.fake.responses.length;
  const reply = await act();
  await new Promise((resolve) => setTimeout(resolve, 300));
  return { reply, posts: e2e!.fake.responses.length - from };
}

describe('a mistyped command', () => {
  it('unknownSubcommand_answersOnceWithTheNearestCommand', async () => {
    e2e = await startE2E();
    const { reply, posts } = await repliesTo(() => e2e!.command('UREQ', 'reqest web-1 22 198.51.100.7 1h'));
    expect(posts).toBe(1);
    expect(reply).toBe('`reqest` is not a /jit command. Did you mean `/jit request`?');
    expect(await e2e.command('UREQ', 'lsit')).toBe('`lsit` is not a /jit command. Did you mean `/jit list`?');
    expect(await e2e.command('UREQ', 'brea')).toBe('`brea` is not a /jit command. Did you mean `/jit breakglass`?');
    // Nothing near it: the way to the list, once.
    expect(await e2e.command('UREQ', 'frobnicate')).toBe('`frobnicate` is not a /jit command: `/jit help` lists them.');
    expect(await e2e.bot.workflow.openRequestsOf('UREQ')).toEqual([]);
  });

  it('usageError_isOneAnswerWithoutASecondHelpLine', async () => {
    e2e = await startE2E();
    const reply = await e2e.command('UREQ', 'list everything');
    expect(reply).toBe('`/jit list` takes no arguments: type `/jit list` alone.');
  });
});

describe('/jit help', () => {
  it('help_fitsAPhoneScreen_oneLinePerCommand', async () => {
    e2e = await startE2E();
    const reply = await e2e.command('UREQ', 'help');
    const lines = reply.split('\n');
    // A phone shows about 20 short lines; each command gets one.
    expect(lines.length).toBeLessThanOrEqual(JIT_VERBS.length + 1);
    expect(reply.length).toBeLessThan(900);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    for (const verb of JIT_VERBS) expect(reply).toContain(`\`/jit ${verb}`);
    expect(reply).toContain('`/jit help <command>`');
  });

  it('helpCommand_givesTheGrammarAndExamples_ofThatCommandOnly', async () => {
    e2e = await startE2E();
    const request = await e2e.command('UREQ', 'help request');
    expect(request).toContain('`/jit request <vm> <ports> <source> <duration> [justification…]`');
    expect(request).toContain('`/jit request web-1 22 203.0.113.7 2h deploy hotfix`');
    expect(request).toContain('`PT3H`');
    expect(request).not.toContain('/jit breakglass');
    expect(await e2e.command('UREQ', 'help /jit extend')).toContain('`/jit extend k7m2qp 30m`');
    expect(await e2e.command('UREQ', 'help AUDIT')).toContain('`/jit audit web-1 --days 7`');
    expect(await e2e.command('UREQ', 'help reqest')).toBe('`reqest` is not a /jit command. Did you mean `/jit help request`?');
  });
});

describe('`me` without JIT_PUBLIC_URL', () => {
  it('me_withoutPublicUrl_saysTheAdminMustSetIt_andToTypeTheAddress', async () => {
    e2e = await startE2E();
    for (const text of ['request web-1 22 me 1h', 'explain web-1 22 me 1h']) {
      const reply = await e2e.command('UREQ', text);
      expect(reply).toContain('JIT_PUBLIC_URL');
      expect(reply).toContain('Type your address instead');
      expect(reply).not.toMatch(/open the "Use my IP" link/);
    }
    expect(await e2e.bot.workflow.openRequestsOf('UREQ')).toEqual([]);
  });

  it('modalWithMe_withoutPublicUrl_theErrorUnderTheSourceSaysWhy', async () => {
    e2e = await startE2E();
    await slashCommand(e2e.baseUrl, SECRET, { text: 'request', userId: 'UREQ', responseUrl: e2e.fake.responseUrl() });
    await e2e.fake.waitFor('views.open');
    const submitted = await e2e.submitModal('UREQ', {
      vm: { vm_select: selectValue('web-1') },
      ports: { ports_select: { type: 'multi_static_select', selected_options: [{ value: '22' }] } },
      source: { source_input: textValue('me') },
      duration: { duration_input: textValue('30m') },
      justification: { justification_input: textValue(null) },
    });
    const errors = (submitted.json as { errors?: Record<string, string> } | undefined)?.errors ?? {};
    expect(errors.source).toContain('JIT_PUBLIC_URL');
    expect(errors.source).not.toMatch(/open the "Use my IP" link/);
  });

  it('helpRequest_promisesALinkOnlyWhenTheBotCanGiveOne', async () => {
    e2e = await startE2E();
    const without = await e2e.command('UREQ', 'help request');
    expect(without).toContain('JIT_PUBLIC_URL');
    expect(without).not.toMatch(/I give you a \*Use my IP\* link/);
    await e2e.stop();
    e2e = await startE2E({ env: { JIT_PUBLIC_URL: PUBLIC } });
    expect(await e2e.command('UREQ', 'help request')).toMatch(/I give you a \*Use my IP\* link/);
  });

  it('explainWithMe_withPublicUrl_handsOutALinkToRecordTheAddress', async () => {
    e2e = await startE2E({ env: { JIT_PUBLIC_URL: PUBLIC } });
    const reply = await e2e.command('UREQ', 'explain web-1 22 me 1h');
    const url = /<(https:\/\/jit\.example\.test\/jit\/my-ip\/[^|>]+)\|Use my IP>/.exec(reply)?.[1];
    expect(url).toBeDefined();
    expect(reply).toContain('`/jit explain web-1 22 me 1h` again');
    await fetch(url!.replace(PUBLIC, e2e.baseUrl), { method: 'POST' });
    expect(await e2e.command('UREQ', 'explain web-1 22 me 1h')).toMatch(/Decision: needs 1 approval/);
  });
});

describe('the reply to a request', () => {
  it('anySource_getsAVisibleWarning_aNarrowSourceDoesNot', async () => {
    e2e = await startE2E();
    const any = await e2e.command('UREQ', 'request web-1 22 * 1h');
    expect(any).toMatch(/:warning: \*Open to any address\*/);
    const zero = await e2e.command('UREQ', 'request db-1 5432 0.0.0.0/0 1h');
    expect(zero).toMatch(/:warning: \*Open to any address\*/);
    const narrow = await e2e.command('UREQ', 'request web-1 22 198.51.100.7 1h');
    requestIdIn(narrow);
    expect(narrow).not.toContain(':warning:');
  });

  it('anySource_severalVms_theBatchReplyWarnsToo', async () => {
    e2e = await startE2E();
    const reply = await e2e.command('UREQ', 'request web-1,db-1 22,5432 * 1h');
    expect(reply).toMatch(/:warning: \*Open to any address\*/);
  });
});

describe('people in the rule engine’s sentences', () => {
  it('explain_namesApproversAndRequesters_asMentions', async () => {
    e2e = await startE2E({
      groups: { S0123SRE: ['UAPPROVER2'], S0123LEADS: ['ULEAD'] },
      policy: `approvers: [UAPPROVER1]
virtualMachines:
  - id: web-1
    ports: [{number: 22, protocol: TCP, allowedSourceAddressPrefix: "*", maxRequestAccessDuration: PT3H}]
rules:
  - name: leads
    match: {requesters: [U0123ALICE, S0123LEADS]}
    effect: approve
  - name: prod
    match: {}
    effect: require_approval
    approvers: [UAPPROVER1, S0123SRE]
`,
    });
    const reply = await e2e.command('UREQ', 'explain web-1 22 198.51.100.7 1h');
    expect(reply).toContain('Decision: needs 1 approval from <@UAPPROVER1> or a member of <!subteam^S0123SRE> (rule prod)');
    expect(reply).toContain('rule leads did not match: requester is not <@U0123ALICE> or a member of <!subteam^S0123LEADS>');
  });
});

describe('/jit vms', () => {
  it('vms_noMatch_saysSo_andWhatToTry', async () => {
    e2e = await startE2E();
    const reply = await e2e.command('UREQ', 'vms nosuch');
    expect(reply).toBe('No VM matches `nosuch`. `/jit vms` lists every VM; `*` matches any characters, as in `/jit vms web-*`.');
  });
});

describe('the my-IP page', () => {
  it('myIpPage_showsWhatConfirmingWillRequest', async () => {
    e2e = await startE2E({ env: { JIT_PUBLIC_URL: PUBLIC } });
    const reply = await e2e.command('UREQ', 'request web-1,db-1 22,5432 me 90m deploy <b>hotfix</b>');
    const url = /<(https:\/\/jit\.example\.test\/jit\/my-ip\/[^|>]+)\|Use my IP>/.exec(reply)?.[1];
    const page = await (await fetch(url!.replace(PUBLIC, e2e.baseUrl))).text();
    expect(page).toContain('<dt>VMs</dt><dd>web-1, db-1</dd>');
    expect(page).toContain('<dt>Ports</dt><dd>22, 5432</dd>');
    expect(page).toContain('<dt>Duration</dt><dd>1h 30m</dd>');
    expect(page).toContain('<dt>Source</dt><dd>127.0.0.1</dd>');
    expect(page).toContain('<dt>Justification</dt><dd>deploy &lt;b&gt;hotfix&lt;/b&gt;</dd>');
    expect(page).toContain('Use 127.0.0.1');
    expect(await e2e.bot.workflow.openRequestsOf('UREQ')).toEqual([]);
  });
});

// ARM's ways of saying "not now" or "not like that", and how the backend copes:
// stale ETags and taken priorities are re-read and retried by us; 429 and 5xx
// are retried by the SDK's own policy (honouring Retry-After), which we verify
// here rather than take on trust.

import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { FakeArm } from '../../support/fake-arm.js';
import { addVm, backendFor, grantFor, protectedPorts, recordingLogger, ruleNames, SSH, type TestVm } from './harness.js';

let fake: FakeArm;
let vm: TestVm;
let counter = 0;
let nsgPath: RegExp;

beforeAll(async () => {
  fake = await FakeArm.start();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  counter += 1;
  vm = addVm(fake, `db-${counter}`, `10.2.0.${counter}`);
  nsgPath = new RegExp(`/networkSecurityGroups/${vm.name}-nsg$`);
});

const handRule = {
  priority: 3000,
  direction: 'Inbound',
  access: 'Allow',
  protocol: 'Tcp',
  destinationPortRange: '8080',
  sourceAddressPrefix: '*',
  destinationAddressPrefix: '*',
};

it('open_whenAnotherWriterChangesTheNsgBetweenReadAndWrite_getsA412_readsAgain_andKeepsTheirRule', async () => {
  const backend = backendFor(fake);
  // Someone edits the NSG right after our read: our PUT carries a stale ETag.
  fake.after('GET', nsgPath, () => fake.world.addRuleByHand(vm.nicNsgId!, { name: 'their-rule', ...handRule }));
  await backend.open(grantFor(vm, 'abc234', [SSH]));
  const puts = fake.writes(nsgPath);
  expect(puts.map((p) => p.status)).toEqual([412, 200]);
  expect(ruleNames(fake, vm.nicNsgId!)).toEqual(['jit-allow-abc234-22-tcp', 'their-rule']);
  const ours = fake.world.rules(vm.nicNsgId!).find((r) => r.name === 'jit-allow-abc234-22-tcp')!;
  expect(ours.properties.priority).toBe(3001);
});

it('open_whenArmReportsASecurityRuleConflict_readsAgain_andRetries', async () => {
  fake.failNext({
    method: 'PUT',
    path: nsgPath,
    status: 400,
    code: 'SecurityRuleConflict',
    message:
      'Security rule other conflicts with rule jit-allow-abc234-22-tcp. Rules cannot have the same Priority and Direction. To learn more, see aka.ms/nsgrules.',
  });
  await backendFor(fake).open(grantFor(vm, 'abc234', [SSH]));
  expect(fake.writes(nsgPath).map((p) => p.status)).toEqual([400, 200]);
  expect(ruleNames(fake, vm.nicNsgId!)).toEqual(['jit-allow-abc234-22-tcp']);
});

it('open_whenAnotherOperationIsInProgress_retries', async () => {
  fake.failNext({
    method: 'PUT',
    path: nsgPath,
    status: 409,
    code: 'AnotherOperationInProgress',
    message: 'Another operation on this or dependent resource is in progress.',
  });
  await backendFor(fake).open(grantFor(vm, 'abc234', [SSH]));
  expect(fake.writes(nsgPath).map((p) => p.status)).toEqual([409, 200]);
});

it('open_whenThrottledWithRetryAfter_waitsThatLongBeforeRetrying', async () => {
  fake.failNext({ method: 'PUT', path: nsgPath, status: 429, retryAfter: 1, message: 'Too many requests.' });
  await backendFor(fake).open(grantFor(vm, 'abc234', [SSH]));
  const [throttled, retried] = fake.writes(nsgPath);
  expect([throttled?.status, retried?.status]).toEqual([429, 200]);
  expect(retried!.at - throttled!.at).toBeGreaterThanOrEqual(950);
});

it('reads_whenThrottledWithRetryAfter_areRetriedByTheSdk', async () => {
  fake.failNext({ method: 'GET', path: /virtualMachines\/db-\d+$/, status: 429, retryAfter: 1 });
  const started = Date.now();
  await backendFor(fake).protect(protectedPorts(vm, [SSH]));
  expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  expect(ruleNames(fake, vm.nicNsgId!)).toEqual([`jit-deny-${vm.privateIp}-22-tcp`]);
});

it('serverErrors_onReadsWritesAndPolls_areRetriedWithBackoff', async () => {
  fake.failNext({ method: 'GET', path: nsgPath, status: 500, times: 2 });
  fake.failNext({ method: 'PUT', path: nsgPath, status: 503 });
  fake.failNext({ method: 'GET', path: /\/operations\//, status: 502 });
  const from = fake.requests.length;
  await backendFor(fake).open(grantFor(vm, 'abc234', [SSH]));
  expect(ruleNames(fake, vm.nicNsgId!)).toEqual(['jit-allow-abc234-22-tcp']);
  expect(
    fake.requests
      .slice(from)
      .filter((r) => r.scripted)
      .map((r) => r.status),
  ).toEqual([500, 500, 503, 502]);
});

it('serverErrors_thatOutlastTheRetries_failTheOpen_withArmsMessage_andLeaveNothingBehind', async () => {
  fake.failNext({ method: 'PUT', path: nsgPath, status: 500, times: 4, code: 'InternalServerError', message: 'Backend is down.' });
  const logger = recordingLogger();
  await expect(backendFor(fake, { logger }).open(grantFor(vm, 'abc234', [SSH]))).rejects.toThrow(
    /could not open TCP 22 on db-\d+ for request abc234: NSG db-\d+-nsg: ARM refused the change \(open abc234\): HTTP 500 InternalServerError: Backend is down/,
  );
  expect(ruleNames(fake, vm.nicNsgId!)).toEqual([]);
});

it('conflicts_thatNeverEnd_giveUpAfterTheConfiguredAttempts', async () => {
  fake.failNext({ method: 'PUT', path: nsgPath, status: 412, code: 'PreconditionFailed', times: 3 });
  const backend = backendFor(fake, { conflictRetry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 } });
  await expect(backend.open(grantFor(vm, 'abc234', [SSH]))).rejects.toThrow(/gave up after 3 attempts, another writer kept changing it/);
  expect(ruleNames(fake, vm.nicNsgId!)).toEqual([]);
});

it('everyRequest_carriesABearerTokenAndAnApiVersion', async () => {
  await backendFor(fake).open(grantFor(vm, 'abc234', [SSH]));
  const mine = fake.requests.filter((r) => r.path.includes(vm.name) || r.path.includes('/operations/'));
  expect(mine.every((r) => r.status !== 401 && /^\d{4}-\d{2}-\d{2}/.test(r.apiVersion ?? ''))).toBe(true);
});

it('aWriteArmNeverConfirms_givesUpAfterTheTimeout_rollsBack_andLaterChangesToThatNsgStillGoThrough', async () => {
  fake.stallNextOperation();
  const backend = backendFor(fake, { timeoutMs: 300 });
  const started = Date.now();
  const [first, second] = await Promise.allSettled([backend.open(grantFor(vm, 'abc234', [SSH])), backend.open(grantFor(vm, 'def234', [SSH]))]);
  expect(first).toMatchObject({ status: 'rejected', reason: { message: expect.stringMatching(/accepted the change \(open abc234\) but did not confirm it/) } });
  expect(second.status).toBe('fulfilled');
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(ruleNames(fake, vm.nicNsgId!)).toEqual(['jit-allow-def234-22-tcp']);
});

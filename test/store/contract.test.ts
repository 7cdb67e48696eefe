// The Store port's contract, run against every engine: the SQLite adapter and
// its in-memory twin behave alike, test for test.

import { auditContract } from './contract/audit.js';
import { batchContract } from './contract/batch.js';
import { batchTransitionsContract } from './contract/batch-transitions.js';
import { claimsContract } from './contract/claims.js';
import { copiesContract } from './contract/copies.js';
import { describeContract } from './contract/engine.js';
import { ENGINES } from './contract/engines.js';
import { integrityContract } from './contract/integrity.js';
import { leasesContract } from './contract/leases.js';
import { lifecycleContract } from './contract/lifecycle.js';
import { outboxContract } from './contract/outbox.js';
import { overlayContract } from './contract/overlay.js';
import { recentContract } from './contract/recent.js';
import { requestsContract } from './contract/requests.js';
import { sourceLinksContract } from './contract/source-links.js';

const SUITES = [
  requestsContract,
  batchContract,
  batchTransitionsContract,
  integrityContract,
  copiesContract,
  auditContract,
  outboxContract,
  overlayContract,
  sourceLinksContract,
  lifecycleContract,
  claimsContract,
  leasesContract,
  recentContract,
];

for (const engine of ENGINES) describeContract(engine, SUITES);

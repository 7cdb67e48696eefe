// The Store port's contract, run against every engine: the SQLite adapter and
// its in-memory twin behave alike, test for test.

import { auditContract } from './contract/audit.js';
import { batchContract } from './contract/batch.js';
import { copiesContract } from './contract/copies.js';
import { describeContract } from './contract/engine.js';
import { ENGINES } from './contract/engines.js';
import { integrityContract } from './contract/integrity.js';
import { lifecycleContract } from './contract/lifecycle.js';
import { outboxContract } from './contract/outbox.js';
import { overlayContract } from './contract/overlay.js';
import { requestsContract } from './contract/requests.js';
import { sourceLinksContract } from './contract/source-links.js';

const SUITES = [
  requestsContract,
  batchContract,
  integrityContract,
  copiesContract,
  auditContract,
  outboxContract,
  overlayContract,
  sourceLinksContract,
  lifecycleContract,
];

for (const engine of ENGINES) describeContract(engine, SUITES);

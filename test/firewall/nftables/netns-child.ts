// A stand-in for the bot in the SIGKILL test: protects a port, opens a grant,
// says so, then waits to be killed. Args: <gw namespace> <vm address> <source> <grant ms>.

import { NftablesBackend } from '../../../src/firewall/nftables/backend.js';

const [gw, address, source, grantMs] = process.argv.slice(2) as [string, string, string, string];
const backend = new NftablesBackend({ command: ['ip', 'netns', 'exec', gw, 'nft'] });
const port = { vmId: 'vm', vmName: 'vm', address, port: 22, protocol: 'TCP' as const };

await backend.protect([port]);
const endAt = Date.now() + Number(grantMs);
await backend.open({ requestId: 'killed', vmId: 'vm', vmName: 'vm', address, ports: [{ number: 22, protocol: 'TCP' }], source, endAt });
process.stdout.write(`opened ${endAt}\n`);
setInterval(() => undefined, 60_000);

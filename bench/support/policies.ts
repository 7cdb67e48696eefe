// Policies the benchmarks run the bot with.

/** One VM, one port open to any source for up to three hours; who approves, and an optional rule list. */
export function singleVmPolicy(options: { address: string; backend?: string; rules?: string }): string {
  return `approvers: [UAPPROVER1, UAPPROVER2]
${options.rules ?? ''}
virtualMachines:
  - id: /subscriptions/0000/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/web-1
    address: ${options.address}
${options.backend ? `    backend: ${options.backend}\n` : ''}    ports:
      - number: 22
        protocol: TCP
        allowedSourceAddressPrefix: "*"
        maxRequestAccessDuration: PT3H
`;
}

/** Every request is approved by the rule engine at once (expiry benchmarks want grants, not approvers). */
export const AUTO_APPROVE = `rules:
  - name: auto
    match: {vms: ["web-*"]}
    effect: approve
`;

/** A distinct /32 for grant `i` in 198.18.0.0/15 (the benchmarking range), so no two grants overlap. */
export function benchSource(i: number): string {
  return `198.${18 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
}

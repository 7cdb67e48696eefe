// `/jit audit [vm] [--days N]`: the words after `audit`, in any order. Pure.

import { VM_NAME } from '../domain/policy/schema.js';
import type { JitCommand } from './jit-command.js';

export const DEFAULT_AUDIT_DAYS = 30;
export const MAX_AUDIT_DAYS = 366;

const USAGE = `Usage: \`/jit audit [vm] [--days N]\`, e.g. \`/jit audit web-1 --days 7\`: the activity log as a CSV file in your DM (default the last ${DEFAULT_AUDIT_DAYS} days, every VM).`;

export function auditCommand(args: readonly string[]): JitCommand {
  let vm: string | undefined;
  let days: number | undefined;
  for (let i = 0; i < args.length; i += 1) {
    const word = args[i] ?? '';
    const flag = /^(?:--|—|–)days(?:=(.*))?$/i.exec(word);
    if (flag) {
      if (days !== undefined) return invalid('`--days` is given twice: give it once.');
      const value = flag[1] ?? args[(i += 1)];
      if (value === undefined || !/^\d{1,4}$/.test(value) || Number(value) < 1 || Number(value) > MAX_AUDIT_DAYS) {
        return invalid(`\`--days\` takes a whole number of days from 1 to ${MAX_AUDIT_DAYS}, e.g. \`--days 7\`.`);
      }
      days = Number(value);
    } else if (word.startsWith('-')) {
      return invalid(`\`${word.slice(0, 40)}\` is not an option of /jit audit. ${USAGE}`);
    } else if (vm !== undefined) {
      return invalid(`/jit audit takes at most one VM. ${USAGE}`);
    } else if (!VM_NAME.test(word)) {
      return invalid(`\`${word.slice(0, 40)}\` is not a VM name (letters, digits, \`.\`, \`_\`, \`-\`). ${USAGE}`);
    } else {
      vm = word;
    }
  }
  return { kind: 'audit', days: days ?? DEFAULT_AUDIT_DAYS, ...(vm === undefined ? {} : { vm }) };
}

function invalid(message: string): JitCommand {
  return { kind: 'invalid', message };
}

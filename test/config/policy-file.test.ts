import { fileURLToPath } from 'node:url';
import { describe, it, expect } from 'vitest';
import { loadPolicyFile } from '../../src/config/policy-file.js';
import { formatPolicyProblems } from '../../src/domain/policy/parse.js';

const fixtures = fileURLToPath(new URL('../fixtures/policies/', import.meta.url));
const at = (name: string): string => `${fixtures}${name}`;

describe('loadPolicyFile reads each format', () => {
  const rows: [behaviour: string, file: string, names: string[]][] = [
    ['jsonExtension_isReadAsJson', 'azure-get.json', ['web1', 'win-db']],
    ['yamlExtension_isReadAsYaml', 'native.yaml', ['web-1', 'db-1']],
    ['noExtensionWithJson_isReadAsJson', 'no-extension-json', ['plain']],
    ['noExtensionWithYaml_fallsBackToYaml', 'no-extension-yaml', ['plain']],
  ];
  it.each(rows)('%s', (_behaviour, file, names) => {
    const result = loadPolicyFile(at(file));
    if (!result.ok) throw new Error(formatPolicyProblems(result.problems));
    expect(result.policy.vms.map((vm) => vm.name)).toEqual(names);
  });
});

describe('loadPolicyFile reports what is wrong with the file', () => {
  const rows: [behaviour: string, file: string, path: string, message: string][] = [
    [
      'missingFile_namesItAndSaysWhatToDo',
      'does-not-exist.yaml',
      '(file)',
      `cannot read ${at('does-not-exist.yaml')}: no such file; set JIT_POLICY to the path of a readable YAML or JSON policy file`,
    ],
    ['directory_isNotAFile', '', '(file)', 'it is a directory, not a file'],
    ['jsonSyntaxError_usesTheJsonParser', 'broken-syntax.json', '(file)', 'invalid JSON at line 3, column 34'],
    ['yamlSyntaxError_usesTheYamlParser', 'broken-syntax.yaml', '(file)', 'invalid YAML at line'],
    ['noExtensionAndNeitherFormat_reportsTheYamlError', 'no-extension-broken', '(file)', 'invalid YAML at line'],
    ['emptyFile_saysWhatItNeeds', 'empty.yaml', '(file)', 'the policy is empty'],
    ['invalidPolicy_reportsItsFirstProblemByPath', 'broken-native.yaml', 'approvers[0]', 'got `alice`'],
  ];
  it.each(rows)('%s', (_behaviour, file, path, message) => {
    const result = loadPolicyFile(at(file));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems[0]?.path).toBe(path);
    expect(result.problems[0]?.message).toContain(message);
  });
});

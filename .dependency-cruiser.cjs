// The layering of DESIGN.md and docs/architecture.md, checked by `npm test`
// (`npm run layers`): a wrong arrow fails CI.
//
//   domain/    pure: imports only domain/ and pure libraries (zod, yaml, ip-cidr)
//   ports/     the interfaces the core owns, with their in-memory twins: domain/, ports/
//   workflow/  the core (use cases, the one commit path): domain/, ports/, workflow/
//   adapters   store/ firewall/ slack/ http/ scheduler/ cli/ config/ metrics/ oncall/ events/ log.ts:
//              domain/, ports/, workflow/ and their own folder, never another adapter
//   composition root  main.ts bot.ts compose/ and the CLI's entry scripts
//              (cli/jit.ts, cli/verify-audit.ts, cli/policy-export.ts):
//              the only place that builds adapters from the configuration
const ROOTS = '^src/(main|bot)[.]ts$|^src/compose/|^src/cli/(jit|verify-audit|policy-export)[.]ts$';

/**
 * Each adapter folder, and what it may import besides domain/, ports/,
 * workflow/ and itself: the CLI's `jit policy check` reads a policy file the
 * way the bot does (config/policy-file.ts).
 */
const ADAPTERS = { store: '', firewall: '', slack: '', http: '', scheduler: '', cli: '|config/policy-file[.]ts$', config: '', metrics: '', oncall: '', events: '' };

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'A cycle makes the load order matter and the layers meaningless.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-is-pure',
      comment: 'domain/ imports only domain/ and pure libraries: no I/O, no adapter, no clock read.',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: {
        pathNot: '^src/domain/|^node_modules/(zod|yaml|ip-cidr)/|^crypto$|^node:crypto$',
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'domain-types-are-domain',
      comment: 'Even a type-only import from the domain stays inside it.',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { path: '^src/(?!domain/)' },
    },
    {
      name: 'ports-import-domain-only',
      comment: 'A port is an interface the core owns; it knows the domain and nothing else.',
      severity: 'error',
      from: { path: '^src/ports/' },
      to: { path: '^src/(?!domain/|ports/)' },
    },
    {
      name: 'core-imports-no-adapter',
      comment: 'workflow/ talks to the world only through ports/.',
      severity: 'error',
      from: { path: '^src/workflow/' },
      to: { path: '^src/(?!domain/|ports/|workflow/)' },
    },
    {
      name: 'core-imports-no-io-library',
      comment: 'Slack, SQLite, Azure, cron and the file system belong to adapters.',
      severity: 'error',
      from: { path: '^src/(domain|ports|workflow)/' },
      to: {
        path: '^node_modules/(@slack|better-sqlite3|@azure|node-cron)/|^(node:)?(fs|child_process|http|https|net)$',
      },
    },
    ...Object.entries(ADAPTERS).map(([own, also]) => ({
      name: `adapter-${own}-imports-no-other-adapter`,
      comment: `${own}/ may use domain/, ports/, workflow/ and itself; another adapter is reached through a port, wired in the composition root.`,
      severity: 'error',
      from: { path: `^src/${own}/`, pathNot: ROOTS },
      to: { path: `^src/(?!domain/|ports/|workflow/|${own}/${also})` },
    })),
    {
      name: 'nothing-imports-the-composition-root',
      comment: 'The composition root builds everything; nothing but an entry script reaches into it.',
      severity: 'error',
      from: { pathNot: ROOTS },
      to: { path: ROOTS },
    },
    {
      name: 'log-is-an-adapter',
      comment: 'The logger is handed in as the Logger port; only the composition root builds it.',
      severity: 'error',
      from: { path: '^src/', pathNot: `${ROOTS}|^src/log[.]ts$` },
      to: { path: '^src/log[.]ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/|^node_modules/|^(node:)?[a-z_/]+$',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
    exclude: { path: 'node_modules/.*/node_modules' },
  },
};

// The check checks itself: it runs check.mjs on two tiny schemas and a few changelogs, and
// asserts that it fails where it must (an unannounced breaking change, an undated
// deprecation) and passes where it must. `node test.mjs`; exit status 1 on any mismatch.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CHECK = join(dirname(fileURLToPath(import.meta.url)), 'check.mjs');
const dir = mkdtempSync(join(tmpdir(), 'schema-check-test-'));

const OLD = `
type Query {
  users: [User!]!
  articles(first: Int, orderBy: Order): [String!]!
  settings: Boolean!
}
type User { id: ID! name: String! }
enum Order { NEWEST OLDEST }
`;

// Breaking: Query.users changes type, Query.articles(orderBy:) changes type, Order goes.
// Safe: Query.sections is new.
const NEW = `
type Query {
  users(first: Int): UserConnection
  articles(first: Int, orderBy: ArticleOrder): [String!]!
  settings: Boolean!
  sections: [String!]!
}
type User { id: ID! name: String! }
type UserConnection { nodes: [User!]! }
input ArticleOrder { field: String! }
`;

const NEW_DEPRECATED = (reason) =>
  NEW.replace('sections: [String!]!', `sections: [String!]! @deprecated(reason: "${reason}")`);

function run(name, { schema, changelog }) {
  writeFileSync(join(dir, 'old.graphql'), OLD);
  writeFileSync(join(dir, 'new.graphql'), schema);
  writeFileSync(join(dir, 'CHANGELOG.md'), changelog);
  const r = spawnSync(
    process.execPath,
    [CHECK, '--old', join(dir, 'old.graphql'), '--new', join(dir, 'new.graphql'), '--changelog', join(dir, 'CHANGELOG.md')],
    { encoding: 'utf8' },
  );
  return { name, status: r.status, out: `${r.stdout}${r.stderr}` };
}

const ALL = `# Changelog

## [Unreleased]

### Changed
- \`Query.users\` is now a page, null unless admin.
- \`Query.articles(orderBy:)\` takes an \`ArticleOrder\`.

### Removed
- \`Order\`: use \`ArticleOrder\`.

## 0.1.0 - 2025-01-01

- \`Query.sections\` (an old section must not count)
`;

const cases = [
  {
    ...run('an unannounced breaking change fails', {
      schema: NEW,
      changelog: ALL.replace('- `Query.users` is now a page, null unless admin.\n', ''),
    }),
    expect: 1,
    mustSay: ['`Query.users`', 'not announced'],
    mustNotSay: ['`Order`'],
  },
  {
    ...run('a coordinate named only under a released version fails', {
      schema: NEW,
      changelog: ALL.replace('- `Order`: use `ArticleOrder`.\n', '').replace('## 0.1.0 - 2025-01-01', '## 0.1.0 - 2025-01-01\n- `Order`'),
    }),
    expect: 1,
    mustSay: ['`Order`'],
  },
  {
    ...run('no changelog section fails', { schema: NEW, changelog: '# Changelog\n' }),
    expect: 1,
    mustSay: ['`Query.users`', '`Query.articles(orderBy:)`', '`Order`'],
  },
  {
    ...run('every breaking change announced passes', { schema: NEW, changelog: ALL }),
    expect: 0,
    mustSay: ['OK'],
  },
  {
    ...run('an argument is announced by its field', {
      schema: NEW,
      changelog: ALL.replace('`Query.articles(orderBy:)`', '`Query.articles`'),
    }),
    expect: 0,
  },
  {
    ...run('a deprecation without a date fails', {
      schema: NEW_DEPRECATED('Use navigation instead.'),
      changelog: ALL,
    }),
    expect: 1,
    mustSay: ['Query.sections', 'without a date'],
  },
  {
    ...run('a deprecation with an impossible date fails', {
      schema: NEW_DEPRECATED('Since 2025-13-45: use navigation.'),
      changelog: ALL,
    }),
    expect: 1,
    mustSay: ['Query.sections'],
  },
  {
    ...run('a dated deprecation passes', {
      schema: NEW_DEPRECATED('Deprecated 2025-06-01: use navigation; removed in 0.3.'),
      changelog: ALL,
    }),
    expect: 0,
  },
];

let bad = 0;
for (const c of cases) {
  const problems = [];
  if (c.status !== c.expect) problems.push(`exit ${c.status}, expected ${c.expect}`);
  for (const s of c.mustSay ?? []) if (!c.out.includes(s)) problems.push(`output lacks ${s}`);
  for (const s of c.mustNotSay ?? []) if (c.out.includes(s)) problems.push(`output has ${s}`);
  if (process.env.VERBOSE) console.log(c.out.replace(/^/gm, "  | "));
  console.log(`${problems.length ? 'not ok' : 'ok'} - ${c.name} (exit ${c.status})`);
  if (problems.length) {
    bad += 1;
    console.log(`  ${problems.join('; ')}\n${c.out.replace(/^/gm, '  | ')}`);
  }
}
rmSync(dir, { recursive: true, force: true });
console.log(bad ? `schema-check self-test: ${bad} of ${cases.length} failed` : `schema-check self-test: all ${cases.length} passed`);
process.exit(bad ? 1 : 0);

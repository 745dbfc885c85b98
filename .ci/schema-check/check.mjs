// The breaking-change check: compares the schema of the last release with the one in the
// working tree, using @graphql-inspector/core's `diff`, and fails
//
//   - on every BREAKING change whose schema coordinate (`Query.users`, `UserError.field`,
//     `Query.articles(orderBy:)`, `ArticleOrderBy`, `ArticleStatus.DRAFT`) is not named in
//     backticks in the `## Unreleased` section of the changelog, and
//   - on every `@deprecated` whose reason carries no date (YYYY-MM-DD): a frontend team needs
//     to know since when, to plan when the field goes.
//
// An argument's change is also announced by naming its field (`Query.articles` covers
// `Query.articles(orderBy:)`). Dangerous changes (a new enum value an old client may not
// know, a new optional argument with another default…) are listed but do not fail.
//
//   node check.mjs [--old schema/released/v0.1.graphql] [--new schema.graphql]
//                  [--changelog CHANGELOG.md]
//
// Paths are relative to the repository root unless absolute. Exit status: 0 when every
// breaking change is announced and every deprecation is dated, 1 when not, 2 on bad usage.

import { diff, CriticalityLevel } from '@graphql-inspector/core';
import {
  buildSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
} from 'graphql';
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function parseArgs(argv) {
  const opts = {
    old: 'schema/released/v0.1.graphql',
    new: 'schema.graphql',
    changelog: 'CHANGELOG.md',
  };
  for (let i = 0; i < argv.length; i += 1) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in opts) || argv[i + 1] === undefined) {
      console.error(`usage: check.mjs [--old FILE] [--new FILE] [--changelog FILE] (bad: ${argv[i]})`);
      process.exit(2);
    }
    opts[key] = argv[i + 1];
    i += 1;
  }
  for (const key of Object.keys(opts)) opts[key] = resolve(ROOT, opts[key]);
  return opts;
}

function loadSchema(file) {
  try {
    return buildSchema(readFileSync(file, 'utf8'));
  } catch (err) {
    console.error(`schema-check: cannot read ${file}: ${err.message}`);
    process.exit(2);
  }
}

// The inspector's paths are `Type`, `Type.field`, `Enum.VALUE`, `Input.field`,
// `Type.field.argument`, `@directive` and `@directive.argument`. Schema coordinates (the
// GraphQL spec's names for them) write an argument as `Type.field(argument:)`.
export function coordinateOf(path) {
  if (!path) return null;
  const parts = path.split('.');
  if (parts[0].startsWith('@')) {
    return parts.length === 2 ? `${parts[0]}(${parts[1]}:)` : parts[0];
  }
  if (parts.length === 3) return `${parts[0]}.${parts[1]}(${parts[2]}:)`;
  return path;
}

// What announces a coordinate: itself, and for an argument, its field.
function announcers(coordinate) {
  const names = [coordinate];
  const arg = /^([^(]+)\([^)]*:\)$/.exec(coordinate);
  if (arg) names.push(arg[1]);
  return names;
}

// The `## Unreleased` (or `## [Unreleased]`) section, up to the next `## ` heading.
export function unreleasedSection(markdown) {
  const lines = markdown.split(/\r?\n/);
  const start = lines.findIndex((l) => /^##\s+\[?unreleased\]?\s*$/i.test(l.trim()));
  if (start === -1) return null;
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((l) => /^##\s/.test(l));
  return (end === -1 ? rest : rest.slice(0, end)).join('\n');
}

// Every coordinate that opens a backticked span: `Query.users`, `Query.users: [User!]!`,
// `Query.articles(orderBy:)`, `ArticleOrderBy`, `@deprecated`. Fenced code blocks are skipped.
const COORDINATE = /^@?[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?(?:\([A-Za-z_][A-Za-z0-9_]*:\))?/;
export function announcedCoordinates(section) {
  const names = new Set();
  const prose = section.replace(/^```[\s\S]*?^```/gm, '');
  for (const match of prose.matchAll(/`([^`\n]+)`/g)) {
    const name = COORDINATE.exec(match[1].trim());
    if (name) names.add(name[0]);
  }
  return names;
}

// Every deprecation in the schema, with its coordinate and reason.
function deprecations(schema) {
  const found = [];
  const note = (coordinate, reason) => {
    if (reason != null) found.push({ coordinate, reason });
  };
  for (const type of Object.values(schema.getTypeMap())) {
    if (isIntrospectionType(type)) continue;
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        note(`${type.name}.${field.name}`, field.deprecationReason);
        for (const arg of field.args) {
          note(`${type.name}.${field.name}(${arg.name}:)`, arg.deprecationReason);
        }
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        note(`${type.name}.${field.name}`, field.deprecationReason);
      }
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) {
        note(`${type.name}.${value.name}`, value.deprecationReason);
      }
    }
  }
  for (const directive of schema.getDirectives()) {
    for (const arg of directive.args) {
      note(`@${directive.name}(${arg.name}:)`, arg.deprecationReason);
    }
  }
  return found;
}

const DATE = /\b(\d{4})-(\d{2})-(\d{2})\b/;
function hasDate(reason) {
  const m = DATE.exec(reason);
  if (!m) return false;
  const d = new Date(`${m[1]}-${m[2]}-${m[3]}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(m[0]);
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const oldSchema = loadSchema(opts.old);
  const newSchema = loadSchema(opts.new);
  let changelog = '';
  try {
    changelog = readFileSync(opts.changelog, 'utf8');
  } catch {
    console.error(`schema-check: no changelog at ${relative(process.cwd(), opts.changelog)}`);
  }
  const section = unreleasedSection(changelog);
  const announced = section === null ? new Set() : announcedCoordinates(section);

  const changes = await diff(oldSchema, newSchema);
  const show = (file) => relative(process.cwd(), file) || file;
  const breaking = changes.filter((c) => c.criticality.level === CriticalityLevel.Breaking);
  const dangerous = changes.filter((c) => c.criticality.level === CriticalityLevel.Dangerous);

  console.log(`schema-check: ${show(opts.old)} -> ${show(opts.new)}`);
  console.log(
    `  ${changes.length} changes: ${breaking.length} breaking, ${dangerous.length} dangerous, ` +
      `${changes.length - breaking.length - dangerous.length} safe`,
  );

  const unannounced = [];
  const covered = new Set();
  for (const change of breaking) {
    const coordinate = coordinateOf(change.path) ?? change.type;
    const by = announcers(coordinate).find((name) => announced.has(name));
    if (by) covered.add(by);
    else unannounced.push({ coordinate, change });
  }
  for (const change of dangerous) {
    console.log(`  dangerous: ${coordinateOf(change.path) ?? change.type}: ${change.message}`);
  }

  const undated = deprecations(newSchema).filter((d) => !hasDate(d.reason));

  let failed = false;
  if (breaking.length > 0 && section === null) {
    console.error(`FAIL: ${show(opts.changelog)} has no "## Unreleased" section to announce breaking changes in`);
  }
  if (unannounced.length > 0) {
    failed = true;
    console.error(
      `FAIL: ${unannounced.length} breaking change(s) not announced in the "## Unreleased" section of ` +
        `${show(opts.changelog)}. Name each coordinate in backticks there, with what a client does instead:`,
    );
    for (const { coordinate, change } of unannounced) {
      console.error(`  \`${coordinate}\`  ${change.type}: ${change.message}`);
    }
  }
  if (undated.length > 0) {
    failed = true;
    console.error(`FAIL: ${undated.length} @deprecated reason(s) without a date (YYYY-MM-DD):`);
    for (const { coordinate, reason } of undated) console.error(`  ${coordinate}: "${reason}"`);
  }
  if (!failed) {
    console.log(
      `OK: ${breaking.length} breaking change(s), every one announced in CHANGELOG.md; ` +
        `every deprecation is dated`,
    );
  }
  process.exit(failed ? 1 : 0);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}

// After codegen, checks that no generated type is `any` or `unknown` anywhere, and that
// every custom scalar of the schema (DateTime, URL, HTML) is mapped to `string` in
// codegen.ts. `npm run typecheck` runs it after `tsc`; src/strict-types.ts checks the same
// at the type level for the fields the pages use.
import { readFileSync } from 'node:fs';
import { buildSchema, isScalarType, isSpecifiedScalarType } from 'graphql';
import config from '../codegen';

const problems: string[] = [];

// Every exported type statement: `export type Name = …;` (one line, or a union over several).
const generated = readFileSync(new URL('../src/gql/graphql.ts', import.meta.url), 'utf8');
const statements = [...generated.matchAll(/^export type (\w+)[^\n]*(?:\n(?!export |type |\/\*\*|$)[^\n]*)*/gm)];
if (statements.length === 0) problems.push('no exported types found: run `npm run codegen` first');
for (const [statement, name] of statements) {
  const code = statement.replace(/\/\*\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
  if (/\b(any|unknown)\b/.test(code)) problems.push(`${name} has any/unknown: ${code.trim().slice(0, 160)}…`);
}

// Each custom scalar of the schema must be mapped to string.
const schemaSource = String(config.schema);
const mapped: Record<string, unknown> = {};
for (const output of Object.values(config.generates)) {
  const scalars = (output as { config?: { scalars?: Record<string, unknown> } }).config?.scalars;
  Object.assign(mapped, scalars);
}
const scalars: string[] = [];
if (!/^https?:/.test(schemaSource)) {
  const schema = buildSchema(readFileSync(new URL(schemaSource, new URL('../', import.meta.url)), 'utf8'));
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isScalarType(type) || isSpecifiedScalarType(type)) continue;
    scalars.push(type.name);
    const to = mapped[type.name];
    const ok = to === 'string' || (typeof to === 'object' && to !== null && Object.values(to).every((t) => t === 'string'));
    if (!ok) problems.push(`scalar ${type.name} is mapped to ${JSON.stringify(to)} in codegen.ts, not string`);
  }
}

if (problems.length > 0) {
  console.error(`src/gql/graphql.ts:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
const mapping = /^https?:/.test(schemaSource)
  ? 'scalar mapping not checked (schema read from a server)'
  : `scalars ${scalars.join(', ')} map to string`;
console.log(`generated types: ${statements.length}, none any/unknown; ${mapping}`);

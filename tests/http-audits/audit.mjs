#!/usr/bin/env node
// Runs the graphql-http server audits (GraphQL over HTTP spec conformance)
// against a running server.
//
//   cd tests/http-audits && npm ci   # or: npm install
//   node audit.mjs http://127.0.0.1:8080/graphql
//
// Prints one line per audit and a summary. Exits 0 only if EVERY audit
// (MUST, SHOULD and MAY) is "ok"; warnings (failed SHOULDs) and notices
// (failed MAYs) count as failures, as do fatal errors (e.g. connection
// refused, timeouts).

import { serverAudits } from 'graphql-http';

const url = process.argv[2] || process.env.GRAPHQL_URL;
if (!url) {
  console.error('usage: node audit.mjs <graphql-url>   (e.g. http://127.0.0.1:8080/graphql)');
  process.exit(2);
}
try {
  new URL(url);
} catch {
  console.error(`invalid URL: ${url}`);
  process.exit(2);
}

const TIMEOUT_MS = Number(process.env.AUDIT_TIMEOUT_MS || 10000);

// Plain global fetch, with a per-request timeout so a hanging server cannot
// hang CI forever.
const fetchFn = (input, init = {}) =>
  fetch(input, { ...init, signal: init.signal ?? AbortSignal.timeout(TIMEOUT_MS) });

async function describeResponse(res) {
  if (!res || typeof res.status !== 'number') return '';
  let body = '';
  try {
    body = await res.text();
  } catch {
    body = '<body already consumed>';
  }
  if (body.length > 300) body = body.slice(0, 300) + '...';
  const ct = res.headers.get('content-type');
  return ` [got ${res.status}, content-type: ${ct === null ? '<none>' : ct}, body: ${JSON.stringify(body)}]`;
}

const audits = serverAudits({ url, fetchFn });
const counts = { ok: 0, warn: 0, notice: 0, error: 0 };

// Run sequentially so output order is stable and matches the audit list.
for (const audit of audits) {
  let result;
  try {
    result = await audit.fn();
  } catch (err) {
    // audit functions only throw on fatal problems (network errors etc.)
    result = {
      id: audit.id,
      name: audit.name,
      status: 'error',
      reason: `fatal: ${err?.cause?.message || err?.message || String(err)}`,
      response: null,
    };
  }
  counts[result.status] = (counts[result.status] ?? 0) + 1;
  if (result.status === 'ok') {
    console.log(`ok     ${result.id} ${result.name}`);
  } else {
    const label = result.status.padEnd(6);
    console.log(`${label} ${result.id} ${result.name}: ${result.reason}${await describeResponse(result.response)}`);
  }
}

const total = audits.length;
const notices = counts.notice ? `, ${counts.notice} notices` : '';
console.log(
  `${total} audits: ${counts.ok} ok, ${counts.warn} warnings${notices}, ${counts.error} errors`,
);
process.exit(counts.ok === total ? 0 : 1);

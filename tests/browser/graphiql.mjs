#!/usr/bin/env node
// Browser check of Dateline's self-hosted GraphiQL, as a member of staff would use it.
//
//   node graphiql.mjs [BASE_URL] [ADMIN_TOKEN]
//
// BASE_URL defaults to $DATELINE_URL or http://127.0.0.1:8080; the token to $DATELINE_TOKEN
// (an admin's `dl_...` bearer token). $SCREENSHOT, when set, is where a PNG of the page is
// written at the end (also after a failure); $CHROMIUM overrides /usr/bin/chromium.
//
// It opens /graphiql in headless Chromium and fails on any console error, page error or CSP
// violation, on any request or websocket to another origin (such requests are never sent),
// on a page served without a strict Content-Security-Policy (a default-src, script-src
// exactly 'self', no 'unsafe-inline'/'unsafe-eval' or wildcard anywhere), on scripts and
// stylesheets not served with an immutable long max-age and their proper MIME type, and on
// any HTTP error. Then it runs a query through the editor and the run button, opens the
// docs explorer, signs in through the Headers tab, runs a subscription over the websocket at
// /graphql while it creates and publishes an article (over HTTP, from here; the article is
// moved to the trash afterwards), and opens the settings dialog. It prints one line per
// step and "graphiql: N passed, N failed"; exit status 0 when every step passed, 1 when one
// failed (the steps after it are skipped), 2 on bad usage.

import { chromium } from 'playwright-core';

const USAGE = 'usage: node graphiql.mjs [BASE_URL] [ADMIN_TOKEN]  (or set DATELINE_URL / DATELINE_TOKEN)';
const TIMEOUT_MS = 20_000;

const base = new URL(process.argv[2] || process.env.DATELINE_URL || 'http://127.0.0.1:8080');
const token = process.argv[3] || process.env.DATELINE_TOKEN;
const screenshot = process.env.SCREENSHOT;
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
if (!token) {
  console.error(`graphiql.mjs: no admin token given.\n${USAGE}`);
  process.exit(2);
}
const origin = base.origin;
const graphqlUrl = new URL('/graphql', base).href;
const pageUrl = new URL('/graphiql', base).href;

// ---------------------------------------------------------------------------------------
// Problems seen by the page at any time; each step fails if one appeared.
const problems = [];
const notes = [];
const sockets = [];
const foreignSeen = new Set();
function foreign(what, url) {
  if (foreignSeen.has(url)) return;
  foreignSeen.add(url);
  problems.push(`${what} to another origin: ${url}`);
}

function sameOrigin(url) {
  let u;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol === 'data:' || u.protocol === 'blob:' || url === 'about:blank') return true;
  const wsOrigin = origin.replace(/^http/, 'ws');
  return u.origin === origin || `${u.protocol}//${u.host}` === wsOrigin;
}

function checkCsp(header) {
  if (!header) return 'the page was served without a Content-Security-Policy header';
  const directives = new Map();
  for (const part of header.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) directives.set(name.toLowerCase(), values);
  }
  const bad = [];
  for (const [name, values] of directives) {
    for (const v of values) {
      if (/^'unsafe-(inline|eval)'$/i.test(v) || v === '*' || /^(https?|wss?):?$/i.test(v)) {
        bad.push(`${name} ${v}`);
      }
    }
  }
  if (bad.length) return `the Content-Security-Policy allows too much: ${bad.join(', ')} (in: ${header})`;
  const script = directives.get('script-src') ?? directives.get('default-src');
  if (!script || script.join(' ') !== "'self'") {
    return `the Content-Security-Policy's script-src is not exactly 'self' (in: ${header})`;
  }
  if (!directives.has('default-src')) return `the Content-Security-Policy has no default-src (in: ${header})`;
  return null;
}

// ---------------------------------------------------------------------------------------
const results = [];
let page;

async function step(name, fn) {
  const before = problems.length;
  try {
    await fn();
    // Let late console errors and CSP reports of this step arrive.
    if (page) await page.waitForTimeout(250);
    if (problems.length > before) throw new Error(problems.slice(before).join('\n  '));
    results.push({ name, ok: true });
    console.log(`ok - ${name}`);
  } catch (error) {
    results.push({ name, ok: false });
    const message = String(error?.message ?? error);
    const seen = problems.slice(before).filter((p) => !message.includes(p));
    const text = [message, ...seen.map((p) => `(also seen: ${p})`)].join('\n');
    console.log(`FAIL - ${name}\n  ${text.split('\n').join('\n  ')}`);
    throw error;
  }
}

async function graphql(query, variables = {}) {
  const response = await fetch(graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`POST ${graphqlUrl} answered ${response.status}: ${text.slice(0, 300)}`);
  }
  if (body.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data;
}

function payloadErrors(payload, what) {
  if (!payload) throw new Error(`${what} returned no payload`);
  if (payload.userErrors?.length) throw new Error(`${what}: ${JSON.stringify(payload.userErrors)}`);
  return payload;
}

// The text GraphiQL shows in an editor: CodeMirror's own value when reachable.
async function editorValue(selector) {
  return page.locator(`${selector} .CodeMirror`).first().evaluate((el) => el.CodeMirror?.getValue() ?? el.innerText);
}

// Replaces the whole content of the editor under `selector`, typing as a person pasting.
async function setEditor(selector, text) {
  const code = page.locator(`${selector} .CodeMirror-code`).first();
  await code.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.insertText(text);
  const value = await editorValue(selector);
  if (value !== text) throw new Error(`the editor ${selector} holds ${JSON.stringify(value)} instead of ${JSON.stringify(text)}`);
}

async function responseText() {
  return page.locator('.graphiql-response').innerText();
}

async function waitForResponse(predicate, what) {
  const deadline = Date.now() + TIMEOUT_MS;
  let text = '';
  while (Date.now() < deadline) {
    text = await responseText();
    if (predicate(text)) return text;
    await page.waitForTimeout(200);
  }
  throw new Error(`the result pane did not show ${what} within ${TIMEOUT_MS / 1000}s; it shows:\n${text}`);
}

async function run(query) {
  await setEditor('.graphiql-query-editor', query);
  // GraphiQL parses the editor's text a moment after a change (debounced), and picks HTTP
  // or the websocket from that parse: run once it has caught up, as a person would.
  const deadline = Date.now() + TIMEOUT_MS;
  const parsed = () =>
    page.locator('.graphiql-query-editor .CodeMirror').first().evaluate((el, q) => el.CodeMirror?.documentAST?.loc?.source?.body === q, query);
  while (!(await parsed())) {
    if (Date.now() > deadline) throw new Error('GraphiQL did not parse the query editor\'s new text');
    await page.waitForTimeout(50);
  }
  await page.locator('button.graphiql-execute-button').click();
}

async function waitFor(condition, what) {
  const deadline = Date.now() + TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (condition()) return;
    await page.waitForTimeout(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

// ---------------------------------------------------------------------------------------
const browser = await chromium
  .launch({
    executablePath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  .catch((error) => {
    console.error(`graphiql.mjs: could not start Chromium at ${executablePath} (apt-get install -y chromium, or set CHROMIUM): ${error.message.split('\n')[0]}`);
    console.log('graphiql: 0 passed, 1 failed');
    process.exit(1);
  });

let failed = false;
try {
  await step(`the server at ${origin} answers and the token is an admin's`, async () => {
    let data;
    try {
      data = await graphql('{ viewer { role } }');
    } catch (error) {
      throw new Error(`${error.message}${error.cause ? ` (${error.cause.message ?? error.cause})` : ''}`);
    }
    if (data.viewer?.role !== 'ADMIN') throw new Error(`the token signs in ${JSON.stringify(data.viewer)}, not an ADMIN`);
  });

  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  // Nothing may leave the page's origin: such requests are recorded and never sent.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (sameOrigin(url)) return route.continue();
    foreign(`${route.request().method()} request`, url);
    return route.abort('blockedbyclient');
  });
  page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT_MS);

  await page.exposeFunction('__datelineCspViolation', (v) => problems.push(`CSP violation: ${v}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__datelineCspViolation(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile || '?'}:${e.lineNumber}${e.sample ? ` (${e.sample})` : ''}`);
    });
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
    else if (msg.type() === 'warning') notes.push(`console warning: ${msg.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught exception: ${error.message}`));
  page.on('request', (request) => {
    if (!sameOrigin(request.url())) foreign(`${request.method()} request`, request.url());
  });
  page.on('requestfailed', (request) => {
    if (sameOrigin(request.url())) problems.push(`request failed: ${request.method()} ${request.url()}: ${request.failure()?.errorText}`);
  });
  page.on('response', (response) => {
    const type = response.request().resourceType();
    if (response.status() >= 400) problems.push(`HTTP ${response.status()} for ${response.request().method()} ${response.url()}`);
    if ((type === 'script' || type === 'stylesheet') && response.status() === 200) {
      const cache = response.headers()['cache-control'] || '';
      if (!/immutable/.test(cache) || !/max-age=\d{6,}/.test(cache)) {
        problems.push(`${response.url()} is served with cache-control "${cache}", not a long max-age with immutable`);
      }
      const mime = response.headers()['content-type'] || '';
      const want = type === 'script' ? /^(text|application)\/javascript\b/ : /^text\/css\b/;
      if (!want.test(mime)) problems.push(`${response.url()} is served as "${mime}"`);
    }
  });
  page.on('websocket', (ws) => {
    const socket = { url: ws.url(), sent: [], received: [], closed: false };
    sockets.push(socket);
    if (!sameOrigin(ws.url())) foreign('websocket', ws.url());
    const parse = (payload) => {
      try {
        return JSON.parse(typeof payload === 'string' ? payload : payload.toString());
      } catch {
        return { unparsed: String(payload) };
      }
    };
    ws.on('framesent', (f) => socket.sent.push(parse(f.payload)));
    ws.on('framereceived', (f) => socket.received.push(parse(f.payload)));
    ws.on('close', () => (socket.closed = true));
    ws.on('socketerror', (e) => problems.push(`websocket error on ${ws.url()}: ${e}`));
  });

  await step('GraphiQL loads from the server alone, under a strict CSP', async () => {
    const response = await page.goto(pageUrl, { waitUntil: 'load' });
    if (!response || response.status() !== 200) throw new Error(`GET ${pageUrl} answered ${response?.status()}`);
    const headers = response.headers();
    const csp = checkCsp(headers['content-security-policy']);
    if (csp) throw new Error(csp);
    if (/immutable/.test(headers['cache-control'] || '')) throw new Error('the page itself must not be cached as immutable: its asset URLs change');
    await page.locator('.graphiql-query-editor .CodeMirror').waitFor({ state: 'visible' });
    const title = await page.title();
    if (title !== 'Dateline GraphiQL') throw new Error(`the page title is ${JSON.stringify(title)}`);
  });

  await step('a query typed into the editor runs and its result shows "News"', async () => {
    await run('{ sections { name } }');
    await waitForResponse((t) => t.includes('"News"'), '"News"');
  });

  await step('the docs explorer shows the Query root type', async () => {
    await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
    const docs = page.locator('.graphiql-doc-explorer');
    await docs.waitFor({ state: 'visible' });
    const deadline = Date.now() + TIMEOUT_MS;
    while (!/query:\s*Query\b/.test(await docs.innerText())) {
      if (Date.now() > deadline) throw new Error(`the docs explorer shows no "query: Query":\n${await docs.innerText()}`);
      await page.waitForTimeout(200);
    }
    await docs.getByRole('link', { name: 'Query', exact: true }).first().click();
    await docs.locator('.graphiql-doc-explorer-title').filter({ hasText: /^Query$/ }).waitFor();
    const text = await docs.innerText();
    if (!/\bsections\b/.test(text)) throw new Error(`the Query type's page lists no "sections" field:\n${text.slice(0, 500)}`);
    await page.getByRole('button', { name: 'Hide Documentation Explorer' }).click();
  });

  await step('the Headers tab signs in: { viewer { role } } is null, then ADMIN', async () => {
    await run('{ viewer { role } }');
    await waitForResponse((t) => /"viewer":\s*null/.test(t), '"viewer": null (no headers yet)');
    await page.locator('.graphiql-editor-tools').getByRole('button', { name: 'Headers', exact: true }).click();
    const headers = '.graphiql-editor-tool .graphiql-editor:not(.hidden)';
    await page.locator(`${headers} .CodeMirror`).waitFor({ state: 'visible' });
    await setEditor(headers, JSON.stringify({ Authorization: `Bearer ${token}` }));
    await run('{ viewer { role } }');
    await waitForResponse((t) => /"role":\s*"ADMIN"/.test(t), '"role": "ADMIN"');
  });

  let articleId;
  await step('a subscription shows an article published meanwhile', async () => {
    const title = `GraphiQL live check ${new Date().toISOString()}`;
    const already = sockets.length;
    await run('subscription { articlePublished { title } }');
    // The subscription is live once the server acknowledged the connection and it was sent.
    await waitFor(() => sockets.length > already, 'GraphiQL to open a websocket');
    const socket = sockets[sockets.length - 1];
    if (new URL(socket.url).pathname !== '/graphql') throw new Error(`the websocket went to ${socket.url}`);
    await waitFor(
      () => socket.received.some((m) => m.type === 'connection_ack') && socket.sent.some((m) => m.type === 'subscribe'),
      'connection_ack and subscribe on the websocket (graphql-transport-ws)',
    );
    const init = socket.sent.find((m) => m.type === 'connection_init');
    if (init?.payload?.Authorization !== `Bearer ${token}`) {
      throw new Error(`connection_init did not carry the Headers tab: ${JSON.stringify(init)}`);
    }

    const found = await graphql(`{
      viewer { role author { id } }
      section(slug: "news") { id }
      authors(first: 1) { nodes { id } }
    }`);
    if (found.viewer?.role !== 'ADMIN') throw new Error(`the token is not an admin's: viewer is ${JSON.stringify(found.viewer)}`);
    if (!found.section) throw new Error('there is no section with the slug "news" (run the server with --demo)');
    const input = {
      title,
      body: 'Filed by the GraphiQL browser check.',
      bodyFormat: 'MARKDOWN',
      sectionId: found.section.id,
    };
    // An account without an author profile must name the byline.
    if (!found.viewer.author) input.authorId = found.authors.nodes[0]?.id;
    const created = payloadErrors(
      (await graphql(
        'mutation($input: CreateArticleInput!) { createArticle(input: $input) { article { id status } userErrors { path code message } } }',
        { input },
      )).createArticle,
      'createArticle',
    );
    articleId = created.article.id;
    const published = payloadErrors(
      (await graphql(
        'mutation($id: ID!) { publishArticle(input: { id: $id }) { article { status publishedAt } userErrors { path code message } } }',
        { id: articleId },
      )).publishArticle,
      'publishArticle',
    );
    if (published.article.status !== 'PUBLISHED') throw new Error(`publishArticle left the article ${published.article.status}`);
    await waitForResponse((t) => t.includes(title), JSON.stringify(title));
    // The run button stops a running subscription.
    await page.locator('button.graphiql-execute-button').click();
    await waitFor(() => socket.sent.some((m) => m.type === 'complete') || socket.closed, 'the subscription to stop');
  });

  await step('the settings dialog opens and closes', async () => {
    await page.getByRole('button', { name: 'Open settings dialog' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor({ state: 'visible' });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });

  if (screenshot) await page.screenshot({ path: screenshot });

  if (articleId) {
    // Best effort: leave the newsroom as it was (the article goes to the trash).
    try {
      payloadErrors(
        (await graphql('mutation($id: ID!) { deleteArticle(input: { id: $id }) { userErrors { path code message } } }', { id: articleId })).deleteArticle,
        'deleteArticle',
      );
    } catch (error) {
      notes.push(`could not move the test article ${articleId} to the trash: ${error.message}`);
    }
  }
} catch (error) {
  failed = true;
  if (!results.length || results[results.length - 1].ok) console.log(`FAIL - ${error?.stack ?? error}`);
  if (screenshot && page) await page.screenshot({ path: screenshot }).catch(() => {});
} finally {
  await browser.close().catch(() => {});
}

for (const note of notes) console.log(`note: ${note}`);
const passed = results.filter((r) => r.ok).length;
console.log(`graphiql: ${passed} passed, ${results.length - passed} failed`);
if (screenshot) console.log(`screenshot: ${screenshot}`);
process.exit(failed ? 1 : 0);

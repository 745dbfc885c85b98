// Breaking news, live: subscribes to `articlePublished` over the websocket at /graphql with
// the graphql-ws client (`graphql-transport-ws` protocol) and prints each story as an editor
// publishes it. Publish one with `npm run save` in another terminal.
//
//   npm run live [-- --section news] [-- --count 1 --timeout 60]
//
// An event Dateline may have dropped (this client fell behind, or the server lost its link
// to the other servers' events for a while) arrives as an error with code RESYNC: read again
// what the page shows, then carry on; the subscription stays open.
import { createClient, type Client } from 'graphql-ws';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { graphql } from './gql';
import type { TypedDocumentString } from './gql/graphql';
import { DATELINE_URL } from './lib/client';
import { fail, formatTime } from './lib/format';

export const ArticlePublished = graphql(`
  subscription ArticlePublished($section: String) {
    articlePublished(section: $section) {
      ...StoryTeaser
      section {
        name
      }
    }
  }
`);

/** The websocket address of the GraphQL endpoint: http(s)://…/graphql → ws(s)://…/graphql. */
export const DATELINE_WS_URL = process.env.DATELINE_WS_URL ?? DATELINE_URL.replace(/^http/, 'ws');

export function connect(token?: string): Client {
  return createClient({
    url: DATELINE_WS_URL,
    // Browsers have WebSocket built in; Node 20 takes it from the `ws` package.
    webSocketImpl: WebSocket,
    // Staff sign in with the connection_init payload and then also see their drafts.
    connectionParams: token ? { Authorization: `Bearer ${token}` } : {},
    // On a server shutdown (close 1001) graphql-ws reconnects and subscribes again.
    retryAttempts: 10,
  });
}

export interface LiveHandlers<TResult> {
  next(data: TResult): void;
  /** Events may have been missed: reload what the page shows. */
  resync(): void;
  error(error: unknown): void;
}

/** Subscribes with a typed document; returns the function that unsubscribes. */
export function subscribe<TResult, TVariables extends Record<string, unknown>>(
  client: Client,
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
  handlers: LiveHandlers<TResult>,
): () => void {
  return client.subscribe<TResult>(
    { query: document.toString(), variables },
    {
      next: ({ data, errors }) => {
        if (errors?.some((e) => e.extensions?.['code'] === 'RESYNC')) handlers.resync();
        else if (errors?.length) handlers.error(new Error(errors.map((e) => e.message).join('; ')));
        else if (data) handlers.next(data);
      },
      error: handlers.error,
      complete: () => {},
    },
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      section: { type: 'string' },
      count: { type: 'string' },
      timeout: { type: 'string' },
    },
  });
  const client = connect(process.env.DATELINE_TOKEN);
  const wanted = values.count === undefined ? Infinity : Number(values.count);
  let seen = 0;

  await new Promise<void>((resolve, reject) => {
    const stop = subscribe(client, ArticlePublished, { section: values.section ?? null }, {
      next: ({ articlePublished: story }) => {
        const when = story.publishedAt ? formatTime(story.publishedAt) : 'now';
        const where = story.dateline ? `${story.dateline.place}: ` : '';
        console.log(`BREAKING ${when} · ${story.section.name} · ${story.title}`);
        console.log(`  ${where}${story.excerpt}\n  ${story.uri}`);
        seen += 1;
        if (seen >= wanted) {
          stop();
          resolve();
        }
      },
      resync: () => console.log('(events may have been missed: reload the front page)'),
      error: reject,
    });
    client.on('connected', () => console.log(`listening on ${DATELINE_WS_URL}`));
    if (values.timeout !== undefined) {
      setTimeout(() => reject(new Error(`no story published within ${values.timeout} s`)), Number(values.timeout) * 1000);
    }
  }).finally(() => client.dispose());
}

main().catch((error: unknown) => {
  fail(error);
  process.exit();
});

// A GraphQL client in forty lines: fetch() and the typed documents codegen writes. A page
// passes a document and its variables and gets back data of exactly the document's type.
import type { TypedDocumentString } from '../gql/graphql';

/** Where the Dateline server listens (`cargo run --release -- serve --demo`). */
export const DATELINE_URL = process.env.DATELINE_URL ?? 'http://127.0.0.1:8080/graphql';

/** One GraphQL error as Dateline sends it: every error carries `extensions.code`. */
export interface GraphQLError {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: { code?: string; [key: string]: unknown };
}

/** A response whose `errors` the page did not expect. `data` is what still arrived. */
export class GraphQLRequestError extends Error {
  constructor(
    readonly errors: readonly GraphQLError[],
    readonly data: unknown,
  ) {
    super(errors.map((e) => `${e.extensions?.code ?? 'ERROR'}: ${e.message}`).join('; '));
  }

  /** Whether any error carries this `extensions.code` (`UNAUTHENTICATED`, `FORBIDDEN`…). */
  has(code: string): boolean {
    return this.errors.some((e) => e.extensions?.code === code);
  }
}

export interface RequestOptions {
  /** A bearer token from `login`, for staff. */
  token?: string;
}

/**
 * Runs a query or mutation. Returns `data` when the answer has no errors; throws a
 * GraphQLRequestError (with the codes) when it has any, and an Error when the server cannot
 * be reached or answers something that is not GraphQL.
 */
export async function request<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
  // Operations without variables take none; the others require theirs.
  ...[variables, options]: TVariables extends Record<string, never>
    ? [variables?: TVariables, options?: RequestOptions]
    : [variables: TVariables, options?: RequestOptions]
): Promise<TResult> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/graphql-response+json, application/json;q=0.9',
  };
  if (options?.token) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(DATELINE_URL, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query: document.toString(), variables: variables ?? {} }),
  });
  const type = response.headers.get('content-type') ?? '';
  if (!type.includes('json')) {
    throw new Error(`${DATELINE_URL} answered HTTP ${response.status} (${type || 'no content type'})`);
  }
  const body = (await response.json()) as { data?: TResult | null; errors?: GraphQLError[] };
  if (body.errors?.length) throw new GraphQLRequestError(body.errors, body.data ?? null);
  if (body.data == null) throw new Error(`${DATELINE_URL} answered HTTP ${response.status} without data`);
  return body.data;
}

// An editor's save, the way an editing form does it:
//
//   1. sign in (`login`) and keep the bearer token;
//   2. start a draft (`createArticle`) and keep its `revision`;
//   3. save with `expectedRevision`. When someone saved in between, the answer is a
//      userError with code CONFLICT at ["input", "expectedRevision"] and nothing is written:
//      reload the article, show what changed, and save again on top of it;
//   4. a save with bad values gets one userError per field, each with its `path` into the
//      input (["input", "featuredImage", "url"]): show each message beside its field;
//   5. publish (`npm run live` in another terminal sees it), and sign out.
//
//   DATELINE_EMAIL=desk@example.com DATELINE_PASSWORD=… npm run save
//
// Refusals a form cannot fix (not signed in, a role that may not) are top-level errors with
// `extensions.code` UNAUTHENTICATED or FORBIDDEN, and the payload is null: request() throws.
import { parseArgs } from 'node:util';
import { graphql } from './gql';
import type { EditorArticleFragment, UpdateArticleInput, UserErrorCode } from './gql/graphql';
import { GraphQLRequestError, request } from './lib/client';
import { fail } from './lib/format';

export const EditorArticle = graphql(`
  fragment EditorArticle on Article {
    id
    title
    subtitle
    revision
    status
    uri
    updatedAt
    publishedAt
    viewerCanUpdate
    viewerCanPublish
  }
`);

/** One problem with a form's input: where it is (`path`), what kind, and what to show. */
export const FormError = graphql(`
  fragment FormError on UserError {
    path
    code
    message
  }
`);

export const SignIn = graphql(`
  mutation SignIn($input: LoginInput!) {
    login(input: $input) {
      token
      expiresAt
      viewer {
        name
        role
      }
      userErrors {
        ...FormError
      }
    }
  }
`);

export const EditorSetup = graphql(`
  query EditorSetup($section: String!) {
    viewer {
      name
      role
    }
    section(slug: $section) {
      id
      name
    }
  }
`);

export const CreateDraft = graphql(`
  mutation CreateDraft($input: CreateArticleInput!) {
    createArticle(input: $input) {
      article {
        ...EditorArticle
      }
      userErrors {
        ...FormError
      }
    }
  }
`);

export const SaveArticle = graphql(`
  mutation SaveArticle($input: UpdateArticleInput!) {
    updateArticle(input: $input) {
      article {
        ...EditorArticle
      }
      userErrors {
        ...FormError
      }
    }
  }
`);

export const ReloadArticle = graphql(`
  query ReloadArticle($id: ID!) {
    node(id: $id) {
      __typename
      ... on Article {
        ...EditorArticle
      }
    }
  }
`);

export const PublishNow = graphql(`
  mutation PublishNow($input: PublishArticleInput!) {
    publishArticle(input: $input) {
      article {
        ...EditorArticle
      }
      userErrors {
        ...FormError
      }
    }
  }
`);

export const SignOut = graphql(`
  mutation SignOut {
    logout {
      ended
    }
  }
`);

interface UserError {
  path: ReadonlyArray<string> | null;
  code: UserErrorCode;
  message: string;
}

/** What a save comes to, for the form to show. */
export type SaveOutcome =
  | { kind: 'saved'; article: EditorArticleFragment }
  /** Someone saved in between; `current` is the article as it now stands. */
  | { kind: 'conflict'; current: EditorArticleFragment }
  /** Messages per input field ("featuredImage.url"; "" for the input as a whole). */
  | { kind: 'invalid'; fields: Map<string, string[]> };

/** Groups userErrors by the input field they point at, for a form to show beside each. */
export function byField(errors: readonly UserError[]): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  for (const error of errors) {
    // The path starts at the mutation's argument: ["input", "featuredImage", "url"].
    const field = (error.path ?? []).slice(1).join('.');
    fields.set(field, [...(fields.get(field) ?? []), `${error.code}: ${error.message}`]);
  }
  return fields;
}

async function reload(id: string, token: string): Promise<EditorArticleFragment> {
  const { node } = await request(ReloadArticle, { id }, { token });
  if (node?.__typename !== 'Article') throw new Error(`article ${id} is gone`);
  return node;
}

/** Saves changes on top of `expectedRevision`, and says how it went. */
export async function save(input: UpdateArticleInput & { id: string }, token: string): Promise<SaveOutcome> {
  const { updateArticle } = await request(SaveArticle, { input }, { token });
  if (!updateArticle) throw new Error('updateArticle answered no payload');
  const { article, userErrors } = updateArticle;
  if (userErrors.some((e) => e.code === 'CONFLICT')) {
    return { kind: 'conflict', current: await reload(input.id, token) };
  }
  if (userErrors.length > 0 || !article) return { kind: 'invalid', fields: byField(userErrors) };
  return { kind: 'saved', article };
}

function show(label: string, outcome: SaveOutcome): void {
  switch (outcome.kind) {
    case 'saved':
      console.log(`${label}: saved as revision ${outcome.article.revision}: "${outcome.article.title}"`);
      break;
    case 'conflict':
      console.log(
        `${label}: CONFLICT, someone saved this story since it was opened; nothing was written.\n` +
          `  Reloaded: revision ${outcome.current.revision}, "${outcome.current.title}", ` +
          `subtitle "${outcome.current.subtitle ?? ''}"`,
      );
      break;
    case 'invalid':
      console.log(`${label}: not saved; the form shows:`);
      for (const [field, messages] of outcome.fields) {
        for (const message of messages) console.log(`  ${field || '(the whole input)'}: ${message}`);
      }
      break;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      section: { type: 'string', default: 'latest-updates' },
      'no-publish': { type: 'boolean', default: false },
    },
  });
  const email = process.env.DATELINE_EMAIL;
  const password = process.env.DATELINE_PASSWORD;
  if (!email || !password) {
    throw new Error('Set DATELINE_EMAIL and DATELINE_PASSWORD to a staff account (see README.md).');
  }

  // 1. Sign in.
  const { login } = await request(SignIn, { input: { email, password } });
  if (!login?.token) {
    const why = login?.userErrors.map((e) => `${e.code}: ${e.message}`).join('; ');
    throw new Error(`Signing in failed: ${why ?? 'no answer'}`);
  }
  const token = login.token;
  console.log(`Signed in as ${login.viewer?.name ?? email} (${login.viewer?.role ?? '?'})`);

  try {
    const { section } = await request(EditorSetup, { section: values.section }, { token });
    if (!section) throw new Error(`No section "${values.section}"`);

    // 2. A new draft.
    // A slug of its own, so that the demo can run again and again.
    const slug = `ceasefire-monitors-arrive-in-herat-${Date.now().toString(36)}`;
    const created = await request(
      CreateDraft,
      {
        input: {
          title: 'Ceasefire Monitors Arrive in Herat',
          slug,
          body: 'The first team of **ceasefire monitors** arrived on Monday.\n\nMore follows.',
          bodyFormat: 'MARKDOWN',
          sectionId: section.id,
          datelinePlace: 'HERAT',
        },
      },
      { token },
    );
    const draft = created.createArticle?.article;
    if (!draft) {
      show('createArticle', { kind: 'invalid', fields: byField(created.createArticle?.userErrors ?? []) });
      throw new Error('the draft was not created');
    }
    console.log(`Draft created: revision ${draft.revision}, ${draft.status}, ${draft.uri}`);

    // 3. The editor opened the draft at `draft.revision`. A colleague saves first…
    show('colleague', await save({ id: draft.id, expectedRevision: draft.revision, subtitle: 'A colleague’s standfirst' }, token));
    // …then the editor saves on top of the revision they opened: CONFLICT.
    const mine = {
      id: draft.id,
      title: 'Ceasefire Monitors Reach Herat',
    };
    const first = await save({ ...mine, expectedRevision: draft.revision }, token);
    show('editor', first);
    let current = first.kind === 'conflict' ? first.current : draft;
    if (first.kind === 'conflict') {
      // The form now shows the colleague's version; the editor applies their change again.
      const again = await save({ ...mine, expectedRevision: current.revision }, token);
      show('editor, after reloading', again);
      if (again.kind === 'saved') current = again.article;
    }

    // 4. Bad values: each userError points at its field.
    show(
      'editor, with mistakes',
      await save(
        {
          id: draft.id,
          expectedRevision: current.revision,
          title: '',
          featuredImage: { url: 'not a url', altText: 'Monitors at the airport' },
        },
        token,
      ),
    );

    // 5. Publish, if the viewer may.
    if (!values['no-publish'] && current.viewerCanPublish) {
      const published = await request(PublishNow, { input: { id: current.id, expectedRevision: current.revision } }, { token });
      const article = published.publishArticle?.article;
      if (article) console.log(`Published: ${article.status} at ${article.publishedAt ?? '?'}: "${article.title}" ${article.uri}`);
      else show('publishArticle', { kind: 'invalid', fields: byField(published.publishArticle?.userErrors ?? []) });
    }
  } catch (error) {
    if (error instanceof GraphQLRequestError && (error.has('UNAUTHENTICATED') || error.has('FORBIDDEN'))) {
      throw new Error(`Refused, not a form error: ${error.message}`);
    }
    throw error;
  } finally {
    // End the session; a failure here must not hide the one that got us here.
    await request(SignOut, {}, { token }).catch(() => undefined);
  }
}

main().catch(fail);

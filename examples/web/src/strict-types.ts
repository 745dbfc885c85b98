// Compile-time checks, run by `tsc --noEmit`: no operation's result or variables is `any` or
// `unknown` anywhere, and Dateline's scalars arrive as strings. Nothing here runs.
import type {
  ArticlePageQuery,
  ArticlePublishedSubscription,
  ArticlePublishedSubscriptionVariables,
  CreateDraftMutation,
  CreateDraftMutationVariables,
  FrontPageLatestQuery,
  FrontPageLatestQueryVariables,
  FrontPageLeadQuery,
  PublishNowMutation,
  PublishNowMutationVariables,
  ReloadArticleQuery,
  SaveArticleMutation,
  SaveArticleMutationVariables,
  SearchQuery,
  SearchQueryVariables,
  SectionPageQuery,
  SignInMutation,
} from './gql/graphql';

/** `true` for `any` and `unknown`. */
type IsLoose<T> = 0 extends 1 & T ? true : unknown extends T ? true : false;

/** `false` when nothing in T, at any depth, is `any` or `unknown`; else `true` or `boolean`. */
type HasLoose<T> =
  IsLoose<T> extends true
    ? true
    : T extends readonly (infer Item)[]
      ? HasLoose<Item>
      : T extends object
        ? { [K in keyof T]-?: HasLoose<T[K]> }[keyof T] | false
        : false;

type Strict<T> = HasLoose<T> extends false ? true : never;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;

/** Each entry must be `true`; a loose or mistyped field makes it `never`, which tsc rejects. */
export type Checks = [
  Strict<ArticlePageQuery>,
  Strict<FrontPageLeadQuery>,
  Strict<FrontPageLatestQuery>,
  Strict<FrontPageLatestQueryVariables>,
  Strict<SectionPageQuery>,
  Strict<SearchQuery>,
  Strict<SearchQueryVariables>,
  Strict<ArticlePublishedSubscription>,
  Strict<ArticlePublishedSubscriptionVariables>,
  Strict<SignInMutation>,
  Strict<CreateDraftMutation>,
  Strict<CreateDraftMutationVariables>,
  Strict<SaveArticleMutation>,
  Strict<SaveArticleMutationVariables>,
  Strict<ReloadArticleQuery>,
  Strict<PublishNowMutation>,
  Strict<PublishNowMutationVariables>,
  // DateTime
  Same<NonNullable<ArticlePageQuery['article']>['publishedAt'], string | null>,
  // HTML
  Same<NonNullable<ArticlePageQuery['article']>['body'], string>,
  Same<SearchQuery['search']['edges'][number]['node']['highlights'][number]['fragments'], string[]>,
  // URL
  Same<NonNullable<ArticlePageQuery['article']>['author']['avatarUrl'], string | null>,
  Same<NonNullable<NonNullable<ArticlePageQuery['article']>['featuredImage']>['url'], string>,
];

export const checks: Checks = [
  true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true,
  true, true, true, true, true,
];

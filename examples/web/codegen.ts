// graphql-codegen: reads Dateline's schema and every operation written with `graphql(…)` in
// src/, and writes typed documents and result types to src/gql/ (`npm run codegen`).
//
// The schema is the repository's schema.graphql. Point DATELINE_SCHEMA at another file, or
// at a running server's endpoint (http://127.0.0.1:8080/graphql, read by introspection),
// when this project lives outside the repository.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: process.env.DATELINE_SCHEMA ?? '../../schema.graphql',
  documents: ['src/**/*.ts', '!src/gql/**/*'],
  // Fail when an operation does not fit the schema, or when there is none.
  ignoreNoDocuments: false,
  generates: {
    './src/gql/': {
      preset: 'client',
      presetConfig: {
        // Results come as plain typed objects; no useFragment() unmasking needed.
        fragmentMasking: false,
      },
      config: {
        // Documents as typed strings: send them with fetch() or graphql-ws, no GraphQL
        // runtime in the page.
        documentMode: 'string',
        // Every custom scalar must be mapped here: a new scalar in the schema fails codegen
        // instead of turning into `any`.
        strictScalars: true,
        scalars: {
          DateTime: 'string', // RFC 3339, UTC, e.g. "2026-11-28T23:14:20.555Z"
          URL: 'string', // an absolute URL (https://…)
          HTML: 'string', // sanitised HTML, safe to insert as it is
        },
        // Enums as unions of string literals ('PUBLISHED' | 'DRAFT'…), no runtime objects.
        enumsAsTypes: true,
        useTypeImports: true,
      },
    },
  },
};

export default config;

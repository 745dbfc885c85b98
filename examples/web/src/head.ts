// The <head> of an article page: title, description, canonical link, robots, Open Graph and
// Twitter tags, and the schema.org JSON-LD, all from the article's `seo` field.
//
//   npm run head -- <slug>                      print the tags
//   npm run head -- <slug> --check-json-ld F    also write F, a TypeScript module typing the
//                                               JSON-LD of the article, its section and its
//                                               author with schema-dts (schema.org's
//                                               vocabulary as types): `tsc` on F checks every
//                                               property and type against schema.org
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { graphql } from './gql';
import type { SeoTagsFragment } from './gql/graphql';
import { request } from './lib/client';
import { fail } from './lib/format';

graphql(`
  fragment SeoTags on Seo {
    title
    description
    canonicalUrl
    robots
    jsonLd
    openGraph {
      type
      title
      description
      url
      siteName
      locale
      image {
        url
        alt
      }
      publishedTime
      modifiedTime
      section
      tags
      authors
    }
    twitter {
      card
      title
      description
      image {
        url
        alt
      }
    }
  }
`);

export const ArticleHead = graphql(`
  query ArticleHead($slug: String!) {
    article(slug: $slug) {
      seo {
        ...SeoTags
      }
      section {
        seo {
          jsonLd
        }
      }
      author {
        seo {
          jsonLd
        }
      }
    }
  }
`);

/** `text` safe inside an HTML attribute or element. */
function escape(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

/** The tags of a page's <head>, one per line. */
export function headTags(seo: SeoTagsFragment): string[] {
  const meta = (attribute: 'name' | 'property', key: string, value: string | null | undefined) =>
    value == null ? [] : [`<meta ${attribute}="${key}" content="${escape(value)}">`];
  const og = seo.openGraph;
  return [
    `<title>${escape(seo.title)}</title>`,
    ...meta('name', 'description', seo.description),
    `<link rel="canonical" href="${escape(seo.canonicalUrl)}">`,
    ...meta('name', 'robots', seo.robots),
    ...meta('property', 'og:type', og.type),
    ...meta('property', 'og:title', og.title),
    ...meta('property', 'og:description', og.description),
    ...meta('property', 'og:url', og.url),
    ...meta('property', 'og:site_name', og.siteName),
    ...meta('property', 'og:locale', og.locale),
    ...meta('property', 'og:image', og.image?.url),
    ...meta('property', 'og:image:alt', og.image?.alt),
    ...meta('property', 'article:published_time', og.publishedTime),
    ...meta('property', 'article:modified_time', og.modifiedTime),
    ...meta('property', 'article:section', og.section),
    ...og.tags.flatMap((tag) => meta('property', 'article:tag', tag)),
    ...og.authors.flatMap((author) => meta('property', 'article:author', author)),
    ...meta('name', 'twitter:card', seo.twitter.card),
    ...meta('name', 'twitter:title', seo.twitter.title),
    ...meta('name', 'twitter:description', seo.twitter.description),
    ...meta('name', 'twitter:image', seo.twitter.image?.url),
    ...meta('name', 'twitter:image:alt', seo.twitter.image?.alt),
    // Dateline escapes <, > and & in jsonLd: it goes into the script element as it is.
    `<script type="application/ld+json">${seo.jsonLd}</script>`,
  ];
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { 'check-json-ld': { type: 'string' } },
  });
  const slug = positionals[0];
  if (!slug) {
    fail('usage: npm run head -- <slug> [--check-json-ld FILE]');
    return;
  }
  const { article } = await request(ArticleHead, { slug });
  if (!article) {
    fail(`no published article has the slug ${slug}`);
    return;
  }
  console.log(headTags(article.seo).join('\n'));
  const check = values['check-json-ld'];
  if (check) {
    writeFileSync(
      check,
      [
        "import type { CollectionPage, NewsArticle, ProfilePage, WithContext } from 'schema-dts';",
        `export const article: WithContext<NewsArticle> = ${article.seo.jsonLd};`,
        `export const section: WithContext<CollectionPage> = ${article.section.seo.jsonLd};`,
        `export const author: WithContext<ProfilePage> = ${article.author.seo.jsonLd};`,
        '',
      ].join('\n'),
    );
  }
}

await main();

// A section page, one page of stories at a time: the section with its subsections, newest
// first. Each page passes the previous page's `endCursor` as `after` (keyset pages: a story
// published meanwhile does not shift the next page).
//
//   npm run section [-- world --per-page 5 --pages 3]
import { parseArgs } from 'node:util';
import { graphql } from './gql';
import { request } from './lib/client';
import { fail, formatTime } from './lib/format';

export const SectionPage = graphql(`
  query SectionPage($slug: String!, $first: Int!, $after: String) {
    section(slug: $slug) {
      id
      name
      description
      uri
      breadcrumbs {
        name
        uri
      }
      children {
        name
        uri
      }
      articles(first: $first, after: $after, orderBy: { field: PUBLISHED_AT, direction: DESC }) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        nodes {
          ...StoryTeaser
          section {
            name
          }
        }
      }
    }
  }
`);

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: {
      'per-page': { type: 'string', default: '5' },
      pages: { type: 'string', default: '3' },
    },
    allowPositionals: true,
  });
  const slug = positionals[0] ?? 'world';
  const first = Number(values['per-page']);
  const load = async (after: string | null) => (await request(SectionPage, { slug, first, after })).section;

  let after: string | null = null;
  for (let page = 1; page <= Number(values.pages); page += 1) {
    const section = await load(after);
    if (!section) throw new Error(`No section has the slug "${slug}".`);
    const { articles } = section;
    if (page === 1) {
      console.log(section.breadcrumbs.map((c) => c.name).join(' / '));
      console.log(`\n${section.name.toUpperCase()}: ${articles.totalCount} stories`);
      if (section.description) console.log(section.description);
      if (section.children.length) console.log(`Also: ${section.children.map((c) => c.name).join(', ')}`);
    }
    console.log(`\n-- page ${page}`);
    for (const story of articles.nodes) {
      const when = story.publishedAt ? formatTime(story.publishedAt) : '';
      console.log(`${story.title}\n  ${story.section.name} · ${when}  ${story.uri}`);
    }
    if (!articles.pageInfo.hasNextPage) break;
    after = articles.pageInfo.endCursor;
  }
}

main().catch(fail);

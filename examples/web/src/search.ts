// Search with facets: the hits with their highlights, and counts by section, tag and year
// over the whole result set. Then the search again, narrowed to the section with the most
// hits, as a reader clicking that facet would.
//
//   npm run search [-- "peace talks" --first 5]
import { parseArgs } from 'node:util';
import { graphql } from './gql';
import type { SearchFilterInput, SearchQuery } from './gql/graphql';
import { request } from './lib/client';
import { fail, markToBrackets } from './lib/format';

export const Search = graphql(`
  query Search($query: String!, $first: Int!, $after: String, $filter: SearchFilterInput) {
    search(query: $query, first: $first, after: $after, filter: $filter) {
      totalCount
      totalCountIsExact
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        cursor
        node {
          score
          article {
            ...StoryTeaser
          }
          highlights {
            field
            fragments
          }
        }
      }
      facets {
        sections(first: 5) {
          section {
            slug
            name
          }
          count
        }
        tags(first: 5) {
          tag {
            slug
            name
          }
          count
        }
        years {
          year
          count
        }
      }
    }
  }
`);

function print(search: SearchQuery['search'], label: string): void {
  const count = `${search.totalCount}${search.totalCountIsExact ? '' : '+'}`;
  console.log(`\n${label}: ${count} stories`);
  for (const { node } of search.edges) {
    console.log(`\n${node.article.title}  (${node.score.toFixed(2)})  ${node.article.uri}`);
    for (const highlight of node.highlights) {
      // `fragments` is the HTML scalar: escaped text with <mark>…</mark> around matches.
      const text = highlight.fragments.map(markToBrackets).join(' … ').replace(/\s+/g, ' ');
      console.log(`  ${highlight.field.toLowerCase()}: ${text}`);
    }
  }
  const { sections, tags, years } = search.facets;
  console.log('\nNarrow by');
  console.log(`  section: ${sections.map((f) => `${f.section.name} (${f.count})`).join(', ')}`);
  console.log(`  tag:     ${tags.map((f) => `${f.tag.name} (${f.count})`).join(', ')}`);
  console.log(`  year:    ${years.map((f) => `${f.year} (${f.count})`).join(', ')}`);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: { first: { type: 'string', default: '5' } },
    allowPositionals: true,
  });
  const query = positionals[0] ?? 'peace';
  const first = Number(values.first);

  const { search } = await request(Search, { query, first });
  print(search, `"${query}"`);

  const top = search.facets.sections[0];
  if (top) {
    const filter: SearchFilterInput = { sections: [top.section.slug] };
    const narrowed = await request(Search, { query, first, filter });
    print(narrowed.search, `"${query}" in ${top.section.name}`);
  }
}

main().catch(fail);

// The front page: the lead story (the newest featured one), then the latest stories without
// it (`excludeIds`), and the sections for the navigation.
//
//   npm run front [-- --latest 8]
import { parseArgs } from 'node:util';
import { graphql } from './gql';
import { request } from './lib/client';
import { fail, formatTime, truncate, wrap } from './lib/format';

export const FrontPageLead = graphql(`
  query FrontPageLead {
    lead: articles(
      first: 1
      filter: { featured: true }
      orderBy: { field: PUBLISHED_AT, direction: DESC }
    ) {
      nodes {
        ...StoryTeaser
        featuredImage {
          url
          altText
        }
      }
    }
    sections {
      name
      uri
      children {
        name
        uri
      }
    }
  }
`);

export const FrontPageLatest = graphql(`
  query FrontPageLatest($first: Int!, $excludeIds: [ID!]!) {
    latest: articles(
      first: $first
      filter: { excludeIds: $excludeIds }
      orderBy: { field: PUBLISHED_AT, direction: DESC }
    ) {
      nodes {
        ...StoryTeaser
        section {
          name
          uri
        }
      }
    }
  }
`);

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { latest: { type: 'string', default: '8' } } });
  const { lead, sections } = await request(FrontPageLead);
  const top = lead.nodes[0]; // undefined when nothing is featured (noUncheckedIndexedAccess)
  // The second request needs the lead's id: the lead must not appear twice on the page.
  const { latest } = await request(FrontPageLatest, {
    first: Number(values.latest),
    excludeIds: top ? [top.id] : [],
  });

  const out: string[] = [];
  out.push(sections.map((s) => s.name).join(' | '), '');
  if (top) {
    out.push(`LEAD  ${top.title}`);
    if (top.featuredImage) out.push(`      [Image: ${top.featuredImage.altText ?? top.featuredImage.url}]`);
    const lead = [top.source?.name, top.dateline ? `${top.dateline.place} –` : null].filter(Boolean).join(' ');
    out.push(wrap(`${lead} ${top.excerpt}`.trim()).replace(/^/gm, '      '), `      ${top.uri}`, '');
  }
  out.push('Latest', '');
  for (const story of latest.nodes) {
    const when = story.publishedAt ? formatTime(story.publishedAt) : '';
    out.push(`${story.title}`);
    out.push(`  ${story.section.name} · ${when} · ${story.readingTimeMinutes} min`);
    out.push(`  ${truncate(story.excerpt, 100)}`, `  ${story.uri}`, '');
  }
  process.stdout.write(`${out.join('\n').trimEnd()}\n`);
}

main().catch(fail);

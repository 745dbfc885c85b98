// The article page: everything a news site's story page shows, from one query.
//
//   npm start                        the demo's lead story, as text
//   npm start -- <slug>              another story
//   npm start -- <slug> --html       the same page as HTML (the body is inserted as it is:
//                                    Dateline sanitises it on save)
import { parseArgs } from 'node:util';
import { graphql } from './gql';
import type { ArticlePageQuery } from './gql/graphql';
import { request } from './lib/client';
import { fail, formatTime, truncate, wrap } from './lib/format';

export const ArticlePage = graphql(`
  query ArticlePage($slug: String!) {
    article(slug: $slug) {
      id
      title
      subtitle
      uri
      breadcrumbs {
        name
        uri
      }
      source {
        name
        uri
        url
      }
      dateline {
        place
      }
      publishedAt
      updatedAt
      body
      bodyText
      wordCount
      readingTimeMinutes
      featuredImage {
        url
        altText
        caption
        credit
      }
      section {
        name
        uri
      }
      tags {
        name
        uri
      }
      author {
        ...AuthorBox
      }
      coAuthors {
        ...AuthorBox
      }
      corrections(first: 20) {
        nodes {
          id
          note
          createdAt
        }
      }
      related(first: 3) {
        score
        reasons {
          kind
          label
        }
        article {
          ...StoryTeaser
        }
      }
    }
  }
`);

/** The page's data: a published story, or null when the slug names none. */
export type Article = NonNullable<ArticlePageQuery['article']>;

const DEMO_SLUG = 'envoy-embarks-on-regional-peace-mission';

/** The page as text, laid out like the story page it was modelled on. */
export function renderText(article: Article): string {
  const out: string[] = [];
  out.push(article.breadcrumbs.map((crumb) => crumb.name).join(' / '), '');
  out.push(article.title);
  if (article.subtitle) out.push(wrap(article.subtitle));
  out.push('');
  if (article.source) out.push(article.source.name, '');

  const byline = [article.author, ...article.coAuthors].map((a) => a.name).join(', ');
  const facts = [`By ${byline}`];
  if (article.publishedAt) facts.push(formatTime(article.publishedAt));
  facts.push(`${article.readingTimeMinutes} min read`);
  out.push(facts.join(' · '), '');

  if (article.featuredImage) {
    const image = article.featuredImage;
    const about = [image.caption, image.credit].filter(Boolean).join(' ');
    out.push(`[Image: ${image.altText ?? image.url}]`);
    if (about) out.push(wrap(about));
    out.push('');
  }

  // The dateline is data, not text inside the body: print it before the first paragraph.
  const text = article.dateline ? `${article.dateline.place}: ${article.bodyText}` : article.bodyText;
  out.push(wrap(text), '');

  const corrections = article.corrections.nodes;
  if (corrections.length > 0) {
    out.push('Corrections');
    for (const c of corrections) out.push(wrap(`${formatTime(c.createdAt)}: ${c.note}`));
    out.push('');
  }
  if (article.tags.length > 0) {
    out.push(`Tags: ${article.tags.map((tag) => tag.name).join(', ')}`, '');
  }

  for (const author of [article.author, ...article.coAuthors]) {
    out.push(`About ${author.name}`);
    if (author.bio) out.push(wrap(author.bio));
    if (author.avatarUrl) out.push(`Picture: ${author.avatarUrl}`);
    out.push(`More from ${author.name}: ${author.uri}`, '');
  }

  if (article.related.length > 0) {
    out.push('Check Also', '');
    for (const { article: story, reasons } of article.related) {
      out.push(story.title);
      const lead = [story.source?.name, story.dateline ? `${story.dateline.place} –` : null]
        .filter(Boolean)
        .join(' ');
      out.push(wrap(truncate(`${lead} ${story.excerpt}`.trim(), 120)));
      out.push(`  ${story.uri} (${reasons.map((r) => r.label).join(', ')})`, '');
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}

const escape = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The page as HTML. `body` is the `HTML` scalar: sanitised by Dateline, inserted as it is. */
export function renderHtml(article: Article): string {
  const crumbs = article.breadcrumbs
    .map((c) => `<a href="${escape(c.uri)}">${escape(c.name)}</a>`)
    .join(' / ');
  const image = article.featuredImage
    ? `<figure><img src="${escape(article.featuredImage.url)}" alt="${escape(article.featuredImage.altText ?? '')}">` +
      `<figcaption>${escape([article.featuredImage.caption, article.featuredImage.credit].filter(Boolean).join(' '))}</figcaption></figure>`
    : '';
  const authors = [article.author, ...article.coAuthors]
    .map(
      (a) =>
        `<aside class="author">${a.avatarUrl ? `<img src="${escape(a.avatarUrl)}" alt="">` : ''}` +
        `<h2>About <a href="${escape(a.uri)}">${escape(a.name)}</a></h2>${a.bio ? `<p>${escape(a.bio)}</p>` : ''}</aside>`,
    )
    .join('\n');
  const related = article.related
    .map((r) => `<li><a href="${escape(r.article.uri)}">${escape(r.article.title)}</a></li>`)
    .join('');
  return `<!doctype html>
<meta charset="utf-8">
<title>${escape(article.title)}</title>
<nav>${crumbs}</nav>
<article>
<h1>${escape(article.title)}</h1>
${article.subtitle ? `<p class="standfirst">${escape(article.subtitle)}</p>` : ''}
${article.source ? `<p class="source"><a href="${escape(article.source.uri)}">${escape(article.source.name)}</a></p>` : ''}
${image}
${article.dateline ? `<p class="dateline">${escape(article.dateline.place)}:</p>` : ''}
${article.body}
</article>
${authors}
${related ? `<section><h2>Check Also</h2><ul>${related}</ul></section>` : ''}
`;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: { html: { type: 'boolean', default: false } },
    allowPositionals: true,
  });
  const slug = positionals[0] ?? DEMO_SLUG;
  const { article } = await request(ArticlePage, { slug });
  if (!article) {
    throw new Error(`No published article has the slug "${slug}".`);
  }
  process.stdout.write(values.html ? renderHtml(article) : renderText(article));
}

main().catch(fail);

// Fragments shared by the pages: what a story looks like in a list, and the author box.
// codegen appends them to every document that spreads them.
import { graphql } from './gql';

/** A story in a list: front page, section page, "Check Also", search hits, live updates. */
export const StoryTeaser = graphql(`
  fragment StoryTeaser on Article {
    id
    title
    uri
    excerpt
    publishedAt
    readingTimeMinutes
    source {
      name
    }
    dateline {
      place
    }
  }
`);

/** The author box under an article ("About admin"). */
export const AuthorBox = graphql(`
  fragment AuthorBox on Author {
    name
    bio
    avatarUrl
    uri
  }
`);

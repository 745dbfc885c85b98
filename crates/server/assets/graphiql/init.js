// Mounts Dateline's GraphiQL. Loaded after react.js, react-dom.js and graphiql.js, which
// define the globals React, ReactDOM and GraphiQL. No inline script or style is needed:
// the page runs under `script-src 'self'; style-src 'self'`.
(function () {
  'use strict';

  // Queries and mutations over HTTP, subscriptions over a websocket at the same address
  // (graphql-transport-ws, through the graphql-ws client bundled in graphiql.js).
  var httpUrl = new URL('/graphql', location.href);
  var wsUrl = new URL(httpUrl.href);
  wsUrl.protocol = httpUrl.protocol === 'https:' ? 'wss:' : 'ws:';

  // GraphiQL sends the Headers tab with every HTTP request and, for subscriptions, as the
  // `connection_init` payload, so `{"Authorization": "Bearer dl_..."}` signs in both.
  var fetcher = GraphiQL.createFetcher({
    url: httpUrl.href,
    subscriptionUrl: wsUrl.href,
  });

  var defaultQuery = [
    '# Dateline GraphiQL. Ctrl-Enter runs the query; the book icon on the',
    '# left opens the docs.',
    '#',
    '# Staff: sign in with the `login` mutation, then put',
    '#   {"Authorization": "Bearer dl_..."}',
    '# in the Headers tab below.',
    '',
    '{',
    '  articles(first: 5) {',
    '    nodes {',
    '      title',
    '      uri',
    '      publishedAt',
    '    }',
    '  }',
    '}',
    '',
  ].join('\n');

  // The page's own layout, through the CSSOM (allowed by `style-src 'self'`, unlike a
  // style attribute or a <style> element).
  var container = document.getElementById('graphiql');
  document.documentElement.style.height = '100%';
  document.body.style.height = '100%';
  document.body.style.margin = '0';
  container.style.height = '100%';
  container.textContent = '';

  var h = React.createElement;
  ReactDOM.createRoot(container).render(
    h(
      GraphiQL,
      {
        fetcher: fetcher,
        defaultQuery: defaultQuery,
        isHeadersEditorEnabled: true,
        // Tokens stay in memory: they are not written to localStorage.
        shouldPersistHeaders: false,
      },
      h(GraphiQL.Logo, null, 'Dateline GraphiQL')
    )
  );
})();

// Small helpers to print pages as text. `DateTime` and `URL` arrive as strings (see
// codegen.ts), so these take strings.

/** "28 Nov 2026, 23:14 UTC" from an RFC 3339 `DateTime`. */
export function formatTime(dateTime: string): string {
  const when = new Date(dateTime);
  if (Number.isNaN(when.getTime())) return dateTime;
  return `${new Intl.DateTimeFormat('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'UTC',
  }).format(when)} UTC`;
}

/** Cuts text at a word boundary, ending with "…" when it was cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()} …`;
}

/** Wraps text to a width, keeping paragraphs (blank lines) apart. */
export function wrap(text: string, width = 88): string {
  return text
    .split(/\n\s*\n/)
    .map((paragraph) => {
      const lines: string[] = [];
      let line = '';
      for (const word of paragraph.split(/\s+/).filter(Boolean)) {
        if (line && line.length + 1 + word.length > width) {
          lines.push(line);
          line = word;
        } else {
          line = line ? `${line} ${word}` : word;
        }
      }
      if (line) lines.push(line);
      return lines.join('\n');
    })
    .join('\n\n');
}

/** Text from an `HTML` value such as a search highlight: tags dropped, entities decoded. */
export function htmlToText(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&amp;/g, '&');
}

/** A search highlight for a terminal: `<mark>word</mark>` becomes `[word]`. */
export function markToBrackets(html: string): string {
  return htmlToText(html.replace(/<mark>/g, '[').replace(/<\/mark>/g, ']'));
}

/** Prints the error and sets a failing exit status. */
export function fail(error: unknown): void {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
}

//! `dateline-bench wxr`: writes a synthetic WordPress export (WXR 1.2) for timing
//! `dateline import wordpress` and watching its memory: authors, a category tree, tags,
//! images, and posts shaped like a real site's — block-editor paragraphs, captions,
//! galleries, a plugin's shortcode now and then, comments, mostly published with some
//! drafts, scheduled and private posts. The same arguments always write the same file, and
//! it is written as a stream, so any size fits in memory.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::Context;

/// Options of `dateline-bench wxr`.
#[derive(clap::Args)]
pub struct WxrArgs {
    /// How many posts to write.
    #[arg(long, default_value_t = 20_000)]
    posts: usize,
    /// About how many bytes of text each post body has.
    #[arg(long, default_value_t = 3_000)]
    body_bytes: usize,
    /// The file to write.
    #[arg(long, default_value = "export.xml")]
    out: PathBuf,
}

const AUTHORS: usize = 20;
const TOP_CATEGORIES: usize = 6;
const SUBCATEGORIES: usize = 4;
const TAGS: usize = 500;
/// One image per this many posts.
const POSTS_PER_IMAGE: usize = 10;

const WORDS: [&str; 24] = [
    "harbour",
    "ferry",
    "council",
    "tide",
    "market",
    "festival",
    "quay",
    "storm",
    "budget",
    "school",
    "river",
    "bridge",
    "fishing",
    "crew",
    "museum",
    "lighthouse",
    "the",
    "of",
    "and",
    "new",
    "after",
    "said",
    "week",
    "plans",
];

/// A sentence of `n` words chosen by `seed`.
fn sentence(seed: usize, n: usize) -> String {
    let words: Vec<&str> = (0..n)
        .map(|i| WORDS[(seed.wrapping_mul(31).wrapping_add(i * 7)) % WORDS.len()])
        .collect();
    let mut text = words.join(" ");
    if let Some(first) = text.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    text.push('.');
    text
}

/// Writes the export `args` describe and says what it wrote.
pub fn write(args: &WxrArgs) -> anyhow::Result<()> {
    let file =
        File::create(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    header(&mut out)?;
    for post in 0..args.posts {
        if post.is_multiple_of(POSTS_PER_IMAGE) {
            image(&mut out, post)?;
        }
        item(&mut out, post, args.body_bytes)?;
    }
    writeln!(out, "</channel>\n</rss>")?;
    out.flush()?;
    let bytes = std::fs::metadata(&args.out).map(|m| m.len()).unwrap_or(0);
    println!(
        "wrote {} ({} posts, {:.1} MB)",
        args.out.display(),
        args.posts,
        bytes as f64 / 1e6
    );
    Ok(())
}

fn header(out: &mut impl Write) -> std::io::Result<()> {
    writeln!(
        out,
        r#"<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0"
	xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:wfw="http://wellformedweb.org/CommentAPI/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:wp="http://wordpress.org/export/1.2/"
>
<channel>
	<title>Synthetic Gazette</title>
	<link>https://synthetic.example</link>
	<wp:wxr_version>1.2</wp:wxr_version>
	<wp:base_site_url>https://synthetic.example</wp:base_site_url>
	<wp:base_blog_url>https://synthetic.example</wp:base_blog_url>"#
    )?;
    for a in 0..AUTHORS {
        writeln!(
            out,
            "\t<wp:author><wp:author_id>{id}</wp:author_id><wp:author_login><![CDATA[writer{a}]]></wp:author_login><wp:author_email><![CDATA[writer{a}@synthetic.example]]></wp:author_email><wp:author_display_name><![CDATA[Writer {a}]]></wp:author_display_name><wp:author_first_name><![CDATA[Writer]]></wp:author_first_name><wp:author_last_name><![CDATA[{a}]]></wp:author_last_name></wp:author>",
            id = a + 1
        )?;
    }
    for top in 0..TOP_CATEGORIES {
        writeln!(
            out,
            "\t<wp:category><wp:term_id>{}</wp:term_id><wp:category_nicename><![CDATA[desk-{top}]]></wp:category_nicename><wp:category_parent><![CDATA[]]></wp:category_parent><wp:cat_name><![CDATA[Desk {top}]]></wp:cat_name></wp:category>",
            top + 1
        )?;
        for sub in 0..SUBCATEGORIES {
            writeln!(
                out,
                "\t<wp:category><wp:term_id>{}</wp:term_id><wp:category_nicename><![CDATA[desk-{top}-beat-{sub}]]></wp:category_nicename><wp:category_parent><![CDATA[desk-{top}]]></wp:category_parent><wp:cat_name><![CDATA[Beat {sub} of desk {top}]]></wp:cat_name></wp:category>",
                100 + top * SUBCATEGORIES + sub
            )?;
        }
    }
    for t in 0..TAGS {
        writeln!(
            out,
            "\t<wp:tag><wp:term_id>{}</wp:term_id><wp:tag_slug><![CDATA[topic-{t}]]></wp:tag_slug><wp:tag_name><![CDATA[Topic {t}]]></wp:tag_name></wp:tag>",
            1000 + t
        )?;
    }
    Ok(())
}

/// The id of post number `post`, and of the image uploaded with it.
fn post_id(post: usize) -> usize {
    10_000 + post * 2
}

fn image(out: &mut impl Write, post: usize) -> std::io::Result<()> {
    let id = post_id(post) + 1;
    writeln!(
        out,
        "\t<item>
		<title><![CDATA[Photo {id}]]></title>
		<link>https://synthetic.example/?attachment_id={id}</link>
		<dc:creator><![CDATA[writer0]]></dc:creator>
		<guid isPermaLink=\"false\">https://synthetic.example/wp-content/uploads/photo-{id}.jpg</guid>
		<content:encoded><![CDATA[]]></content:encoded>
		<excerpt:encoded><![CDATA[{caption}]]></excerpt:encoded>
		<wp:post_id>{id}</wp:post_id>
		<wp:post_date_gmt><![CDATA[2020-01-01 00:00:00]]></wp:post_date_gmt>
		<wp:post_name><![CDATA[photo-{id}]]></wp:post_name>
		<wp:status><![CDATA[inherit]]></wp:status>
		<wp:post_parent>{parent}</wp:post_parent>
		<wp:post_type><![CDATA[attachment]]></wp:post_type>
		<wp:attachment_url><![CDATA[https://synthetic.example/wp-content/uploads/photo-{id}.jpg]]></wp:attachment_url>
		<wp:postmeta><wp:meta_key><![CDATA[_wp_attachment_image_alt]]></wp:meta_key><wp:meta_value><![CDATA[{alt}]]></wp:meta_value></wp:postmeta>
	</item>",
        caption = sentence(id, 6),
        alt = sentence(id + 1, 5),
        parent = post_id(post),
    )
}

fn item(out: &mut impl Write, post: usize, body_bytes: usize) -> std::io::Result<()> {
    let id = post_id(post);
    let (status, year) = match post % 100 {
        0..=4 => ("draft", 2024),
        5..=7 => ("future", 2036),
        8..=9 => ("private", 2023),
        _ => ("publish", 2015 + post % 9),
    };
    let month = 1 + post % 12;
    let day = 1 + post % 28;
    let title = sentence(post, 7);
    let slug = title
        .trim_end_matches('.')
        .to_ascii_lowercase()
        .replace(' ', "-");
    let top = post % TOP_CATEGORIES;
    let sub = (post / TOP_CATEGORIES) % SUBCATEGORIES;
    let image = post_id(post - post % POSTS_PER_IMAGE) + 1;
    let mut body = String::with_capacity(body_bytes + 512);
    let mut paragraph = 0;
    while body.len() < body_bytes {
        body.push_str("<!-- wp:paragraph -->\n<p>");
        for s in 0..4 {
            if s > 0 {
                body.push(' ');
            }
            body.push_str(&sentence(post + paragraph * 5 + s, 12));
        }
        body.push_str("</p>\n<!-- /wp:paragraph -->\n\n");
        if paragraph == 1 && post.is_multiple_of(5) {
            body.push_str(&format!(
                "[caption id=\"attachment_{image}\" width=\"800\"]<img src=\"https://synthetic.example/wp-content/uploads/photo-{image}.jpg\" alt=\"Photo\" /> {}[/caption]\n\n",
                sentence(post, 5)
            ));
        }
        if paragraph == 2 && post.is_multiple_of(20) {
            body.push_str(&format!("[gallery ids=\"{image}\"]\n\n"));
        }
        if paragraph == 2 && post.is_multiple_of(50) {
            body.push_str("[newsletter_signup list=\"daily\"]\n\n");
        }
        paragraph += 1;
    }
    write!(
        out,
        "\t<item>
		<title><![CDATA[{title}]]></title>
		<link>https://synthetic.example/{year}/{month:02}/{slug}-{post}/</link>
		<dc:creator><![CDATA[writer{author}]]></dc:creator>
		<guid isPermaLink=\"false\">https://synthetic.example/?p={id}</guid>
		<content:encoded><![CDATA[{body}]]></content:encoded>
		<excerpt:encoded><![CDATA[]]></excerpt:encoded>
		<wp:post_id>{id}</wp:post_id>
		<wp:post_date><![CDATA[{year}-{month:02}-{day:02} 10:00:00]]></wp:post_date>
		<wp:post_date_gmt><![CDATA[{year}-{month:02}-{day:02} 09:00:00]]></wp:post_date_gmt>
		<wp:post_modified_gmt><![CDATA[{year}-{month:02}-{day:02} 09:30:00]]></wp:post_modified_gmt>
		<wp:post_name><![CDATA[{slug}-{post}]]></wp:post_name>
		<wp:status><![CDATA[{status}]]></wp:status>
		<wp:post_parent>0</wp:post_parent>
		<wp:post_type><![CDATA[post]]></wp:post_type>
		<wp:is_sticky>{sticky}</wp:is_sticky>
		<category domain=\"category\" nicename=\"desk-{top}-beat-{sub}\"><![CDATA[Beat {sub} of desk {top}]]></category>
",
        author = post % AUTHORS,
        sticky = u8::from(post.is_multiple_of(500)),
    )?;
    for t in 0..4 {
        let tag = (post * 7 + t * 131) % TAGS;
        writeln!(
            out,
            "\t\t<category domain=\"post_tag\" nicename=\"topic-{tag}\"><![CDATA[Topic {tag}]]></category>"
        )?;
    }
    if post.is_multiple_of(5) {
        writeln!(
            out,
            "\t\t<wp:postmeta><wp:meta_key><![CDATA[_thumbnail_id]]></wp:meta_key><wp:meta_value><![CDATA[{image}]]></wp:meta_value></wp:postmeta>"
        )?;
    }
    for c in 0..post % 3 {
        writeln!(
            out,
            "\t\t<wp:comment><wp:comment_id>{}</wp:comment_id><wp:comment_content><![CDATA[{}]]></wp:comment_content></wp:comment>",
            id * 3 + c,
            sentence(post + c, 8)
        )?;
    }
    writeln!(out, "\t</item>")
}

//! Sanitising untrusted HTML from inbound mail before anyone's browser sees it, and turning HTML
//! into plain text.
//!
//! Two steps: ammonia removes everything that can run code, submit data or load resources
//! behind the user's back; then remote images are disarmed by moving their URL from `src` to
//! `data-remote-src`, because a loaded remote image tells the sender that (and when) the mail
//! was read. The UI loads them only when the agent asks for it. `cid:` images stay: they refer
//! to attachments of the same mail.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

/// HTML that is safe to embed, plus whether remote images were blocked.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SanitizedHtml {
    pub html: String,
    pub has_remote_images: bool,
}

const ALLOWED_TAGS: &[&str] = &[
    "a",
    "b",
    "blockquote",
    "br",
    "caption",
    "code",
    "col",
    "colgroup",
    "div",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
];

/// Tags removed together with their content: their text is code or metadata, never prose.
const DROPPED_WITH_CONTENT: &[&str] = &["script", "style", "title", "template"];

const LINK_REL: &str = "noopener noreferrer nofollow";

fn sanitizer() -> &'static ammonia::Builder<'static> {
    static BUILDER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    BUILDER.get_or_init(|| {
        let mut builder = ammonia::Builder::empty();
        let tag_attributes: HashMap<&str, HashSet<&str>> = HashMap::from([
            ("a", HashSet::from(["href"])),
            ("img", HashSet::from(["src", "alt", "width", "height"])),
            ("td", HashSet::from(["colspan", "rowspan"])),
            ("th", HashSet::from(["colspan", "rowspan"])),
            ("ol", HashSet::from(["start"])),
        ]);
        builder
            .tags(ALLOWED_TAGS.iter().copied().collect())
            .clean_content_tags(DROPPED_WITH_CONTENT.iter().copied().collect())
            .generic_attributes(HashSet::from(["title", "lang", "dir"]))
            .tag_attributes(tag_attributes)
            .url_schemes(HashSet::from(["http", "https", "mailto", "cid"]))
            .url_relative(ammonia::UrlRelative::Deny)
            .link_rel(Some(LINK_REL))
            .strip_comments(true)
            .attribute_filter(|element, attribute, value| {
                let allowed = match (element, attribute) {
                    ("a", "href") => has_scheme(value, &["http:", "https:", "mailto:"]),
                    ("img", "src") => has_scheme(value, &["http:", "https:", "cid:"]),
                    _ => true,
                };
                allowed.then(|| value.into())
            });
        builder
    })
}

/// Whether `value` starts with one of `schemes` (lower-case, with colon), ignoring the
/// whitespace and control characters browsers ignore too.
fn has_scheme(value: &str, schemes: &[&str]) -> bool {
    let normalized: String = value
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
        .take(8)
        .collect::<String>()
        .to_ascii_lowercase();
    schemes.iter().any(|scheme| normalized.starts_with(scheme))
}

/// Makes untrusted mail HTML safe to show: no scripts, styles, event handlers, forms, frames,
/// or dangerous URLs; links open without referrer; remote images are blocked.
pub fn sanitize_html(html: &str) -> SanitizedHtml {
    let cleaned = sanitizer().clean(html).to_string();
    block_remote_images(&cleaned)
}

/// Plain text of an HTML document (script and style content left out), for HTML-only mail and
/// for search.
pub fn html_to_text(html: &str) -> String {
    mail_parser::decoders::html::html_to_text(html).trim().to_string()
}

/// Renames `src` to `data-remote-src` on every `<img>` whose source is remote.
///
/// This works on ammonia's output only, which html5ever serialised canonically: every `<`
/// outside an attribute value starts a tag (text has `&lt;`), attribute values are always
/// double-quoted and never contain `"`. A small scanner is therefore exact here, where it would
/// not be on arbitrary HTML.
fn block_remote_images(html: &str) -> SanitizedHtml {
    let mut out = String::with_capacity(html.len() + 64);
    let mut has_remote_images = false;
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let from_tag = &rest[start..];
        let Some(end) = tag_end(from_tag) else {
            out.push_str(from_tag);
            rest = "";
            break;
        };
        let tag = &from_tag[..=end];
        if tag.starts_with("<img ") {
            out.push_str(&rewrite_img_tag(tag, &mut has_remote_images));
        } else {
            out.push_str(tag);
        }
        rest = &from_tag[end + 1..];
    }
    out.push_str(rest);
    SanitizedHtml { html: out, has_remote_images }
}

/// Byte index of the `>` that closes the tag starting at `tag[0]`, skipping quoted values.
fn tag_end(tag: &str) -> Option<usize> {
    let mut in_quotes = false;
    for (i, b) in tag.bytes().enumerate() {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'>' if !in_quotes => return Some(i),
            _ => {}
        }
    }
    None
}

fn rewrite_img_tag(tag: &str, has_remote_images: &mut bool) -> String {
    // Canonical output has at most one `src` per element, and the literal ` src="` can never
    // occur inside a value, which would have its quote escaped as `&quot;`.
    const SRC: &str = " src=\"";
    match tag.find(SRC) {
        Some(pos) if has_scheme(&tag[pos + SRC.len()..], &["http:", "https:"]) => {
            *has_remote_images = true;
            format!("{} data-remote-src=\"{}", &tag[..pos], &tag[pos + SRC.len()..])
        }
        _ => tag.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_image_is_blocked_and_url_kept() {
        let s = sanitize_html(r#"<p>Hallo</p><img src="https://tracker.example/p.gif?id=1&amp;x=2" alt="Logo">"#);
        assert!(s.has_remote_images);
        assert!(s.html.contains(r#"data-remote-src="https://tracker.example/p.gif?id=1&amp;x=2""#), "{}", s.html);
        assert!(!s.html.contains(" src="), "{}", s.html);
    }

    #[test]
    fn src_text_inside_alt_is_not_touched() {
        let s = sanitize_html(r#"<img alt=" src=&quot;http://x" src="cid:logo@firma">"#);
        assert!(!s.has_remote_images, "{}", s.html);
        assert!(s.html.contains(r#"src="cid:logo@firma""#), "{}", s.html);
    }

    #[test]
    fn cid_image_is_kept() {
        let s = sanitize_html(r#"<img src="cid:bild1@resonanz">"#);
        assert!(!s.has_remote_images);
        assert_eq!(s.html, r#"<img src="cid:bild1@resonanz">"#);
    }

    #[test]
    fn html_to_text_skips_script_and_style() {
        let text =
            html_to_text("<style>p{color:red}</style><p>Guten Tag,</p><script>alert(1)</script><p>viele Grüße</p>");
        assert!(text.contains("Guten Tag,"));
        assert!(text.contains("viele Grüße"));
        assert!(!text.contains("alert"));
        assert!(!text.contains("color"));
    }
}

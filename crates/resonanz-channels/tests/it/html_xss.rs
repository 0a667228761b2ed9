//! Known XSS vectors must not survive sanitising; ordinary formatting must.

use resonanz_channels::html::{html_to_text, sanitize_html};

/// Things that must never appear in sanitised output, lower-cased.
const FORBIDDEN: &[&str] = &[
    "<script",
    "javascript:",
    "vbscript:",
    "data:",
    "onerror",
    "onload",
    "onclick",
    "onmouseover",
    "onfocus",
    "<svg",
    "<iframe",
    "<form",
    "<input",
    "<button",
    "<meta",
    "<object",
    "<embed",
    "<base",
    "<link",
    "<style",
    "style=",
    "expression(",
    "formaction",
    "srcdoc",
    "target=",
];

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
const ALLOWED_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "alt",
    "width",
    "height",
    "colspan",
    "rowspan",
    "start",
    "title",
    "lang",
    "dir",
    "rel",
    "data-remote-src",
];

/// Every tag and attribute in sanitised (canonically serialised) output is on the allow-list.
fn assert_only_allowed_markup(html: &str, vector: &str) {
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        let tag = &rest[start + 1..];
        let end = tag.find('>').unwrap_or(tag.len());
        let inner = tag[..end].trim_start_matches('/');
        let (name, attributes) = inner.split_once(' ').unwrap_or((inner, ""));
        assert!(ALLOWED_TAGS.contains(&name), "tag `{name}` in `{html}` from `{vector}`");
        // Canonical attributes are `name="value"` with no `"` inside values, so every other
        // piece between quotes is a name.
        for attr_name in attributes.split('"').step_by(2) {
            let attr_name = attr_name.trim().trim_end_matches('=');
            if !attr_name.is_empty() {
                assert!(ALLOWED_ATTRIBUTES.contains(&attr_name), "attribute `{attr_name}` in `{html}` from `{vector}`");
            }
        }
        rest = &tag[end.min(tag.len())..];
    }
}

const VECTORS: &[&str] = &[
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example.test/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<img src=x onerror=alert(1)>",
    "<img src=\"javascript:alert(1)\">",
    "<IMG SRC=JaVaScRiPt:alert(1)>",
    "<img src=\"data:image/png;base64,iVBORw0KGgo=\">",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<a href=\"javascript:alert(1)\">klick</a>",
    "<a href=\"JAVASCRIPT:alert(1)\">klick</a>",
    "<a href=\" javascript:alert(1)\">klick</a>",
    "<a href=\"jav&#x09;ascript:alert(1)\">klick</a>",
    "<a href=\"jav&#x0A;ascript:alert(1)\">klick</a>",
    "<a href=\"jav&#09;ascript:alert(1)\">klick</a>",
    "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)\">klick</a>",
    "<a href=\"&#x6A;avascript:alert(1)\">klick</a>",
    "<a href=\"vbscript:msgbox(1)\">klick</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">klick</a>",
    "<a href=\"https://ok.example.test\" onclick=\"alert(1)\" target=\"_top\">klick</a>",
    "<iframe src=\"https://evil.example.test\"></iframe>",
    "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
    "<form action=\"https://evil.example.test\"><input name=\"passwort\"><button formaction=\"javascript:alert(1)\">OK</button></form>",
    "<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example.test\">",
    "<object data=\"https://evil.example.test/x.swf\"></object>",
    "<embed src=\"https://evil.example.test/x.swf\">",
    "<div style=\"width: expression(alert(1))\">Text</div>",
    "<p style=\"background:url(javascript:alert(1))\">Text</p>",
    "<base href=\"https://evil.example.test/\"><a href=\"/relativ\">Link</a>",
    "<link rel=\"stylesheet\" href=\"https://evil.example.test/x.css\">",
    "<style>@import 'https://evil.example.test/x.css';</style>",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
    "<!--<img src=x onerror=alert(1)>-->",
    "<div onmouseover=\"alert(1)\">Maus</div>",
    "<input autofocus onfocus=alert(1)>",
    "<video><source onerror=\"alert(1)\"></video>",
    "<a href=\"https://ok.example.test\" ping=\"https://evil.example.test\">ping</a>",
];

#[test]
fn xss_vectors_do_not_survive() {
    for vector in VECTORS {
        let clean = sanitize_html(vector).html.to_lowercase();
        for forbidden in FORBIDDEN {
            assert!(!clean.contains(forbidden), "`{forbidden}` survived in `{clean}` from `{vector}`");
        }
        assert_only_allowed_markup(&sanitize_html(vector).html, vector);
        // Sanitising is idempotent: a second pass changes nothing, so nothing is left that a
        // browser might parse differently.
        assert_eq!(sanitize_html(&sanitize_html(vector).html).html, sanitize_html(vector).html);
    }
}

#[test]
#[should_panic(expected = "attribute `onclick`")]
fn markup_check_notices_unsafe_attributes() {
    assert_only_allowed_markup("<p title=\"x\" onclick=\"y\">z</p>", "self-test");
}

#[test]
fn relative_and_protocol_relative_urls_are_dropped() {
    let clean = sanitize_html(
        "<a href=\"/intern\">a</a><a href=\"//evil.example.test/x\">b</a><img src=\"//evil.example.test/p.gif\">",
    );
    assert!(!clean.html.contains("href"), "{}", clean.html);
    assert!(!clean.html.contains("evil"), "{}", clean.html);
    assert!(!clean.has_remote_images);
}

#[test]
fn basic_formatting_is_kept() {
    let input = "<h2>Programmänderung</h2><p>Liebe <b>Zuschauer</b>, <i>heute</i> <u>entfällt</u> \
        <strong>die</strong> <em>Sendung</em>.<br>Grüße</p><ul><li>eins</li></ul><ol><li>zwei</li></ol>\
        <blockquote>Zitat</blockquote><pre><code>Code</code></pre><hr>\
        <table><thead><tr><th>Tag</th></tr></thead><tbody><tr><td>Montag</td></tr></tbody></table>\
        <div><span>Text</span></div>\
        <a href=\"mailto:redaktion@resonanz.test\">Mail</a> <a href=\"http://example.test/a?b=1&amp;c=2\">Web</a>";
    let clean = sanitize_html(input);
    for kept in [
        "<h2>Programmänderung</h2>",
        "<b>Zuschauer</b>",
        "<i>heute</i>",
        "<u>entfällt</u>",
        "<strong>die</strong>",
        "<em>Sendung</em>",
        "<br>",
        "<ul><li>eins</li></ul>",
        "<ol><li>zwei</li></ol>",
        "<blockquote>Zitat</blockquote>",
        "<pre><code>Code</code></pre>",
        "<hr>",
        "<th>Tag</th>",
        "<td>Montag</td>",
        "<div><span>Text</span></div>",
        "<a href=\"mailto:redaktion@resonanz.test\" rel=\"noopener noreferrer nofollow\">Mail</a>",
        "<a href=\"http://example.test/a?b=1&amp;c=2\" rel=\"noopener noreferrer nofollow\">Web</a>",
    ] {
        assert!(clean.html.contains(kept), "`{kept}` missing in {}", clean.html);
    }
    assert!(!clean.has_remote_images);
}

#[test]
fn style_attributes_and_classes_are_removed() {
    let clean = sanitize_html("<p style=\"color:red\" class=\"x\" id=\"y\">Text</p>");
    assert_eq!(clean.html, "<p>Text</p>");
}

#[test]
fn remote_images_are_blocked_but_cid_images_kept() {
    let clean = sanitize_html(
        "<img src=\"http://a.example.test/1.png\"><img src=\"HTTPS://b.example.test/2.png\" alt=\"Bild\"><img src=\"cid:c@resonanz\">",
    );
    assert!(clean.has_remote_images);
    assert!(clean.html.contains("<img data-remote-src=\"http://a.example.test/1.png\">"), "{}", clean.html);
    assert!(clean.html.contains("data-remote-src=\"HTTPS://b.example.test/2.png\""), "{}", clean.html);
    assert!(clean.html.contains("<img src=\"cid:c@resonanz\">"));
    // A data-remote-src written by the sender is not trusted.
    let forged = sanitize_html("<img data-remote-src=\"javascript:alert(1)\">");
    assert_eq!(forged.html, "<img>");
    assert!(!forged.has_remote_images);
}

#[test]
fn cid_is_not_a_link_target() {
    assert_eq!(sanitize_html("<a href=\"cid:x\">x</a>").html, "<a rel=\"noopener noreferrer nofollow\">x</a>");
}

#[test]
fn text_from_html() {
    let text = html_to_text("<p>Guten Tag,</p><p>die Sendung&nbsp;läuft um 20:15 &amp; danach.</p>");
    assert!(text.contains("Guten Tag,"));
    assert!(text.contains("die Sendung\u{a0}läuft um 20:15 & danach."), "{text:?}");
}

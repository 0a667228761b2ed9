//! `/api/v1/docs`: the OpenAPI document rendered on the server as a plain HTML reference —
//! no JavaScript, no CDN, the stylesheet served from `/api/v1/docs.css` so the CSP needs no
//! inline styles.

use std::fmt::Write as _;

use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::Value;

use crate::openapi;

const CSS: &str = include_str!("docs.css");

pub async fn css() -> Response {
    let mut res = CSS.into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8"));
    res
}

pub async fn page() -> Html<String> {
    Html(render(openapi::document()))
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Follows a local `$ref` (`#/components/...`) once.
fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(r) => r.strip_prefix('#').and_then(|p| doc.pointer(p)).unwrap_or(value),
        None => value,
    }
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

fn anchor(method: &str, path: &str) -> String {
    let mut a = format!("{method}-{path}");
    a.retain(|c| c.is_ascii_alphanumeric() || c == '-' || c == '/');
    a.replace('/', "-")
}

fn schema_label(doc: &Value, schema: &Value) -> String {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        return r.rsplit('/').next().unwrap_or(r).to_string();
    }
    let resolved = resolve(doc, schema);
    match resolved.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(" | "),
        _ => "any".into(),
    }
}

fn example_block(doc: &Value, content: &Value, out: &mut String) {
    let Some(map) = content.as_object() else { return };
    for (media, body) in map {
        let _ = write!(out, "<p class=\"media\">{}", escape(media));
        if let Some(schema) = body.get("schema") {
            let _ = write!(out, " — <code>{}</code>", escape(&schema_label(doc, schema)));
        }
        out.push_str("</p>");
        if let Some(example) = body.get("example") {
            let text = match example {
                Value::String(s) => s.clone(),
                other => serde_json::to_string_pretty(other).unwrap_or_default(),
            };
            // Wide examples scroll sideways: keyboard users must reach them (axe: scrollable regions).
            let _ = write!(out, "<pre tabindex=\"0\">{}</pre>", escape(&text));
        }
    }
}

fn render_operation(doc: &Value, method: &str, path: &str, op: &Value, out: &mut String) {
    let public = op.get("security").and_then(Value::as_array).is_some_and(Vec::is_empty);
    let _ = write!(
        out,
        "<section class=\"op\" id=\"{}\"><h3><span class=\"method {m}\">{M}</span> <code>{p}</code></h3><p class=\"summary\">{s}{auth}</p><p>{d}</p>",
        anchor(method, path),
        m = escape(method),
        M = escape(&method.to_uppercase()),
        p = escape(path),
        s = escape(str_of(op, "summary")),
        auth = if public { " <span class=\"badge\">no token needed</span>" } else { "" },
        d = escape(str_of(op, "description")),
    );
    if let Some(params) = op.get("parameters").and_then(Value::as_array).filter(|p| !p.is_empty()) {
        out.push_str("<h4>Parameters</h4><table><thead><tr><th>Name</th><th>In</th><th>Type</th><th>Required</th><th>Description</th></tr></thead><tbody>");
        for p in params {
            let p = resolve(doc, p);
            let ty = p.get("schema").map(|s| schema_label(doc, s)).unwrap_or_default();
            let required = p.get("required").and_then(Value::as_bool).unwrap_or(false);
            let _ = write!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(str_of(p, "name")),
                escape(str_of(p, "in")),
                escape(&ty),
                if required { "yes" } else { "no" },
                escape(str_of(p, "description")),
            );
        }
        out.push_str("</tbody></table>");
    }
    if let Some(body) = op.get("requestBody") {
        out.push_str("<h4>Request body</h4>");
        if let Some(content) = resolve(doc, body).get("content") {
            example_block(doc, content, out);
        }
    }
    if let Some(responses) = op.get("responses").and_then(Value::as_object) {
        out.push_str("<h4>Responses</h4><dl class=\"responses\">");
        for (status, resp) in responses {
            let resp = resolve(doc, resp);
            let _ = write!(out, "<dt>{}</dt><dd><p>{}</p>", escape(status), escape(str_of(resp, "description")));
            if let Some(content) = resp.get("content") {
                example_block(doc, content, out);
            }
            out.push_str("</dd>");
        }
        out.push_str("</dl>");
    }
    out.push_str("</section>");
}

/// The reference page for an OpenAPI document: operations grouped by their first tag, in the
/// order of the document's `tags`.
pub fn render(doc: &Value) -> String {
    let title = doc.pointer("/info/title").and_then(Value::as_str).unwrap_or("API");
    let version = doc.pointer("/info/version").and_then(Value::as_str).unwrap_or("");
    let description = doc.pointer("/info/description").and_then(Value::as_str).unwrap_or("");
    let mut ops: Vec<(String, String, String, &Value)> = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for (method, op) in item.as_object().into_iter().flatten() {
                let tag = op.pointer("/tags/0").and_then(Value::as_str).unwrap_or("Other").to_string();
                ops.push((tag, method.clone(), path.clone(), op));
            }
        }
    }
    let mut tags: Vec<(String, String)> = doc
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|t| (str_of(t, "name").to_string(), str_of(t, "description").to_string()))
        .collect();
    for (tag, ..) in &ops {
        if !tags.iter().any(|(t, _)| t == tag) {
            tags.push((tag.clone(), String::new()));
        }
    }

    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{t} — reference</title><link rel=\"stylesheet\" href=\"/api/v1/docs.css\"></head><body><header><h1>{t} <small>{v}</small></h1><p>{d}</p><p><a href=\"/api/v1/openapi.json\">OpenAPI document (JSON)</a></p></header><nav aria-label=\"Endpoints\"><ul>",
        t = escape(title),
        v = escape(version),
        d = escape(description),
    );
    for (tag, _) in &tags {
        let group: Vec<_> = ops.iter().filter(|(t, ..)| t == tag).collect();
        if group.is_empty() {
            continue;
        }
        let _ = write!(out, "<li>{}<ul>", escape(tag));
        for (_, method, path, _) in group {
            let _ = write!(
                out,
                "<li><a href=\"#{}\"><span class=\"method {m}\">{M}</span> {p}</a></li>",
                anchor(method, path),
                m = escape(method),
                M = escape(&method.to_uppercase()),
                p = escape(path)
            );
        }
        out.push_str("</ul></li>");
    }
    out.push_str("</ul></nav><main>");
    for (tag, tag_description) in &tags {
        let group: Vec<_> = ops.iter().filter(|(t, ..)| t == tag).collect();
        if group.is_empty() {
            continue;
        }
        let _ = write!(out, "<h2>{}</h2><p>{}</p>", escape(tag), escape(tag_description));
        for (_, method, path, op) in group {
            render_operation(doc, method, path, op, &mut out);
        }
    }
    out.push_str("</main></body></html>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    }
}

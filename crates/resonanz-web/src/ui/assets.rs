//! Static assets, embedded and fingerprinted: the URL carries a hash of the content, so browsers
//! may cache them forever and a new version is fetched the moment it changes.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

pub struct Asset {
    pub name: &'static str,
    pub content_type: &'static str,
    pub bytes: &'static [u8],
}

const ASSETS: [Asset; 5] = [
    Asset { name: "app.css", content_type: "text/css; charset=utf-8", bytes: include_bytes!("../../assets/app.css") },
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/app.js"),
    },
    Asset {
        name: "assist.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../assets/assist.css"),
    },
    Asset {
        name: "assist.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/assist.js"),
    },
    Asset { name: "favicon.svg", content_type: "image/svg+xml", bytes: include_bytes!("../../assets/favicon.svg") },
];

/// `(name, fingerprinted file name)` per asset.
static FINGERPRINTS: LazyLock<Vec<(&'static str, String)>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|a| {
            let hash = hex::encode(&Sha256::digest(a.bytes)[..6]);
            let (stem, ext) = a.name.rsplit_once('.').unwrap_or((a.name, ""));
            (a.name, format!("{stem}.{hash}.{ext}"))
        })
        .collect()
});

/// The URL of an asset, e.g. `/assets/app.3f2a….css`.
pub fn url(name: &str) -> String {
    FINGERPRINTS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, f)| format!("/assets/{f}"))
        .unwrap_or_else(|| format!("/assets/{name}"))
}

pub async fn serve(Path(file): Path<String>) -> Response {
    let Some(i) = FINGERPRINTS.iter().position(|(n, f)| *f == file || *n == file) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let asset = &ASSETS[i];
    let fingerprinted = FINGERPRINTS[i].1 == file;
    let mut res = asset.bytes.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if fingerprinted { "public, max-age=31536000, immutable" } else { "no-cache" }),
    );
    res
}

/// Total size of the embedded assets, for the page-weight benchmark.
pub fn all() -> &'static [Asset] {
    &ASSETS
}

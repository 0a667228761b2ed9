//! Wire formats and protocols for e-mail: MIME parsing and building, mbox/Maildir reading,
//! HTML sanitising, SMTP sending and IMAP fetching. Nothing else in Resonanz knows these formats.

pub mod html;
pub mod imap;
pub mod mailbox_formats;
pub mod mime;
pub mod outgoing;
mod server_url;
pub mod smtp;

pub use server_url::InvalidServerUrl;

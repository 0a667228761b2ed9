//! Builders for test mails and parsed inbound mails, in German as our users write.

use resonanz_core::mail::{InboundMail, MailAddress};

/// A raw RFC 5322 mail with the usual headers.
#[derive(Debug, Clone)]
pub struct RawMail {
    pub from: String,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub message_id: Option<String>,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub extra_headers: Vec<String>,
}

impl RawMail {
    pub fn new(from: &str, subject: &str, body: &str) -> Self {
        Self {
            from: from.into(),
            to: "service@resonanz.test".into(),
            subject: subject.into(),
            body: body.into(),
            message_id: Some(format!("{}@kunde.example", uuid::Uuid::new_v4().simple())),
            in_reply_to: None,
            references: Vec::new(),
            extra_headers: Vec::new(),
        }
    }

    pub fn reply_to(mut self, message_id: &str) -> Self {
        self.in_reply_to = Some(message_id.into());
        self.references.push(message_id.into());
        self
    }

    pub fn bytes(&self) -> Vec<u8> {
        let mut s = String::new();
        s.push_str(&format!("From: {}\r\nTo: {}\r\n", self.from, self.to));
        s.push_str(&format!("Subject: {}\r\n", encode_header(&self.subject)));
        s.push_str("Date: Mon, 02 Mar 2026 08:15:00 +0100\r\n");
        if let Some(m) = &self.message_id {
            s.push_str(&format!("Message-ID: <{m}>\r\n"));
        }
        if let Some(r) = &self.in_reply_to {
            s.push_str(&format!("In-Reply-To: <{r}>\r\n"));
        }
        if !self.references.is_empty() {
            let refs: Vec<String> = self.references.iter().map(|r| format!("<{r}>")).collect();
            s.push_str(&format!("References: {}\r\n", refs.join(" ")));
        }
        for h in &self.extra_headers {
            s.push_str(h);
            s.push_str("\r\n");
        }
        s.push_str(
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
        );
        s.push_str(&self.body.replace('\n', "\r\n"));
        s.push_str("\r\n");
        s.into_bytes()
    }
}

/// RFC 2047 B-encoding for non-ASCII header text.
fn encode_header(text: &str) -> String {
    if text.is_ascii() {
        return text.to_string();
    }
    use base64::Engine as _;
    format!("=?UTF-8?B?{}?=", base64::engine::general_purpose::STANDARD.encode(text.as_bytes()))
}

/// A parsed inbound mail, for storage tests that do not go through MIME.
pub fn inbound(from: &str, name: &str, subject: &str, body: &str) -> InboundMail {
    InboundMail {
        message_id: Some(format!("{}@kunde.example", uuid::Uuid::new_v4().simple())),
        from: Some(MailAddress { address: from.into(), name: Some(name.into()) }),
        to: vec![MailAddress { address: "service@resonanz.test".into(), name: None }],
        subject: subject.into(),
        text_body: body.into(),
        ..Default::default()
    }
}

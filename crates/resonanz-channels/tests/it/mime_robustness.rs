//! What the parser refuses, and that no input at all makes it panic.

use resonanz_channels::mime::{ParseError, ParseLimits, parse_mail};

use crate::fixture;

const FIXTURES: &[&str] = &[
    "latin1-qp-complaint.eml",
    "windows-1252.eml",
    "encoded-words.eml",
    "rfc2231-attachments.eml",
    "mixed-alternative-inline.eml",
    "html-only-script.eml",
    "dsn-bounce.eml",
    "out-of-office.eml",
    "reply-with-references.eml",
    "no-message-id.eml",
];

#[test]
fn too_large_is_refused_before_parsing() {
    let raw = fixture("latin1-qp-complaint.eml");
    let err = parse_mail(&raw, &ParseLimits { max_bytes: 100 }).unwrap_err();
    assert_eq!(err, ParseError::TooLarge { size: raw.len(), limit: 100 });
    assert_eq!(err.to_string(), format!("message is too large: {} bytes, the limit is 100 bytes", raw.len()));
    assert_eq!(ParseLimits::default().max_bytes, 50 * 1024 * 1024);
}

#[test]
fn non_mail_input_is_unparseable() {
    for input in [
        &b""[..],
        b"\r\n\r\n",
        b"Hallo, das ist keine Mail, nur Text.\nZweite Zeile.\n",
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01",
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
        b"\0\0\0\0\0\0",
        b"PK\x03\x04\x14\0\0\0\x08\0",
        b": kein Feldname\n\nText",
        b"X-Header: a\0b\n\nText",
    ] {
        match parse_mail(input, &Default::default()) {
            Err(ParseError::Unparseable(reason)) => {
                assert!(!reason.is_empty());
            }
            other => panic!("{:?}: expected Unparseable, got {other:?}", String::from_utf8_lossy(input)),
        }
    }
    let message = ParseError::Unparseable("the input is empty".into()).to_string();
    assert_eq!(message, "not an e-mail message: the input is empty");
}

#[test]
fn missing_sender_is_no_sender() {
    for raw in [
        "To: support@resonanz.test\r\nSubject: Ohne Absender\r\n\r\nText\r\n",
        "From: \r\nSubject: Leer\r\n\r\nText\r\n",
        "From: undisclosed-recipients:;\r\nSubject: Gruppe\r\n\r\nText\r\n",
        "From: \"Nur ein Name\"\r\nSubject: Name\r\n\r\nText\r\n",
    ] {
        assert_eq!(parse_mail(raw.as_bytes(), &Default::default()), Err(ParseError::NoSender), "{raw}");
    }
    assert_eq!(ParseError::NoSender.to_string(), "message has no sender: the From header is missing or has no address");
}

#[test]
fn mbox_envelope_line_in_front_of_a_single_mail_is_skipped() {
    let raw = b"From kunde@example.test Mon Mar  2 09:00:00 2026\nFrom: kunde@example.test\nSubject: Hallo\n\nText\n";
    let mail = parse_mail(raw, &Default::default()).unwrap();
    assert_eq!(mail.subject, "Hallo");
}

#[test]
fn invalid_date_becomes_none() {
    let raw = b"From: a@example.test\nDate: gestern irgendwann\nSubject: x\n\nText\n";
    assert_eq!(parse_mail(raw, &Default::default()).unwrap().date, None);
}

#[test]
fn subject_missing_is_empty_string() {
    let raw = b"From: a@example.test\n\nText\n";
    assert_eq!(parse_mail(raw, &Default::default()).unwrap().subject, "");
}

/// A small deterministic generator, so a failure can be reproduced.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Parses without panicking; and mail-parser itself must not have panicked either (our
/// guard turns that into this message, which would mean the guard is doing real work).
fn assert_parses_without_panic(raw: &[u8]) {
    if let Err(ParseError::Unparseable(reason)) = parse_mail(raw, &Default::default()) {
        assert_ne!(
            reason,
            "the MIME parser failed on this input",
            "mail-parser panicked on {:?}",
            String::from_utf8_lossy(raw)
        );
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = XorShift(0x5EED_1234_ABCD_0001);
    for _ in 0..2_000 {
        let len = rng.below(600);
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        assert_parses_without_panic(&bytes);
        // Random bytes behind a valid header start reach deeper into the parser.
        let mut with_header =
            b"From: a@example.test\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n".to_vec();
        with_header.extend_from_slice(&bytes);
        assert_parses_without_panic(&with_header);
    }
}

#[test]
fn truncated_and_mutated_fixtures_never_panic() {
    let mut rng = XorShift(0xC0FF_EE00_1234_5678);
    for name in FIXTURES {
        let raw = fixture(name);
        for cut in (0..raw.len()).step_by(7) {
            assert_parses_without_panic(&raw[..cut]);
        }
        for _ in 0..200 {
            let mut mutated = raw.clone();
            for _ in 0..1 + rng.below(8) {
                let pos = rng.below(mutated.len());
                match rng.below(4) {
                    0 => mutated[pos] = rng.next() as u8,
                    1 => {
                        mutated.remove(pos);
                    }
                    2 => mutated.insert(pos, b"-\r\n=?:;\"<>\\\0"[rng.below(11)]),
                    _ => {
                        let end = (pos + rng.below(40)).min(mutated.len());
                        mutated.drain(pos..end);
                    }
                }
            }
            assert_parses_without_panic(&mutated);
        }
    }
}

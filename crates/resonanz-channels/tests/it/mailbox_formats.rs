//! Reading message files, mboxes, Maildirs and directory trees.

use std::fs;
use std::path::PathBuf;

use resonanz_channels::mailbox_formats::{RawMail, Source, read_paths};
use resonanz_channels::mime::parse_mail;

use crate::fixture_path;

fn read_all(paths: &[PathBuf]) -> Vec<RawMail> {
    read_paths(paths).map(|r| r.unwrap()).collect()
}

#[test]
fn single_file_is_one_message() {
    let path = fixture_path("no-message-id.eml");
    let mails = read_all(std::slice::from_ref(&path));
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].label, format!("file:{}", path.display()));
    assert_eq!(mails[0].bytes, fs::read(&path).unwrap());
}

#[test]
fn mbox_is_split_and_from_quoting_undone() {
    let path = fixture_path("three-messages.mbox");
    let mails = read_all(std::slice::from_ref(&path));
    let labels: Vec<String> = mails.iter().map(|m| m.label.clone()).collect();
    assert_eq!(labels, (1..=3).map(|n| format!("mbox:{}#{n}", path.display())).collect::<Vec<_>>());
    let second = String::from_utf8(mails[1].bytes.clone()).unwrap();
    assert!(second.starts_with("From: sabine.kraemer@example.test\n"), "{second}");
    assert!(second.contains("\nFrom the start it was clear.\n"), "{second}");
    assert!(second.contains("\n>From here on, quoted twice.\n"), "{second}");
    // The separating empty line belongs to the mbox, not to the message.
    assert!(second.ends_with("Ende.\n"), "{second:?}");
    let subjects: Vec<String> =
        mails.iter().map(|m| parse_mail(&m.bytes, &Default::default()).unwrap().subject).collect();
    assert_eq!(subjects, vec!["Erste Nachricht", "Zweite Nachricht", "Dritte Nachricht"]);
    let third = parse_mail(&mails[2].bytes, &Default::default()).unwrap();
    assert_eq!(third.text_body, "Das ist die dritte Nachricht.\n");
}

#[test]
fn from_line_inside_a_paragraph_is_not_a_separator() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alt.mbox");
    fs::write(
        &path,
        "From a@example.test Mon Mar  2 09:00:00 2026\nFrom: a@example.test\nSubject: eins\n\nZeile\nFrom here without quoting\n\nFrom b@example.test Mon Mar  2 09:01:00 2026\nFrom: b@example.test\nSubject: zwei\n\nText\n",
    )
    .unwrap();
    let mails = read_all(&[path]);
    assert_eq!(mails.len(), 2);
    assert!(String::from_utf8_lossy(&mails[0].bytes).contains("Zeile\nFrom here without quoting\n"));
}

#[test]
fn maildir_reads_new_then_cur() {
    let path = fixture_path("maildir");
    let mails = read_all(std::slice::from_ref(&path));
    let labels: Vec<&str> = mails.iter().map(|m| m.label.as_str()).collect();
    assert_eq!(
        labels,
        vec![
            format!("maildir:{}/new/1773310000.M1P1.host", path.display()),
            format!("maildir:{}/cur/1773300000.M2P2.host:2,S", path.display()),
        ]
    );
    let subject = parse_mail(&mails[1].bytes, &Default::default()).unwrap().subject;
    assert_eq!(subject, "Maildir Nachricht 2");
}

#[test]
fn directory_is_walked_sorted_and_recursively() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("b_unter")).unwrap();
    fs::write(dir.path().join("c.eml"), "From: c@example.test\n\nC\n").unwrap();
    fs::write(dir.path().join("a.eml"), "From: a@example.test\n\nA\n").unwrap();
    fs::write(dir.path().join(".DS_Store"), "junk").unwrap();
    fs::copy(fixture_path("three-messages.mbox"), dir.path().join("b_unter/archiv.mbox")).unwrap();
    let mails = read_all(&[dir.path().to_path_buf()]);
    let labels: Vec<String> = mails.iter().map(|m| m.label.clone()).collect();
    let base = dir.path().display();
    assert_eq!(
        labels,
        vec![
            format!("file:{base}/a.eml"),
            format!("mbox:{base}/b_unter/archiv.mbox#1"),
            format!("mbox:{base}/b_unter/archiv.mbox#2"),
            format!("mbox:{base}/b_unter/archiv.mbox#3"),
            format!("file:{base}/c.eml"),
        ]
    );
}

#[test]
fn unreadable_path_is_an_error_item_and_reading_goes_on() {
    let missing = PathBuf::from("/nonexistent/resonanz/mail.eml");
    let ok = fixture_path("no-message-id.eml");
    let items: Vec<_> = read_paths(&[missing.clone(), ok]).collect();
    assert_eq!(items.len(), 2);
    let err = items[0].as_ref().unwrap_err();
    assert_eq!(err.path, missing);
    assert!(err.to_string().starts_with("cannot read /nonexistent/resonanz/mail.eml: "), "{err}");
    assert!(items[1].is_ok());
}

#[test]
fn large_mbox_is_streamed_message_by_message() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gross.mbox");
    let mut content = String::new();
    for n in 1..=500 {
        content.push_str(&format!(
            "From kunde{n}@example.test Mon Mar  2 09:00:00 2026\r\nFrom: kunde{n}@example.test\r\nSubject: Nummer {n}\r\n\r\nText {n}\r\n\r\n"
        ));
    }
    fs::write(&path, content).unwrap();
    let mut reader = read_paths(std::slice::from_ref(&path));
    let first = reader.next().unwrap().unwrap();
    assert_eq!(first.bytes, b"From: kunde1@example.test\r\nSubject: Nummer 1\r\n\r\nText 1\r\n");
    assert_eq!(reader.count(), 499);
}

#[test]
fn source_from_argument() {
    assert_eq!(Source::from_arg("-"), Source::Stdin);
    assert_eq!(Source::from_arg("post.mbox"), Source::File(PathBuf::from("post.mbox")));
}

#[cfg(unix)]
#[test]
fn symlinked_directories_are_not_followed_and_nothing_is_read_twice() {
    use std::os::unix::fs::symlink;

    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("draussen.eml"), "From: d@example.test\n\nD\n").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path();
    fs::create_dir(base.join("sub")).unwrap();
    fs::write(base.join("a.eml"), "From: a@example.test\n\nA\n").unwrap();
    fs::write(base.join("sub/b.eml"), "From: b@example.test\n\nB\n").unwrap();
    symlink("..", base.join("sub/up")).unwrap(); // the loop
    symlink(base, base.join("sub/root")).unwrap(); // another way round, absolute
    symlink(outside.path(), base.join("sub/fremd")).unwrap(); // a directory outside
    symlink(base.join("a.eml"), base.join("z-noch-mal-a.eml")).unwrap(); // same file again
    symlink(outside.path().join("draussen.eml"), base.join("y-draussen.eml")).unwrap(); // a file outside
    symlink(base.join("fehlt.eml"), base.join("x-kaputt.eml")).unwrap(); // dangling

    // Bounded, so that a walk that follows the loops fails here instead of running on and on.
    let items: Vec<_> = read_paths(&[base.to_path_buf()]).take(20).collect();
    let labels: Vec<String> =
        items.iter().map(|i| i.as_ref().map_or_else(|e| e.to_string(), |m| m.label.clone())).collect();
    let b = base.display();
    assert_eq!(labels.len(), 4, "{labels:#?}");
    assert_eq!(labels[0], format!("file:{b}/a.eml"));
    assert_eq!(labels[1], format!("file:{b}/sub/b.eml"));
    assert!(labels[2].starts_with(&format!("cannot read {b}/x-kaputt.eml: ")), "{labels:#?}");
    assert_eq!(labels[3], format!("file:{b}/y-draussen.eml"));
    assert_eq!(items[3].as_ref().unwrap().bytes, b"From: d@example.test\n\nD\n");

    // A symlink given as an argument is followed; repeated or nested arguments add nothing.
    let link = outside.path().join("zum-baum");
    symlink(base, &link).unwrap();
    let items: Vec<_> =
        read_paths(&[link.clone(), base.to_path_buf(), base.join("sub"), base.join("a.eml")]).take(20).collect();
    let labels: Vec<String> =
        items.iter().map(|i| i.as_ref().map_or_else(|e| e.to_string(), |m| m.label.clone())).collect();
    let l = link.display();
    assert_eq!(labels.len(), 4, "{labels:#?}");
    assert_eq!(labels[0], format!("file:{l}/a.eml"));
    assert_eq!(labels[1], format!("file:{l}/sub/b.eml"));
    assert!(labels[2].starts_with(&format!("cannot read {l}/x-kaputt.eml: ")), "{labels:#?}");
    assert_eq!(labels[3], format!("file:{l}/y-draussen.eml"));
}

#[test]
fn file_over_the_size_limit_is_an_error_and_not_loaded() {
    use resonanz_channels::mailbox_formats::MAX_WHOLE_FILE_BYTES;

    let dir = tempfile::tempdir().unwrap();
    let huge = dir.path().join("riesig.eml");
    let file = fs::File::create(&huge).unwrap();
    file.set_len(MAX_WHOLE_FILE_BYTES + 1).unwrap(); // sparse: no disk space, no time
    drop(file);
    let at_limit = dir.path().join("maildir");
    fs::create_dir_all(at_limit.join("cur")).unwrap();
    fs::create_dir_all(at_limit.join("new")).unwrap();
    let maildir_huge = at_limit.join("new/1773310000.M1P1.host");
    fs::File::create(&maildir_huge).unwrap().set_len(MAX_WHOLE_FILE_BYTES + 5).unwrap();
    let ok = fixture_path("no-message-id.eml");

    let started = std::time::Instant::now();
    let items: Vec<_> = read_paths(&[huge.clone(), at_limit, ok]).collect();
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "the files must not be read");
    assert_eq!(items.len(), 3);
    let err = items[0].as_ref().unwrap_err();
    assert_eq!(err.path, huge);
    assert_eq!(err.source.kind(), std::io::ErrorKind::FileTooLarge);
    assert_eq!(err.to_string(), format!("cannot read {}: file too large to read: 1073741825 bytes", huge.display()));
    let err = items[1].as_ref().unwrap_err();
    assert_eq!(err.path, maildir_huge);
    assert!(err.to_string().ends_with("file too large to read: 1073741829 bytes"), "{err}");
    assert!(items[2].is_ok());
}

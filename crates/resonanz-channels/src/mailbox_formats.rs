//! Reading raw mails from what `resonanz ingest PATH…` is given: single message files, mbox
//! files, Maildirs, directory trees and standard input.
//!
//! Mails are produced one at a time: a large mbox is read message by message, never whole.
//! An unreadable file becomes an error item, so the caller can report it and go on.

use std::collections::VecDeque;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// One input argument of `resonanz ingest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    File(PathBuf),
    Stdin,
}

impl Source {
    /// `-` means standard input, as usual on the command line.
    pub fn from_arg(arg: &str) -> Self {
        if arg == "-" { Self::Stdin } else { Self::File(PathBuf::from(arg)) }
    }
}

/// One message's bytes as found, with where it came from (`file:…`, `mbox:…#N`,
/// `maildir:…`, `stdin`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawMail {
    pub label: String,
    pub bytes: Vec<u8>,
}

/// A path that could not be read, and why.
#[derive(Debug, thiserror::Error)]
#[error("cannot read {}: {source}", path.display())]
pub struct ReadError {
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

/// Reads every mail under `paths`, in order, directories sorted by name.
pub fn read_paths(paths: &[PathBuf]) -> MailReader {
    MailReader { queue: paths.iter().cloned().map(Entry::Any).collect(), mbox: None }
}

/// Like [`read_paths`], with `Source::Stdin` read in its place.
pub fn read_sources(sources: &[Source]) -> impl Iterator<Item = Result<RawMail, ReadError>> {
    sources.iter().cloned().flat_map(|source| {
        let items: Box<dyn Iterator<Item = Result<RawMail, ReadError>>> = match source {
            Source::File(path) => Box::new(read_paths(&[path])),
            Source::Stdin => {
                Box::new(std::iter::once(read_stdin().map_err(|source| ReadError { path: PathBuf::from("-"), source })))
            }
        };
        items
    })
}

/// Reads standard input as one message.
pub fn read_stdin() -> io::Result<RawMail> {
    let mut bytes = Vec::new();
    io::stdin().lock().read_to_end(&mut bytes)?;
    Ok(RawMail { label: "stdin".into(), bytes })
}

enum Entry {
    /// A file or directory whose kind is found out when it is visited.
    Any(PathBuf),
    /// A message file inside a Maildir's `new` or `cur`.
    MaildirMessage(PathBuf),
}

/// Iterator over the mails under some paths; see [`read_paths`].
pub struct MailReader {
    queue: VecDeque<Entry>,
    mbox: Option<MboxReader>,
}

impl Iterator for MailReader {
    type Item = Result<RawMail, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(mbox) = &mut self.mbox {
                match mbox.next_message() {
                    Some(item) => return Some(item),
                    None => self.mbox = None,
                }
            }
            let item = match self.queue.pop_front()? {
                Entry::MaildirMessage(path) => read_whole(&path, "maildir"),
                Entry::Any(path) => match self.visit(path) {
                    Ok(Some(mail)) => Ok(mail),
                    Ok(None) => continue,
                    Err(e) => Err(e),
                },
            };
            return Some(item);
        }
    }
}

impl MailReader {
    /// Classifies `path`; directories and mboxes put work on the queue or start a reader,
    /// a single message file is returned directly.
    fn visit(&mut self, path: PathBuf) -> Result<Option<RawMail>, ReadError> {
        let err = |source| ReadError { path: path.clone(), source };
        let meta = fs::metadata(&path).map_err(err)?;
        if meta.is_dir() {
            let children = if is_maildir(&path) {
                let mut children = Vec::new();
                for sub in ["new", "cur"] {
                    let dir = path.join(sub);
                    children.extend(sorted_entries(&dir).map_err(|source| ReadError { path: dir.clone(), source })?);
                }
                children.into_iter().map(Entry::MaildirMessage).collect()
            } else {
                sorted_entries(&path).map_err(err)?.into_iter().map(Entry::Any).collect::<Vec<_>>()
            };
            for child in children.into_iter().rev() {
                self.queue.push_front(child);
            }
            return Ok(None);
        }
        if !meta.is_file() {
            return Ok(None); // sockets, fifos and devices are not mail
        }
        let file = File::open(&path).map_err(err)?;
        let mut reader = BufReader::new(file);
        let starts_as_mbox = reader.fill_buf().map_err(err)?.starts_with(b"From ");
        if starts_as_mbox {
            self.mbox = Some(MboxReader::new(path, reader));
            return Ok(None);
        }
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes).map_err(err)?;
        Ok(Some(RawMail { label: format!("file:{}", path.display()), bytes }))
    }
}

fn read_whole(path: &Path, kind: &str) -> Result<RawMail, ReadError> {
    fs::read(path)
        .map(|bytes| RawMail { label: format!("{kind}:{}", path.display()), bytes })
        .map_err(|source| ReadError { path: path.to_path_buf(), source })
}

fn is_maildir(path: &Path) -> bool {
    path.join("cur").is_dir() && path.join("new").is_dir()
}

/// Directory entries sorted by name, without hidden files: `.gitkeep`, `.DS_Store` and the
/// Maildir++ folder markers are never mails (Maildir readers skip dot files by definition).
fn sorted_entries(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut entries = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name().as_encoded_bytes().starts_with(b".") {
            continue;
        }
        entries.push(entry.path());
    }
    entries.sort();
    Ok(entries)
}

/// Splits an mbox into messages, reading one message at a time.
///
/// A separator is a `From ` line at the start of the file or after an empty line (mboxo
/// writers leave body lines starting with `From ` unquoted, but they never follow an empty
/// line without being quoted in practice). `>From ` quoting (mboxrd) loses one `>`.
struct MboxReader {
    path: PathBuf,
    reader: BufReader<File>,
    number: usize,
    started: bool,
    done: bool,
}

impl MboxReader {
    fn new(path: PathBuf, reader: BufReader<File>) -> Self {
        Self { path, reader, number: 0, started: false, done: false }
    }

    fn next_message(&mut self) -> Option<Result<RawMail, ReadError>> {
        loop {
            if self.done {
                return None;
            }
            match self.read_message() {
                Ok(Some(bytes)) if bytes.iter().all(u8::is_ascii_whitespace) => continue,
                Ok(Some(bytes)) => {
                    self.number += 1;
                    return Some(Ok(RawMail { label: format!("mbox:{}#{}", self.path.display(), self.number), bytes }));
                }
                Ok(None) => return None,
                Err(source) => {
                    self.done = true;
                    return Some(Err(ReadError { path: self.path.clone(), source }));
                }
            }
        }
    }

    /// The bytes up to the next separator, or `None` at the end of the file.
    fn read_message(&mut self) -> io::Result<Option<Vec<u8>>> {
        let mut line = Vec::new();
        if !self.started {
            self.started = true;
            self.reader.read_until(b'\n', &mut line)?; // the first `From ` line
            line.clear();
        }
        let mut message = Vec::new();
        let mut previous_blank = false;
        loop {
            line.clear();
            if self.reader.read_until(b'\n', &mut line)? == 0 {
                self.done = true;
                break;
            }
            if previous_blank && line.starts_with(b"From ") {
                break;
            }
            previous_blank = line == b"\n" || line == b"\r\n";
            let quoted_from =
                line.iter().position(|b| *b != b'>').is_some_and(|gts| gts > 0 && line[gts..].starts_with(b"From "));
            message.extend_from_slice(if quoted_from { &line[1..] } else { &line });
        }
        if message.is_empty() && self.done {
            return Ok(None);
        }
        // The empty line before a separator belongs to the mbox, not to the message.
        if message.ends_with(b"\r\n\r\n") {
            message.truncate(message.len() - 2);
        } else if message.ends_with(b"\n\n") {
            message.truncate(message.len() - 1);
        }
        Ok(Some(message))
    }
}

//! Reading raw mails from what `resonanz ingest PATH…` is given: single message files, mbox
//! files, Maildirs, directory trees and standard input.
//!
//! Mails are produced one at a time: a large mbox is read message by message, never whole.
//! An unreadable file becomes an error item, so the caller can report it and go on.
//!
//! Single message files, Maildir messages and standard input are read whole: the core
//! quarantines a too-large mail with its reason and keeps the raw bytes. Only input larger than
//! [`MAX_WHOLE_FILE_BYTES`] is refused with an error item instead of being loaded.
//!
//! Symbolic links: a path given as an argument is followed, whatever it points to. While
//! walking a directory, a symlink to a directory is never followed (an `up -> ..` link would
//! otherwise make the walk recurse without end), while a symlink to a regular file is read like
//! the file. Nothing is reported twice: a file or directory reached a second time, through a
//! link, a repeated argument or an argument inside another one, is skipped.

use std::collections::{HashSet, VecDeque};
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// The largest file (or standard input) read whole as one message: 1 GiB. Larger input is an
/// error item; an mbox of any size is still read, message by message.
pub const MAX_WHOLE_FILE_BYTES: u64 = 1024 * 1024 * 1024;

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
    MailReader::new(paths.iter().cloned().map(Entry::Argument).collect())
}

/// Like [`read_paths`], with `Source::Stdin` read in its place.
pub fn read_sources(sources: &[Source]) -> impl Iterator<Item = Result<RawMail, ReadError>> {
    MailReader::new(
        sources
            .iter()
            .map(|source| match source {
                Source::File(path) => Entry::Argument(path.clone()),
                Source::Stdin => Entry::Stdin,
            })
            .collect(),
    )
}

/// Reads standard input as one message, at most [`MAX_WHOLE_FILE_BYTES`].
pub fn read_stdin() -> io::Result<RawMail> {
    let bytes = read_to_end_capped(io::stdin().lock(), MAX_WHOLE_FILE_BYTES)?;
    Ok(RawMail { label: "stdin".into(), bytes })
}

/// Reads `reader` to its end, or fails once it has given more than `limit` bytes (reading stops
/// there, so at most `limit + 1` bytes are held).
fn read_to_end_capped(reader: impl Read, limit: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!("input too large to read: more than {limit} bytes"),
        ));
    }
    Ok(bytes)
}

fn too_large(size: u64) -> io::Error {
    io::Error::new(io::ErrorKind::FileTooLarge, format!("file too large to read: {size} bytes"))
}

enum Entry {
    /// A path given as an argument: followed if it is a symlink.
    Argument(PathBuf),
    /// A directory entry found while walking: a symlink to a directory is not followed.
    Found(PathBuf),
    /// Standard input, given as `-`.
    Stdin,
    /// A message file inside a Maildir's `new` or `cur`.
    MaildirMessage(PathBuf),
}

/// Iterator over the mails under some paths; see [`read_paths`].
pub struct MailReader {
    queue: VecDeque<Entry>,
    mbox: Option<MboxReader>,
    /// Canonical paths of the files and directories visited so far.
    seen: HashSet<PathBuf>,
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
                Entry::Stdin => read_stdin().map_err(|source| ReadError { path: PathBuf::from("-"), source }),
                Entry::MaildirMessage(path) => {
                    if !self.first_visit(&path) {
                        continue;
                    }
                    read_whole(&path, "maildir")
                }
                Entry::Argument(path) => match self.visit(path, true) {
                    Ok(Some(mail)) => Ok(mail),
                    Ok(None) => continue,
                    Err(e) => Err(e),
                },
                Entry::Found(path) => match self.visit(path, false) {
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
    fn new(queue: VecDeque<Entry>) -> Self {
        Self { queue, mbox: None, seen: HashSet::new() }
    }

    /// Records `path` as visited; false if it (or the file it leads to) was visited before.
    fn first_visit(&mut self, path: &Path) -> bool {
        // A path that cannot be resolved is reported by reading it, not skipped.
        fs::canonicalize(path).map_or(true, |real| self.seen.insert(real))
    }

    /// Classifies `path`; directories and mboxes put work on the queue or start a reader,
    /// a single message file is returned directly. `argument` paths are followed if they are
    /// symlinks; found ones only if they lead to a regular file.
    fn visit(&mut self, path: PathBuf, argument: bool) -> Result<Option<RawMail>, ReadError> {
        let err = |source| ReadError { path: path.clone(), source };
        let mut meta = if argument { fs::metadata(&path) } else { fs::symlink_metadata(&path) }.map_err(err)?;
        if meta.is_symlink() {
            meta = fs::metadata(&path).map_err(err)?;
            if !meta.is_file() {
                tracing::debug!(path = %path.display(), "not following a symlink to a directory or special file");
                return Ok(None);
            }
        }
        if (meta.is_dir() || meta.is_file()) && !self.first_visit(&path) {
            return Ok(None);
        }
        if meta.is_dir() {
            let children = if is_maildir(&path) {
                let mut children = Vec::new();
                for sub in ["new", "cur"] {
                    let dir = path.join(sub);
                    children.extend(sorted_entries(&dir).map_err(|source| ReadError { path: dir.clone(), source })?);
                }
                children.into_iter().map(Entry::MaildirMessage).collect()
            } else {
                sorted_entries(&path).map_err(err)?.into_iter().map(Entry::Found).collect::<Vec<_>>()
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
        if meta.len() > MAX_WHOLE_FILE_BYTES {
            return Err(err(too_large(meta.len())));
        }
        let bytes = read_to_end_capped(reader, MAX_WHOLE_FILE_BYTES).map_err(err)?;
        Ok(Some(RawMail { label: format!("file:{}", path.display()), bytes }))
    }
}

fn read_whole(path: &Path, kind: &str) -> Result<RawMail, ReadError> {
    let err = |source| ReadError { path: path.to_path_buf(), source };
    let file = File::open(path).map_err(err)?;
    let size = file.metadata().map_err(err)?.len();
    if size > MAX_WHOLE_FILE_BYTES {
        return Err(err(too_large(size)));
    }
    let bytes = read_to_end_capped(file, MAX_WHOLE_FILE_BYTES).map_err(err)?;
    Ok(RawMail { label: format!("{kind}:{}", path.display()), bytes })
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn capped_read_refuses_more_than_the_limit() {
        assert_eq!(read_to_end_capped(&b"12345"[..], 5).unwrap(), b"12345");
        let err = read_to_end_capped(&b"123456"[..], 5).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::FileTooLarge);
        assert_eq!(err.to_string(), "input too large to read: more than 5 bytes");
    }
}

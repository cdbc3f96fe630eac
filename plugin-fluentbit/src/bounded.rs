//! Reading the settings file and the rule pack without trusting their size.
//!
//! A rule pack over the core's [`MAX_PACK_LEN`] is refused by the core anyway, so there is no
//! reason to read more of a file than that: reading a 64 MiB file whole before refusing it
//! would grow the module's linear memory by 64 MiB for good (wasm memory never shrinks). Both
//! files are therefore read up to that limit: the size the file system declares is checked
//! first, and the read itself stops one byte past the limit, so a file that grows while it is
//! read, or whose declared size is wrong, cannot get past it either.

use std::fs::File;
use std::io::{self, Read};
use std::string::String;
use std::vec::Vec;

pub use cadet_core::MAX_PACK_LEN;

/// The error a file over `limit` bytes gives: kind [`io::ErrorKind::FileTooLarge`].
pub fn too_large(limit: usize) -> io::Error {
    io::Error::new(
        io::ErrorKind::FileTooLarge,
        format!("larger than {limit} bytes"),
    )
}

/// Reads `path` as UTF-8 text of at most [`MAX_PACK_LEN`] bytes (see [`read_limited`]).
pub fn read_file(path: &str) -> io::Result<String> {
    let file = File::open(path)?;
    let declared = file.metadata()?.len();
    read_limited(file, declared, MAX_PACK_LEN)
}

/// Reads `reader` as UTF-8 text of at most `limit` bytes. A `declared` size over `limit` is
/// refused before anything is read; otherwise at most `limit + 1` bytes are read, and a
/// `limit + 1`-th byte is refused too. Either way the error is [`too_large`], and at most
/// `limit + 1` bytes were ever held.
pub fn read_limited(reader: impl Read, declared: u64, limit: usize) -> io::Result<String> {
    if declared > limit as u64 {
        return Err(too_large(limit));
    }
    // `declared <= limit` here; one byte more so a file of exactly that size needs no regrowth
    // to find its end.
    let mut bytes = Vec::with_capacity(declared as usize + 1);
    reader.take(limit as u64 + 1).read_to_end(&mut bytes)?;
    if bytes.len() > limit {
        return Err(too_large(limit));
    }
    String::from_utf8(bytes).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that counts the bytes taken from it and never ends.
    struct Endless<'a>(&'a mut u64);

    impl Read for Endless<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            buf.fill(b'#');
            *self.0 += buf.len() as u64;
            Ok(buf.len())
        }
    }

    #[test]
    fn a_declared_size_over_the_limit_is_refused_before_reading() {
        let mut taken = 0;
        let e = read_limited(Endless(&mut taken), 64 << 20, 1024).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::FileTooLarge);
        assert_eq!(e.to_string(), "larger than 1024 bytes");
        assert_eq!(taken, 0);
    }

    #[test]
    fn a_file_longer_than_declared_is_cut_one_byte_past_the_limit() {
        // Declared small (a file that grows, or a size that lies): the read still stops.
        let mut taken = 0;
        let e = read_limited(Endless(&mut taken), 10, 1024).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::FileTooLarge);
        assert!(taken <= 1025, "read {taken} bytes");
    }

    #[test]
    fn up_to_the_limit_is_read_whole() {
        let text = "x".repeat(1024);
        assert_eq!(read_limited(text.as_bytes(), 1024, 1024).unwrap(), text);
        // Declared larger than it is (a file that shrank): what is there is read.
        assert_eq!(read_limited(&b"ab"[..], 9, 1024).unwrap(), "ab");
        let over = "x".repeat(1025);
        let e = read_limited(over.as_bytes(), 0, 1024).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::FileTooLarge);
        let e = read_limited(&[0xff, 0xfe][..], 2, 1024).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn a_real_file_over_the_pack_limit_is_refused() {
        let dir = std::env::temp_dir().join(format!("cadet-fb-bounded-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let big = dir.join("big.toml");
        std::fs::write(&big, "#".repeat(MAX_PACK_LEN + 1)).unwrap();
        let small = dir.join("small.toml");
        std::fs::write(&small, "#".repeat(MAX_PACK_LEN)).unwrap();
        let e = read_file(big.to_str().unwrap()).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::FileTooLarge);
        assert_eq!(
            read_file(small.to_str().unwrap()).unwrap().len(),
            MAX_PACK_LEN
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

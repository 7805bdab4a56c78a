//! Source files as read from disk: their text, display name, and byte-offset ↔ line/column maps.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// A byte range `[start, end)` in one source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        // Files larger than u32::MAX bytes are refused when read (see `MAX_FILE_BYTES`),
        // so every offset fits.
        Span {
            start: start as u32,
            end: end.max(start) as u32,
        }
    }

    pub fn empty(at: usize) -> Span {
        Span::new(at, at)
    }

    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    pub fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The smallest span covering both.
    pub fn join(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// Largest file the tool reads; offsets are stored as `u32`.
pub const MAX_FILE_BYTES: u64 = 1 << 30;

/// Index of a file in a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

/// Files up to this size find a line by scanning; larger ones keep an index of line starts.
const SCAN_LIMIT: usize = 16 * 1024;

/// One file's text and name. Text that is not valid UTF-8 is kept lossily (for display only).
#[derive(Clone, Debug, Default)]
pub struct SourceFile {
    /// The path to read the file at ([`SourceFile::path`]); none when it is the name (most
    /// files: a path given relative to where the tool runs is shown as it is).
    path: Option<PathBuf>,
    /// The path as shown to users: relative to where the tool was run, `/`-separated.
    pub name: String,
    pub text: Arc<str>,
    line_starts: OnceLock<Vec<u32>>,
    /// The byte length of the text let go after loading ([`SourceFile::unload`]), to be read
    /// again ([`SourceMap::reload`]) if a report shows the file.
    unloaded: Option<usize>,
    /// What reports read of a file whose text is not kept ([`SourceMap::reload_places`]).
    places: Option<Box<Places>>,
    /// The lengths of the lines of a let-go ASCII text ([`line_lengths`]): enough to tell the
    /// line and column of any offset without reading the file again.
    lines: Option<Box<[u8]>>,
}

/// The length of each line of `text` (newline included; the last line as long as it is), as
/// LEB128 numbers: about a byte a line. Only for ASCII text, where a column is a byte count.
/// A table of [`INDEXED_FROM`] bytes or more starts with an index of every [`STRIDE`]th
/// line ([`Indexed`]), so that a file of many lines with findings all along it is not read
/// from its first line for each (100,000 findings in one file took 25 s).
fn line_lengths(text: &str) -> Option<Box<[u8]>> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(text.len() / 16 + 1);
    let mut put = |mut n: usize| {
        while n >= 0x80 {
            out.push((n as u8) | 0x80);
            n >>= 7;
        }
        out.push(n as u8);
    };
    // 64 bytes at a time: a mask of the block's newlines, and whether a byte is past ASCII
    // (lines are some 20 bytes: a memchr search per line paid its setup each time, 52 M
    // instructions at 10,000 systems against 25 M).
    let mut start = 0;
    let blocks = bytes.chunks_exact(64);
    let tail = blocks.remainder();
    for (k, block) in blocks.enumerate() {
        let (mut newlines, beyond) = block_masks(block.try_into().unwrap_or(&[0; 64]));
        if beyond {
            return None;
        }
        while newlines != 0 {
            let at = k * 64 + newlines.trailing_zeros() as usize;
            put(at + 1 - start);
            start = at + 1;
            newlines &= newlines - 1;
        }
    }
    if !tail.is_ascii() {
        return None;
    }
    let from = bytes.len() - tail.len();
    for (i, &b) in tail.iter().enumerate() {
        if b == b'\n' {
            put(from + i + 1 - start);
            start = from + i + 1;
        }
    }
    put(text.len() - start);
    if out.len() < INDEXED_FROM {
        // Copied to an allocation of its size: shrinking in place keeps the spare room.
        return Some(Box::from(out.as_slice()));
    }
    // The marks, from the lengths just written (only for the few files this long: loading
    // every other file pays nothing for them).
    let mut marks = Vec::new();
    let (mut pos, mut start, mut line) = (0, 0, 0);
    while pos < out.len() {
        if line % STRIDE == 0 {
            marks.push([pos as u32, start as u32]);
        }
        start += read_length(&out, &mut pos);
        line += 1;
    }
    let mut table = Vec::with_capacity(4 + marks.len() * 8 + out.len());
    table.extend_from_slice(&(marks.len() as u32).to_le_bytes());
    for mark in &marks {
        table.extend(mark.iter().flat_map(|m| m.to_le_bytes()));
    }
    table.extend_from_slice(&out);
    Some(table.into_boxed_slice())
}

/// The newlines of a block of 64 bytes as a mask (bit `i` for byte `i`), and whether a byte
/// is past ASCII.
#[cfg(target_arch = "x86_64")]
#[inline]
fn block_masks(block: &[u8; 64]) -> (u64, bool) {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    // SAFETY: SSE2 is part of every x86_64 processor; the four unaligned loads read the
    // block's 64 bytes, within it.
    unsafe {
        let at = block.as_ptr().cast::<__m128i>();
        let parts = [
            _mm_loadu_si128(at),
            _mm_loadu_si128(at.add(1)),
            _mm_loadu_si128(at.add(2)),
            _mm_loadu_si128(at.add(3)),
        ];
        let newline = _mm_set1_epi8(b'\n' as i8);
        let mut mask = 0u64;
        for (i, part) in parts.iter().enumerate() {
            let bits = _mm_movemask_epi8(_mm_cmpeq_epi8(*part, newline)) as u16;
            mask |= u64::from(bits) << (16 * i);
        }
        let any = _mm_or_si128(
            _mm_or_si128(parts[0], parts[1]),
            _mm_or_si128(parts[2], parts[3]),
        );
        (mask, _mm_movemask_epi8(any) != 0)
    }
}

/// [`block_masks`] byte by byte, where SSE2 is not at hand.
#[cfg(not(target_arch = "x86_64"))]
fn block_masks(block: &[u8; 64]) -> (u64, bool) {
    let mask = block
        .iter()
        .enumerate()
        .fold(0u64, |m, (i, &b)| m | u64::from(b == b'\n') << i);
    (mask, !block.is_ascii())
}

/// The line length at `pos` of a table of [`line_lengths`], moving `pos` past it.
fn read_length(lengths: &[u8], pos: &mut usize) -> usize {
    let mut len = 0usize;
    let mut shift = 0;
    while let Some(&b) = lengths.get(*pos) {
        *pos += 1;
        len |= usize::from(b & 0x7f) << shift;
        shift += 7;
        if b < 0x80 {
            break;
        }
    }
    len
}

/// Tables of line lengths this long or longer are indexed ([`line_lengths`]).
const INDEXED_FROM: usize = 4096;

/// Lines between two marks of an indexed table.
const STRIDE: usize = 256;

/// An indexed table of line lengths: a count of marks, then each mark (where line `k ×
/// STRIDE`'s length is in the lengths, and where that line starts in the text, two `u32`),
/// then the lengths.
struct Indexed<'t>(&'t [u8]);

impl Indexed<'_> {
    fn marks(&self) -> usize {
        self.0
            .first_chunk::<4>()
            .map_or(0, |n| u32::from_le_bytes(*n) as usize)
    }

    fn mark(&self, k: usize) -> [usize; 2] {
        let at = 4 + k * 8;
        let word = |i: usize| {
            self.0
                .get(i..i + 4)
                .and_then(|b| b.try_into().ok())
                .map_or(0, |b| u32::from_le_bytes(b) as usize)
        };
        [word(at), word(at + 4)]
    }
}

/// [`SourceFile::line_col`] of `offset` (at most the text's length) from [`line_lengths`].
fn line_col_from_lengths(table: &[u8], offset: usize) -> LineCol {
    let (lengths, mut line, mut start, mut pos) = if table.len() >= INDEXED_FROM {
        // From the last mark at or before the offset.
        let index = Indexed(table);
        let marks = index.marks();
        let (mut below, mut above) = (0, marks);
        while below < above {
            let mid = (below + above) / 2;
            if index.mark(mid)[1] <= offset {
                below = mid + 1;
            } else {
                above = mid;
            }
        }
        let k = below.max(1) - 1;
        let [pos, start] = index.mark(k);
        let lengths = table.get(4 + marks * 8..).unwrap_or_default();
        (lengths, k * STRIDE, start, pos)
    } else {
        (table, 0, 0, 0)
    };
    // Eight one-byte lengths at a time while the offset lies past all eight lines (and
    // another line follows them: the last line holds whatever is past the end).
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const PAIRS: u64 = 0x00FF_00FF_00FF_00FF;
    while let Some(word) = lengths.get(pos..pos + 9).and_then(|w| w.first_chunk::<8>()) {
        let w = u64::from_le_bytes(*word);
        if w & HIGH != 0 {
            break;
        }
        // Bytes summed in pairs, then the four pairs (each below 128: the sum fits 16 bits).
        let pairs = (w & PAIRS) + ((w >> 8) & PAIRS);
        let sum = (pairs.wrapping_mul(0x0001_0001_0001_0001) >> 48) as usize;
        if offset < start + sum {
            break;
        }
        start += sum;
        line += 8;
        pos += 8;
    }
    while pos < lengths.len() {
        let len = read_length(lengths, &mut pos);
        if pos >= lengths.len() || offset < start + len {
            break;
        }
        start += len;
        line += 1;
    }
    LineCol {
        line: line + 1,
        column: offset.saturating_sub(start) + 1,
    }
}

/// The line and column of some offsets of a file, and the text of some spans.
#[derive(Clone, Debug, Default)]
struct Places {
    /// Sorted by offset.
    at: Vec<(u32, LineCol)>,
    /// Sorted by span; `None` for a span the text does not hold.
    spans: Vec<(Span, Option<Box<str>>)>,
}

/// A 1-based line and column; columns count Unicode scalar values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

impl SourceFile {
    pub fn new(path: PathBuf, name: String, text: Arc<str>) -> SourceFile {
        SourceFile {
            path: (path.as_os_str() != name.as_str()).then_some(path),
            name,
            text,
            line_starts: OnceLock::new(),
            unloaded: None,
            places: None,
            lines: None,
        }
    }

    /// The path to read the file at.
    pub fn path(&self) -> &Path {
        self.path.as_deref().unwrap_or(Path::new(&self.name))
    }

    /// The path and the name, to make the file again with another text.
    pub fn into_path_and_name(self) -> (PathBuf, String) {
        let path = self.path.unwrap_or_else(|| PathBuf::from(&self.name));
        (path, self.name)
    }

    /// A file whose text is not kept: [`SourceMap::reload`] reads it when a report shows the
    /// file; its line lengths are kept when it is ASCII.
    pub fn unloaded(path: PathBuf, name: String, text: &str) -> SourceFile {
        SourceFile {
            unloaded: Some(text.len()),
            lines: line_lengths(text),
            ..SourceFile::new(path, name, Arc::from(""))
        }
    }

    /// Lets the text go: a large estate's files are not all kept in memory while rules run.
    /// Spans into it stay valid for [`SourceMap::reload`]; an ASCII text's line lengths stay.
    pub fn unload(&mut self) {
        if !self.text.is_empty() {
            self.unloaded = Some(self.text.len());
            if self.lines.is_none() {
                self.lines = line_lengths(&self.text);
            }
            self.text = Arc::from("");
            self.line_starts = OnceLock::new();
        }
    }

    /// Whether the line and column of any offset can be told without the text.
    pub fn has_lines(&self) -> bool {
        !self.text.is_empty() || self.lines.is_some()
    }

    /// Reads the text again after [`SourceFile::unload`]. A file that changed length (edited
    /// during the run) or cannot be read stays without text: its findings then show no
    /// snippet, never a wrong one.
    fn reload(&mut self) {
        let Some(len) = self.unloaded else {
            return;
        };
        if let Ok(text) = std::fs::read_to_string(self.path()) {
            if text.len() == len {
                self.text = text.into();
                self.unloaded = None;
            }
        }
    }

    /// Reads the text again, as [`SourceFile::reload`] does, but keeps only the line and
    /// column of the starts and ends of `spans` and their texts.
    fn reload_places(&mut self, mut spans: Vec<Span>) {
        if spans.is_empty() {
            return;
        }
        self.reload();
        if self.unloaded.is_some() {
            return;
        }
        spans.sort_unstable();
        spans.dedup();
        let starts = line_starts_of(&self.text);
        let mut at: Vec<(u32, LineCol)> = spans
            .iter()
            .flat_map(|s| [s.start, s.end])
            .map(|o| (o, self.line_col_in(o, Some(&starts))))
            .collect();
        at.sort_unstable_by_key(|p| p.0);
        at.dedup_by_key(|p| p.0);
        let spans = spans
            .into_iter()
            .map(|s| (s, self.text.get(s.range()).map(Box::from)))
            .collect();
        self.places = Some(Box::new(Places { at, spans }));
        self.unload();
    }

    /// The text of `span`, from the text or from the places kept of it.
    pub fn span_text(&self, span: Span) -> Option<&str> {
        match &self.places {
            Some(p) if self.text.is_empty() => p
                .spans
                .binary_search_by(|(s, _)| s.cmp(&span))
                .ok()
                .and_then(|i| p.spans[i].1.as_deref()),
            _ => self.text.get(span.range()),
        }
    }

    fn line_starts(&self) -> &[u32] {
        self.line_starts.get_or_init(|| line_starts_of(&self.text))
    }

    /// Line and column of a byte offset (clamped to the file and to a character boundary).
    pub fn line_col(&self, offset: u32) -> LineCol {
        if self.text.is_empty() {
            if let Some(p) = &self.places {
                if let Ok(i) = p.at.binary_search_by_key(&offset, |a| a.0) {
                    return p.at[i].1;
                }
            }
            if let (Some(lines), Some(len)) = (&self.lines, self.unloaded) {
                return line_col_from_lengths(lines, (offset as usize).min(len));
            }
        }
        self.line_col_in(offset, None)
    }

    /// [`SourceFile::line_col`] from the text, with the line starts when the caller has them.
    fn line_col_in(&self, offset: u32, starts: Option<&[u32]>) -> LineCol {
        let mut offset = (offset as usize).min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let (line, mut start) = if let Some(starts) = starts {
            let line = starts.partition_point(|&s| s as usize <= offset).max(1) - 1;
            (line, starts.get(line).map_or(0, |&s| s as usize))
        } else if self.text.len() <= SCAN_LIMIT {
            // A small file (almost all of them) is scanned: an index kept for every file with
            // a finding was tens of MB on a large estate.
            let before = &self.text.as_bytes()[..offset];
            (
                before.iter().filter(|&&b| b == b'\n').count(),
                before
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |i| i + 1),
            )
        } else {
            let starts = self.line_starts();
            let line = starts.partition_point(|&s| s as usize <= offset) - 1;
            (line, starts[line] as usize)
        };
        // A byte-order mark is not a column.
        if line == 0 && self.text.starts_with('\u{feff}') {
            start = 3.min(offset);
        }
        let column = self.text[start..offset].chars().count() + 1;
        LineCol {
            line: line + 1,
            column,
        }
    }
}

/// The byte offset of each line's start.
fn line_starts_of(text: &str) -> Vec<u32> {
    let mut starts = vec![0u32];
    starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| (i + 1) as u32));
    starts
}

/// All files of one run, addressed by [`FileId`].
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
    /// Each file's place among the files ordered by name ([`SourceMap::ranks`]).
    ranks: OnceLock<Vec<u32>>,
}

impl SourceMap {
    /// Room for `additional` more files (40,000 at 100,000 systems: grown by doubling, the
    /// files were copied and their pages touched again at each step).
    pub fn reserve_exact(&mut self, additional: usize) {
        self.files.reserve_exact(additional);
    }

    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        self.ranks = OnceLock::new();
        FileId((self.files.len() - 1) as u32)
    }

    /// Each file's rank when the files are ordered by name, by [`FileId`]; files of the same
    /// name share one. Worked out once (findings are sorted by it twice a run).
    pub fn ranks(&self) -> &[u32] {
        self.ranks.get_or_init(|| {
            use rayon::prelude::*;
            // Files come in the walk's order, which is by name for most estates: checked in
            // parallel, each file is then its own rank (sorting and comparing neighbours
            // took 1.7 ms on one thread for 40,000 files).
            let names = &self.files;
            if (1..names.len())
                .into_par_iter()
                .all(|i| names[i - 1].name < names[i].name)
            {
                return (0..names.len() as u32).collect();
            }
            let mut by_name: Vec<u32> = (0..self.files.len() as u32).collect();
            by_name.sort_by(|a, b| {
                self.files[*a as usize]
                    .name
                    .cmp(&self.files[*b as usize].name)
            });
            let mut rank = vec![0u32; self.files.len()];
            for (i, id) in by_name.iter().enumerate() {
                let same = i > 0
                    && self.files[by_name[i - 1] as usize].name == self.files[*id as usize].name;
                rank[*id as usize] = if same {
                    rank[by_name[i - 1] as usize]
                } else {
                    i as u32
                };
            }
            rank
        })
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The files, in [`FileId`] order.
    pub fn iter(&self) -> impl Iterator<Item = &SourceFile> {
        self.files.iter()
    }

    /// Reads again, in parallel, the unloaded texts of `ids` (the files a report shows).
    pub fn reload(&mut self, ids: impl IntoIterator<Item = FileId>) {
        use rayon::prelude::*;
        let mut wanted = vec![false; self.files.len()];
        for id in ids {
            if let Some(w) = wanted.get_mut(id.0 as usize) {
                *w = true;
            }
        }
        self.files
            .par_iter_mut()
            .zip(wanted)
            .filter(|(_, w)| *w)
            .for_each(|(f, _)| f.reload());
    }

    /// Like [`SourceMap::reload`], but keeps of each file only the line and column of the
    /// starts and ends of `spans` and their texts: what reports other than the human one
    /// read, without holding every shown file's text at once.
    pub fn reload_places(&mut self, spans: impl IntoIterator<Item = (FileId, Span)>) {
        use rayon::prelude::*;
        let mut wanted: Vec<Vec<Span>> = vec![Vec::new(); self.files.len()];
        for (id, span) in spans {
            if let Some(w) = wanted.get_mut(id.0 as usize) {
                w.push(span);
            }
        }
        self.files
            .par_iter_mut()
            .zip(wanted)
            .filter(|(_, w)| !w.is_empty())
            .for_each(|(f, w)| f.reload_places(w));
    }
}

/// Converts the character offsets that saphyr-parser reports into byte offsets.
///
/// Positions arrive almost in order, so a cursor that walks from the previous position costs
/// O(1) amortised per lookup; pure-ASCII text (the common case) is the identity.
pub struct CharToByte<'a> {
    text: &'a str,
    ascii: bool,
    char_pos: usize,
    byte_pos: usize,
}

impl<'a> CharToByte<'a> {
    pub fn new(text: &'a str) -> Self {
        CharToByte {
            text,
            ascii: text.is_ascii(),
            char_pos: 0,
            byte_pos: 0,
        }
    }

    pub fn byte(&mut self, char_index: usize) -> usize {
        if self.ascii {
            return char_index.min(self.text.len());
        }
        let bytes = self.text.as_bytes();
        while self.char_pos < char_index && self.byte_pos < bytes.len() {
            self.byte_pos += utf8_len(bytes[self.byte_pos]);
            self.char_pos += 1;
        }
        while self.char_pos > char_index && self.byte_pos > 0 {
            self.byte_pos -= 1;
            while self.byte_pos > 0 && !self.text.is_char_boundary(self.byte_pos) {
                self.byte_pos -= 1;
            }
            self.char_pos -= 1;
        }
        self.byte_pos.min(bytes.len())
    }
}

fn utf8_len(first: u8) -> usize {
    match first {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn char_to_byte_walks_both_ways_over_multibyte_text() {
        let text = "aé€😀b";
        let mut c = CharToByte::new(text);
        assert_eq!(c.byte(4), 10);
        assert_eq!(c.byte(1), 1);
        assert_eq!(c.byte(2), 3);
        assert_eq!(c.byte(5), 11);
        assert_eq!(c.byte(99), 11);
        assert_eq!(c.byte(0), 0);
    }

    #[test]
    fn files_are_ranked_by_name_and_equal_names_share_a_rank() {
        let map = |names: &[&str]| {
            let mut m = SourceMap::default();
            for n in names {
                m.add(SourceFile::new(n.into(), n.to_string(), "".into()));
            }
            m
        };
        assert_eq!(map(&["a", "b", "c"]).ranks(), [0, 1, 2]);
        assert_eq!(map(&["b", "a", "b", "c"]).ranks(), [1, 0, 1, 3]);
        assert_eq!(map(&["a", "a"]).ranks(), [0, 0]);
        assert!(map(&[]).ranks().is_empty());
        // Worked out again after a file is added.
        let mut m = map(&["b"]);
        assert_eq!(m.ranks(), [0]);
        m.add(SourceFile::new("a".into(), "a".into(), "".into()));
        assert_eq!(m.ranks(), [1, 0]);
    }

    #[test]
    fn scanned_and_indexed_files_agree() {
        let line = "key: välue\n";
        let small = line.repeat(SCAN_LIMIT / line.len());
        let large = line.repeat(2 * SCAN_LIMIT / line.len());
        assert!(small.len() <= SCAN_LIMIT && large.len() > SCAN_LIMIT);
        let small = SourceFile::new("s".into(), "s".into(), small.into());
        let large = SourceFile::new("l".into(), "l".into(), large.into());
        for offset in (0..small.text.len() as u32).step_by(7) {
            assert_eq!(
                small.line_col(offset),
                large.line_col(offset),
                "offset {offset}"
            );
        }
        let last = large.line_col(large.text.len() as u32 - 1);
        assert_eq!(last.line, large.text.len() / line.len());
    }

    #[test]
    fn unloaded_texts_are_read_again_unless_the_file_changed() {
        let dir = std::env::temp_dir().join(format!("estatelint-reload-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (same, edited) = (dir.join("same.yaml"), dir.join("edited.yaml"));
        std::fs::write(&same, "a: 1\n").unwrap();
        std::fs::write(&edited, "b: 2\n").unwrap();
        let mut map = SourceMap::default();
        for path in [&same, &edited] {
            let text = std::fs::read_to_string(path).unwrap();
            let mut f = SourceFile::new(path.clone(), "x".into(), text.into());
            f.unload();
            assert!(f.text.is_empty());
            map.add(f);
        }
        std::fs::write(&edited, "b: 22\n").unwrap();
        map.reload([FileId(0), FileId(1)]);
        assert_eq!(&*map.get(FileId(0)).text, "a: 1\n");
        // Its spans would point elsewhere now: no text rather than a wrong snippet.
        assert!(map.get(FileId(1)).text.is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn only_an_ascii_text_keeps_its_line_lengths() {
        // A character beyond ASCII anywhere (first, mid-line, on the last line, last): the
        // text's byte offsets are then not its characters' (no table). Texts are read 64
        // bytes at a time, the rest byte by byte: a short text is all rest, a long one has
        // the character in its first block, across two, in a later one and in the rest.
        let short = "key: value\nnext: 1\n";
        let long = "key: value\nnext: 1\n".repeat(8);
        for (base, places) in [
            (short, vec![0, 9, 17, 19]),
            (&long, vec![0, 63, 64, 100, 152]),
        ] {
            for at in places {
                let mut text = base.to_string();
                text.insert(at, 'é');
                assert!(line_lengths(&text).is_none(), "é at {at}");
            }
            assert!(line_lengths(base).is_some());
        }
        // DEL is the last ASCII byte; texts with and without a line after the last newline.
        for text in ["a: \x7f\nb: 1\n", "1234567\n12345678\n", "1234567\n1"] {
            assert!(line_lengths(text).is_some(), "{text:?}");
        }
    }

    #[test]
    fn line_lengths_answer_as_the_text_does() {
        let long = "x".repeat(300);
        let texts = [
            String::new(),
            "a: 1".into(),
            "a: 1\n".into(),
            "a: 1\n\n\nb: [x, y]\n  c: 2".into(),
            format!("k: {long}\nnext: 1\n{long}"),
        ];
        for text in &texts {
            let full = SourceFile::new("x".into(), "x".into(), text.as_str().into());
            let kept = SourceFile::unloaded("x".into(), "x".into(), text);
            assert!(kept.text.is_empty() && kept.has_lines());
            for offset in 0..=text.len() as u32 + 2 {
                assert_eq!(
                    kept.line_col(offset),
                    full.line_col(offset),
                    "{offset} in {text:?}"
                );
            }
        }
        // Lines of every short length, and runs of newlines.
        let mut text = String::new();
        for n in 0..40 {
            text.push_str(&"ab".repeat(n % 11));
            text.push_str(&"\n".repeat(1 + n % 3));
            let full = SourceFile::new("x".into(), "x".into(), text.as_str().into());
            let kept = SourceFile::unloaded("x".into(), "x".into(), &text);
            for offset in 0..=text.len() as u32 + 1 {
                assert_eq!(kept.line_col(offset), full.line_col(offset), "{offset}");
            }
        }
        // A table long enough to be indexed: lines of every length up to 300 (one- and
        // two-byte lengths), offsets at, before and after every line start.
        let mut text = String::new();
        for n in 0..12_000 {
            text.push_str(&"c".repeat(n * 7 % 301));
            text.push('\n');
        }
        text.push_str("last");
        let full = SourceFile::new("x".into(), "x".into(), text.as_str().into());
        let kept = SourceFile::unloaded("x".into(), "x".into(), &text);
        assert!(kept.lines.as_ref().is_some_and(|t| t.len() >= INDEXED_FROM));
        let starts = line_starts_of(&text);
        let offsets = starts
            .iter()
            .flat_map(|&s| [s.saturating_sub(1), s, s + 1])
            .chain([text.len() as u32, text.len() as u32 + 5]);
        for offset in offsets {
            assert_eq!(kept.line_col(offset), full.line_col(offset), "{offset}");
        }
        // Columns of other text count characters: it is read again instead, wherever the
        // first non-ASCII byte is.
        assert!(!SourceFile::unloaded("x".into(), "x".into(), "é: 1\n").has_lines());
        for at in 0..20 {
            let text = format!("{}é\n{}", "a".repeat(at), "b".repeat(at % 7));
            assert!(!SourceFile::unloaded("x".into(), "x".into(), &text).has_lines());
        }
    }

    #[test]
    fn places_kept_answer_as_the_text_does() {
        let dir = std::env::temp_dir().join(format!("estatelint-places-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("places.yaml");
        let text = "\u{feff}a: 1\nbé: ü\n\nkey: [x, yz]\n";
        std::fs::write(&path, text).unwrap();
        let full = SourceFile::new(path.clone(), "x".into(), text.into());
        let spans = [
            Span::new(3, 4),
            Span::new(8, 15),
            Span::new(17, 20),
            Span::new(22, 99),
        ];
        let mut map = SourceMap::default();
        let mut f = SourceFile::new(path.clone(), "x".into(), text.into());
        f.unload();
        map.add(f);
        map.reload_places(spans.iter().map(|s| (FileId(0), *s)));
        let kept = map.get(FileId(0));
        assert!(kept.text.is_empty(), "only places are kept");
        for s in spans {
            assert_eq!(kept.line_col(s.start), full.line_col(s.start), "{s:?}");
            assert_eq!(kept.line_col(s.end), full.line_col(s.end), "{s:?}");
            assert_eq!(kept.span_text(s), full.span_text(s), "{s:?}");
        }
        assert_eq!(kept.span_text(Span::new(8, 15)), Some("bé: ü"));
        assert_eq!(
            kept.span_text(Span::new(0, 1)),
            None,
            "a span not asked for"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let f = SourceFile::new("x".into(), "x".into(), "ä: 1\nbé: ü\n".into());
        assert_eq!(f.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(f.line_col(6), LineCol { line: 2, column: 1 });
        // `ü` starts after "bé: " = 1 + 2 + 2 bytes into line 2
        assert_eq!(f.line_col(11), LineCol { line: 2, column: 5 });
        // inside a multi-byte character: clamped back to its start
        assert_eq!(f.line_col(12), LineCol { line: 2, column: 5 });
        assert_eq!(f.line_col(1000).line, 3);
    }
}

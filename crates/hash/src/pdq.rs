//! PDQ perceptual hashing (Meta's published algorithm), bit-exact with the reference C++ on identical RGB pixels.
//!
//! Pipeline: luminance (Rec.601 weights, computed in f64 and stored as f32 exactly as the
//! `pdqhash` binding does), two passes of a Jarosz box filter along rows then columns with
//! windows derived from the image size, 64x64 nearest decimation, a gradient-sum quality
//! score, the 16x16 low-frequency block of a 64x64 DCT (DC excluded), and a median threshold.
//! Every floating-point operation is performed in the same order and precision as the C++
//! so that hashes agree bit for bit; speed comes from processing many independent running
//! sums at once (lanes), never from reassociating a sum.

// Index loops mirror the reference's loops one to one; that is the point here.
#![allow(clippy::needless_range_loop)]

use std::fmt;
use std::sync::OnceLock;

/// Largest pixel count [`hash_rgb`] accepts; decoders should refuse far earlier (see `media::Limits`).
pub const MAX_PIXELS: u64 = 1 << 28;

/// Errors from hashing raw pixels.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdqError {
    /// The pixel buffer does not hold exactly `width * height * 3` bytes.
    #[error("rgb buffer has {got} bytes, expected {expected} for {width}x{height}")]
    BadBufferLength {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// Expected byte count.
        expected: u64,
        /// Actual byte count.
        got: usize,
    },
    /// Zero width or height.
    #[error("image has zero width or height")]
    Empty,
    /// More pixels than [`MAX_PIXELS`].
    #[error("image has {0} pixels, more than the limit of {MAX_PIXELS}")]
    TooLarge(u64),
    /// A hex string is not 64 hex digits.
    #[error("pdq hash must be 64 hex digits")]
    BadHex,
}

/// A 256-bit PDQ hash. Bytes are in the order of Meta's 64-hex-digit text form.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct PdqHash(pub [u8; 32]);

impl PdqHash {
    /// Hex text in Meta's order (the first digit holds bits 255..252).
    pub fn to_hex(&self) -> String {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut s = String::with_capacity(64);
        for b in self.0 {
            s.push(DIGITS[(b >> 4) as usize] as char);
            s.push(DIGITS[(b & 15) as usize] as char);
        }
        s
    }

    /// Parses 64 hex digits (either case, surrounding whitespace ignored).
    pub fn from_hex(s: &str) -> Result<Self, PdqError> {
        let s = s.trim().as_bytes();
        if s.len() != 64 {
            return Err(PdqError::BadHex);
        }
        let mut out = [0u8; 32];
        for (i, pair) in s.chunks_exact(2).enumerate() {
            let hi = hex_val(pair[0]).ok_or(PdqError::BadHex)?;
            let lo = hex_val(pair[1]).ok_or(PdqError::BadHex)?;
            out[i] = (hi << 4) | lo;
        }
        Ok(PdqHash(out))
    }

    /// Hamming distance in bits.
    #[inline]
    pub fn hamming(&self, other: &PdqHash) -> u32 {
        let a = self.to_words();
        let b = other.to_words();
        (a[0] ^ b[0]).count_ones()
            + (a[1] ^ b[1]).count_ones()
            + (a[2] ^ b[2]).count_ones()
            + (a[3] ^ b[3]).count_ones()
    }

    /// The hash as four big-endian u64 words (word 0 = first 16 hex digits).
    #[inline]
    pub fn to_words(&self) -> [u64; 4] {
        let mut w = [0u64; 4];
        for (i, c) in self.0.chunks_exact(8).enumerate() {
            w[i] = u64::from_be_bytes(c.try_into().expect("chunk of 8"));
        }
        w
    }

    /// Inverse of [`PdqHash::to_words`].
    #[inline]
    pub fn from_words(w: [u64; 4]) -> Self {
        let mut out = [0u8; 32];
        for i in 0..4 {
            out[i * 8..i * 8 + 8].copy_from_slice(&w[i].to_be_bytes());
        }
        PdqHash(out)
    }

    /// Bit `k` in Meta's numbering (`Hash256::getBit`).
    pub fn bit(&self, k: usize) -> bool {
        let (byte, mask) = bit_pos(k);
        self.0[byte] & mask != 0
    }

    fn set_bit(&mut self, k: usize) {
        let (byte, mask) = bit_pos(k);
        self.0[byte] |= mask;
    }
}

#[inline]
fn bit_pos(k: usize) -> (usize, u8) {
    let k = k & 255;
    let word = k >> 4;
    let b = k & 15;
    let byte = (15 - word) * 2 + usize::from(b < 8);
    (byte, 1u8 << (b & 7))
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

impl fmt::Debug for PdqHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PdqHash({})", self.to_hex())
    }
}

impl fmt::Display for PdqHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl std::str::FromStr for PdqHash {
    type Err = PdqError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PdqHash::from_hex(s)
    }
}

impl serde::Serialize for PdqHash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> serde::Deserialize<'de> for PdqHash {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        PdqHash::from_hex(&s).map_err(serde::de::Error::custom)
    }
}

/// A hash and its quality score (0..=100; Meta suggests ignoring hashes below 50).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PdqResult {
    /// The hash.
    pub hash: PdqHash,
    /// Gradient-based quality, 0..=100.
    pub quality: u32,
}

/// The eight dihedral variants, in Meta's order.
pub const DIHEDRAL_NAMES: [&str; 8] = [
    "original",
    "rotate90",
    "rotate180",
    "rotate270",
    "flipx",
    "flipy",
    "flipplus1",
    "flipminus1",
];

/// Hashes packed RGB8 pixels (row-major, 3 bytes per pixel).
pub fn hash_rgb(width: u32, height: u32, rgb: &[u8]) -> Result<PdqResult, PdqError> {
    let (dct, quality) = dct16_from_rgb(width, height, rgb)?;
    if too_small(width, height) {
        return Ok(PdqResult {
            hash: PdqHash::default(),
            quality: 0,
        });
    }
    Ok(PdqResult {
        hash: bits_from_dct(&dct),
        quality,
    })
}

/// Hashes packed RGB8 pixels and returns the 8 dihedral hashes (original first) and the quality.
///
/// Mirrors the reference exactly, including one quirk: for a 64x64 input the reference's
/// single-hash path skips the blur while its dihedral path does not, so there (and only
/// there) `dihedral[0]` can differ from [`hash_rgb`]'s hash.
pub fn hash_rgb_dihedral(
    width: u32,
    height: u32,
    rgb: &[u8],
) -> Result<([PdqHash; 8], u32), PdqError> {
    let (dct, quality) = dct16_from_rgb_path(width, height, rgb, Path64::AlwaysFilter)?;
    if too_small(width, height) {
        return Ok(([PdqHash::default(); 8], 0));
    }
    Ok((dihedral_from_dct(&dct), quality))
}

/// The 16x16 DCT block (row-major, before thresholding) and quality; for diagnostics and
/// for callers that want PDQ's float form.
pub fn float_rgb(width: u32, height: u32, rgb: &[u8]) -> Result<([f32; 256], u32), PdqError> {
    dct16_from_rgb(width, height, rgb)
}

fn check_dims(width: u32, height: u32) -> Result<(usize, usize), PdqError> {
    if width == 0 || height == 0 {
        return Err(PdqError::Empty);
    }
    let px = u64::from(width) * u64::from(height);
    if px > MAX_PIXELS {
        return Err(PdqError::TooLarge(px));
    }
    Ok((width as usize, height as usize))
}

/// Images with a side shorter than this hash to all zeros with quality 0, as in the reference.
pub const MIN_HASHABLE_DIM: u32 = 5;

/// Which reference entry point to mirror: `pdqHash256FromFloatLuma` copies a 64x64 input
/// straight into the DCT without filtering, `pdqDihedralHash256esFromFloatLuma` always filters.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Path64 {
    Shortcut,
    AlwaysFilter,
}

fn dct16_from_rgb(width: u32, height: u32, rgb: &[u8]) -> Result<([f32; 256], u32), PdqError> {
    dct16_from_rgb_path(width, height, rgb, Path64::Shortcut)
}

fn dct16_from_rgb_path(
    width: u32,
    height: u32,
    rgb: &[u8],
    path: Path64,
) -> Result<([f32; 256], u32), PdqError> {
    let (w, h) = check_dims(width, height)?;
    let expected = (w * h) as u64 * 3;
    if rgb.len() as u64 != expected {
        return Err(PdqError::BadBufferLength {
            width,
            height,
            expected,
            got: rgb.len(),
        });
    }
    let mut luma = luma_from_rgb(rgb);
    if w == 64 && h == 64 && path == Path64::Shortcut {
        let mut a = [[0f32; 64]; 64];
        for (i, row) in a.iter_mut().enumerate() {
            row.copy_from_slice(&luma[i * 64..(i + 1) * 64]);
        }
        let quality = quality_metric(&a);
        return Ok((dct64_to_16(&a), quality));
    }
    Ok(dct16_from_luma(&mut luma, h, w))
}

fn too_small(width: u32, height: u32) -> bool {
    width < MIN_HASHABLE_DIM || height < MIN_HASHABLE_DIM
}

/// Luminance as the `pdqhash` binding computes it: numpy float64 arithmetic
/// `r*0.299 + g*0.587 + b*0.114`, then rounded to f32.
fn luma_from_rgb(rgb: &[u8]) -> Vec<f32> {
    // A 256-entry table per channel keeps the exact f64 products; the two additions
    // must still happen in f64 and in this order.
    static TABLES: OnceLock<[[f64; 256]; 3]> = OnceLock::new();
    let t = TABLES.get_or_init(|| {
        let mut t = [[0f64; 256]; 3];
        for v in 0..256 {
            t[0][v] = v as f64 * 0.299;
            t[1][v] = v as f64 * 0.587;
            t[2][v] = v as f64 * 0.114;
        }
        t
    });
    rgb.chunks_exact(3)
        .map(|p| (t[0][p[0] as usize] + t[1][p[1] as usize] + t[2][p[2] as usize]) as f32)
        .collect()
}

/// Jarosz window: ceil-ish of `old / (2 * new)` exactly as the reference computes it.
#[inline]
fn jarosz_window(old_dim: usize, new_dim: usize) -> usize {
    // Same as the reference's (old + 2*new - 1) / (2*new).
    old_dim.div_ceil(2 * new_dim)
}

/// Box filter along the outer index of an `[n][lanes]` array, with `lanes` independent
/// running sums. Per lane this is the reference `box1DFloat` operation for operation.
fn box_lanes(input: &[f32], output: &mut [f32], n: usize, lanes: usize, window: usize) {
    debug_assert!(input.len() >= n * lanes && output.len() >= n * lanes);
    let half = (window + 2) / 2;
    let p1 = half - 1;
    let p2 = window - half + 1;
    let p3 = n.saturating_sub(window);
    let p4 = half - 1;
    let mut sum = vec![0f32; lanes];
    let mut ri = 0usize;
    let mut li = 0usize;
    let mut oi = 0usize;
    let mut cur = 0u32;
    // Guard reads past the end for windows longer than the vector, which the reference
    // would also read out of bounds; window <= n always holds for PDQ's window formula.
    for _ in 0..p1 {
        if ri >= n {
            break;
        }
        let row = &input[ri * lanes..ri * lanes + lanes];
        for (s, &v) in sum.iter_mut().zip(row) {
            *s += v;
        }
        cur += 1;
        ri += 1;
    }
    for _ in 0..p2 {
        if ri >= n || oi >= n {
            break;
        }
        cur += 1;
        let c = cur as f32;
        let row = &input[ri * lanes..ri * lanes + lanes];
        let out = &mut output[oi * lanes..oi * lanes + lanes];
        for ((s, &v), o) in sum.iter_mut().zip(row).zip(out.iter_mut()) {
            *s += v;
            *o = *s / c;
        }
        ri += 1;
        oi += 1;
    }
    let c = cur as f32;
    for _ in 0..p3 {
        let add = &input[ri * lanes..ri * lanes + lanes];
        let sub = &input[li * lanes..li * lanes + lanes];
        let out = &mut output[oi * lanes..oi * lanes + lanes];
        for (((s, &a), &b), o) in sum.iter_mut().zip(add).zip(sub).zip(out.iter_mut()) {
            *s += a;
            *s -= b;
            *o = *s / c;
        }
        li += 1;
        ri += 1;
        oi += 1;
    }
    for _ in 0..p4 {
        if oi >= n {
            break;
        }
        cur -= 1;
        let c = cur as f32;
        let sub = &input[li * lanes..li * lanes + lanes];
        let out = &mut output[oi * lanes..oi * lanes + lanes];
        for ((s, &b), o) in sum.iter_mut().zip(sub).zip(out.iter_mut()) {
            *s -= b;
            *o = *s / c;
        }
        li += 1;
        oi += 1;
    }
}

const ROW_BLOCK: usize = 16;

/// Box filter along each row of a row-major `[rows][cols]` image: blocks of rows are
/// transposed into a lane-major scratch so the running sums vectorise.
fn box_rows(input: &[f32], output: &mut [f32], rows: usize, cols: usize, window: usize) {
    let mut tin = vec![0f32; cols * ROW_BLOCK];
    let mut tout = vec![0f32; cols * ROW_BLOCK];
    let mut r0 = 0;
    while r0 < rows {
        let nb = ROW_BLOCK.min(rows - r0);
        for r in 0..nb {
            let src = &input[(r0 + r) * cols..(r0 + r + 1) * cols];
            for (j, &v) in src.iter().enumerate() {
                tin[j * nb + r] = v;
            }
        }
        box_lanes(&tin, &mut tout, cols, nb, window);
        for r in 0..nb {
            let dst = &mut output[(r0 + r) * cols..(r0 + r + 1) * cols];
            for (j, d) in dst.iter_mut().enumerate() {
                *d = tout[j * nb + r];
            }
        }
        r0 += nb;
    }
}

fn decimation_indices(in_dim: usize) -> [usize; 64] {
    let mut idx = [0usize; 64];
    for (i, v) in idx.iter_mut().enumerate() {
        *v = (((i as f64 + 0.5) * in_dim as f64) / 64.0) as usize;
    }
    idx
}

/// Runs the filter, decimation, quality and DCT. `buf1` holds the luma and is clobbered.
fn dct16_from_luma(buf1: &mut [f32], rows: usize, cols: usize) -> ([f32; 256], u32) {
    let win_rows = jarosz_window(cols, 64); // window along each row
    let win_cols = jarosz_window(rows, 64); // window along each column
    let mut buf2 = vec![0f32; rows * cols];
    // Pass 1: rows then columns.
    box_rows(buf1, &mut buf2, rows, cols, win_rows);
    box_lanes(&buf2, buf1, rows, cols, win_cols);
    // Pass 2: rows, then columns only for the 64 columns that decimation samples.
    box_rows(buf1, &mut buf2, rows, cols, win_rows);
    let ci = decimation_indices(cols);
    let ri = decimation_indices(rows);
    let mut gathered = vec![0f32; rows * 64];
    for r in 0..rows {
        let src = &buf2[r * cols..(r + 1) * cols];
        let dst = &mut gathered[r * 64..(r + 1) * 64];
        for (d, &c) in dst.iter_mut().zip(ci.iter()) {
            *d = src[c];
        }
    }
    let mut filtered = vec![0f32; rows * 64];
    box_lanes(&gathered, &mut filtered, rows, 64, win_cols);
    let mut a = [[0f32; 64]; 64];
    for (i, &r) in ri.iter().enumerate() {
        a[i].copy_from_slice(&filtered[r * 64..(r + 1) * 64]);
    }
    let quality = quality_metric(&a);
    (dct64_to_16(&a), quality)
}

fn quality_metric(a: &[[f32; 64]; 64]) -> u32 {
    let mut sum: i64 = 0;
    for i in 0..63 {
        for j in 0..64 {
            let d = ((a[i][j] - a[i + 1][j]) * 100.0f32) / 255.0f32;
            sum += (d as i32).unsigned_abs() as i64;
        }
    }
    for row in a.iter() {
        for j in 0..63 {
            let d = ((row[j] - row[j + 1]) * 100.0f32) / 255.0f32;
            sum += (d as i32).unsigned_abs() as i64;
        }
    }
    (sum / 90).min(100) as u32
}

fn dct_matrix() -> &'static [[f32; 64]; 16] {
    static M: OnceLock<[[f32; 64]; 16]> = OnceLock::new();
    M.get_or_init(|| {
        let mut m = [[0f32; 64]; 16];
        // The reference rounds the scale factor to f32 before widening it again; the DCT
        // sums cancel heavily, so even this last-bit difference shows in the output.
        let scale = f64::from((2.0f64 / 64.0).sqrt() as f32);
        for (i, row) in m.iter_mut().enumerate() {
            for (j, v) in row.iter_mut().enumerate() {
                let arg = (std::f64::consts::PI / 2.0 / 64.0) * (i + 1) as f64 * (2 * j + 1) as f64;
                *v = (scale * arg.cos()) as f32;
            }
        }
        m
    })
}

fn dct64_to_16(a: &[[f32; 64]; 64]) -> [f32; 256] {
    let d = dct_matrix();
    let mut t = [[0f32; 64]; 16];
    for i in 0..16 {
        let ti = &mut t[i];
        for k in 0..64 {
            let dik = d[i][k];
            let ak = &a[k];
            for j in 0..64 {
                ti[j] += dik * ak[j];
            }
        }
    }
    let mut b = [0f32; 256];
    for i in 0..16 {
        for j in 0..16 {
            let mut s = 0f32;
            for k in 0..64 {
                s += t[i][k] * d[j][k];
            }
            b[i * 16 + j] = s;
        }
    }
    b
}

/// The reference's Torben median of 256 values is the 128th smallest (lower median).
fn median256(v: &[f32; 256]) -> f32 {
    let mut tmp = *v;
    let (_, m, _) = tmp.select_nth_unstable_by(127, |a, b| a.total_cmp(b));
    *m
}

fn bits_from_dct(b: &[f32; 256]) -> PdqHash {
    let med = median256(b);
    let mut h = PdqHash::default();
    for (k, &v) in b.iter().enumerate() {
        if v > med {
            h.set_bit(k);
        }
    }
    h
}

fn dihedral_from_dct(a: &[f32; 256]) -> [PdqHash; 8] {
    let mut out = [PdqHash::default(); 8];
    out[0] = bits_from_dct(a);
    let mut b = [0f32; 256];
    let neg = |x: f32, n: bool| if n { -x } else { x };
    for variant in 1..8 {
        for i in 0..16 {
            for j in 0..16 {
                let v = a[i * 16 + j];
                let (ti, tj, flip) = match variant {
                    1 => (j, i, j & 1 == 0),       // rotate 90
                    2 => (i, j, (i + j) & 1 == 1), // rotate 180
                    3 => (j, i, i & 1 == 0),       // rotate 270
                    4 => (i, j, i & 1 == 0),       // flip x
                    5 => (i, j, j & 1 == 0),       // flip y
                    6 => (j, i, false),            // flip about the main diagonal
                    _ => (j, i, (i + j) & 1 == 1), // flip about the anti-diagonal
                };
                b[ti * 16 + tj] = neg(v, flip);
            }
        }
        out[variant] = bits_from_dct(&b);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_roundtrip_and_bit_order() {
        let mut h = PdqHash::default();
        h.set_bit(255);
        assert_eq!(&h.to_hex()[..4], "8000");
        let mut h = PdqHash::default();
        h.set_bit(0);
        assert_eq!(&h.to_hex()[60..], "0001");
        let s = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
        assert_eq!(PdqHash::from_hex(s).unwrap().to_hex(), s);
        assert!(PdqHash::from_hex("zz").is_err());
        assert!(PdqHash::from_hex(&"g".repeat(64)).is_err());
    }

    #[test]
    fn bad_buffers_are_errors() {
        assert_eq!(hash_rgb(0, 5, &[]), Err(PdqError::Empty));
        assert!(matches!(
            hash_rgb(2, 2, &[0; 5]),
            Err(PdqError::BadBufferLength { .. })
        ));
        assert!(matches!(
            hash_rgb(u32::MAX, u32::MAX, &[]),
            Err(PdqError::TooLarge(_))
        ));
    }

    #[test]
    fn tiny_images_hash_without_panicking() {
        for (w, h) in [(1u32, 1u32), (2, 3), (3, 2), (1, 200), (200, 1)] {
            let px = vec![7u8; (w * h * 3) as usize];
            let r = hash_rgb(w, h, &px).unwrap();
            assert_eq!(r.quality, 0);
        }
    }
}

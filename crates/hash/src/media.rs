//! Hostile-media decoding (PNG, JPEG, WebP, GIF first frame) with size and pixel bounds, plus MD5/SHA-256/PDQ of media bytes.
//!
//! Every input is treated as an attack: the file size is checked before reading, the
//! declared dimensions are checked before any pixel buffer is allocated (decompression
//! bombs are refused with [`MediaError::TooManyPixels`]), decoders run under an allocation
//! budget, and a decoder panic is caught and reported as an error instead of unwinding
//! into the caller. EXIF orientation is applied, as Pillow's `exif_transpose` does.

use std::io::{Cursor, Read};
use std::path::Path;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};
use md5::Md5;
use sha2::{Digest, Sha256};

use crate::pdq::{self, PdqHash};

/// Bounds applied to every decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest encoded file accepted, in bytes.
    pub max_bytes: u64,
    /// Largest decoded pixel count (width x height) accepted.
    pub max_pixels: u64,
    /// Largest width or height accepted.
    pub max_dimension: u32,
    /// Allocation budget handed to the decoders, in bytes.
    pub max_alloc: u64,
}

impl Limits {
    /// Defaults sized for social-media uploads: 64 MiB files, 50 megapixels, 20k per side.
    pub const DEFAULT: Limits = Limits {
        max_bytes: 64 << 20,
        max_pixels: 50_000_000,
        max_dimension: 20_000,
        max_alloc: 512 << 20,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// Why a file could not be decoded or hashed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    /// The encoded input is larger than [`Limits::max_bytes`].
    #[error("file is {size} bytes, over the limit of {limit}")]
    TooLarge {
        /// Size seen (or a lower bound).
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The header declares more pixels than allowed: refused before decoding.
    #[error(
        "image declares {width}x{height} pixels, over the limit of {limit} (decompression bomb?)"
    )]
    TooManyPixels {
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
        /// Pixel limit.
        limit: u64,
    },
    /// A side is longer than [`Limits::max_dimension`].
    #[error("image declares {width}x{height}, a side over the limit of {limit}")]
    DimensionTooLarge {
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
        /// Side limit.
        limit: u32,
    },
    /// Zero width or height.
    #[error("image has zero width or height")]
    Empty,
    /// Not one of the supported formats (PNG, JPEG, WebP, GIF).
    #[error("unsupported or unrecognised image format")]
    UnsupportedFormat,
    /// The decoder rejected the data (truncated, corrupt, over its allocation budget).
    #[error("corrupt or truncated image: {0}")]
    Corrupt(String),
    /// The decoder panicked; the panic was contained.
    #[error("image decoder failed internally")]
    DecoderPanic,
    /// Reading the file failed.
    #[error("reading file: {0}")]
    Io(String),
}

/// A decoded image as packed RGB8, orientation applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rgb8Image {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height * 3` bytes, row-major.
    pub pixels: Vec<u8>,
}

/// Exact and perceptual hashes of one media file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MediaHashes {
    /// MD5 of the bytes, lowercase hex.
    pub md5: String,
    /// SHA-256 of the bytes, lowercase hex.
    pub sha256: String,
    /// Number of bytes hashed.
    pub byte_len: u64,
    /// PDQ hash and quality, when the bytes decode as an image.
    pub pdq: Option<(PdqHash, u32)>,
    /// Decoded width (after orientation), when decoded.
    pub width: Option<u32>,
    /// Decoded height (after orientation), when decoded.
    pub height: Option<u32>,
    /// Why there is no PDQ hash, when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pdq_error: Option<String>,
}

fn supported(format: ImageFormat) -> bool {
    matches!(
        format,
        ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP | ImageFormat::Gif
    )
}

fn check_dims(width: u32, height: u32, limits: &Limits) -> Result<(), MediaError> {
    if width == 0 || height == 0 {
        return Err(MediaError::Empty);
    }
    if width > limits.max_dimension || height > limits.max_dimension {
        return Err(MediaError::DimensionTooLarge {
            width,
            height,
            limit: limits.max_dimension,
        });
    }
    let px = u64::from(width) * u64::from(height);
    if px > limits.max_pixels {
        return Err(MediaError::TooManyPixels {
            width,
            height,
            limit: limits.max_pixels,
        });
    }
    Ok(())
}

fn corrupt(e: image::ImageError) -> MediaError {
    match e {
        image::ImageError::Unsupported(_) => MediaError::UnsupportedFormat,
        image::ImageError::Limits(l) => MediaError::Corrupt(format!("decoder limit: {l}")),
        other => MediaError::Corrupt(other.to_string().to_lowercase()),
    }
}

/// Sniffs the container format from magic bytes; never trusts a file name.
pub fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
    image::guess_format(bytes).ok().filter(|f| supported(*f))
}

/// Decodes PNG, JPEG, WebP or GIF (first frame) to RGB8 with EXIF orientation applied.
pub fn decode(bytes: &[u8], limits: &Limits) -> Result<Rgb8Image, MediaError> {
    if bytes.len() as u64 > limits.max_bytes {
        return Err(MediaError::TooLarge {
            size: bytes.len() as u64,
            limit: limits.max_bytes,
        });
    }
    let format = sniff(bytes).ok_or(MediaError::UnsupportedFormat)?;
    match std::panic::catch_unwind(|| decode_inner(bytes, format, limits)) {
        Ok(r) => r,
        Err(_) => Err(MediaError::DecoderPanic),
    }
}

fn decode_inner(
    bytes: &[u8],
    format: ImageFormat,
    limits: &Limits,
) -> Result<Rgb8Image, MediaError> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut lim = image::Limits::default();
    lim.max_image_width = Some(limits.max_dimension);
    lim.max_image_height = Some(limits.max_dimension);
    lim.max_alloc = Some(limits.max_alloc);
    reader.limits(lim);
    let mut decoder = reader.into_decoder().map_err(corrupt)?;
    let (w, h) = decoder.dimensions();
    // Refuse bombs from the header alone, before a single pixel buffer exists.
    check_dims(w, h, limits)?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(corrupt)?;
    img.apply_orientation(orientation);
    let rgb = to_rgb8(img);
    Ok(Rgb8Image {
        width: rgb.width(),
        height: rgb.height(),
        pixels: rgb.into_raw(),
    })
}

/// RGB conversion matching Pillow's `convert("RGB")` for the common modes: alpha is
/// dropped (not composited), greyscale is replicated, 16-bit samples are rounded to 8.
fn to_rgb8(img: DynamicImage) -> image::RgbImage {
    match img {
        DynamicImage::ImageRgb8(i) => i,
        other => other.to_rgb8(),
    }
}

/// MD5 and SHA-256 of `bytes`, as lowercase hex.
pub fn exact_hashes(bytes: &[u8]) -> (String, String) {
    (hex(&Md5::digest(bytes)), hex(&Sha256::digest(bytes)))
}

fn hex(b: &[u8]) -> String {
    const D: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        s.push(D[(x >> 4) as usize] as char);
        s.push(D[(x & 15) as usize] as char);
    }
    s
}

/// Exact hashes always; PDQ when the bytes decode as a supported image within `limits`.
pub fn hash_bytes(bytes: &[u8], limits: &Limits) -> MediaHashes {
    let (md5, sha256) = exact_hashes(bytes);
    let mut out = MediaHashes {
        md5,
        sha256,
        byte_len: bytes.len() as u64,
        pdq: None,
        width: None,
        height: None,
        pdq_error: None,
    };
    match decode(bytes, limits) {
        Ok(img) => match pdq::hash_rgb(img.width, img.height, &img.pixels) {
            Ok(r) => {
                out.pdq = Some((r.hash, r.quality));
                out.width = Some(img.width);
                out.height = Some(img.height);
            }
            Err(e) => out.pdq_error = Some(e.to_string()),
        },
        Err(e) => out.pdq_error = Some(e.to_string()),
    }
    out
}

/// Reads at most `limits.max_bytes` from `path` (refusing larger files) and hashes it.
pub fn hash_file(path: impl AsRef<Path>, limits: &Limits) -> Result<MediaHashes, MediaError> {
    let bytes = read_bounded(path.as_ref(), limits.max_bytes)?;
    Ok(hash_bytes(&bytes, limits))
}

/// Reads a whole file, refusing it once it exceeds `max_bytes` (whatever metadata says).
pub fn read_bounded(path: &Path, max_bytes: u64) -> Result<Vec<u8>, MediaError> {
    let f = std::fs::File::open(path).map_err(|e| MediaError::Io(e.to_string().to_lowercase()))?;
    let hint = f.metadata().map(|m| m.len()).unwrap_or(0);
    if hint > max_bytes {
        return Err(MediaError::TooLarge {
            size: hint,
            limit: max_bytes,
        });
    }
    let mut buf = Vec::with_capacity(hint.min(max_bytes) as usize);
    f.take(max_bytes.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|e| MediaError::Io(e.to_string().to_lowercase()))?;
    if buf.len() as u64 > max_bytes {
        return Err(MediaError::TooLarge {
            size: buf.len() as u64,
            limit: max_bytes,
        });
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_hashes_of_known_input() {
        let (m, s) = exact_hashes(b"abc");
        assert_eq!(m, "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(
            s,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn garbage_and_empty_are_errors_not_panics() {
        let l = Limits::default();
        assert_eq!(decode(b"", &l), Err(MediaError::UnsupportedFormat));
        assert_eq!(
            decode(b"hello world", &l),
            Err(MediaError::UnsupportedFormat)
        );
        assert!(decode(b"\x89PNG\r\n\x1a\n\0\0", &l).is_err());
        assert!(decode(b"\xff\xd8\xff\xe0garbage", &l).is_err());
        assert!(decode(b"RIFF\0\0\0\0WEBPVP8 ", &l).is_err());
        assert!(decode(b"GIF89a\x01", &l).is_err());
    }

    #[test]
    fn oversized_input_is_refused() {
        let l = Limits {
            max_bytes: 4,
            ..Limits::default()
        };
        assert!(matches!(
            decode(b"12345", &l),
            Err(MediaError::TooLarge { .. })
        ));
    }
}

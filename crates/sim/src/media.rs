//! Procedurally generated images (abstract shapes, a fake logo glyph; no real imagery), their re-post variants, and hashing.

use std::fs;
use std::io::Write;
use std::path::Path;

use md5::{Digest as _, Md5};
use sha2::Sha256;

use crate::rng::Rng;
use crate::SimError;

/// One written image file.
#[derive(Debug, Clone)]
pub struct ImageInfo {
    /// File stem under `media/`, e.g. `prop-0003-v02`.
    pub stem: String,
    pub ext: &'static str,
    pub width: u32,
    pub height: u32,
    pub md5: String,
    pub sha256: String,
    pub bytes: u64,
}

impl ImageInfo {
    pub fn file_name(&self) -> String {
        format!("{}.{}", self.stem, self.ext)
    }
}

/// What an image is, to find it by meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    /// Propaganda image `base`, variant `v` (0 = the original PNG).
    Prop {
        base: u32,
        v: u32,
    },
    Photo(u32),
    Avatar {
        pool: u32,
        v: u32,
    },
}

/// Every image of the world, indexed by kind.
pub struct MediaSet {
    pub images: Vec<ImageInfo>,
    pub prop_bases: u32,
    pub variants: u32,
    pub photos: u32,
    pub avatars: u32,
    pub avatar_variants: u32,
}

impl MediaSet {
    pub fn index(&self, k: ImageKind) -> u32 {
        let prop = self.prop_bases * (self.variants + 1);
        match k {
            ImageKind::Prop { base, v } => base * (self.variants + 1) + v.min(self.variants),
            ImageKind::Photo(i) => prop + i.min(self.photos.saturating_sub(1)),
            ImageKind::Avatar { pool, v } => {
                prop + self.photos
                    + pool.min(self.avatars - 1) * (self.avatar_variants + 1)
                    + v.min(self.avatar_variants)
            }
        }
    }
    pub fn get(&self, k: ImageKind) -> &ImageInfo {
        &self.images[self.index(k) as usize]
    }
}

/// Hashes added to the `known/` hash list for each known image; the PDQ column plugs in here later.
pub trait KnownMediaHasher: Send + Sync {
    /// TCAP algorithm name, e.g. `PDQ`.
    fn algorithm(&self) -> &'static str;
    /// Digest of the file's bytes, or None when this hasher cannot hash it.
    fn hash(&self, bytes: &[u8]) -> Option<String>;
}

/// RGB raster.
#[derive(Clone)]
pub struct Img {
    pub w: u32,
    pub h: u32,
    pub px: Vec<u8>,
}

impl Img {
    fn new(w: u32, h: u32, c: [u8; 3]) -> Img {
        let mut px = Vec::with_capacity((w * h * 3) as usize);
        for _ in 0..w * h {
            px.extend_from_slice(&c);
        }
        Img { w, h, px }
    }
    #[inline]
    fn put(&mut self, x: i64, y: i64, c: [u8; 3]) {
        if x >= 0 && y >= 0 && (x as u32) < self.w && (y as u32) < self.h {
            let i = ((y as u32 * self.w + x as u32) * 3) as usize;
            self.px[i..i + 3].copy_from_slice(&c);
        }
    }
    fn rect(&mut self, x0: i64, y0: i64, x1: i64, y1: i64, c: [u8; 3]) {
        for y in y0.max(0)..y1.min(self.h as i64) {
            for x in x0.max(0)..x1.min(self.w as i64) {
                self.put(x, y, c);
            }
        }
    }
    fn disc(&mut self, cx: f64, cy: f64, r0: f64, r1: f64, c: [u8; 3]) {
        let (x0, x1) = ((cx - r1).floor() as i64, (cx + r1).ceil() as i64);
        let (y0, y1) = ((cy - r1).floor() as i64, (cy + r1).ceil() as i64);
        for y in y0..=y1 {
            for x in x0..=x1 {
                let d = ((x as f64 - cx).powi(2) + (y as f64 - cy).powi(2)).sqrt();
                if d >= r0 && d <= r1 {
                    self.put(x, y, c);
                }
            }
        }
    }
    fn gradient(&mut self, a: [u8; 3], b: [u8; 3], diagonal: bool) {
        let (w, h) = (self.w, self.h);
        for y in 0..h {
            for x in 0..w {
                let t = if diagonal {
                    (x + y) as f64 / (w + h) as f64
                } else {
                    y as f64 / h as f64
                };
                let c = [0, 1, 2].map(|k| (a[k] as f64 * (1.0 - t) + b[k] as f64 * t) as u8);
                let i = ((y * w + x) * 3) as usize;
                self.px[i..i + 3].copy_from_slice(&c);
            }
        }
    }
    fn polygon(&mut self, cx: f64, cy: f64, r: f64, n: u32, rot: f64, c: [u8; 3]) {
        let pts: Vec<(f64, f64)> = (0..n)
            .map(|k| {
                let a = rot + std::f64::consts::TAU * k as f64 / n as f64;
                (cx + r * a.cos(), cy + r * a.sin())
            })
            .collect();
        let (y0, y1) = ((cy - r).floor() as i64, (cy + r).ceil() as i64);
        let (x0, x1) = ((cx - r).floor() as i64, (cx + r).ceil() as i64);
        for y in y0..=y1 {
            for x in x0..=x1 {
                let (px, py) = (x as f64 + 0.5, y as f64 + 0.5);
                let mut inside = false;
                let mut j = pts.len() - 1;
                for i in 0..pts.len() {
                    let (xi, yi) = pts[i];
                    let (xj, yj) = pts[j];
                    if (yi > py) != (yj > py) && px < (xj - xi) * (py - yi) / (yj - yi) + xi {
                        inside = !inside;
                    }
                    j = i;
                }
                if inside {
                    self.put(x, y, c);
                }
            }
        }
    }
    /// Bilinear resize.
    fn resize(&self, nw: u32, nh: u32) -> Img {
        let nw = nw.max(8);
        let nh = nh.max(8);
        let mut out = Img::new(nw, nh, [0, 0, 0]);
        for y in 0..nh {
            let sy = ((y as f64 + 0.5) * self.h as f64 / nh as f64 - 0.5).max(0.0);
            let y0 = (sy as u32).min(self.h - 1);
            let y1 = (y0 + 1).min(self.h - 1);
            let fy = sy - y0 as f64;
            for x in 0..nw {
                let sx = ((x as f64 + 0.5) * self.w as f64 / nw as f64 - 0.5).max(0.0);
                let x0 = (sx as u32).min(self.w - 1);
                let x1 = (x0 + 1).min(self.w - 1);
                let fx = sx - x0 as f64;
                for k in 0..3 {
                    let g =
                        |xx: u32, yy: u32| self.px[((yy * self.w + xx) * 3) as usize + k] as f64;
                    let v = g(x0, y0) * (1.0 - fx) * (1.0 - fy)
                        + g(x1, y0) * fx * (1.0 - fy)
                        + g(x0, y1) * (1.0 - fx) * fy
                        + g(x1, y1) * fx * fy;
                    out.px[((y * nw + x) * 3) as usize + k] = v.round().clamp(0.0, 255.0) as u8;
                }
            }
        }
        out
    }
    fn crop(&self, x0: u32, y0: u32, cw: u32, ch: u32) -> Img {
        let mut out = Img::new(cw, ch, [0, 0, 0]);
        for y in 0..ch {
            let s = (((y0 + y) * self.w + x0) * 3) as usize;
            let d = ((y * cw) * 3) as usize;
            out.px[d..d + (cw * 3) as usize].copy_from_slice(&self.px[s..s + (cw * 3) as usize]);
        }
        out
    }
    fn mirror(&self) -> Img {
        let mut out = self.clone();
        for y in 0..self.h {
            for x in 0..self.w {
                let s = ((y * self.w + x) * 3) as usize;
                let d = ((y * self.w + (self.w - 1 - x)) * 3) as usize;
                out.px[d..d + 3].copy_from_slice(&self.px[s..s + 3]);
            }
        }
        out
    }
    fn bordered(&self, b: u32, c: [u8; 3]) -> Img {
        let mut out = Img::new(self.w + 2 * b, self.h + 2 * b, c);
        for y in 0..self.h {
            let s = ((y * self.w) * 3) as usize;
            let d = (((y + b) * out.w + b) * 3) as usize;
            out.px[d..d + (self.w * 3) as usize]
                .copy_from_slice(&self.px[s..s + (self.w * 3) as usize]);
        }
        out
    }
}

fn color(rng: &mut Rng, lo: u8, hi: u8) -> [u8; 3] {
    [0; 3].map(|_| rng.range(lo as u64, hi as u64) as u8)
}

/// A propaganda-style original: dark gradient, a fake logo glyph (ring and polygon), a banner with text-like blocks.
fn prop_base(seed: u64, b: u32, size: u32) -> Img {
    let mut r = Rng::stream(seed, 0x5000 + b as u64);
    let w = size;
    let h = size * 3 / 4;
    let mut img = Img::new(w, h, [0, 0, 0]);
    img.gradient(color(&mut r, 0, 60), color(&mut r, 20, 110), r.chance(0.5));
    let (cx, cy) = (
        w as f64 * (0.3 + 0.4 * r.f64()),
        h as f64 * (0.3 + 0.25 * r.f64()),
    );
    let rad = h as f64 * (0.18 + 0.1 * r.f64());
    let fg = color(&mut r, 180, 255);
    img.disc(cx, cy, rad * 0.82, rad, fg);
    img.polygon(
        cx,
        cy,
        rad * 0.7,
        3 + r.below(5) as u32,
        r.f64() * std::f64::consts::TAU,
        fg,
    );
    let by = (h as f64 * 0.78) as i64;
    img.rect(0, by, w as i64, h as i64, [10, 10, 10]);
    let mut x = 12i64;
    while x < w as i64 - 20 {
        let bw = 6 + r.below(28) as i64;
        img.rect(
            x,
            by + 8,
            x + bw,
            by + 8 + (h as i64 - by) / 3,
            [230, 230, 230],
        );
        x += bw + 5 + r.below(6) as i64;
    }
    img
}

/// A benign photo-like image: sky/ground split, sun, blobs.
fn photo(seed: u64, b: u32, size: u32) -> Img {
    let mut r = Rng::stream(seed, 0x6000 + b as u64);
    let w = size;
    let h = size * (2 + r.below(3) as u32) / 4;
    let mut img = Img::new(w, h, [0, 0, 0]);
    img.gradient(color(&mut r, 90, 255), color(&mut r, 30, 200), false);
    let horizon = (h as f64 * (0.4 + 0.3 * r.f64())) as i64;
    img.rect(0, horizon, w as i64, h as i64, color(&mut r, 20, 160));
    img.disc(
        w as f64 * r.f64(),
        h as f64 * 0.2,
        0.0,
        h as f64 * 0.08 + 4.0,
        [250, 230, 120],
    );
    for _ in 0..4 + r.below(6) {
        let c = color(&mut r, 0, 255);
        img.disc(
            w as f64 * r.f64(),
            h as f64 * r.f64(),
            0.0,
            4.0 + h as f64 * 0.1 * r.f64(),
            c,
        );
    }
    img
}

/// Avatar: a flag-like square for supporter pools, a bright monogram-like shape for others.
fn avatar(seed: u64, pool: u32, supporter: bool) -> Img {
    let mut r = Rng::stream(seed, 0x7000 + pool as u64);
    let s = 96;
    let mut img = Img::new(s, s, color(&mut r, 0, 255));
    if supporter {
        img.gradient(color(&mut r, 0, 40), color(&mut r, 0, 80), false);
        img.disc(48.0, 44.0, 22.0, 28.0, [235, 235, 235]);
        img.rect(20, 70, 76, 80, [235, 235, 235]);
    } else {
        img.gradient(color(&mut r, 60, 255), color(&mut r, 60, 255), true);
        img.polygon(
            48.0,
            48.0,
            26.0,
            3 + r.below(4) as u32,
            r.f64(),
            color(&mut r, 0, 255),
        );
    }
    img
}

/// A re-post variant: one to three of crop, resize, border, overlay, mirror; JPEG quality varies (recompression).
fn variant(seed: u64, base: &Img, b: u32, v: u32) -> (Img, u8) {
    variant_with_ops(seed, base, b, v, &mut Vec::new())
}

/// Names of the transformations of each re-post variant, in [`variant`]'s op order.
pub const VARIANT_OPS: [&str; 5] = ["crop", "resize", "border", "overlay", "mirror"];

/// The transformations applied to propaganda image `base`'s re-post variant `v` (0 is the
/// original file: none; every variant is also recompressed as JPEG), for evaluation by
/// transformation. `size` is the world's `image_size`. Detection never calls this.
pub fn variant_ops(seed: u64, base: u32, v: u32, size: u32) -> Vec<&'static str> {
    let mut ops = Vec::new();
    if v > 0 {
        let img = prop_base(seed, base, size.clamp(64, 1024));
        variant_with_ops(seed, &img, base, v, &mut ops);
    }
    ops
}

fn variant_with_ops(
    seed: u64,
    base: &Img,
    b: u32,
    v: u32,
    names: &mut Vec<&'static str>,
) -> (Img, u8) {
    let mut r = Rng::stream(seed, 0x8000 + ((b as u64) << 8) + v as u64);
    let mut img = base.clone();
    let ops = 1 + r.below(3);
    let mut used = 0u8;
    for _ in 0..ops {
        let op = r.below(5) as u8;
        if used & (1 << op) != 0 {
            continue;
        }
        used |= 1 << op;
        names.push(VARIANT_OPS[op as usize]);
        img = match op {
            0 => {
                let f = 0.80 + 0.15 * r.f64();
                let cw = ((img.w as f64 * f) as u32).max(8);
                let ch = ((img.h as f64 * f) as u32).max(8);
                let x0 = r.below((img.w - cw + 1) as u64) as u32;
                let y0 = r.below((img.h - ch + 1) as u64) as u32;
                img.crop(x0, y0, cw, ch)
            }
            1 => {
                let f = 0.55 + 0.4 * r.f64();
                img.resize((img.w as f64 * f) as u32, (img.h as f64 * f) as u32)
            }
            2 => img.bordered(4 + r.below(20) as u32, color(&mut r, 0, 255)),
            3 => {
                let mut o = img.clone();
                for _ in 0..1 + r.below(3) {
                    let x0 = r.below(o.w as u64 * 2 / 3) as i64;
                    let y0 = r.below(o.h as u64 * 2 / 3) as i64;
                    o.rect(
                        x0,
                        y0,
                        x0 + 20 + r.below(o.w as u64 / 3) as i64,
                        y0 + 8 + r.below(16) as i64,
                        [255, 255, 255],
                    );
                }
                o
            }
            _ => img.mirror(),
        };
    }
    (img, 35 + r.below(50) as u8)
}

fn encode_png(img: &Img) -> Result<Vec<u8>, SimError> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, img.w, img.h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Fast);
        let mut wr = enc
            .write_header()
            .map_err(|e| SimError::Image(e.to_string()))?;
        wr.write_image_data(&img.px)
            .map_err(|e| SimError::Image(e.to_string()))?;
    }
    Ok(out)
}

fn encode_jpeg(img: &Img, quality: u8) -> Result<Vec<u8>, SimError> {
    let mut out = Vec::new();
    let enc = jpeg_encoder::Encoder::new(&mut out, quality);
    enc.encode(
        &img.px,
        img.w as u16,
        img.h as u16,
        jpeg_encoder::ColorType::Rgb,
    )
    .map_err(|e| SimError::Image(e.to_string()))?;
    Ok(out)
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

fn write_image(
    dir: &Path,
    stem: String,
    ext: &'static str,
    w: u32,
    h: u32,
    bytes: Vec<u8>,
) -> Result<ImageInfo, SimError> {
    let path = dir.join(format!("{stem}.{ext}"));
    let mut f = fs::File::create(&path).map_err(|e| SimError::io(&path, e))?;
    f.write_all(&bytes).map_err(|e| SimError::io(&path, e))?;
    Ok(ImageInfo {
        stem,
        ext,
        width: w,
        height: h,
        md5: hex(&Md5::digest(&bytes)),
        sha256: hex(&Sha256::digest(&bytes)),
        bytes: bytes.len() as u64,
    })
}

/// One image job: which image of the set, generated independently so jobs can run on any thread.
fn job(
    seed: u64,
    dir: &Path,
    set: &MediaSet,
    size: u32,
    k: ImageKind,
) -> Result<ImageInfo, SimError> {
    match k {
        ImageKind::Prop { base, v } => {
            let img = prop_base(seed, base, size);
            if v == 0 {
                let bytes = encode_png(&img)?;
                write_image(dir, format!("prop-{base:04}"), "png", img.w, img.h, bytes)
            } else {
                let (vi, q) = variant(seed, &img, base, v);
                let bytes = encode_jpeg(&vi, q)?;
                write_image(
                    dir,
                    format!("prop-{base:04}-v{v:02}"),
                    "jpg",
                    vi.w,
                    vi.h,
                    bytes,
                )
            }
        }
        ImageKind::Photo(i) => {
            let img = photo(seed, i, size);
            let bytes = encode_jpeg(&img, 85)?;
            write_image(dir, format!("photo-{i:04}"), "jpg", img.w, img.h, bytes)
        }
        ImageKind::Avatar { pool, v } => {
            let supporter = pool >= set.avatars - set.avatars.min(AVATAR_SUPPORTER_POOL);
            let img = avatar(seed, pool, supporter);
            let (img, q) = if v == 0 {
                (img, 90)
            } else {
                // Perturbed avatar: small crop and resize back, slight recompression.
                let mut r = Rng::stream(seed, 0x9000 + ((pool as u64) << 8) + v as u64);
                let c = 2 + r.below(6) as u32;
                let cropped = img.crop(c, c, img.w - 2 * c, img.h - 2 * c);
                (cropped.resize(96, 96), 60 + r.below(30) as u8)
            };
            let bytes = encode_jpeg(&img, q)?;
            write_image(
                dir,
                format!("avatar-{pool:04}-{v}"),
                "jpg",
                img.w,
                img.h,
                bytes,
            )
        }
    }
}

/// Supporter avatars are the last pool entries (see `World::avatar_pool_extremist`).
pub const AVATAR_SUPPORTER_POOL: u32 = 24;

#[allow(clippy::too_many_arguments)] // one call site; a parameter struct would only restate these
/// Generates every image of the world under `dir` using `threads` workers; file contents are independent of thread count.
pub fn generate(
    seed: u64,
    dir: &Path,
    prop_bases: u32,
    variants: u32,
    photos: u32,
    avatars: u32,
    avatar_variants: u32,
    size: u32,
    threads: usize,
) -> Result<MediaSet, SimError> {
    fs::create_dir_all(dir).map_err(|e| SimError::io(dir, e))?;
    let size = size.clamp(64, 1024);
    let mut set = MediaSet {
        images: Vec::new(),
        prop_bases,
        variants,
        photos: photos.max(1),
        avatars: avatars.max(1),
        avatar_variants,
    };
    let mut kinds = Vec::new();
    for base in 0..prop_bases {
        for v in 0..=variants {
            kinds.push(ImageKind::Prop { base, v });
        }
    }
    for i in 0..set.photos {
        kinds.push(ImageKind::Photo(i));
    }
    for pool in 0..set.avatars {
        for v in 0..=avatar_variants {
            kinds.push(ImageKind::Avatar { pool, v });
        }
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<std::sync::Mutex<Option<Result<ImageInfo, SimError>>>> =
        kinds.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..threads.max(1) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= kinds.len() {
                    break;
                }
                let r = job(seed, dir, &set, size, kinds[i]);
                *results[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
            });
        }
    });
    let mut images = Vec::with_capacity(kinds.len());
    for r in results {
        match r.into_inner().unwrap_or_else(|e| e.into_inner()) {
            Some(Ok(info)) => images.push(info),
            Some(Err(e)) => return Err(e),
            None => return Err(SimError::Image("image job did not run".into())),
        }
    }
    set.images = images;
    Ok(set)
}

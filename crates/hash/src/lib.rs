//! Perceptual and exact hashing for vigil: PDQ, hostile-media decoding, radius search, MinHash LSH and hash banks.

pub mod banks;
pub mod index;
pub mod media;
pub mod minhash;
pub mod pdq;

//! vigil-hash

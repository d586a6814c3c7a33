//! vigil-text

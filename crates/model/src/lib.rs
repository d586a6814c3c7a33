//! vigil-model

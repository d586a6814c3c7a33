//! vigil-sim

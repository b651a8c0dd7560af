//! dpd adapter (in progress).

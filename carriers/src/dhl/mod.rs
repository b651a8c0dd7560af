//! dhl adapter (in progress).

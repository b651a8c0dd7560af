//! Test databases (in progress).

//! Contract tests (in progress).

//! The gateway's integration tests: one test binary, shared helpers in `gateway/common`.

mod common;
mod store_contract;

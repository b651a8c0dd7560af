//! The gateway's integration tests: one test binary, shared helpers in `gateway/common`.

#[path = "gateway/common/mod.rs"]
mod common;
#[path = "gateway/store_contract.rs"]
mod store_contract;

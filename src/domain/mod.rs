//! Rules of the business that every edge shares, free of HTTP and storage.

pub mod merchant_rules;

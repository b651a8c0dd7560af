//! Why the demo could not start or run.

/// Why the demo could not start.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// Preparing files, ports or config failed.
    #[error("demo setup: {0}")]
    Setup(String),
    /// The sandbox refused to start.
    #[error(transparent)]
    Sandbox(#[from] crate::sandbox::SandboxError),
    /// A call to the gateway's API failed.
    #[error("demo API call: {0}")]
    Api(String),
}

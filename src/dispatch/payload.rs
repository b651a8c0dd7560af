//! Rendering a stored callback body for sending: the stored payload (built by
//! `domain::callback`) carries the relative tracking path, made absolute here with the
//! configured `public_url`.

pub use crate::domain::callback::*;

/// Why a stored payload could not be rendered.
#[derive(Debug, thiserror::Error)]
#[error("stored payload is not a callback body: {0}")]
pub struct RenderError(#[from] serde_json::Error);

/// The bytes sent: the stored payload with the tracking path made absolute.
pub fn render(stored: &str, public_url: &str) -> Result<String, RenderError> {
    let mut body: CallbackBody = serde_json::from_str(stored)?;
    if body.data.tracking_url.starts_with('/') {
        body.data.tracking_url = format!(
            "{}{}",
            public_url.trim_end_matches('/'),
            body.data.tracking_url
        );
    }
    Ok(serde_json::to_string(&body)?)
}

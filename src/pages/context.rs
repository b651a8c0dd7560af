//! The state of the page routes: the gateway's state plus dashboard sessions and the
//! per-address limits of lookups and logins.

use std::sync::Arc;

use super::{limit, session};
use crate::state::AppState;

/// State of the page routes: the app plus sessions and per-address limits.
#[derive(Clone)]
pub struct PagesState {
    /// The gateway.
    pub app: AppState,
    /// Dashboard sessions (server-side).
    pub sessions: session::Sessions,
    /// Order lookups per client address.
    pub lookup_limit: Arc<limit::IpLimiter>,
    /// Dashboard login attempts per client address.
    pub login_limit: Arc<limit::IpLimiter>,
}

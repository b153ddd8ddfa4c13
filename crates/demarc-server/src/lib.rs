//! `demarc serve`: the workshop where an organisation and its suppliers build, check and sign
//! the model together, as server-rendered pages (no script needed) and a JSON API.
//!
//! - [`router`] wires every route; [`serve`] runs it until Ctrl-C or SIGTERM.
//! - [`authz::allowed`] is the one place permissions are decided.
//! - [`workshop`] turns the store's rows into the domain's model and back, through the CLI's
//!   own parser and writer, so the server and model files agree.
//! - State lives only in the database (sessions included): any node can serve any request.

mod actions;
pub mod api;
pub mod auth;
pub mod authz;
mod demo;
mod downloads;
mod ui;
pub mod workshop;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use demarc_core::Date;
use demarc_store::{Store, StoreError};

pub use demo::create_demo_workspace;

/// What `demarc serve` was started with (read by the binary, from flags and environment).
#[derive(Clone)]
pub struct Config {
    /// Cookies carry `Secure` (set when the server is reached over HTTPS, directly or through
    /// a proxy).
    pub secure_cookies: bool,
    /// Give the first account the demo workspace (`demarc serve --demo`).
    pub demo: bool,
    /// The largest upload accepted, in bytes.
    pub max_upload: usize,
    /// Today's date, for review and expiry checks.
    pub today: Arc<dyn Fn() -> Date + Send + Sync>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("secure_cookies", &self.secure_cookies)
            .field("max_upload", &self.max_upload)
            .finish_non_exhaustive()
    }
}

/// What every handler sees.
#[derive(Clone, Debug)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    /// Models read and checked, by workspace and revision (see [`workshop::ModelCache`]).
    pub models: Arc<workshop::ModelCache>,
}

impl AppState {
    pub fn new(store: Store, config: Config) -> AppState {
        AppState {
            store,
            config: Arc::new(config),
            models: Arc::new(workshop::ModelCache::default()),
        }
    }

    pub fn today(&self) -> Date {
        (self.config.today)()
    }
}

/// Why a request failed, for a person (a page) or a program (the API renders it as JSON).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    BadRequest(String),
    /// Model files that do not read: nothing was changed.
    #[error("the model cannot be read ({} error(s); nothing changed): {}", .0.len(), workshop::describe(.0))]
    Unreadable(Vec<demarc_formats::yaml::LoadError>),
    #[error("log in to continue")]
    LoginRequired(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("{}", .0)]
    Conflict(Box<demarc_store::Conflict>),
    #[error("{0}")]
    TooManyRequests(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    pub fn status(&self) -> StatusCode {
        match self {
            Error::BadRequest(_) | Error::Unreadable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::LoginRequired(_) | Error::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Error::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A stable code for the API's error envelope.
    pub fn code(&self) -> &'static str {
        match self {
            Error::BadRequest(_) | Error::Unreadable(_) => "invalid",
            Error::LoginRequired(_) | Error::Unauthorized(_) => "unauthorized",
            Error::Forbidden(_) => "forbidden",
            Error::NotFound(_) => "not-found",
            Error::Conflict(_) => "conflict",
            Error::TooManyRequests(_) => "too-many-requests",
            Error::PayloadTooLarge(_) => "too-large",
            Error::Internal(_) => "internal",
        }
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Error {
        match e {
            StoreError::Conflict(c) => Error::Conflict(c),
            StoreError::NotFound(what) => Error::NotFound(what),
            StoreError::Exists(what) => Error::BadRequest(format!("{what} already exists")),
            StoreError::Invalid(msg) => Error::BadRequest(msg),
            e => {
                // The message names the failing query, never a secret.
                eprintln!("demarc serve: store error: {e}");
                Error::Internal("the database could not complete the request".into())
            }
        }
    }
}

impl From<askama::Error> for Error {
    fn from(e: askama::Error) -> Error {
        Error::Internal(format!("page template: {e}"))
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        match self {
            Error::LoginRequired(next) => {
                Redirect::to(&format!("/login?next={}", ui::url_encode(&next))).into_response()
            }
            e => ui::error_page(&e),
        }
    }
}

/// Every route of the server.
pub fn router(state: AppState) -> Router {
    let max_upload = state.config.max_upload;
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/static/app.css", get(stylesheet))
        .merge(ui::routes())
        .nest("/api/v1", api::routes())
        .layer(DefaultBodyLimit::max(max_upload))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

async fn security_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, k: &'static str, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    set(
        h,
        "content-security-policy",
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    set(h, "x-content-type-options", "nosniff");
    set(h, "x-frame-options", "DENY");
    set(h, "referrer-policy", "same-origin");
    set(h, "cross-origin-opener-policy", "same-origin");
    if !h.contains_key(header::CACHE_CONTROL) {
        set(h, "cache-control", "no-store");
    }
    res
}

/// Alive: the process answers.
async fn healthz() -> &'static str {
    "ok\n"
}

/// Ready: the database answers and its schema is current.
async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.readiness().await {
        Ok(r) if r.is_current() => (StatusCode::OK, "ready\n").into_response(),
        Ok(r) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "not ready: the database schema is at version {} of {} (run `demarc db migrate`)\n",
                r.schema_version, r.latest
            ),
        )
            .into_response(),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "not ready: the database does not answer\n",
        )
            .into_response(),
    }
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/app.css"),
    )
        .into_response()
}

/// Serve until Ctrl-C or SIGTERM; `ready` is told the address once listening.
pub async fn serve(
    state: AppState,
    listen: SocketAddr,
    ready: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    ready(listener.local_addr()?);
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown())
        .await
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

//! The JSON API, `/api/v1`: what a program (a CI job) needs to push a model, read its checks
//! and change a row without losing anyone's edit. Described by `openapi.json` (committed, and
//! tested against these routes).
//!
//! Authentication: `Authorization: Bearer dmt_...` (an API token, scoped to one workspace and
//! a role), or the browser's session cookie, with an `X-CSRF-Token` header on writes.
//! Errors: `{"error": {"code": "...", "message": "..."}}` with the HTTP status.

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use demarc_formats::yaml::ModelFiles;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth;
use crate::authz::{Action, Role};
use crate::ui::{self, Access};
use crate::{AppState, Error, actions, workshop};

/// The OpenAPI document of this API.
pub const OPENAPI: &str = include_str!("../openapi.json");

/// The API's operations, each a method, a path (under `/api/v1`) and its handler: the router
/// is built from this table, and the table is what the OpenAPI document is tested against, both
/// ways.
macro_rules! operations {
    ($($path:literal => { $($method:ident: $handler:ident),+ $(,)? }),+ $(,)?) => {
        /// Every operation, as (method, path).
        pub const OPERATIONS: &[(&str, &str)] = &[$($((stringify!($method), $path)),+),+];

        pub fn routes() -> Router<AppState> {
            Router::new()$(.route($path, MethodRouter::new()$(.$method($handler))+))+
        }
    };
}

operations! {
    "/openapi.json" => { get: openapi },
    "/workspaces" => { get: workspaces, post: workspace_create },
    "/workspaces/{ws}/model" => { get: model_get, put: model_put },
    "/workspaces/{ws}/check" => { get: check },
    "/workspaces/{ws}/cells/{service}/{responsibility}" => { get: cell_get, put: cell_put },
    "/workspaces/{ws}/cells/{service}/{responsibility}/comments" => { post: cell_comment },
    "/workspaces/{ws}/parties" => { get: parties, post: party_add },
    "/workspaces/{ws}/parties/{party}/duties" => { get: duties },
    "/workspaces/{ws}/services" => { post: service_add },
    "/workspaces/{ws}/uploads" => { post: upload },
    "/workspaces/{ws}/members" => { get: members },
    "/workspaces/{ws}/members/{user}/sharing" => { put: sharing },
    "/workspaces/{ws}/invitations" => { post: invite },
    "/workspaces/{ws}/tokens" => { get: tokens, post: token_create },
    "/workspaces/{ws}/tokens/{id}" => { delete: token_revoke },
    "/workspaces/{ws}/signoffs" => { get: signoffs, post: freeze },
    "/workspaces/{ws}/signoffs/{number}/signatures" => { post: sign },
    "/workspaces/{ws}/audit" => { get: audit },
    "/workspaces/{ws}/export/{what}/{format}" => { get: export },
}

/// An error as the API returns it.
#[derive(Debug)]
pub struct ApiError(pub Error, pub Option<Value>);

impl From<Error> for ApiError {
    fn from(e: Error) -> ApiError {
        ApiError(e, None)
    }
}

impl From<demarc_store::StoreError> for ApiError {
    fn from(e: demarc_store::StoreError) -> ApiError {
        ApiError(e.into(), None)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({"error": {"code": self.0.code(), "message": self.0.to_string()}});
        if let Error::Unreadable(errors) = &self.0 {
            body["error"]["details"] = errors
                .iter()
                .map(|e| json!({"file": e.file, "line": e.line, "column": e.column, "message": e.message}))
                .collect();
        }
        if let Error::Conflict(c) = &self.0 {
            body["error"]["current"] =
                json!({"version": c.current_version, "body": c.current_body});
        }
        if let Some(extra) = self.1 {
            body["error"]["details"] = extra;
        }
        (self.0.status(), Json(body)).into_response()
    }
}

type ApiResult = Result<Response, ApiError>;

/// A JSON request body, or why it is not one (the field and what was expected).
fn json_body<T>(
    body: Result<Json<T>, axum::extract::rejection::JsonRejection>,
) -> Result<T, Error> {
    body.map(|Json(b)| b)
        .map_err(|e| Error::BadRequest(format!("the request body: {}", e.body_text())))
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

/// Who is calling: an API token (one workspace) or a logged-in person.
enum Caller {
    Token(demarc_store::ApiToken),
    Person(auth::LoggedIn),
}

async fn caller(state: &AppState, headers: &HeaderMap, write: bool) -> Result<Caller, Error> {
    if let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let secret = value.strip_prefix("Bearer ").unwrap_or("").trim();
        return match state.store.api_token(secret).await? {
            Some(t) => Ok(Caller::Token(t)),
            None => Err(Error::Unauthorized(
                "the API token is unknown or revoked".into(),
            )),
        };
    }
    match auth::session_of(&state.store, headers).await? {
        Some(logged) => {
            if write {
                let given = headers
                    .get("x-csrf-token")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                logged.check_csrf(given)?;
            }
            Ok(Caller::Person(logged))
        }
        None => Err(Error::Unauthorized(
            "send an API token (Authorization: Bearer dmt_...) or log in".into(),
        )),
    }
}

/// The caller's access to a workspace: a token only to its own.
async fn api_access(
    state: &AppState,
    headers: &HeaderMap,
    ws: &str,
    write: bool,
) -> Result<Access, Error> {
    match caller(state, headers, write).await? {
        Caller::Token(t) => {
            if t.workspace_id != ws {
                return Err(Error::NotFound("no such workspace".into()));
            }
            let w = state
                .store
                .workspace(ws)
                .await?
                .ok_or_else(|| Error::NotFound("no such workspace".into()))?;
            Ok(Access {
                ws: w,
                role: Role::parse(&t.role).unwrap_or(Role::Viewer),
                party: None,
                sees_all: false,
                user_id: format!("token:{}", t.id),
            })
        }
        Caller::Person(p) => ui::access(state, &p.session.user.id, ws).await,
    }
}

async fn workspaces(State(state): State<AppState>, headers: HeaderMap) -> ApiResult {
    let list: Vec<Value> = match caller(&state, &headers, false).await? {
        Caller::Token(t) => {
            let w = state.store.workspace(&t.workspace_id).await?;
            w.into_iter().map(|w| json!({"id": w.id, "name": w.name, "role": t.role})).collect()
        }
        Caller::Person(p) => state
            .store
            .memberships(&p.session.user.id)
            .await?
            .into_iter()
            .map(|m| json!({"id": m.workspace.id, "name": m.workspace.name, "role": m.role, "party": m.party_id}))
            .collect(),
    };
    Ok(Json(json!({ "workspaces": list })).into_response())
}

async fn model_get(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(ws): Path<String>,
) -> ApiResult {
    let who = api_access(&state, &headers, &ws, false).await?;
    // The whole model is every row: not for a representative, who sees only its own.
    who.require(Action::ViewRow, who.role != Role::Supplier)?;
    let rows = state.store.model_rows(&ws).await?;
    let files: Vec<Value> = workshop::files(&rows)
        .into_iter()
        .map(|(path, body)| json!({"path": path, "body": body}))
        .collect();
    let hash = workshop::content(&workshop::files(&rows)).1;
    Ok(Json(json!({"files": files, "sha256": hash})).into_response())
}

#[derive(Debug, Deserialize)]
struct ModelBody {
    files: Vec<FileBody>,
}

#[derive(Debug, Deserialize)]
struct FileBody {
    path: String,
    body: String,
}

async fn model_put(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(ws): Path<String>,
    body: Result<Json<ModelBody>, axum::extract::rejection::JsonRejection>,
) -> ApiResult {
    let who = api_access(&state, &headers, &ws, true).await?;
    who.require(Action::EditModel, true)?;
    let body = json_body(body)?;
    let files = ModelFiles {
        files: body.files.into_iter().map(|f| (f.path, f.body)).collect(),
    };
    actions::replace_model(&state, &who, files, "model.import", None).await?;
    // Checked at the new revision.
    let now = state
        .store
        .workspace(&ws)
        .await?
        .ok_or_else(|| Error::NotFound("no such workspace".into()))?;
    check_response(&state, &now).await
}

async fn check_response(state: &AppState, ws: &demarc_store::Workspace) -> ApiResult {
    let loaded = ui::loaded(state, ws).await?;
    let findings: Vec<Value> = loaded
        .findings
        .iter()
        .map(|f| {
            json!({
                "code": f.code.as_str(),
                "severity": f.severity.as_str(),
                "message": f.message,
                "fix": f.fix,
                "service": f.service,
                "responsibility": f.responsibility,
                "party": f.party,
            })
        })
        .collect();
    let errors = loaded
        .findings
        .iter()
        .filter(|f| f.severity == demarc_core::Severity::Error)
        .count();
    let gaps = loaded
        .findings
        .iter()
        .filter(|f| f.code == demarc_core::Code::Gap)
        .count();
    Ok(Json(json!({
        "errors": errors,
        "warnings": loaded.findings.len() - errors,
        "gaps": gaps,
        "findings": findings,
    }))
    .into_response())
}

async fn check(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(ws): Path<String>,
) -> ApiResult {
    let who = api_access(&state, &headers, &ws, false).await?;
    who.require(Action::ViewRow, who.role != Role::Supplier)?;
    check_response(&state, &who.ws).await
}

async fn cell_get(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((ws, service, resp)): Path<(String, String, String)>,
) -> ApiResult {
    let who = api_access(&state, &headers, &ws, false).await?;
    let loaded = ui::loaded(&state, &who.ws).await?;
    let view = loaded.view();
    let (s, r) = match (
        view.service_index(&service),
        view.responsibility_index(&resp),
    ) {
        (Some(s), Some(r)) => (s, r),
        _ => return Err(Error::NotFound(format!("no cell {service}/{resp}")).into()),
    };
    if !who.sees_row(&view, s, r) {
        return Err(Error::NotFound(format!("no cell {service}/{resp}")).into());
    }
    who.require(Action::ViewRow, true)?;
    let cell = view.cell(s, r);
    let row = loaded.rows.cell(&service, &resp);
    Ok(Json(json!({
        "service": service,
        "responsibility": resp,
        "status": cell.status().as_str(),
        "operators": cell.operators.iter().map(|p| view.party(*p).id.clone()).collect::<Vec<_>>(),
        "version": row.map(|c| c.version),
        "body": row.map(|c| c.body.clone()),
    }))
    .into_response())
}

#[derive(Debug, Deserialize)]
struct CellBody {
    /// The version read; null when the row had no allocation of its own.
    version: Option<i64>,
    /// The allocation's YAML, as under `responsibilities:`; null to remove it.
    body: Option<String>,
}

async fn cell_put(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((ws, service, resp)): Path<(String, String, String)>,
    body: Result<Json<CellBody>, axum::extract::rejection::JsonRejection>,
) -> ApiResult {
    let who = api_access(&state, &headers, &ws, true).await?;
    let body = json_body(body)?;
    // Only roles that see every row may change one (a representative proposes instead).
    who.require(Action::EditRow, true)?;
    let loaded = ui::loaded(&state, &who.ws).await?;
    let text = body.body.map(|b| {
        if b.ends_with('\n') {
            b
        } else {
            format!("{b}\n")
        }
    });
    if let Some(t) = &text {
        // The text must be this row's allocation and nothing else.
        let key = t
            .trim_start()
            .split(':')
            .next()
            .unwrap_or("")
            .trim()
            .trim_matches('"');
        if key != resp || !t.starts_with("  ") {
            return Err(Error::BadRequest(format!(
                "body: the allocation of {resp}, indented two spaces as under `responsibilities:` (\"  {resp}: customer\")"
            ))
            .into());
        }
    }
    let version = ui::check_and_save(
        &state,
        &who,
        &loaded,
        &service,
        &resp,
        body.version,
        text.as_deref(),
        "cell.save",
    )
    .await?;
    Ok(Json(json!({ "version": version })).into_response())
}

async fn audit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(ws): Path<String>,
) -> ApiResult {
    let who = api_access(&state, &headers, &ws, false).await?;
    who.require(Action::ViewAudit, true)?;
    let entries: Vec<Value> = state
        .store
        .audit_entries(&ws, None, 1000)
        .await?
        .into_iter()
        .map(|e| json!({"seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action, "target": e.target, "before": e.before, "after": e.after, "hash": e.hash}))
        .collect();
    let (checked, problems) = state.store.verify_audit(Some(&ws)).await?;
    Ok(Json(json!({
        "entries": entries,
        "verified": problems.is_empty(),
        "checked": checked,
        "problems": problems.iter().map(|p| json!({"seq": p.seq, "message": p.message})).collect::<Vec<_>>(),
    }))
    .into_response())
}

async fn export(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((ws, what, format)): Path<(String, String, String)>,
    axum::extract::Query(q): axum::extract::Query<ui::ExportQuery>,
) -> ApiResult {
    let who = api_access(&state, &headers, &ws, false).await?;
    let file = crate::downloads::download(
        &state,
        &who,
        &what,
        &format,
        q.party.as_deref(),
        q.service.as_deref(),
    )
    .await?;
    Ok(file.into_response())
}

#[derive(Debug, Deserialize)]
struct CommentBody {
    /// comment, propose, contest, accept or resolve.
    kind: String,
    #[serde(default)]
    body: String,
    /// For contest, accept and resolve: the version of the row read.
    #[serde(default)]
    version: Option<i64>,
}

async fn cell_comment(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((ws, service, resp)): Path<(String, String, String)>,
    body: Result<Json<CommentBody>, axum::extract::rejection::JsonRejection>,
) -> ApiResult {
    let who = api_access(&state, &headers, &ws, true).await?;
    let body = json_body(body)?;
    ui::discuss(
        &state,
        &who,
        &service,
        &resp,
        &body.kind,
        &body.body,
        body.version,
    )
    .await?;
    let comments: Vec<Value> = state
        .store
        .comments(&ws, &service, &resp)
        .await?
        .into_iter()
        .map(|c| json!({"kind": c.kind, "body": c.body, "by": c.user_name, "at": c.at}))
        .collect();
    Ok(Json(json!({ "comments": comments })).into_response())
}

async fn parties(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(ws): Path<String>,
) -> ApiResult {
    let who = api_access(&state, &headers, &ws, false).await?;
    who.require(Action::View, true)?;
    let loaded = ui::loaded(&state, &who.ws).await?;
    let view = loaded.view();
    let parties: Vec<Value> = view
        .parties()
        .iter()
        .map(|p| json!({"id": p.id, "name": p.name, "kind": p.kind}))
        .collect();
    let services: Vec<Value> = view
        .services()
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let i = i as demarc_core::view::ServiceIx;
            json!({
                "id": s.id,
                "name": s.name,
                "provider": view.provider(i).map(|p| view.party(p).id.clone()),
                "model": s.model.map(|m| m.as_str()),
                "built_on": view.built_on(i).iter().map(|b| view.service(*b).id.clone()).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(Json(json!({"parties": parties, "services": services})).into_response())
}

async fn duties(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((ws, party)): Path<(String, String)>,
) -> ApiResult {
    let who = api_access(&state, &headers, &ws, false).await?;
    let own = who.party.as_deref().is_none_or(|p| p == party);
    if who.role == Role::Supplier && !own {
        return Err(Error::NotFound("no such party for you".into()).into());
    }
    who.require(Action::ViewRow, own)?;
    let loaded = ui::loaded(&state, &who.ws).await?;
    let view = loaded.view();
    let p = view
        .party_index(&party)
        .ok_or_else(|| Error::NotFound(format!("no party {party}")))?;
    let duties = demarc_core::report::duties(&view, p);
    Ok(Json(json!({ "duties": duties })).into_response())
}

async fn signoffs(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(ws): Path<String>,
) -> ApiResult {
    let who = api_access(&state, &headers, &ws, false).await?;
    who.require(Action::View, true)?;
    let loaded = ui::loaded(&state, &who.ws).await?;
    let current = workshop::content(&workshop::files(&loaded.rows)).1;
    let list: Vec<Value> = state
        .store
        .signoffs(&ws)
        .await?
        .into_iter()
        .map(|s| {
            json!({
                "number": s.number,
                "label": s.label,
                "sha256": s.content_hash,
                "current": s.content_hash == current,
                "created_at": s.created_at,
                "signatures": s.signatures.iter().map(|g| json!({"party": g.party_id, "signer": g.signer_name, "at": g.at})).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(Json(json!({"sha256": current, "signoffs": list})).into_response())
}

#[derive(Debug, Deserialize)]
struct FreezeBody {
    #[serde(default)]
    label: String,
}

async fn freeze(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(ws): Path<String>,
    body: Result<Json<FreezeBody>, axum::extract::rejection::JsonRejection>,
) -> ApiResult {
    let who = api_access(&state, &headers, &ws, true).await?;
    let body = json_body(body)?;
    let number = ui::freeze(&state, &who, &body.label).await?;
    Ok(Json(json!({ "number": number })).into_response())
}

#[derive(Debug, Deserialize)]
struct SignBody {
    party: String,
    /// The fingerprint the signer was shown.
    sha256: String,
}

/// Signing is a person's act: it needs a logged-in session, not a token.
async fn sign(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((ws, number)): Path<(String, i64)>,
    body: Result<Json<SignBody>, axum::extract::rejection::JsonRejection>,
) -> ApiResult {
    let Caller::Person(person) = caller(&state, &headers, true).await? else {
        return Err(Error::Forbidden(
            "a signature is a person's: log in to sign, an API token cannot".into(),
        )
        .into());
    };
    let who = ui::access(&state, &person.session.user.id, &ws).await?;
    let body = json_body(body)?;
    ui::sign(
        &state,
        &who,
        &person.session.user.name,
        number,
        &body.party,
        &body.sha256,
    )
    .await?;
    Ok(Json(json!({ "signed": true })).into_response())
}

#[derive(Debug, Deserialize)]
struct NewWorkspaceBody {
    name: String,
    /// "demo" for the demo model; else a starter model on the TWT catalogue.
    #[serde(default)]
    starter: Option<String>,
}

/// A new workspace, its owner the person calling (an API token belongs to one workspace, so
/// it cannot make another).
async fn workspace_create(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Json<NewWorkspaceBody>, axum::extract::rejection::JsonRejection>,
) -> ApiResult {
    let Caller::Person(p) = caller(&state, &headers, true).await? else {
        return Err(Error::Forbidden(
            "an API token belongs to one workspace and cannot make another; log in".into(),
        )
        .into());
    };
    let body = json_body(body)?;
    let demo = body.starter.as_deref() == Some("demo");
    let id = actions::create_workspace(&state, &p.session.user.id, &body.name, demo).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
}

async fn party_add(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(ws): Path<String>,
    body: Result<Json<actions::NewParty>, axum::extract::rejection::JsonRejection>,
) -> ApiResult {
    let who = api_access(&state, &headers, &ws, true).await?;
    who.require(Action::EditModel, true)?;
    let id = actions::add_party(&state, &who, json_body(body)?).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
}

async fn service_add(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(ws): Path<String>,
    body: Result<Json<actions::NewService>, axum::extract::rejection::JsonRejection>,
) -> ApiResult {
    let who = api_access(&state, &headers, &ws, true).await?;
    who.require(Action::EditModel, true)?;
    let id = actions::add_service(&state, &who, json_body(body)?).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
}

#[derive(Debug, Deserialize)]
struct UploadBody {
    /// One matrix CSV (`name` ending `.csv`), or a model's YAML files by name.
    files: Vec<UploadFile>,
}

#[derive(Debug, Deserialize)]
struct UploadFile {
    name: String,
    /// The file's text (CSV or YAML).
    #[serde(default)]
    body: Option<String>,
    /// Or its bytes, in base64 (an Excel workbook).
    #[serde(default)]
    body_base64: Option<String>,
}

/// What the upload form takes, as JSON: a matrix CSV, or a model's files by name.
async fn upload(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(ws): Path<String>,
    body: Result<Json<UploadBody>, axum::extract::rejection::JsonRejection>,
) -> ApiResult {
    let who = api_access(&state, &headers, &ws, true).await?;
    who.require(Action::EditModel, true)?;
    let mut files = Vec::new();
    for f in json_body(body)?.files {
        let bytes = match (f.body, f.body_base64) {
            (Some(text), None) => text.into_bytes(),
            (None, Some(b64)) => {
                use base64::Engine as _;
                base64::engine::general_purpose::STANDARD
                    .decode(b64.trim())
                    .map_err(|e| {
                        Error::BadRequest(format!(
                            "files: {}: body_base64 is not base64 ({e})",
                            f.name
                        ))
                    })?
            }
            _ => {
                return Err(Error::BadRequest(format!(
                    "files: {}: give either body (text) or body_base64 (bytes)",
                    f.name
                ))
                .into());
            }
        };
        files.push((f.name, bytes));
    }
    let what = actions::upload(&state, &who, files).await?;
    let now = state
        .store
        .workspace(&ws)
        .await?
        .ok_or_else(|| Error::NotFound("no such workspace".into()))?;
    let mut response = check_response(&state, &now).await?;
    response.headers_mut().insert(
        "x-demarc-uploaded",
        axum::http::HeaderValue::from_static(what.as_str()),
    );
    Ok(response)
}

async fn members(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(ws): Path<String>,
) -> ApiResult {
    let who = api_access(&state, &headers, &ws, false).await?;
    who.require(Action::ManageMembers, true)?;
    let members: Vec<Value> = state
        .store
        .members(&ws)
        .await?
        .into_iter()
        .map(|m| json!({"user": m.user_id, "name": m.name, "email": m.email, "role": m.role, "party": m.party_id, "sees_all": m.sees_all}))
        .collect();
    Ok(Json(json!({ "members": members })).into_response())
}

#[derive(Debug, Deserialize)]
struct SharingBody {
    /// Show the representative the whole model (read-only), or (false) its party's rows only.
    sees_all: bool,
}

async fn sharing(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((ws, user)): Path<(String, String)>,
    body: Result<Json<SharingBody>, axum::extract::rejection::JsonRejection>,
) -> ApiResult {
    let who = api_access(&state, &headers, &ws, true).await?;
    who.require(Action::ManageMembers, true)?;
    let body = json_body(body)?;
    actions::share(&state, &who, &user, body.sees_all).await?;
    Ok(Json(json!({ "user": user, "sees_all": body.sees_all })).into_response())
}

#[derive(Debug, Deserialize)]
struct InviteBody {
    role: String,
    /// The party a supplier representative speaks for.
    #[serde(default)]
    party: Option<String>,
}

async fn invite(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(ws): Path<String>,
    body: Result<Json<InviteBody>, axum::extract::rejection::JsonRejection>,
) -> ApiResult {
    let who = api_access(&state, &headers, &ws, true).await?;
    who.require(Action::ManageMembers, true)?;
    let body = json_body(body)?;
    let token = actions::invite(&state, &who, &body.role, body.party.as_deref()).await?;
    let link = ui::invitation_link(&state, &headers, &token);
    Ok((
        StatusCode::CREATED,
        Json(json!({ "link": link, "expires_in_seconds": actions::INVITATION_SECS })),
    )
        .into_response())
}

async fn tokens(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(ws): Path<String>,
) -> ApiResult {
    let who = api_access(&state, &headers, &ws, false).await?;
    who.require(Action::ManageTokens, true)?;
    let tokens: Vec<Value> = state
        .store
        .api_tokens(&ws)
        .await?
        .into_iter()
        .map(|t| json!({"id": t.id, "name": t.name, "role": t.role, "created_at": t.created_at, "revoked": t.revoked}))
        .collect();
    Ok(Json(json!({ "tokens": tokens })).into_response())
}

#[derive(Debug, Deserialize)]
struct NewTokenBody {
    #[serde(default)]
    name: String,
    /// owner, editor, auditor or viewer.
    role: String,
}

async fn token_create(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(ws): Path<String>,
    body: Result<Json<NewTokenBody>, axum::extract::rejection::JsonRejection>,
) -> ApiResult {
    let who = api_access(&state, &headers, &ws, true).await?;
    who.require(Action::ManageTokens, true)?;
    let body = json_body(body)?;
    let (id, secret) = actions::create_token(&state, &who, &body.name, &body.role).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": id, "token": secret })),
    )
        .into_response())
}

async fn token_revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((ws, id)): Path<(String, String)>,
) -> ApiResult {
    let who = api_access(&state, &headers, &ws, true).await?;
    actions::revoke_token(&state, &who, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

//! The web pages: server-rendered forms that work in a plain browser, no script.

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use demarc_core::view::{PartyIx, RespIx, ServiceIx};
use demarc_core::{Allocation, Contest, Date, Evidence, Ref, Status, Task, TaskKind, View};
use demarc_formats::export::What;
use demarc_store::User;
use serde::Deserialize;

use crate::auth::{self, LoggedIn};
use crate::authz::{Action, Role, Scope, allowed};
use crate::workshop::{self, Loaded};
use crate::{AppState, Error, actions};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/setup", get(setup_page).post(setup))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/workspaces", post(create_workspace))
        .route("/w/{ws}", get(dashboard))
        .route("/w/{ws}/matrix", get(matrix))
        .route(
            "/w/{ws}/cell/{service}/{resp}",
            get(cell_page).post(cell_save),
        )
        .route("/w/{ws}/cell/{service}/{resp}/discuss", post(cell_discuss))
        .route("/w/{ws}/parties", get(parties_page).post(parties_action))
        .route("/w/{ws}/party/{party}", get(party_page))
        .route("/w/{ws}/upload", post(upload))
        .route("/w/{ws}/tokens", post(tokens_action))
        .route("/w/{ws}/members", get(members_page).post(invite))
        .route("/w/{ws}/members/share", post(share))
        .route("/w/{ws}/signoff", get(signoff_page).post(signoff_action))
        .route("/w/{ws}/downloads", get(downloads_page))
        .route("/w/{ws}/export/{what}/{format}", get(download))
        .route("/w/{ws}/audit", get(audit_page))
        .route("/invite/{token}", get(invite_page).post(invite_accept))
}

// ---------------------------------------------------------------------------------------------
// Frame: what every page carries
// ---------------------------------------------------------------------------------------------

/// The parts of every page: who is logged in, the CSRF token of its forms, messages, and the
/// workspace navigation.
#[derive(Debug, Default)]
pub struct Frame {
    pub user: Option<User>,
    pub csrf: String,
    pub flash: Vec<(String, String)>,
    pub ws: Option<WsNav>,
}

#[derive(Debug)]
pub struct WsNav {
    pub id: String,
    pub name: String,
    pub can_members: bool,
    pub can_audit: bool,
}

/// Messages a redirect can ask a page to show (by key, so nothing a link carries is shown
/// as text).
fn notice(key: Option<&str>) -> Option<&'static str> {
    Some(match key? {
        "saved" => "Saved. The checks have run again: see the findings below.",
        "created" => "Workspace created.",
        "contested" => "Your objection is recorded and the row is marked as contested.",
        "resolved" => "The contest is resolved.",
        "commented" => "Comment added.",
        "proposed" => "Your proposal is recorded for the workspace's editors.",
        "accepted" => "You accepted this row.",
        "frozen" => "This version is frozen: each party's signatories can now sign it.",
        "signed" => "Signed.",
        "joined" => "You have joined the workspace.",
        "party-added" => "Party added. Invite its representative from the People page.",
        "service-added" => "Service added: its column is in the matrix.",
        "uploaded" => "Uploaded. The checks have run again.",
        "revoked" => "Token revoked: it no longer works.",
        "shared" => "Sharing changed.",
        _ => return None,
    })
}

#[derive(Debug, Deserialize, Default)]
pub struct NoticeQuery {
    #[serde(default)]
    notice: Option<String>,
    #[serde(default)]
    next: Option<String>,
}

fn frame(logged: &LoggedIn, q: &NoticeQuery) -> Frame {
    Frame {
        user: Some(logged.session.user.clone()),
        csrf: logged.session.csrf.clone(),
        flash: notice(q.notice.as_deref())
            .map(|m| vec![("notice".to_owned(), m.to_owned())])
            .unwrap_or_default(),
        ws: None,
    }
}

fn page(t: &impl Template) -> Result<Response, Error> {
    Ok(Html(t.render()?).into_response())
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    f: Frame,
    title: &'a str,
    message: String,
}

pub fn error_page(e: &Error) -> Response {
    let title = match e {
        Error::BadRequest(_) => "That cannot be done",
        Error::Unreadable(_) => "The model would not read",
        Error::Unauthorized(_) | Error::LoginRequired(_) => "Log in to continue",
        Error::Forbidden(_) => "Not allowed",
        Error::NotFound(_) => "Not found",
        Error::Conflict(_) => "Someone else changed this",
        Error::TooManyRequests(_) => "Too many attempts",
        Error::PayloadTooLarge(_) => "Too large",
        Error::Internal(_) => "Something went wrong",
    };
    let body = ErrorPage {
        f: Frame::default(),
        title,
        message: e.to_string(),
    }
    .render()
    .unwrap_or_else(|_| e.to_string());
    (e.status(), Html(body)).into_response()
}

/// Percent-encode a value for a URL query.
pub fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Where to go after logging in: only a path on this site.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

// ---------------------------------------------------------------------------------------------
// Access to a workspace
// ---------------------------------------------------------------------------------------------

/// A member's access to one workspace.
#[derive(Debug, Clone)]
pub struct Access {
    pub ws: demarc_store::Workspace,
    pub role: Role,
    /// The party a supplier representative speaks for.
    pub party: Option<String>,
    /// The owner shows this member the whole model (read-only for a representative).
    pub sees_all: bool,
    pub user_id: String,
}

impl Access {
    /// May this member do `action` where `own_party` says whether it is about their party?
    pub fn may(&self, action: Action, own_party: bool) -> bool {
        allowed(
            self.role,
            action,
            Scope {
                own_workspace: true,
                own_party,
            },
        )
    }

    pub fn require(&self, action: Action, own_party: bool) -> Result<(), Error> {
        if self.may(action, own_party) {
            Ok(())
        } else {
            Err(Error::Forbidden(format!(
                "a {} cannot do this here",
                self.role.label().to_lowercase()
            )))
        }
    }

    pub fn nav(&self) -> WsNav {
        WsNav {
            id: self.ws.id.clone(),
            name: self.ws.name.clone(),
            can_members: self.may(Action::ManageMembers, true),
            can_audit: self.may(Action::ViewAudit, true),
        }
    }

    /// Whether this member sees a row: everyone but a supplier representative sees all; a
    /// representative sees the rows where its party has, or should have, a task, and the
    /// rest only if the owner shares the whole model with it.
    pub fn sees_row(&self, view: &View<'_>, s: ServiceIx, r: RespIx) -> bool {
        self.sees_all || self.own_row(view, s, r)
    }

    /// Whether a row is this member's party's business (always, for members who speak for
    /// the organisation): what a representative may propose on, contest, comment on.
    pub fn own_row(&self, view: &View<'_>, s: ServiceIx, r: RespIx) -> bool {
        match (&self.role, &self.party) {
            (Role::Supplier, Some(p)) => match view.party_index(p) {
                Some(p) => party_concerned(view, p, s, r),
                None => false,
            },
            (Role::Supplier, None) => false,
            _ => true,
        }
    }
}

/// A party has, or should have, a task in a cell: it provides the service, or does or
/// oversees any of the work, or provides a service the work is inherited from.
pub fn party_concerned(view: &View<'_>, p: PartyIx, s: ServiceIx, r: RespIx) -> bool {
    let cell = view.cell(s, r);
    view.provider(s) == Some(p)
        || cell.operators.contains(&p)
        || cell.overseers.contains(&p)
        || view.provenance(s, r).contains(&p)
}

/// The caller's access to a workspace; a workspace they are not in is "not found" (its
/// existence is not revealed).
pub async fn access(state: &AppState, user_id: &str, ws: &str) -> Result<Access, Error> {
    let m = state
        .store
        .membership(ws, user_id)
        .await?
        .ok_or_else(|| Error::NotFound("no such workspace".into()))?;
    let role = Role::parse(&m.role)
        .ok_or_else(|| Error::Internal(format!("unknown role {:?}", m.role)))?;
    Ok(Access {
        ws: m.workspace,
        role,
        party: m.party_id,
        sees_all: m.sees_all,
        user_id: user_id.to_owned(),
    })
}

/// The workspace's model, read and checked (once per revision); a model that no longer
/// reads is an error naming each file, line and column.
pub async fn loaded(
    state: &AppState,
    ws: &demarc_store::Workspace,
) -> Result<std::sync::Arc<Loaded>, Error> {
    let today = state.today();
    if let Some(l) = state.models.get(&ws.id, ws.revision, today) {
        return Ok(l);
    }
    let rows = state.store.model_rows(&ws.id).await?;
    let previous = state.models.latest(&ws.id);
    let loaded = workshop::load(rows, today, previous.as_deref());
    let loaded = std::sync::Arc::new(loaded.map_err(|errors| {
        Error::BadRequest(format!(
            "the workspace's model cannot be read: {}",
            workshop::describe(&errors)
        ))
    })?);
    state.models.put(&ws.id, ws.revision, today, loaded.clone());
    Ok(loaded)
}

// ---------------------------------------------------------------------------------------------
// Setup, login, logout
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    f: Frame,
    heading: &'static str,
    button: &'static str,
    action: String,
    setup: bool,
    form_csrf: String,
    next: String,
    email: String,
}

/// A form shown before login carries a token that must match a cookie set with it.
fn login_form(secure: bool, mut p: LoginPage, status: StatusCode) -> Result<Response, Error> {
    let (token, _) = demarc_store::new_token()?;
    p.form_csrf = token.clone();
    let mut res = (status, Html(p.render()?)).into_response();
    if let Ok(v) = auth::set_cookie(auth::LOGIN_CSRF_COOKIE, &token, 3600, secure).parse() {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

fn check_login_csrf(headers: &HeaderMap, given: &str) -> Result<(), Error> {
    match auth::cookie(headers, auth::LOGIN_CSRF_COOKIE) {
        Some(c) if auth::constant_time_eq(c.as_bytes(), given.as_bytes()) => Ok(()),
        _ => Err(Error::Forbidden(
            "the form has expired or did not come from this site: reload the page and try again"
                .into(),
        )),
    }
}

fn login_page_for(next: &str, email: &str, error: Option<String>) -> LoginPage {
    LoginPage {
        f: Frame {
            flash: error
                .map(|e| vec![("error".to_owned(), e)])
                .unwrap_or_default(),
            ..Frame::default()
        },
        heading: "Log in",
        button: "Log in",
        action: "/login".into(),
        setup: false,
        form_csrf: String::new(),
        next: next.to_owned(),
        email: email.to_owned(),
    }
}

async fn login_page(
    State(state): State<AppState>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, Error> {
    if state.store.user_count().await? == 0 {
        return Ok(Redirect::to("/setup").into_response());
    }
    login_form(
        state.config.secure_cookies,
        login_page_for(&safe_next(q.next.as_deref()), "", None),
        StatusCode::OK,
    )
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    csrf: String,
    email: String,
    password: String,
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

fn with_session(state: &AppState, token: &str, to: &str) -> Response {
    let mut res = Redirect::to(to).into_response();
    if let Ok(v) = auth::set_cookie(
        auth::SESSION_COOKIE,
        token,
        auth::SESSION_SECS,
        state.config.secure_cookies,
    )
    .parse()
    {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, Error> {
    check_login_csrf(&headers, &form.csrf)?;
    let next = safe_next(form.next.as_deref());
    match auth::login(&state.store, &form.email, &form.password).await {
        Ok(user) => {
            let token = state
                .store
                .create_session(&user.id, auth::SESSION_SECS)
                .await?;
            Ok(with_session(&state, &token, &next))
        }
        Err(e @ (Error::BadRequest(_) | Error::TooManyRequests(_))) => login_form(
            state.config.secure_cookies,
            login_page_for(&next, &form.email, Some(e.to_string())),
            e.status(),
        ),
        Err(e) => Err(e),
    }
}

async fn setup_page(State(state): State<AppState>) -> Result<Response, Error> {
    if state.store.user_count().await? > 0 {
        return Ok(Redirect::to("/login").into_response());
    }
    login_form(
        state.config.secure_cookies,
        setup_page_for("", None),
        StatusCode::OK,
    )
}

fn setup_page_for(email: &str, error: Option<String>) -> LoginPage {
    LoginPage {
        heading: "Set up demarc",
        button: "Create the first account",
        action: "/setup".into(),
        setup: true,
        next: "/".into(),
        ..login_page_for("/", email, error)
    }
}

async fn setup(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, Error> {
    check_login_csrf(&headers, &form.csrf)?;
    let name = form.name.as_deref().unwrap_or("").trim().to_owned();
    let invalid = if name.is_empty() {
        Some("Enter your name.".to_owned())
    } else if !form.email.contains('@') {
        Some("Enter an email address.".to_owned())
    } else {
        auth::check_new_password(&form.password)
            .err()
            .map(|e| e.to_string())
    };
    if let Some(msg) = invalid {
        return login_form(
            state.config.secure_cookies,
            setup_page_for(&form.email, Some(msg)),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let hash = auth::hash_password(&form.password)?;
    let Some(user) = state
        .store
        .create_first_admin(&form.email, &name, &hash)
        .await?
    else {
        return Err(Error::Forbidden(
            "demarc is already set up: log in, or ask an administrator for an account".into(),
        ));
    };
    if state.config.demo {
        crate::demo::create_demo_workspace(&state.store, &user.id).await?;
    }
    let token = state
        .store
        .create_session(&user.id, auth::SESSION_SECS)
        .await?;
    Ok(with_session(&state, &token, "/"))
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

async fn logout(
    logged: LoggedIn,
    State(state): State<AppState>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, Error> {
    logged.check_csrf(&form.csrf)?;
    state.store.end_session(&logged.token).await?;
    let mut res = Redirect::to("/login").into_response();
    if let Ok(v) =
        auth::set_cookie(auth::SESSION_COOKIE, "", 0, state.config.secure_cookies).parse()
    {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

// ---------------------------------------------------------------------------------------------
// Home: workspaces
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    f: Frame,
    workspaces: Vec<(String, String, &'static str)>,
}

async fn home(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, Error> {
    let Some(logged) = auth::session_of(&state.store, &headers).await? else {
        if state.store.user_count().await? == 0 {
            return Ok(Redirect::to("/setup").into_response());
        }
        return Ok(Redirect::to("/login").into_response());
    };
    let workspaces = state
        .store
        .memberships(&logged.session.user.id)
        .await?
        .into_iter()
        .map(|m| {
            let role = Role::parse(&m.role).map_or("member", Role::label);
            (m.workspace.id, m.workspace.name, role)
        })
        .collect();
    page(&HomePage {
        f: frame(&logged, &q),
        workspaces,
    })
}

#[derive(Debug, Deserialize)]
pub struct NewWorkspaceForm {
    csrf: String,
    name: String,
    #[serde(default)]
    starter: Option<String>,
}

async fn create_workspace(
    logged: LoggedIn,
    State(state): State<AppState>,
    Form(form): Form<NewWorkspaceForm>,
) -> Result<Response, Error> {
    logged.check_csrf(&form.csrf)?;
    let demo = form.starter.as_deref() == Some("demo");
    let id = actions::create_workspace(&state, &logged.session.user.id, &form.name, demo).await?;
    Ok(Redirect::to(&format!("/w/{id}?notice=created")).into_response())
}

// ---------------------------------------------------------------------------------------------
// Dashboard
// ---------------------------------------------------------------------------------------------

#[derive(Debug)]
struct FindingView {
    severity: &'static str,
    title: &'static str,
    message: String,
    fix: String,
    link: Option<String>,
}

#[derive(Debug)]
struct SplitView {
    name: String,
    alone: usize,
    shared: usize,
    max: usize,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    f: Frame,
    ws_id: String,
    name: String,
    role: &'static str,
    party: Option<String>,
    gaps: usize,
    contested: usize,
    overdue: usize,
    errors: usize,
    warnings: usize,
    ready_to_sign: bool,
    findings: Vec<FindingView>,
    split: Vec<SplitView>,
    resign_needed: bool,
    last_signed: Option<String>,
}

/// The findings a member sees: a supplier representative only those about its rows.
fn visible_findings<'l>(loaded: &'l Loaded, who: &Access) -> Vec<&'l demarc_core::Finding> {
    let view = loaded.view();
    loaded
        .findings
        .iter()
        .filter(|f| match (&f.service, &f.responsibility) {
            (Some(s), Some(r)) => match (view.service_index(s), view.responsibility_index(r)) {
                (Some(s), Some(r)) => who.sees_row(&view, s, r),
                _ => who.role != Role::Supplier,
            },
            _ => who.role != Role::Supplier,
        })
        .collect()
}

fn finding_view(ws: &str, f: &demarc_core::Finding) -> FindingView {
    FindingView {
        severity: f.severity.as_str(),
        title: f.code.title(),
        message: f.message.clone(),
        fix: f.fix.clone(),
        link: match (&f.service, &f.responsibility) {
            (Some(s), Some(r)) => Some(format!("/w/{ws}/cell/{}/{}", url_encode(s), url_encode(r))),
            _ => None,
        },
    }
}

async fn dashboard(
    logged: LoggedIn,
    State(state): State<AppState>,
    Path(ws): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, Error> {
    let who = access(&state, &logged.session.user.id, &ws).await?;
    who.require(Action::View, true)?;
    let loaded = loaded(&state, &who.ws).await?;
    let view = loaded.view();
    let visible = visible_findings(&loaded, &who);
    let n = |code: &str| visible.iter().filter(|f| f.code.as_str() == code).count();
    let summary = demarc_core::report::summary(&view, &loaded.findings, state.today());
    let max = summary
        .split
        .iter()
        .map(|b| b.total())
        .max()
        .unwrap_or(1)
        .max(1);
    // A representative sees its own party's share only.
    let split = summary
        .split
        .iter()
        .filter(|b| who.role != Role::Supplier || who.party.as_deref() == Some(b.party.id.as_str()))
        .map(|b| SplitView {
            name: b.party.name.clone(),
            alone: b.alone,
            shared: b.shared,
            max,
        })
        .collect();
    let signoffs = state.store.signoffs(&ws).await?;
    let current = workshop::content(&workshop::files(&loaded.rows)).1;
    let last_signed = signoffs
        .first()
        .map(|s| format!("version {} ({})", s.number, s.label));
    let resign_needed = signoffs.first().is_some_and(|s| s.content_hash != current);
    let errors = visible
        .iter()
        .filter(|f| f.severity == demarc_core::Severity::Error)
        .count();
    let warnings = visible.len() - errors;
    let findings = visible.iter().map(|f| finding_view(&ws, f)).collect();
    page(&DashboardPage {
        ws_id: ws.clone(),
        f: Frame {
            ws: Some(who.nav()),
            ..frame(&logged, &q)
        },
        name: loaded.model.name.clone(),
        role: who.role.label(),
        party: who.party.as_ref().map(|p| {
            loaded
                .model
                .parties
                .iter()
                .find(|x| &x.id == p)
                .map_or_else(|| p.clone(), |x| x.name.clone())
        }),
        gaps: n("gap"),
        contested: n("contested"),
        overdue: n("review-overdue"),
        errors,
        warnings,
        // Whether the whole model can be signed, whatever part of it this member sees.
        ready_to_sign: !demarc_core::check::has_errors(&loaded.findings),
        findings,
        split,
        resign_needed,
        last_signed,
    })
}

// ---------------------------------------------------------------------------------------------
// Matrix
// ---------------------------------------------------------------------------------------------

#[derive(Debug)]
struct MatrixCellView {
    link: String,
    label: String,
    who: String,
    class: &'static str,
    hidden: bool,
}

#[derive(Debug)]
struct MatrixRowView {
    area: Option<String>,
    id: String,
    title: String,
    cells: Vec<MatrixCellView>,
}

#[derive(Template)]
#[template(path = "matrix.html")]
struct MatrixPage {
    f: Frame,
    services: Vec<(String, String)>,
    rows: Vec<MatrixRowView>,
    supplier_view: bool,
}

fn party_names(view: &View<'_>, ixs: &[u32]) -> String {
    ixs.iter()
        .map(|p| view.party(*p).name.clone())
        .collect::<Vec<_>>()
        .join(", ")
}

async fn matrix(
    logged: LoggedIn,
    State(state): State<AppState>,
    Path(ws): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, Error> {
    let who = access(&state, &logged.session.user.id, &ws).await?;
    who.require(Action::View, true)?;
    let loaded = loaded(&state, &who.ws).await?;
    let view = loaded.view();
    let services: Vec<(String, String)> = view
        .services()
        .iter()
        .map(|s| (s.id.clone(), s.name.clone()))
        .collect();
    let mut rows = Vec::new();
    let mut last_area = String::new();
    for (ri, (area, r)) in view.responsibilities().iter().enumerate() {
        let ri = ri as RespIx;
        let mut cells = Vec::new();
        for si in 0..services.len() {
            let si = si as ServiceIx;
            let hidden = !who.sees_row(&view, si, ri);
            let cell = view.cell(si, ri);
            let gap = cell.operators.is_empty() && cell.status() != Status::NotApplicable;
            let contested = cell.allocation.is_some_and(|a| a.contested.is_some());
            cells.push(MatrixCellView {
                link: format!(
                    "/w/{ws}/cell/{}/{}",
                    url_encode(&view.service(si).id),
                    url_encode(&r.id)
                ),
                label: cell.status().label().to_owned(),
                who: party_names(&view, &cell.operators),
                class: if hidden {
                    "hidden"
                } else if contested {
                    "contested"
                } else if gap {
                    "gap"
                } else {
                    ""
                },
                hidden,
            });
        }
        if who.role == Role::Supplier && cells.iter().all(|c| c.hidden) {
            continue;
        }
        let area_title = (area.id != last_area).then(|| area.title.clone());
        last_area = area.id.clone();
        rows.push(MatrixRowView {
            area: area_title,
            id: r.id.clone(),
            title: r.title.clone(),
            cells,
        });
    }
    page(&MatrixPage {
        f: Frame {
            ws: Some(who.nav()),
            ..frame(&logged, &q)
        },
        services,
        rows,
        supplier_view: who.role == Role::Supplier,
    })
}

// ---------------------------------------------------------------------------------------------
// One row: its allocation, the form to change it, discussion and history
// ---------------------------------------------------------------------------------------------

#[derive(Debug)]
struct HistoryView {
    seq: i64,
    when: String,
    who: String,
    action: String,
    before: String,
    after: String,
}

#[derive(Debug)]
struct CommentView {
    who: String,
    when: String,
    kind: String,
    body: String,
}

#[derive(Template)]
#[template(path = "cell.html")]
struct CellPage {
    f: Frame,
    ws: String,
    service_id: String,
    service_name: String,
    provider: String,
    resp_id: String,
    resp_title: String,
    resp_description: String,
    retained: bool,
    status_label: String,
    origin: &'static str,
    operators: String,
    overseers: String,
    contested: Option<(String, String)>,
    findings: Vec<FindingView>,
    can_edit: bool,
    can_propose: bool,
    can_comment: bool,
    can_resolve: bool,
    form: CellForm,
    statuses: Vec<(&'static str, &'static str)>,
    implementations: Vec<(&'static str, &'static str)>,
    froms: Vec<(String, String)>,
    party_ids: String,
    conflict: Option<String>,
    comments: Vec<CommentView>,
    history: Vec<HistoryView>,
}

/// The fields of the allocation form, as text.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct CellForm {
    #[serde(default)]
    pub csrf: String,
    /// The version the form was opened at; empty when the row had no allocation of its own.
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub status: String,
    /// One task per line: `owner: what they do`, `oversee owner: ...` for oversight.
    #[serde(default)]
    pub tasks: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub contract: String,
    #[serde(default)]
    pub sla: String,
    /// One piece of evidence per line.
    #[serde(default)]
    pub evidence: String,
    #[serde(default)]
    pub review_by: String,
    #[serde(default)]
    pub implementation: String,
    #[serde(default)]
    pub note: String,
}

pub(crate) fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// Tasks as the form shows them.
fn tasks_text(tasks: &[Task]) -> String {
    tasks
        .iter()
        .map(|t| {
            let owners = t
                .owners
                .iter()
                .map(|o| o.id.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            let kind = if t.kind == TaskKind::Oversee {
                "oversee "
            } else {
                ""
            };
            format!(
                "{kind}{owners}: {}",
                t.terms.description.as_deref().unwrap_or("")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

impl CellForm {
    fn from_allocation(a: Option<&Allocation>, version: Option<i64>) -> CellForm {
        let Some(a) = a else {
            return CellForm {
                version: version.map(|v| v.to_string()).unwrap_or_default(),
                status: Status::Undecided.as_str().into(),
                ..CellForm::default()
            };
        };
        CellForm {
            csrf: String::new(),
            version: version.map(|v| v.to_string()).unwrap_or_default(),
            status: a.status.as_str().into(),
            tasks: tasks_text(&a.tasks),
            reason: a.reason.clone().unwrap_or_default(),
            from: a.from.as_ref().map(|f| f.id.clone()).unwrap_or_default(),
            contract: a.terms.contract.clone().unwrap_or_default(),
            sla: a.terms.sla.clone().unwrap_or_default(),
            evidence: a
                .terms
                .evidence
                .iter()
                .map(|e| e.description.clone())
                .collect::<Vec<_>>()
                .join("\n"),
            review_by: a.review_by.map(|d| d.to_string()).unwrap_or_default(),
            implementation: a
                .implementation
                .map(|i| i.as_str().to_owned())
                .unwrap_or_default(),
            note: a.note.clone().unwrap_or_default(),
        }
    }

    /// The allocation the form describes, starting from what was there so that what the form
    /// does not show (task terms, evidence dates) is kept when unchanged.
    fn to_allocation(
        &self,
        responsibility: &str,
        base: Option<&Allocation>,
    ) -> Result<Allocation, Error> {
        let mut a = base.cloned().unwrap_or_default();
        a.responsibility = Ref::new(responsibility);
        a.status = Status::parse(&self.status).ok_or_else(|| {
            Error::BadRequest(format!("status: {:?} is not a status", self.status))
        })?;
        a.reason = opt(&self.reason);
        a.from = opt(&self.from).map(Ref::new);
        a.terms.contract = opt(&self.contract);
        a.terms.sla = opt(&self.sla);
        let evidence: Vec<String> = self.evidence.lines().filter_map(opt).collect();
        if evidence
            != a.terms
                .evidence
                .iter()
                .map(|e| e.description.clone())
                .collect::<Vec<_>>()
        {
            a.terms.evidence = evidence
                .into_iter()
                .map(|description| Evidence {
                    description,
                    collected: None,
                    expires: None,
                })
                .collect();
        }
        a.review_by = match opt(&self.review_by) {
            Some(d) => Some(
                d.parse::<Date>()
                    .map_err(|e| Error::BadRequest(format!("review by: {e}")))?,
            ),
            None => None,
        };
        a.implementation = match opt(&self.implementation) {
            Some(i) => Some(demarc_core::Implementation::parse(&i).ok_or_else(|| {
                Error::BadRequest(format!(
                    "implementation: {i:?} is not one of implemented, partial, planned, alternative"
                ))
            })?),
            None => None,
        };
        a.note = opt(&self.note);
        let written = self.tasks.replace("\r\n", "\n");
        if written.trim() != tasks_text(&a.tasks).trim() {
            let mut tasks = Vec::new();
            for (i, line) in written.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() {
                    continue;
                }
                let Some((who, what)) = line.split_once(':') else {
                    return Err(Error::BadRequest(format!(
                        "tasks, line {}: write the owner, a colon, then what they do (\"acme-it: applies updates monthly\")",
                        i + 1
                    )));
                };
                let mut words: Vec<&str> = who.split_whitespace().collect();
                let kind = if words.first() == Some(&"oversee") {
                    words.remove(0);
                    TaskKind::Oversee
                } else {
                    TaskKind::Operate
                };
                if words.is_empty() {
                    return Err(Error::BadRequest(format!(
                        "tasks, line {}: name who does it before the colon (a party id, provider or customer)",
                        i + 1
                    )));
                }
                tasks.push(Task {
                    owners: words.into_iter().map(Ref::new).collect(),
                    kind,
                    terms: demarc_core::Terms {
                        description: opt(what),
                        ..Default::default()
                    },
                    ..Task::default()
                });
            }
            a.tasks = tasks;
        }
        Ok(a)
    }
}

/// Find a cell by ids, or say which is unknown.
fn cell_ix(view: &View<'_>, service: &str, resp: &str) -> Result<(ServiceIx, RespIx), Error> {
    let s = view
        .service_index(service)
        .ok_or_else(|| Error::NotFound(format!("no service {service} in this model")))?;
    let r = view
        .responsibility_index(resp)
        .ok_or_else(|| Error::NotFound(format!("no responsibility {resp} in this model")))?;
    Ok((s, r))
}

/// An audit action in plain words.
fn action_label(action: &str) -> String {
    match action {
        "cell.save" => "changed the row",
        "cell.clear" => "cleared the row",
        "cell.contest" => "contested the row",
        "cell.accept" => "accepted the row",
        "cell.resolve" => "resolved the contest",
        "model.import" => "replaced the whole model",
        "workspace.create" => "created the workspace",
        "workspace.rename" => "renamed the workspace",
        "member.set" => "changed a member's role",
        "member.share" => "changed what a representative sees",
        "invitation.create" => "made an invitation link",
        "invitation.accept" => "joined",
        "token.create" => "made an API token",
        "token.revoke" => "revoked an API token",
        "signoff.freeze" => "froze a version to sign",
        "signoff.sign" => "signed",
        "comment.comment" => "commented",
        "comment.propose" => "proposed a change",
        "comment.contest" => "contested",
        "comment.accept" => "accepted",
        "comment.resolve" => "resolved a contest",
        other => other,
    }
    .to_owned()
}

fn fmt_time(secs: i64) -> String {
    let d = Date::from_unix_days(secs.div_euclid(86_400));
    let t = secs.rem_euclid(86_400);
    format!("{d} {:02}:{:02} UTC", t / 3600, t % 3600 / 60)
}

#[allow(clippy::too_many_arguments)]
async fn render_cell(
    state: &AppState,
    logged: &LoggedIn,
    who: &Access,
    loaded: &Loaded,
    service: &str,
    resp: &str,
    form: Option<CellForm>,
    flash: Vec<(String, String)>,
    conflict: Option<String>,
    status: StatusCode,
) -> Result<Response, Error> {
    let view = loaded.view();
    let (s, r) = cell_ix(&view, service, resp)?;
    if !who.sees_row(&view, s, r) {
        return Err(Error::NotFound("no such row for your party".into()));
    }
    who.require(Action::ViewRow, true)?;
    let cell = view.cell(s, r);
    let svc = view.service(s);
    let rsp = view.responsibility(r);
    let row = loaded.rows.cell(service, resp);
    let explicit = loaded.allocation(service, resp);
    let form = form.unwrap_or_else(|| {
        CellForm::from_allocation(explicit.or(cell.allocation), row.map(|c| c.version))
    });
    let users: std::collections::HashMap<String, String> = state
        .store
        .members(&who.ws.id)
        .await?
        .into_iter()
        .map(|m| (m.user_id, m.name))
        .collect();
    let name_of = |actor: &str| {
        users
            .get(actor)
            .cloned()
            .unwrap_or_else(|| actor.to_owned())
    };
    let target = format!("cell:{service}/{resp}");
    let history = if who.may(Action::ViewAudit, true) || who.may(Action::ViewRow, true) {
        state
            .store
            .audit_entries(&who.ws.id, Some(&target), 50)
            .await?
            .into_iter()
            .filter(|e| !e.action.starts_with("comment."))
            .map(|e| HistoryView {
                seq: e.seq,
                when: fmt_time(e.at),
                who: name_of(&e.actor),
                action: action_label(&e.action),
                before: e.before.unwrap_or_default(),
                after: e.after.unwrap_or_default(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let comments = state
        .store
        .comments(&who.ws.id, service, resp)
        .await?
        .into_iter()
        .map(|c| CommentView {
            who: c.user_name,
            when: fmt_time(c.at),
            kind: c.kind,
            body: c.body,
        })
        .collect();
    let own_party = who.own_row(&view, s, r);
    let findings = loaded
        .findings
        .iter()
        .filter(|f| {
            f.service.as_deref() == Some(service) && f.responsibility.as_deref() == Some(resp)
        })
        .map(|f| finding_view(&who.ws.id, f))
        .collect();
    let mut f = frame(logged, &NoticeQuery::default());
    f.flash.extend(flash);
    f.ws = Some(who.nav());
    let body = CellPage {
        f,
        ws: who.ws.id.clone(),
        service_id: svc.id.clone(),
        service_name: svc.name.clone(),
        provider: view
            .provider(s)
            .map(|p| view.party(p).name.clone())
            .unwrap_or_default(),
        resp_id: rsp.id.clone(),
        resp_title: rsp.title.clone(),
        resp_description: rsp.description.clone().unwrap_or_default(),
        retained: rsp.retained,
        status_label: cell.status().label().to_owned(),
        origin: match cell.origin {
            demarc_core::Origin::Explicit => "written in the model",
            demarc_core::Origin::Preset(_) => "pre-filled by a preset for this kind of service",
            demarc_core::Origin::Unset => "not decided yet",
        },
        operators: party_names(&view, &cell.operators),
        overseers: party_names(&view, &cell.overseers),
        contested: cell.allocation.and_then(|a| a.contested.as_ref()).map(|c| {
            let by = view
                .party_index(&c.by.id)
                .map_or(c.by.id.clone(), |p| view.party(p).name.clone());
            (by, c.comment.clone())
        }),
        findings,
        can_edit: who.may(Action::EditRow, own_party),
        can_propose: who.role == Role::Supplier && who.may(Action::ProposeRow, own_party),
        can_comment: who.may(Action::Comment, own_party),
        can_resolve: who.may(Action::EditRow, own_party),
        form,
        statuses: Status::ALL
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        implementations: demarc_core::Implementation::ALL
            .iter()
            .map(|i| (i.as_str(), i.label()))
            .collect(),
        froms: view
            .built_on(s)
            .iter()
            .map(|b| (view.service(*b).id.clone(), view.service(*b).name.clone()))
            .collect(),
        party_ids: view
            .parties()
            .iter()
            .map(|p| format!("{} ({})", p.id, p.name))
            .collect::<Vec<_>>()
            .join(", "),
        conflict,
        comments,
        history,
    }
    .render()?;
    Ok((status, Html(body)).into_response())
}

async fn cell_page(
    logged: LoggedIn,
    State(state): State<AppState>,
    Path((ws, service, resp)): Path<(String, String, String)>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, Error> {
    let who = access(&state, &logged.session.user.id, &ws).await?;
    let loaded = loaded(&state, &who.ws).await?;
    let flash = notice(q.notice.as_deref())
        .map(|m| vec![("notice".to_owned(), m.to_owned())])
        .unwrap_or_default();
    render_cell(
        &state,
        &logged,
        &who,
        &loaded,
        &service,
        &resp,
        None,
        flash,
        None,
        StatusCode::OK,
    )
    .await
}

fn parse_version(v: &str) -> Result<Option<i64>, Error> {
    match v.trim() {
        "" => Ok(None),
        v => v
            .parse()
            .map(Some)
            .map_err(|_| Error::BadRequest(format!("version: {v:?} is not a number"))),
    }
}

async fn cell_save(
    logged: LoggedIn,
    State(state): State<AppState>,
    Path((ws, service, resp)): Path<(String, String, String)>,
    Form(form): Form<CellForm>,
) -> Result<Response, Error> {
    logged.check_csrf(&form.csrf)?;
    let who = access(&state, &logged.session.user.id, &ws).await?;
    let loaded = loaded(&state, &who.ws).await?;
    {
        let view = loaded.view();
        let (s, r) = cell_ix(&view, &service, &resp)?;
        let own = who.own_row(&view, s, r);
        who.require(Action::EditRow, own)?;
    }
    let expected = parse_version(&form.version)?;
    let fail = |msg: String| (vec![("error".to_owned(), msg)], None);
    let (flash, conflict) = match save_cell(&state, &who, &loaded, &service, &resp, expected, &form).await {
        Ok(()) => {
            return Ok(Redirect::to(&format!(
                "/w/{ws}/cell/{}/{}?notice=saved",
                url_encode(&service),
                url_encode(&resp)
            ))
            .into_response());
        }
        Err(Error::Conflict(c)) => (
            vec![(
                "error".to_owned(),
                "Someone else saved this row after you opened it. Nothing of yours was saved: their version is shown below. Make your change again on top of it.".to_owned(),
            )],
            Some(c.current_body.clone().unwrap_or_else(|| "(no allocation of its own: the row follows its preset)".into())),
        ),
        Err(Error::BadRequest(m)) => fail(m),
        Err(e) => return Err(e),
    };
    // Re-read at the current revision: on a conflict the page shows what is there now, with
    // the current version.
    let who = access(&state, &logged.session.user.id, &ws).await?;
    let loaded = crate::ui::loaded(&state, &who.ws).await?;
    let form = conflict.is_none().then_some(form);
    let status = if conflict.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_cell(
        &state, &logged, &who, &loaded, &service, &resp, form, flash, conflict, status,
    )
    .await
}

/// Save a form's allocation, if the model still reads with it.
async fn save_cell(
    state: &AppState,
    who: &Access,
    loaded: &Loaded,
    service: &str,
    resp: &str,
    expected: Option<i64>,
    form: &CellForm,
) -> Result<(), Error> {
    // Start from the row's own allocation, else from what its preset fills in.
    let base: Option<Allocation> = loaded.allocation(service, resp).cloned().or_else(|| {
        let view = loaded.view();
        let (s, r) = cell_ix(&view, service, resp).ok()?;
        view.cell(s, r).allocation.cloned()
    });
    let a = form.to_allocation(resp, base.as_ref())?;
    let body = workshop::cell_text(&a);
    check_and_save(
        state,
        who,
        loaded,
        service,
        resp,
        expected,
        Some(&body),
        "cell.save",
    )
    .await
    .map(|_| ())
}

/// The one way a row changes: the model must still read with the new text, then the store
/// saves it against the version read.
#[allow(clippy::too_many_arguments)]
pub async fn check_and_save(
    state: &AppState,
    who: &Access,
    loaded: &Loaded,
    service: &str,
    resp: &str,
    expected: Option<i64>,
    body: Option<&str>,
    action: &str,
) -> Result<Option<i64>, Error> {
    let model = workshop::with_cell(loaded, service, resp, body).map_err(|problem| {
        Error::BadRequest(format!("this would make the model unreadable: {problem}"))
    })?;
    if !model.services.iter().any(|s| s.id == service)
        || !model
            .catalogue
            .responsibilities()
            .any(|(_, r)| r.id == resp)
    {
        return Err(Error::NotFound(format!(
            "no cell {service}/{resp} in this model"
        )));
    }
    state
        .store
        .save_cell(
            &who.ws.id,
            service,
            resp,
            expected,
            body,
            &who.user_id,
            action,
        )
        .await
        .map_err(Error::from)
}

#[derive(Debug, Deserialize)]
pub struct DiscussForm {
    csrf: String,
    /// comment, propose, contest, accept or resolve.
    kind: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    version: String,
}

async fn cell_discuss(
    logged: LoggedIn,
    State(state): State<AppState>,
    Path((ws, service, resp)): Path<(String, String, String)>,
    Form(form): Form<DiscussForm>,
) -> Result<Response, Error> {
    logged.check_csrf(&form.csrf)?;
    let who = access(&state, &logged.session.user.id, &ws).await?;
    let expected = parse_version(&form.version)?;
    let notice = discuss(
        &state, &who, &service, &resp, &form.kind, &form.body, expected,
    )
    .await?;
    Ok(Redirect::to(&format!(
        "/w/{ws}/cell/{}/{}?notice={notice}",
        url_encode(&service),
        url_encode(&resp)
    ))
    .into_response())
}

/// Discuss a row: `kind` is comment, propose, contest, accept or resolve. Contesting marks
/// the row contested (saved against `expected`, the version read); resolving (an editor) or
/// accepting (the representative whose party contested) clears it. Every kind leaves a
/// comment. Returns the notice to show.
pub async fn discuss(
    state: &AppState,
    who: &Access,
    service: &str,
    resp: &str,
    kind: &str,
    body: &str,
    expected: Option<i64>,
) -> Result<&'static str, Error> {
    let ws = who.ws.id.clone();
    let (service, resp) = (service.to_owned(), resp.to_owned());
    let loaded = loaded(state, &who.ws).await?;
    let (own, current) = {
        let view = loaded.view();
        let (s, r) = cell_ix(&view, &service, &resp)?;
        if !who.sees_row(&view, s, r) {
            return Err(Error::NotFound("no such row for your party".into()));
        }
        (
            who.own_row(&view, s, r),
            view.cell(s, r).allocation.cloned(),
        )
    };
    let body = body.trim();
    let user = &who.user_id;
    let notice = match kind {
        "comment" => {
            who.require(Action::Comment, own)?;
            if body.is_empty() {
                return Err(Error::BadRequest("write a comment first".into()));
            }
            "commented"
        }
        "propose" => {
            who.require(Action::ProposeRow, own)?;
            if body.is_empty() {
                return Err(Error::BadRequest("say what you propose".into()));
            }
            "proposed"
        }
        "contest" => {
            who.require(Action::ProposeRow, own)?;
            if body.is_empty() {
                return Err(Error::BadRequest(
                    "say why you disagree: the other party needs to know".into(),
                ));
            }
            let by = match (&who.role, &who.party) {
                (Role::Supplier, Some(p)) => p.clone(),
                _ => loaded.model.customer.id.clone(),
            };
            let mut a = current.unwrap_or_else(|| Allocation {
                responsibility: Ref::new(&resp),
                ..Allocation::default()
            });
            a.contested = Some(Contest {
                by: Ref::new(by),
                comment: body.to_owned(),
            });
            check_and_save(
                state,
                who,
                &loaded,
                &service,
                &resp,
                expected,
                Some(&workshop::cell_text(&a)),
                "cell.contest",
            )
            .await?;
            "contested"
        }
        "accept" | "resolve" => {
            if kind == "accept" {
                who.require(Action::ProposeRow, own)?;
            } else {
                who.require(Action::EditRow, own)?;
            }
            if let Some(mut a) = current.filter(|a| a.contested.is_some()) {
                // A representative withdraws only its own party's contest.
                let by_own = a
                    .contested
                    .as_ref()
                    .is_some_and(|c| Some(&c.by.id) == who.party.as_ref());
                if kind == "resolve" || by_own {
                    a.contested = None;
                    check_and_save(
                        state,
                        who,
                        &loaded,
                        &service,
                        &resp,
                        expected,
                        Some(&workshop::cell_text(&a)),
                        &format!("cell.{kind}"),
                    )
                    .await?;
                }
            }
            if kind == "accept" {
                "accepted"
            } else {
                "resolved"
            }
        }
        other => return Err(Error::BadRequest(format!("unknown action {other:?}"))),
    };
    let text = if body.is_empty() {
        kind.to_owned()
    } else {
        body.to_owned()
    };
    state
        .store
        .add_comment(&ws, &service, &resp, user, kind, &text)
        .await?;
    Ok(notice)
}

// ---------------------------------------------------------------------------------------------
// Parties and services
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "parties.html")]
struct PartiesPage {
    f: Frame,
    ws: String,
    can_edit: bool,
    models: Vec<(&'static str, &'static str)>,
    parties: Vec<(String, String, String, String)>,
    services: Vec<(String, String, String, String, String)>,
}

async fn parties_page(
    logged: LoggedIn,
    State(state): State<AppState>,
    Path(ws): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, Error> {
    let who = access(&state, &logged.session.user.id, &ws).await?;
    who.require(Action::View, true)?;
    let loaded = loaded(&state, &who.ws).await?;
    let view = loaded.view();
    let parties = view
        .parties()
        .iter()
        .map(|p| {
            let signatories = p
                .people
                .iter()
                .filter(|x| x.signatory)
                .map(|x| x.name.clone())
                .collect::<Vec<_>>()
                .join(", ");
            (
                p.id.clone(),
                p.name.clone(),
                p.kind.clone().unwrap_or_default(),
                signatories,
            )
        })
        .collect();
    let services = view
        .services()
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let built_on = view
                .built_on(i as ServiceIx)
                .iter()
                .map(|b| view.service(*b).name.clone())
                .collect::<Vec<_>>()
                .join(" → ");
            (
                s.id.clone(),
                s.name.clone(),
                view.provider(i as ServiceIx)
                    .map(|p| view.party(p).name.clone())
                    .unwrap_or_default(),
                s.model.map(|m| m.label().to_owned()).unwrap_or_default(),
                built_on,
            )
        })
        .collect();
    page(&PartiesPage {
        ws: ws.clone(),
        can_edit: who.may(Action::EditModel, true),
        models: demarc_core::ServiceModel::ALL
            .iter()
            .map(|m| (m.as_str(), m.label()))
            .collect(),
        f: Frame {
            ws: Some(who.nav()),
            ..frame(&logged, &q)
        },
        parties,
        services,
    })
}

// ---------------------------------------------------------------------------------------------
// People: members and invitations
// ---------------------------------------------------------------------------------------------

#[derive(Debug)]
struct MemberView {
    user_id: String,
    name: String,
    email: String,
    role: &'static str,
    party: String,
    supplier: bool,
    sees_all: bool,
}

#[derive(Debug)]
struct TokenView {
    id: String,
    name: String,
    role: &'static str,
    created: String,
    revoked: bool,
}

#[derive(Template)]
#[template(path = "members.html")]
struct MembersPage {
    f: Frame,
    ws_id: String,
    tokens: Vec<TokenView>,
    new_token: Option<String>,
    members: Vec<MemberView>,
    roles: Vec<(&'static str, &'static str)>,
    parties: Vec<(String, String)>,
    link: Option<String>,
}

async fn members_page(
    logged: LoggedIn,
    State(state): State<AppState>,
    Path(ws): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, Error> {
    let who = access(&state, &logged.session.user.id, &ws).await?;
    who.require(Action::ManageMembers, true)?;
    render_members(&state, &logged, &who, &q, None).await
}

async fn render_members(
    state: &AppState,
    logged: &LoggedIn,
    who: &Access,
    q: &NoticeQuery,
    link: Option<String>,
) -> Result<Response, Error> {
    render_members_with(state, logged, who, q, link, None).await
}

async fn render_members_with(
    state: &AppState,
    logged: &LoggedIn,
    who: &Access,
    q: &NoticeQuery,
    link: Option<String>,
    new_token: Option<String>,
) -> Result<Response, Error> {
    let loaded = loaded(state, &who.ws).await?;
    let members = state
        .store
        .members(&who.ws.id)
        .await?
        .into_iter()
        .map(|m| MemberView {
            supplier: m.role == Role::Supplier.as_str(),
            user_id: m.user_id,
            name: m.name,
            email: m.email,
            role: Role::parse(&m.role).map_or("?", Role::label),
            party: m.party_id.unwrap_or_default(),
            sees_all: m.sees_all,
        })
        .collect();
    let tokens = state
        .store
        .api_tokens(&who.ws.id)
        .await?
        .into_iter()
        .map(|t| TokenView {
            id: t.id,
            name: t.name,
            role: Role::parse(&t.role).map_or("?", Role::label),
            created: fmt_time(t.created_at),
            revoked: t.revoked,
        })
        .collect();
    page(&MembersPage {
        ws_id: who.ws.id.clone(),
        tokens,
        new_token,
        f: Frame {
            ws: Some(who.nav()),
            ..frame(logged, q)
        },
        members,
        roles: Role::ALL.iter().map(|r| (r.as_str(), r.label())).collect(),
        parties: loaded
            .model
            .parties
            .iter()
            .filter(|p| p.id != loaded.model.customer.id)
            .map(|p| (p.id.clone(), p.name.clone()))
            .collect(),
        link,
    })
}

#[derive(Debug, Deserialize)]
pub struct InviteForm {
    csrf: String,
    role: String,
    #[serde(default)]
    party: String,
}

async fn invite(
    logged: LoggedIn,
    State(state): State<AppState>,
    Path(ws): Path<String>,
    headers: HeaderMap,
    Form(form): Form<InviteForm>,
) -> Result<Response, Error> {
    logged.check_csrf(&form.csrf)?;
    let who = access(&state, &logged.session.user.id, &ws).await?;
    let token = actions::invite(&state, &who, &form.role, Some(&form.party)).await?;
    let link = invitation_link(&state, &headers, &token);
    render_members(&state, &logged, &who, &NoticeQuery::default(), Some(link)).await
}

/// The link that takes an invited person to the invitation.
pub fn invitation_link(state: &AppState, headers: &HeaderMap, token: &str) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = if state.config.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}/invite/{token}")
}

#[derive(Template)]
#[template(path = "invite.html")]
struct InvitePage {
    f: Frame,
    workspace: String,
    role: &'static str,
    party: String,
    logged_in: bool,
    form_csrf: String,
}

/// A party's name for people (its id if the model cannot be read or has no such party).
async fn party_name(state: &AppState, ws: &demarc_store::Workspace, id: &str) -> String {
    match loaded(state, ws).await {
        Ok(l) => l
            .model
            .parties
            .iter()
            .find(|p| p.id == id)
            .map_or_else(|| id.to_owned(), |p| p.name.clone()),
        Err(_) => id.to_owned(),
    }
}

async fn invite_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, Error> {
    let inv = state
        .store
        .invitation(&token)
        .await?
        .filter(|i| i.is_open())
        .ok_or_else(|| {
            Error::NotFound(
                "this invitation link has been used or does not exist: ask for a new one".into(),
            )
        })?;
    let ws = state
        .store
        .workspace(&inv.workspace_id)
        .await?
        .ok_or_else(|| Error::NotFound("the workspace of this invitation".into()))?;
    let logged = auth::session_of(&state.store, &headers).await?;
    let p = InvitePage {
        f: Frame {
            user: logged.as_ref().map(|l| l.session.user.clone()),
            csrf: logged
                .as_ref()
                .map(|l| l.session.csrf.clone())
                .unwrap_or_default(),
            ..Frame::default()
        },
        workspace: ws.name.clone(),
        role: Role::parse(&inv.role).map_or("member", Role::label),
        party: match &inv.party_id {
            Some(p) => party_name(&state, &ws, p).await,
            None => String::new(),
        },
        logged_in: logged.is_some(),
        form_csrf: String::new(),
    };
    match &logged {
        Some(l) => {
            let mut p = p;
            p.form_csrf = l.session.csrf.clone();
            page(&p)
        }
        None => {
            // The new-account form carries the pre-login CSRF token.
            let (t, _) = demarc_store::new_token()?;
            let mut p = p;
            p.form_csrf = t.clone();
            let mut res = Html(p.render()?).into_response();
            if let Ok(v) = auth::set_cookie(
                auth::LOGIN_CSRF_COOKIE,
                &t,
                3600,
                state.config.secure_cookies,
            )
            .parse()
            {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
            Ok(res)
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct AcceptForm {
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

async fn invite_accept(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(form): Form<AcceptForm>,
) -> Result<Response, Error> {
    match auth::session_of(&state.store, &headers).await? {
        Some(logged) => {
            logged.check_csrf(&form.csrf)?;
            let inv = state
                .store
                .accept_invitation(&token, &logged.session.user.id)
                .await?;
            Ok(Redirect::to(&format!("/w/{}?notice=joined", inv.workspace_id)).into_response())
        }
        None => {
            check_login_csrf(&headers, &form.csrf)?;
            // Check the link before making an account for it.
            state
                .store
                .invitation(&token)
                .await?
                .filter(|i| i.is_open())
                .ok_or_else(|| {
                    Error::NotFound("this invitation link has been used or does not exist".into())
                })?;
            if form.name.trim().is_empty() || !form.email.contains('@') {
                return Err(Error::BadRequest(
                    "enter your name and email address".into(),
                ));
            }
            auth::check_new_password(&form.password)?;
            let hash = auth::hash_password(&form.password)?;
            // The account and the membership are made together, or neither.
            let (user, inv) = state
                .store
                .register_with_invitation(&token, &form.email, &form.name, &hash)
                .await
                .map_err(|e| match e {
                    demarc_store::StoreError::Exists(_) => Error::BadRequest(
                        "there is already an account with this email: log in first, then open the link again".into(),
                    ),
                    e => e.into(),
                })?;
            let session = state
                .store
                .create_session(&user.id, auth::SESSION_SECS)
                .await?;
            Ok(with_session(
                &state,
                &session,
                &format!("/w/{}?notice=joined", inv.workspace_id),
            ))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Sign-off
// ---------------------------------------------------------------------------------------------

#[derive(Debug)]
struct VersionView {
    number: i64,
    label: String,
    hash: String,
    when: String,
    signatures: Vec<(String, String, String)>,
    /// Parties this member may sign for and has not yet.
    can_sign_for: Vec<(String, String)>,
    is_current: bool,
}

#[derive(Template)]
#[template(path = "signoff.html")]
struct SignoffPage {
    f: Frame,
    ws: String,
    current_hash: String,
    can_freeze: bool,
    versions: Vec<VersionView>,
    changes: Vec<(String, bool)>,
    last_number: Option<i64>,
    resign: bool,
}

/// The parties a member may sign for: a representative its own party; an owner or editor
/// the customer organisation.
fn signs_for(who: &Access, loaded: &Loaded) -> Vec<String> {
    match who.role {
        Role::Supplier => who.party.iter().cloned().collect(),
        Role::Owner | Role::Editor => vec![loaded.model.customer.id.clone()],
        _ => Vec::new(),
    }
}

async fn signoff_page(
    logged: LoggedIn,
    State(state): State<AppState>,
    Path(ws): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, Error> {
    let who = access(&state, &logged.session.user.id, &ws).await?;
    who.require(Action::View, true)?;
    let loaded = loaded(&state, &who.ws).await?;
    let current_hash = workshop::content(&workshop::files(&loaded.rows)).1;
    let signoffs = state.store.signoffs(&ws).await?;
    let party_name = |id: &str| {
        loaded
            .model
            .parties
            .iter()
            .find(|p| p.id == id)
            .map_or(id.to_owned(), |p| p.name.clone())
    };
    let mine = signs_for(&who, &loaded);
    let versions = signoffs
        .iter()
        .map(|s| VersionView {
            number: s.number,
            label: s.label.clone(),
            hash: s.content_hash.clone(),
            when: fmt_time(s.created_at),
            signatures: s
                .signatures
                .iter()
                .map(|g| {
                    (
                        party_name(&g.party_id),
                        g.signer_name.clone(),
                        fmt_time(g.at),
                    )
                })
                .collect(),
            can_sign_for: mine
                .iter()
                .filter(|p| {
                    !s.signatures
                        .iter()
                        .any(|g| &&g.party_id == p && g.user_id == who.user_id)
                })
                .filter(|p| who.may(Action::Sign, who.party.as_ref().is_none_or(|own| own == *p)))
                .map(|p| (p.clone(), party_name(p)))
                .collect(),
            is_current: s.content_hash == current_hash,
        })
        .collect();
    // What changed since the last frozen version, and whether it must be signed again.
    let (changes, resign) = match signoffs.first() {
        Some(last) => {
            let old = demarc_formats::yaml::parse(&demarc_formats::yaml::ModelFiles {
                files: workshop::files_from_json(&last.files),
            });
            match old {
                Ok(old) => {
                    let d = demarc_core::diff::diff(&View::new(&old), &loaded.view());
                    let resign = d.changes.iter().any(|c| c.resign);
                    (
                        d.changes
                            .into_iter()
                            .map(|c| (c.message, c.resign))
                            .collect(),
                        resign,
                    )
                }
                Err(_) => (Vec::new(), true),
            }
        }
        None => (Vec::new(), false),
    };
    page(&SignoffPage {
        f: Frame {
            ws: Some(who.nav()),
            ..frame(&logged, &q)
        },
        ws: ws.clone(),
        current_hash,
        can_freeze: who.may(Action::Freeze, true),
        versions,
        changes,
        last_number: signoffs.first().map(|s| s.number),
        resign,
    })
}

#[derive(Debug, Deserialize)]
pub struct SignoffForm {
    csrf: String,
    /// freeze or sign.
    action: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    party: String,
    #[serde(default)]
    hash: String,
}

async fn signoff_action(
    logged: LoggedIn,
    State(state): State<AppState>,
    Path(ws): Path<String>,
    Form(form): Form<SignoffForm>,
) -> Result<Response, Error> {
    logged.check_csrf(&form.csrf)?;
    let who = access(&state, &logged.session.user.id, &ws).await?;
    let notice = match form.action.as_str() {
        "freeze" => {
            freeze(&state, &who, &form.label).await?;
            "frozen"
        }
        "sign" => {
            let number =
                form.number.trim().parse::<i64>().map_err(|_| {
                    Error::BadRequest("which version: the number is missing".into())
                })?;
            sign(
                &state,
                &who,
                &logged.session.user.name,
                number,
                form.party.trim(),
                form.hash.trim(),
            )
            .await?;
            "signed"
        }
        other => return Err(Error::BadRequest(format!("unknown action {other:?}"))),
    };
    Ok(Redirect::to(&format!("/w/{ws}/signoff?notice={notice}")).into_response())
}

/// Freeze the model as it is, to be signed: refused while it has errors. Returns the version
/// number.
pub async fn freeze(state: &AppState, who: &Access, label: &str) -> Result<i64, Error> {
    who.require(Action::Freeze, true)?;
    let loaded = loaded(state, &who.ws).await?;
    let errors = loaded
        .findings
        .iter()
        .filter(|f| f.severity == demarc_core::Severity::Error)
        .count();
    if errors > 0 {
        return Err(Error::BadRequest(format!(
            "the model has {errors} error(s) (gaps, contested rows, ...): fix them on the dashboard before freezing a version to sign"
        )));
    }
    let label = opt(label)
        .or_else(|| loaded.model.version.clone())
        .unwrap_or_else(|| "unnamed".into());
    let (json, hash) = workshop::content(&workshop::files(&loaded.rows));
    Ok(state
        .store
        .freeze(&who.ws.id, &label, &hash, &json, &who.user_id)
        .await?)
}

/// Sign frozen version `number` for `party`, as `signer`; `hash` is the fingerprint the
/// signer was shown, which must be the version's.
pub async fn sign(
    state: &AppState,
    who: &Access,
    signer: &str,
    number: i64,
    party: &str,
    hash: &str,
) -> Result<(), Error> {
    let own = who.party.as_deref().is_none_or(|p| p == party);
    who.require(Action::Sign, own)?;
    let loaded = loaded(state, &who.ws).await?;
    if !signs_for(who, &loaded).iter().any(|p| p == party) {
        return Err(Error::Forbidden(format!("you cannot sign for {party}")));
    }
    state
        .store
        .sign(&who.ws.id, number, party, &who.user_id, signer, hash)
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Downloads
// ---------------------------------------------------------------------------------------------

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// A document and a link to it in each format.
#[derive(Debug)]
struct DocumentLinks {
    title: String,
    links: Vec<(String, &'static str)>,
}

#[derive(Template)]
#[template(path = "downloads.html")]
struct DownloadsPage {
    f: Frame,
    documents: Vec<DocumentLinks>,
}

async fn downloads_page(
    logged: LoggedIn,
    State(state): State<AppState>,
    Path(ws): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, Error> {
    use crate::downloads::{DocumentFormat, OSCAL, services_of};
    let who = access(&state, &logged.session.user.id, &ws).await?;
    who.require(Action::View, true)?;
    let loaded = loaded(&state, &who.ws).await?;
    let view = loaded.view();
    let link = |what: &str, format: &str, party: Option<&str>, service: Option<&str>| {
        let mut query: Vec<String> = Vec::new();
        query.extend(party.map(|p| format!("party={}", url_encode(p))));
        query.extend(service.map(|s| format!("service={}", url_encode(s))));
        let q = if query.is_empty() {
            String::new()
        } else {
            format!("?{}", query.join("&"))
        };
        format!("/w/{ws}/export/{what}/{format}{q}")
    };
    let formats = |what: What, party: Option<&str>| -> Vec<(String, &'static str)> {
        DocumentFormat::ALL
            .iter()
            .filter(|f| f.fits(what) && f.available())
            .map(|f| (link(what.as_str(), f.as_str(), party, None), f.label()))
            .collect()
    };
    let mut documents = Vec::new();
    let sees_all = who.role != Role::Supplier && who.may(Action::Export, true);
    if sees_all {
        for what in [What::Matrix, What::PolicyAnnex, What::Summary] {
            documents.push(DocumentLinks {
                title: capitalise(what.label()),
                links: formats(what, None),
            });
        }
    }
    for (p, party) in view.parties().iter().enumerate() {
        if party.id == loaded.model.customer.id {
            continue;
        }
        let own = who.party.as_deref().is_none_or(|x| x == party.id);
        if who.may(Action::Export, own) && (who.role != Role::Supplier || own) {
            documents.push(DocumentLinks {
                title: format!("Contract schedule for {}", party.name),
                links: formats(What::Schedule, Some(&party.id)),
            });
        }
        if sees_all {
            for s in services_of(&view, p as demarc_core::view::PartyIx) {
                let service = view.service(s);
                documents.push(DocumentLinks {
                    title: format!(
                        "FedRAMP customer responsibility matrix workbook for {}",
                        service.name
                    ),
                    links: vec![(
                        link("crm", "xlsx", Some(&party.id), Some(&service.id)),
                        DocumentFormat::Xlsx.label(),
                    )],
                });
            }
        }
    }
    if sees_all {
        for (name, _, title) in OSCAL {
            documents.push(DocumentLinks {
                title: format!("OSCAL: {title}"),
                links: vec![(link("oscal", name, None, None), "OSCAL JSON")],
            });
        }
    }
    page(&DownloadsPage {
        f: Frame {
            ws: Some(who.nav()),
            ..frame(&logged, &q)
        },
        documents,
    })
}

#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    pub party: Option<String>,
    #[serde(default)]
    pub service: Option<String>,
}

async fn download(
    logged: LoggedIn,
    State(state): State<AppState>,
    Path((ws, what, format)): Path<(String, String, String)>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, Error> {
    let who = access(&state, &logged.session.user.id, &ws).await?;
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

// ---------------------------------------------------------------------------------------------
// History
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    f: Frame,
    entries: Vec<HistoryView>,
    targets: Vec<String>,
    problems: Vec<String>,
    checked: i64,
}

async fn audit_page(
    logged: LoggedIn,
    State(state): State<AppState>,
    Path(ws): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, Error> {
    let who = access(&state, &logged.session.user.id, &ws).await?;
    who.require(Action::ViewAudit, true)?;
    let names: std::collections::HashMap<String, String> = state
        .store
        .members(&ws)
        .await?
        .into_iter()
        .map(|m| (m.user_id, m.name))
        .collect();
    let raw = state.store.audit_entries(&ws, None, 200).await?;
    let targets = raw.iter().map(|e| e.target.clone()).collect();
    let entries = raw
        .into_iter()
        .map(|e| HistoryView {
            seq: e.seq,
            when: fmt_time(e.at),
            who: names.get(&e.actor).cloned().unwrap_or(e.actor),
            action: action_label(&e.action),
            before: e
                .before
                .map(|b| b.chars().take(400).collect())
                .unwrap_or_default(),
            after: e
                .after
                .map(|b| b.chars().take(400).collect())
                .unwrap_or_default(),
        })
        .collect();
    let (checked, problems) = state.store.verify_audit(Some(&ws)).await?;
    page(&AuditPage {
        f: Frame {
            ws: Some(who.nav()),
            ..frame(&logged, &q)
        },
        entries,
        targets,
        problems: problems
            .into_iter()
            .map(|p| format!("entry {}: {}", p.seq, p.message))
            .collect(),
        checked,
    })
}

// ---------------------------------------------------------------------------------------------
// Changing parties and services; uploads
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct ModelForm {
    csrf: String,
    /// add-party or add-service.
    action: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    provider: String,
    #[serde(default)]
    model: String,
    #[serde(default)]
    built_on: String,
}

async fn parties_action(
    logged: LoggedIn,
    State(state): State<AppState>,
    Path(ws): Path<String>,
    Form(form): Form<ModelForm>,
) -> Result<Response, Error> {
    logged.check_csrf(&form.csrf)?;
    let who = access(&state, &logged.session.user.id, &ws).await?;
    let notice = match form.action.as_str() {
        "add-party" => {
            let party = actions::NewParty {
                id: opt(&form.id),
                name: form.name,
                kind: opt(&form.kind),
                contact: opt(&form.contact),
                email: opt(&form.email),
            };
            actions::add_party(&state, &who, party).await?;
            "party-added"
        }
        "add-service" => {
            let service = actions::NewService {
                id: opt(&form.id),
                name: form.name,
                provider: form.provider,
                model: opt(&form.model),
                built_on: opt(&form.built_on),
            };
            actions::add_service(&state, &who, service).await?;
            "service-added"
        }
        other => return Err(Error::BadRequest(format!("unknown action {other:?}"))),
    };
    Ok(Redirect::to(&format!("/w/{ws}/parties?notice={notice}")).into_response())
}

/// Upload a matrix CSV (the cells it holds replace theirs) or a model's YAML files (the whole
/// model is replaced). All or nothing: any error names the file, line and column, and nothing
/// changes.
async fn upload(
    logged: LoggedIn,
    State(state): State<AppState>,
    Path(ws): Path<String>,
    mut multipart: axum::extract::Multipart,
) -> Result<Response, Error> {
    let mut csrf = String::new();
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| Error::BadRequest(format!("the upload: {e}")))?
    {
        let name = field.name().unwrap_or("").to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let bytes = field.bytes().await.map_err(|e| {
            Error::PayloadTooLarge(format!(
                "the upload could not be read ({e}); the limit is {} MiB",
                state.config.max_upload / (1024 * 1024)
            ))
        })?;
        if name == "csrf" {
            csrf = String::from_utf8_lossy(&bytes).into_owned();
        } else if let Some(f) = file_name.filter(|f| !f.is_empty()) {
            files.push((f, bytes.to_vec()));
        }
    }
    logged.check_csrf(&csrf)?;
    let who = access(&state, &logged.session.user.id, &ws).await?;
    actions::upload(&state, &who, files).await?;
    Ok(Redirect::to(&format!("/w/{ws}?notice=uploaded")).into_response())
}

// ---------------------------------------------------------------------------------------------
// API tokens
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct TokenForm {
    csrf: String,
    /// create or revoke.
    action: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    id: String,
}

async fn tokens_action(
    logged: LoggedIn,
    State(state): State<AppState>,
    Path(ws): Path<String>,
    Form(form): Form<TokenForm>,
) -> Result<Response, Error> {
    logged.check_csrf(&form.csrf)?;
    let who = access(&state, &logged.session.user.id, &ws).await?;
    match form.action.as_str() {
        "create" => {
            let (_, secret) = actions::create_token(&state, &who, &form.name, &form.role).await?;
            render_members_with(
                &state,
                &logged,
                &who,
                &NoticeQuery::default(),
                None,
                Some(secret),
            )
            .await
        }
        "revoke" => {
            actions::revoke_token(&state, &who, &form.id).await?;
            Ok(Redirect::to(&format!("/w/{ws}/members?notice=revoked")).into_response())
        }
        other => Err(Error::BadRequest(format!("unknown action {other:?}"))),
    }
}

// ---------------------------------------------------------------------------------------------
// One party's view: what it must do or oversee
// ---------------------------------------------------------------------------------------------

#[derive(Debug)]
struct DutyView {
    service: String,
    responsibility: String,
    link: String,
    kind: &'static str,
    what: String,
    asked_by: String,
    chain: String,
}

#[derive(Template)]
#[template(path = "party.html")]
struct PartyPage {
    f: Frame,
    name: String,
    kind: String,
    services: Vec<String>,
    duties: Vec<DutyView>,
}

async fn party_page(
    logged: LoggedIn,
    State(state): State<AppState>,
    Path((ws, party)): Path<(String, String)>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, Error> {
    let who = access(&state, &logged.session.user.id, &ws).await?;
    let own = who.party.as_deref().is_none_or(|p| p == party);
    if who.role == Role::Supplier && !own {
        return Err(Error::NotFound("no such party for you".into()));
    }
    who.require(Action::ViewRow, own)?;
    let loaded = loaded(&state, &who.ws).await?;
    let view = loaded.view();
    let p = view
        .party_index(&party)
        .ok_or_else(|| Error::NotFound(format!("no party {party} in this model")))?;
    let duties = demarc_core::report::duties(&view, p)
        .into_iter()
        .map(|d| DutyView {
            link: format!(
                "/w/{ws}/cell/{}/{}",
                url_encode(&d.service.id),
                url_encode(&d.responsibility.id)
            ),
            service: d.service.name,
            responsibility: d.responsibility.title,
            kind: if d.kind == "oversee" {
                "Oversees"
            } else {
                "Does"
            },
            what: d.description.unwrap_or_default(),
            asked_by: d.asked_by.map(|a| a.name).unwrap_or_default(),
            chain: d
                .chain
                .iter()
                .map(|c| c.name.clone())
                .collect::<Vec<_>>()
                .join(" → "),
        })
        .collect();
    let services = view
        .services()
        .iter()
        .enumerate()
        .filter(|(i, _)| view.provider(*i as ServiceIx) == Some(p))
        .map(|(_, s)| s.name.clone())
        .collect();
    let party = view.party(p);
    page(&PartyPage {
        f: Frame {
            ws: Some(who.nav()),
            ..frame(&logged, &q)
        },
        name: party.name.clone(),
        kind: party.kind.clone().unwrap_or_default(),
        services,
        duties,
    })
}

#[derive(Debug, Deserialize)]
pub struct ShareForm {
    csrf: String,
    user: String,
    /// "all" to show the whole model, anything else for the party's own rows only.
    #[serde(default)]
    sees: String,
}

/// Show a representative the whole model (read-only), or only its party's rows again.
async fn share(
    logged: LoggedIn,
    State(state): State<AppState>,
    Path(ws): Path<String>,
    Form(form): Form<ShareForm>,
) -> Result<Response, Error> {
    logged.check_csrf(&form.csrf)?;
    let who = access(&state, &logged.session.user.id, &ws).await?;
    actions::share(&state, &who, &form.user, form.sees == "all").await?;
    Ok(Redirect::to(&format!("/w/{ws}/members?notice=shared")).into_response())
}

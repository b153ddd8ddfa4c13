//! What people change in a workspace besides its rows, in one place for the pages and the
//! API: each function checks that the caller may do it, checks the input (saying what was
//! expected, in words for people), and changes the store all or nothing.

use demarc_core::model::Ref;
use demarc_formats::yaml::{self, ModelFiles, write};

use crate::authz::{Action, Role};
use crate::ui::{self, Access, opt};
use crate::{AppState, Error, workshop};

/// How long an invitation link works.
pub const INVITATION_SECS: i64 = 7 * 86_400;

/// A new workspace for `user_id`, its owner: the demo model (`demo`) or a starter model on
/// the TWT catalogue. Returns its id.
pub async fn create_workspace(
    state: &AppState,
    user_id: &str,
    name: &str,
    demo: bool,
) -> Result<String, Error> {
    let name = name.trim();
    if demo {
        let id = crate::demo::create_demo_workspace(&state.store, user_id).await?;
        if !name.is_empty() {
            state.store.rename_workspace(&id, name, user_id).await?;
        }
        return Ok(id);
    }
    if name.is_empty() {
        return Err(Error::BadRequest(
            "name: give the workspace a name (usually the organisation's)".into(),
        ));
    }
    let files =
        demarc_formats::init::starter("twt", name, demarc_core::ServiceModel::Saas, state.today())
            .map_err(Error::Internal)?;
    let (files, cells) = workshop::rows_from_files(ModelFiles { files })
        .map_err(|e| Error::Internal(format!("the starter model does not read: {e:?}")))?;
    let ws = state
        .store
        .create_workspace(name, user_id, Role::Owner.as_str())
        .await?;
    state
        .store
        .replace_model(&ws.id, &files, &cells, user_id, "model.import", None)
        .await?;
    Ok(ws.id)
}

/// A party to add: the organisation's supplier, or a supplier's own supplier.
#[derive(Debug, Default, serde::Deserialize)]
pub struct NewParty {
    /// Made from the name when not given.
    #[serde(default)]
    pub id: Option<String>,
    pub name: String,
    /// What kind of party (free text, e.g. "managed IT provider").
    #[serde(default)]
    pub kind: Option<String>,
    /// The person who speaks and signs for it.
    #[serde(default)]
    pub contact: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

/// A service to add.
#[derive(Debug, Default, serde::Deserialize)]
pub struct NewService {
    #[serde(default)]
    pub id: Option<String>,
    pub name: String,
    /// The party that provides it.
    pub provider: String,
    /// saas, paas, iaas, managed-service, on-premises…
    #[serde(default)]
    pub model: Option<String>,
    /// The service it runs on, if any.
    #[serde(default)]
    pub built_on: Option<String>,
}

/// The id to use for something named `name`: the one given, else one made from the name.
fn new_id(given: Option<&str>, name: &str) -> Result<String, Error> {
    if name.trim().is_empty() {
        return Err(Error::BadRequest("name: give it a name".into()));
    }
    let id = match given.and_then(opt) {
        Some(id) => id,
        None => demarc_formats::init::slug_or(name.trim(), "item"),
    };
    if !yaml::valid_id(&id) {
        return Err(Error::BadRequest(format!(
            "id: {id:?} cannot be used; use lower-case letters, digits and dashes"
        )));
    }
    Ok(id)
}

/// Add a party to the model. Returns its id.
pub async fn add_party(state: &AppState, who: &Access, p: NewParty) -> Result<String, Error> {
    who.require(Action::EditModel, true)?;
    let loaded = ui::loaded(state, &who.ws).await?;
    let id = new_id(p.id.as_deref(), &p.name)?;
    let mut parties = loaded.model.parties.clone();
    if parties.iter().any(|x| x.id == id) {
        return Err(Error::BadRequest(format!(
            "id: there is already a party {id}"
        )));
    }
    let people = p
        .contact
        .as_deref()
        .and_then(opt)
        .map(|n| {
            vec![demarc_core::Person {
                name: n,
                email: p.email.as_deref().and_then(opt),
                signatory: true,
                ..demarc_core::Person::default()
            }]
        })
        .unwrap_or_default();
    parties.push(demarc_core::Party {
        id: id.clone(),
        name: p.name.trim().to_owned(),
        kind: p.kind.as_deref().and_then(opt),
        people,
        ..demarc_core::Party::default()
    });
    save_model_file(
        state,
        who,
        &loaded,
        yaml::PARTIES_FILE,
        write::parties_file(&parties),
        "party.add",
    )
    .await?;
    Ok(id)
}

/// Add a service to the model. Returns its id.
pub async fn add_service(state: &AppState, who: &Access, s: NewService) -> Result<String, Error> {
    who.require(Action::EditModel, true)?;
    let loaded = ui::loaded(state, &who.ws).await?;
    let id = new_id(s.id.as_deref(), &s.name)?;
    let model = &loaded.model;
    if model.services.iter().any(|x| x.id == id) {
        return Err(Error::BadRequest(format!(
            "id: there is already a service {id}"
        )));
    }
    let provider = opt(&s.provider)
        .ok_or_else(|| Error::BadRequest("provider: choose who provides the service".into()))?;
    if !model.parties.iter().any(|p| p.id == provider) {
        return Err(Error::BadRequest(format!(
            "provider: there is no party {provider}"
        )));
    }
    let service_model =
        match s.model.as_deref().and_then(opt) {
            Some(m) => Some(demarc_core::ServiceModel::parse(&m).ok_or_else(|| {
                Error::BadRequest(format!("model: {m:?} is not a kind of service"))
            })?),
            None => None,
        };
    let built_on = s.built_on.as_deref().and_then(opt);
    if let Some(b) = &built_on
        && !model.services.iter().any(|x| &x.id == b)
    {
        return Err(Error::BadRequest(format!(
            "built_on: there is no service {b}"
        )));
    }
    let mut services = model.services.clone();
    services.push(demarc_core::Service {
        id: id.clone(),
        name: s.name.trim().to_owned(),
        provider: Ref::new(provider),
        model: service_model,
        built_on: built_on.map(Ref::new).into_iter().collect(),
        ..demarc_core::Service::default()
    });
    save_model_file(
        state,
        who,
        &loaded,
        yaml::SERVICES_FILE,
        write::services_file(&services),
        "service.add",
    )
    .await?;
    Ok(id)
}

/// Save one rewritten model file, if the model still reads with it.
async fn save_model_file(
    state: &AppState,
    who: &Access,
    loaded: &workshop::Loaded,
    path: &str,
    text: String,
    action: &str,
) -> Result<(), Error> {
    let mut rows = loaded.rows.clone();
    let expected = rows.file(path).map(|f| f.version);
    match rows.files.iter_mut().find(|f| f.path == path) {
        Some(f) => f.body.clone_from(&text),
        None => rows.files.push(demarc_store::FileRow {
            path: path.to_owned(),
            body: text.clone(),
            version: 0,
        }),
    }
    workshop::load(rows, state.today(), Some(loaded)).map_err(|errors| {
        Error::BadRequest(format!(
            "this would make the model unreadable: {}",
            workshop::describe(&errors)
        ))
    })?;
    state
        .store
        .save_file(&who.ws.id, path, expected, &text, &who.user_id, action)
        .await?;
    Ok(())
}

/// What an upload replaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Uploaded {
    /// A matrix CSV: the rows it holds replace the model's explicit rows.
    Matrix,
    /// A model's YAML files: the whole model.
    Model,
}

impl Uploaded {
    pub fn as_str(self) -> &'static str {
        match self {
            Uploaded::Matrix => "matrix",
            Uploaded::Model => "model",
        }
    }
}

/// A model's files, or one matrix (a CSV or the Excel workbook from Downloads), uploaded by
/// name (a path or a bare file name). A single `.csv` or `.xlsx` file is a matrix, whose rows
/// replace the model's explicit rows; anything else is the model's YAML files (the three
/// top-level files and catalogues by name, any other an allocations file), which replace the
/// whole model. All or nothing: every error names the file and its line and column (or its
/// sheet, row and column), and nothing changes.
pub async fn upload(
    state: &AppState,
    who: &Access,
    files: Vec<(String, Vec<u8>)>,
) -> Result<Uploaded, Error> {
    who.require(Action::EditModel, true)?;
    if files.is_empty() {
        return Err(Error::BadRequest("choose a file to upload".into()));
    }
    let single = match files.as_slice() {
        [(name, bytes)] => Some((name.as_str(), bytes.as_slice())),
        _ => None,
    };
    let lower = single.map(|(n, _)| n.to_lowercase()).unwrap_or_default();
    if let Some((name, bytes)) =
        single.filter(|_| lower.ends_with(".csv") || lower.ends_with(".xlsx"))
    {
        let loaded = ui::loaded(state, &who.ws).await?;
        let not_imported = |count: usize, problems: Vec<String>| {
            Error::BadRequest(format!(
                "{name} was not imported ({count} problem(s); nothing changed): {}",
                problems.join("; ")
            ))
        };
        let groups = if lower.ends_with(".xlsx") {
            use demarc_office::ImportError;
            demarc_office::matrix_xlsx::read(&loaded.model, bytes).map_err(|e| match e {
                ImportError::Cells(cells) => not_imported(
                    cells.len(),
                    cells.iter().map(|c| format!("{name}: {c}")).collect(),
                ),
                other => not_imported(1, vec![format!("{name}: {other}")]),
            })?
        } else {
            let text = utf8(name, bytes)?;
            let text = text.strip_prefix('\u{feff}').unwrap_or(text);
            demarc_formats::matrix_csv::read(&loaded.model, text).map_err(|errors| {
                not_imported(
                    errors.len(),
                    errors.iter().map(|e| format!("{name}:{e}")).collect(),
                )
            })?
        };
        let mut model_files = workshop::files(&loaded.rows);
        model_files.retain(|(p, _)| !p.starts_with(&format!("{}/", yaml::ALLOCATIONS_DIR)));
        for g in &groups {
            model_files.push((
                write::allocations_path(&g.service.id),
                write::allocations_file(&g.service.id, &g.cells),
            ));
        }
        // Worked out from the model as it was at this request's revision: refused if anyone
        // changed it since.
        replace_model(
            state,
            who,
            ModelFiles { files: model_files },
            "model.upload-matrix",
            Some(who.ws.revision),
        )
        .await?;
        return Ok(Uploaded::Matrix);
    }
    let mut texts = Vec::with_capacity(files.len());
    for (name, bytes) in files {
        let base = name.rsplit(['/', '\\']).next().unwrap_or(&name).to_owned();
        let path = if [yaml::MODEL_FILE, yaml::PARTIES_FILE, yaml::SERVICES_FILE]
            .contains(&base.as_str())
            || base.starts_with("catalogue")
        {
            base
        } else {
            format!("{}/{base}", yaml::ALLOCATIONS_DIR)
        };
        let text = utf8(&name, &bytes)?.to_owned();
        texts.push((path, text));
    }
    replace_model(
        state,
        who,
        ModelFiles { files: texts },
        "model.upload",
        None,
    )
    .await?;
    Ok(Uploaded::Model)
}

/// An uploaded file's text, or why it has none.
fn utf8<'b>(name: &str, bytes: &'b [u8]) -> Result<&'b str, Error> {
    std::str::from_utf8(bytes).map_err(|e| {
        Error::BadRequest(format!(
            "{name}: is not UTF-8 text (byte {}); save it as UTF-8",
            e.valid_up_to()
        ))
    })
}

/// Replace the whole model with these files, if they read; each error names its file, line
/// and column, and nothing changes. With `based_on`, the revision the files were worked out
/// from, a workspace changed since is a conflict.
pub async fn replace_model(
    state: &AppState,
    who: &Access,
    files: ModelFiles,
    action: &str,
    based_on: Option<i64>,
) -> Result<(), Error> {
    who.require(Action::EditModel, true)?;
    let (plain, cells) = workshop::rows_from_files(files).map_err(Error::Unreadable)?;
    state
        .store
        .replace_model(&who.ws.id, &plain, &cells, &who.user_id, action, based_on)
        .await?;
    Ok(())
}

/// An invitation for someone to join the workspace in `role` (a supplier representative
/// speaks for `party`). Returns the invitation's secret, the last part of its link.
pub async fn invite(
    state: &AppState,
    who: &Access,
    role: &str,
    party: Option<&str>,
) -> Result<String, Error> {
    who.require(Action::ManageMembers, true)?;
    let role = Role::parse(role).ok_or_else(|| {
        Error::BadRequest(format!(
            "role: {role:?} is not a role (owner, editor, supplier, auditor or viewer)"
        ))
    })?;
    let party = party.and_then(opt);
    if role == Role::Supplier {
        let loaded = ui::loaded(state, &who.ws).await?;
        match &party {
            Some(p) if loaded.model.parties.iter().any(|x| &x.id == p) => {}
            _ => {
                return Err(Error::BadRequest(
                    "party: a supplier representative speaks for one supplier: choose the party"
                        .into(),
                ));
            }
        }
    }
    let party = if role == Role::Supplier { party } else { None };
    Ok(state
        .store
        .create_invitation(
            &who.ws.id,
            role.as_str(),
            party.as_deref(),
            &who.user_id,
            INVITATION_SECS,
        )
        .await?)
}

/// A new API token for the workspace. Returns its id and its secret (shown once).
pub async fn create_token(
    state: &AppState,
    who: &Access,
    name: &str,
    role: &str,
) -> Result<(String, String), Error> {
    who.require(Action::ManageTokens, true)?;
    let role = Role::parse(role)
        .filter(|r| *r != Role::Supplier)
        .ok_or_else(|| {
            Error::BadRequest(format!(
                "role: {role:?} is not a token's role (owner, editor, auditor or viewer)"
            ))
        })?;
    let name = opt(name).unwrap_or_else(|| "API token".into());
    let (token, secret) = state
        .store
        .create_api_token(&who.ws.id, &name, role.as_str(), &who.user_id)
        .await?;
    Ok((token.id, secret))
}

/// Revoke one of the workspace's API tokens.
pub async fn revoke_token(state: &AppState, who: &Access, id: &str) -> Result<(), Error> {
    who.require(Action::ManageTokens, true)?;
    state
        .store
        .revoke_api_token(&who.ws.id, id.trim(), &who.user_id)
        .await?;
    Ok(())
}

/// Show a supplier representative the whole model (read-only), or only its party's rows.
pub async fn share(
    state: &AppState,
    who: &Access,
    user_id: &str,
    sees_all: bool,
) -> Result<(), Error> {
    who.require(Action::ManageMembers, true)?;
    state
        .store
        .set_member_sharing(&who.ws.id, user_id.trim(), sees_all, &who.user_id)
        .await?;
    Ok(())
}

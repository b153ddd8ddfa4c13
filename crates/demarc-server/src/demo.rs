//! The demo workspace: the Riverside Community Trust example of the repository, so a first-time
//! user sees a filled-in model at once.

use demarc_formats::yaml::ModelFiles;
use demarc_store::Store;

use crate::{Error, workshop};

const RIVERSIDE: &[(&str, &str)] = &[
    (
        "demarc.yaml",
        include_str!("../../../examples/riverside/demarc.yaml"),
    ),
    (
        "parties.yaml",
        include_str!("../../../examples/riverside/parties.yaml"),
    ),
    (
        "services.yaml",
        include_str!("../../../examples/riverside/services.yaml"),
    ),
    (
        "allocations/it-support.yaml",
        include_str!("../../../examples/riverside/allocations/it-support.yaml"),
    ),
    (
        "allocations/ledgerly-finance.yaml",
        include_str!("../../../examples/riverside/allocations/ledgerly-finance.yaml"),
    ),
    (
        "allocations/nimbus-hosting.yaml",
        include_str!("../../../examples/riverside/allocations/nimbus-hosting.yaml"),
    ),
    (
        "allocations/office-365.yaml",
        include_str!("../../../examples/riverside/allocations/office-365.yaml"),
    ),
];

/// Create the demo workspace, owned by `owner`; returns its id.
pub async fn create_demo_workspace(store: &Store, owner_user_id: &str) -> Result<String, Error> {
    let files = ModelFiles {
        files: RIVERSIDE
            .iter()
            .map(|(p, t)| ((*p).to_owned(), (*t).to_owned()))
            .collect(),
    };
    let (files, cells) = workshop::rows_from_files(files).map_err(|errors| {
        Error::Internal(format!(
            "the demo model does not read: {}",
            workshop::describe(&errors)
        ))
    })?;
    let ws = store
        .create_workspace(
            "Riverside Community Trust (demo)",
            owner_user_id,
            crate::authz::Role::Owner.as_str(),
        )
        .await?;
    store
        .replace_model(&ws.id, &files, &cells, owner_user_id, "model.import", None)
        .await?;
    Ok(ws.id)
}

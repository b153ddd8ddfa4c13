//! A starter model a non-expert can fill in: the organisation, one example supplier and
//! service, and every responsibility listed but not yet decided, with comments explaining each
//! field.

use std::fmt::Write as _;

use demarc_core::{Date, Model, ServiceModel, View};

use crate::builtin;
use crate::yaml::write::scalar;
use crate::yaml::{ALLOCATIONS_DIR, MODEL_FILE, PARTIES_FILE, SERVICES_FILE};

/// An id from a name: lower case, words joined by hyphens ("organisation" for a name with no
/// letters or digits).
pub fn slug(name: &str) -> String {
    slug_or(name, "organisation")
}

/// An id from a name: ASCII letters and digits in lower case, every other run as one `-`;
/// `fallback` when the name has no letters or digits. The one way every importer makes ids.
pub fn slug_or(name: &str, fallback: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_owned();
    if out.is_empty() {
        fallback.to_owned()
    } else {
        out
    }
}

/// Wrap text into comment lines of about 88 characters.
fn comment(out: &mut String, indent: &str, text: &str) {
    let mut line = String::new();
    for word in text.split_whitespace() {
        if line.len() + word.len() > 84 && !line.is_empty() {
            let _ = writeln!(out, "{indent}# {line}");
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        let _ = writeln!(out, "{indent}# {line}");
    }
}

/// The files of a starter model, by relative path.
pub fn starter(
    catalogue: &str,
    org_name: &str,
    service_model: ServiceModel,
    today: Date,
) -> Result<Vec<(String, String)>, String> {
    let Some(cat) = builtin::catalogue(catalogue) else {
        return Err(format!(
            "there is no built-in catalogue \"{catalogue}\"; the built-in catalogues are {}",
            builtin::names().join(", ")
        ));
    };
    let org = slug(org_name);
    let next = Date::from_unix_days(today.unix_days() + 365);

    let mut model = String::new();
    let _ = write!(
        model,
        "# This directory is a demarc model: who does each security responsibility, for each
# IT service your organisation uses. Edit the files, then run `demarc check` to see what is
# left to decide. Every field is described in docs/model-format.md, and your editor can check
# these files with the schema that `demarc schema` prints.

# A name for the model, shown on every document.
name: {}
# Your organisation's id in parties.yaml.
customer: {org}
# A label for this version, e.g. the one your contract refers to.
version: \"1\"
# The responsibilities to cover: `demarc catalog list` shows the built-in catalogues.
catalogues:
  - {catalogue}
# When the whole model was last reviewed with your suppliers, and when it is next due.
review:
  last: {today}
  next: {next}
",
        scalar(&format!("{org_name} — IT services"))
    );

    let parties = format!(
        "# Parties: your organisation, each supplier, and their suppliers if you know them.
parties:
  # Your own organisation.
  - id: {org}                 # a short id used in the other files
    name: {}
    type: customer
    # Roles people hold; a task can name the role that does it.
    roles:
      - id: digital-lead
        name: Senior leader responsible for digital and data
    # Contacts; signatories sign the model and the contract schedule.
    people:
      - name: Your name
        email: you@example.org
        role: digital-lead
        signatory: true

  # An example supplier: rename it to your IT supplier, and copy it for each other supplier.
  - id: example-supplier
    name: Example IT Ltd
    type: msp                 # msp, saas, paas, iaas, internal, sub-processor, ... (free text)
    people:
      - name: Their account manager
        email: account.manager@example.com
        signatory: true
",
        scalar(org_name)
    );

    let service_name = match service_model {
        ServiceModel::OnPremManaged => "On-site systems looked after by the supplier",
        ServiceModel::Iaas => "Cloud hosting",
        ServiceModel::Paas => "Cloud platform",
        ServiceModel::Saas => "Online software service",
        ServiceModel::ManagedService => "Managed IT support",
    };
    let services = format!(
        "# Services: what each supplier provides you.
services:
  - id: example-service
    name: {service_name}
    provider: example-supplier
    # How it is delivered: on-prem-managed, iaas, paas, saas or managed-service.
    # The service model picks the presets that suggest a typical split.
    model: {}
    # built_on: [other-service]   # services this one runs on (e.g. a cloud platform)
    # The agreement that commits the supplier (applies to all its tasks here).
    contract: Managed services agreement (add the date and clause)
    # What proves the supplier does its part: a certificate, report or attestation.
    evidence: Cyber Essentials certificate (add its expiry date)
",
        service_model.as_str()
    );

    // List every responsibility, undecided, with what it means and what the preset suggests.
    let mut m = Model {
        catalogue: cat,
        ..Model::default()
    };
    m.services.push(demarc_core::Service {
        id: "example-service".into(),
        name: service_name.into(),
        provider: demarc_core::Ref::new("example-supplier"),
        model: Some(service_model),
        ..Default::default()
    });
    let view = View::new(&m);
    let mut alloc = String::from(
        "# Who does each responsibility for this service. For each one, replace `undecided` with:
#   customer        your organisation does all of it
#   supplier        the supplier does all of it (add description, sla, evidence, contract)
#   shared          split into tasks, each with one owner:
#                     status: shared
#                     tasks:
#                       - owner: example-supplier
#                         kind: operate        # operate = does the work; oversee = reviews or approves
#                         description: what they do
#                       - owner: your-id
#                         kind: operate
#                         description: what you do
#   not-applicable  with a `reason:`
# Retained responsibilities can never be outsourced: keep them with your organisation.
service: example-service
responsibilities:
",
    );
    let mut last_area = "";
    for (r, (area, resp)) in view.responsibilities().iter().enumerate() {
        if area.id != last_area {
            let _ = writeln!(alloc, "\n  # ── {} ──", area.title);
            last_area = &area.id;
        }
        let _ = writeln!(
            alloc,
            "\n  # {}{}",
            resp.title,
            if resp.retained {
                " (retained: cannot be outsourced)"
            } else {
                ""
            }
        );
        if let Some(d) = &resp.description {
            comment(&mut alloc, "  ", d);
        }
        if let Some((_, entry)) = view.cell(0, r as u32).preset {
            let mut hint = format!(
                "Suggested for this kind of service: {}",
                entry.allocation.status.as_str()
            );
            if let Some(why) = &entry.why {
                hint.push_str(&format!(" — {why}"));
            }
            comment(&mut alloc, "  ", &hint);
        }
        let _ = writeln!(alloc, "  {}: undecided", scalar(&resp.id));
    }

    Ok(vec![
        (MODEL_FILE.to_owned(), model),
        (PARTIES_FILE.to_owned(), parties),
        (SERVICES_FILE.to_owned(), services),
        (format!("{ALLOCATIONS_DIR}/example-service.yaml"), alloc),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{ModelFiles, parse};

    #[test]
    fn slugs() {
        assert_eq!(
            slug("Riverside Community Trust"),
            "riverside-community-trust"
        );
        assert_eq!(slug("  St. Mary's  "), "st-mary-s");
        assert_eq!(slug("!!!"), "organisation");
    }

    #[test]
    fn every_builtin_starter_parses_and_leaves_every_cell_to_decide() {
        let today: Date = "2026-11-23".parse().unwrap();
        for name in builtin::names() {
            let files = starter(name, "Riverside Trust", ServiceModel::Saas, today).unwrap();
            let model = parse(&ModelFiles { files }).unwrap_or_else(|e| panic!("{name}: {}", e[0]));
            let view = View::new(&model);
            let findings = demarc_core::check::check(&view, today);
            let gaps = findings
                .iter()
                .filter(|f| f.code == demarc_core::Code::Gap)
                .count();
            assert_eq!(
                gaps,
                view.responsibilities().len(),
                "{name}: one gap per responsibility"
            );
            assert!(
                findings
                    .iter()
                    .all(|f| matches!(f.code, demarc_core::Code::Gap)),
                "{name}: {findings:?}"
            );
        }
    }
}

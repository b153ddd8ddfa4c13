//! Provider security baselines as presets: Microsoft's per-service Azure security baselines
//! (Azure Security Benchmark v3) read into a catalogue of ASB controls with one preset per Azure
//! service, so that a service starts from the split Microsoft publishes.
//!
//! Also the general mechanism behind it: a catalogue file with presets (a managed service
//! provider's standard model, say) added to a model ([`add_catalogue`]).
//!
//! How the features of one control become a preset entry (see `docs/presets.md`): features
//! marked "Not Applicable" do not count when others apply; then all Microsoft → `supplier`, all
//! Customer → `customer`, a mix or any Shared → `shared` (a Microsoft task and a task for the
//! customer, each listing its features), nothing but Not Applicable → `not-applicable`.

use std::collections::BTreeMap;

use demarc_core::model::{
    Allocation, Area, Catalogue, CatalogueInfo, Layer, Model, Party, Preset, PresetEntry, Ref,
    Responsibility, Service, ServiceModel, Status, Task, TaskKind, Terms,
};
use demarc_formats::builtin;
use demarc_formats::init::slug;
use demarc_formats::yaml::valid_id;

use crate::caiq::{clean, header_key};
use crate::{CellError, ImportError, Imported, Sheet, Workbook};

/// The id of the catalogue of ASB controls.
pub const CATALOGUE_ID: &str = "azure-security-baseline";
/// The mapping key that names each responsibility's ASB control.
pub const MAPPING: &str = "asb";
/// Microsoft's party id in a new model.
pub const MICROSOFT: &str = "microsoft";
/// The organisation's party id in a new model.
pub const ORGANISATION: &str = "organisation";
/// The attribution the licence (CC BY 4.0) asks for, kept with the catalogue.
pub const ATTRIBUTION: &str = "Microsoft cloud security benchmark / Azure security baselines, © Microsoft Corporation, CC BY 4.0, https://github.com/MicrosoftDocs/SecurityBenchmarks";
/// How far down a sheet its header row is looked for.
pub const HEADER_ROWS: u32 = 20;
/// The ASB control domains in the benchmark's own order (areas follow it).
const DOMAIN_ORDER: [&str; 12] = [
    "NS", "IM", "PA", "DP", "AM", "LT", "IR", "PV", "ES", "BR", "DS", "GS",
];

/// Who a feature of a baseline falls to, as its "Responsibility" column says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Split {
    Microsoft,
    Customer,
    Shared,
    NotApplicable,
}

impl Split {
    pub const ALL: [Split; 4] = [
        Split::Microsoft,
        Split::Customer,
        Split::Shared,
        Split::NotApplicable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Split::Microsoft => "Microsoft",
            Split::Customer => "Customer",
            Split::Shared => "Shared",
            Split::NotApplicable => "Not Applicable",
        }
    }

    pub fn parse(s: &str) -> Option<Split> {
        Some(match header_key(s).as_str() {
            "microsoft" | "provider" => Split::Microsoft,
            "customer" => Split::Customer,
            "shared" => Split::Shared,
            "not applicable" | "n/a" | "na" => Split::NotApplicable,
            _ => return None,
        })
    }
}

/// One row of a baseline's feature table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Feature {
    /// 0-based row in the sheet.
    pub row: u32,
    pub domain: String,
    /// The ASB control (`IM-1`); `None` when the row names none (it is then left out).
    pub control: Option<String>,
    pub control_title: String,
    pub split: Split,
    pub name: String,
    /// "Feature Enabled by Default", when it says True or False.
    pub enabled_by_default: Option<bool>,
    /// "Feature Supported", when it says True or False.
    pub supported: Option<bool>,
}

impl Feature {
    /// How the feature reads in a task: its name, and whether it is on by default; `None` for
    /// the baselines' "No Related Feature".
    fn label(&self) -> Option<String> {
        if header_key(&self.name) == "no related feature" || self.name.is_empty() {
            return None;
        }
        Some(if self.enabled_by_default == Some(true) {
            format!("{} (on by default)", self.name)
        } else if self.split == Split::NotApplicable && self.supported == Some(false) {
            format!("{} (not supported)", self.name)
        } else {
            self.name.clone()
        })
    }
}

/// One Azure service's baseline, read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Baseline {
    /// The file it was read from.
    pub source: String,
    /// The service's name for people ("Azure SQL"), from the file name.
    pub title: String,
    /// The preset's id ("azure-sql"), which is also the service's id in a new model.
    pub preset_id: String,
    /// The "Security Profile" sheet: attribute and value.
    pub profile: Vec<(String, String)>,
    /// Every row of the feature table, in file order.
    pub features: Vec<Feature>,
    /// Rows left out, and other things worth a look.
    pub notes: Vec<CellError>,
}

impl Baseline {
    /// The service model the security profile suggests: infrastructure when the customer has
    /// full access to the host, else platform.
    pub fn service_model(&self) -> ServiceModel {
        let full = self
            .profile
            .iter()
            .any(|(k, v)| header_key(k).contains("host") && header_key(v) == "full access");
        if full {
            ServiceModel::Iaas
        } else {
            ServiceModel::Paas
        }
    }
}

/// Read one baseline workbook. `source` is its file name (the service's name comes from it).
pub fn read(source: &str, book: &Workbook) -> Result<Baseline, ImportError> {
    let (sheet, header, cols) = find_feature_sheet(book)?;
    let label = file_name(source);
    let header_text = |c: u32| sheet.cell(header, c).trim().to_owned();
    let mut features = Vec::new();
    let mut notes = Vec::new();
    let mut errors = Vec::new();
    for row in header + 1..sheet.height() {
        if sheet.row_is_blank(row) {
            continue;
        }
        let at = |c: Option<u32>| c.map(|c| clean(sheet.cell(row, c))).unwrap_or_default();
        let split_raw = at(Some(cols.split));
        let Some(split) = Split::parse(&split_raw) else {
            errors.push(sheet.error(
                row,
                Some(cols.split),
                Some(&header_text(cols.split)),
                format!(
                    "\"{split_raw}\" is not a responsibility: expected Microsoft, Customer, Shared or Not Applicable"
                ),
            ));
            continue;
        };
        let name = at(Some(cols.feature));
        let control_raw = at(Some(cols.control));
        let control = is_control_id(&control_raw).then(|| control_raw.to_ascii_uppercase());
        if control.is_none() {
            let mut note = sheet.error(
                row,
                Some(cols.control),
                Some(&header_text(cols.control)),
                format!(
                    "the feature \"{name}\" names no ASB control (\"{control_raw}\"), so it is left out of the preset"
                ),
            );
            note.sheet = format!("{label}: {}", note.sheet);
            notes.push(note);
        }
        let yes_no = |c: Option<u32>| match header_key(&at(c)).as_str() {
            "true" | "yes" => Some(true),
            "false" | "no" => Some(false),
            _ => None,
        };
        features.push(Feature {
            row,
            domain: one_line(&at(cols.domain)),
            control,
            control_title: one_line(&at(cols.title)),
            split,
            name: one_line(&name),
            enabled_by_default: yes_no(cols.enabled),
            supported: yes_no(cols.supported),
        });
    }
    if !errors.is_empty() {
        return Err(ImportError::Cells(errors));
    }
    if features.is_empty() {
        return Err(ImportError::Cells(vec![sheet.error(
            header,
            None,
            None,
            "there are no features below this header row",
        )]));
    }
    let (name, title) = service_of(source);
    let (preset_id, title) = if name.starts_with("azure-") || name.starts_with("microsoft-") {
        (name, title)
    } else {
        (format!("azure-{name}"), format!("Azure {title}"))
    };
    Ok(Baseline {
        source: source.to_owned(),
        title,
        preset_id,
        profile: profile_of(book),
        features,
        notes,
    })
}

/// The columns of a feature table, 0-based.
#[derive(Clone, Copy, Debug)]
struct Columns {
    control: u32,
    split: u32,
    feature: u32,
    domain: Option<u32>,
    title: Option<u32>,
    enabled: Option<u32>,
    supported: Option<u32>,
}

fn find_feature_sheet(book: &Workbook) -> Result<(&Sheet, u32, Columns), ImportError> {
    // The sheet called "Feature Summary" first, then any other.
    let mut sheets: Vec<&Sheet> = book
        .sheets
        .iter()
        .filter(|s| header_key(&s.name) == "feature summary")
        .collect();
    sheets.extend(
        book.sheets
            .iter()
            .filter(|s| header_key(&s.name) != "feature summary"),
    );
    for sheet in sheets {
        let is_control = |k: &str| k == "asb control id" || k == "control id";
        let Some(header) = sheet.find_row(HEADER_ROWS, |r| {
            let keys: Vec<String> = r.iter().map(|c| header_key(c)).collect();
            keys.iter().any(|k| is_control(k)) && keys.iter().any(|k| k == "responsibility")
        }) else {
            continue;
        };
        let find =
            |pred: &dyn Fn(&str) -> bool| sheet.find_column(header, |c| pred(&header_key(c)));
        let (Some(control), Some(split)) = (find(&is_control), find(&|k| k == "responsibility"))
        else {
            continue;
        };
        let Some(feature) = find(&|k| k == "feature name") else {
            return Err(ImportError::Cells(vec![sheet.error(
                header,
                None,
                None,
                "this header row has no \"Feature Name\" column; an Azure security baseline's feature table has \"Control Domain\", \"ASB Control ID\", \"ASB Control Title\", \"Responsibility\" and \"Feature Name\"",
            )]));
        };
        let cols = Columns {
            control,
            split,
            feature,
            domain: find(&|k| k == "control domain"),
            title: find(&|k| k == "asb control title" || k == "control title"),
            enabled: find(&|k| k == "feature enabled by default"),
            supported: find(&|k| k == "feature supported"),
        };
        return Ok((sheet, header, cols));
    }
    let names: Vec<String> = book
        .sheets
        .iter()
        .map(|s| format!("\"{}\"", s.name))
        .collect();
    Err(ImportError::Cells(vec![CellError {
        sheet: book
            .sheets
            .first()
            .map_or_else(String::new, |s| s.name.clone()),
        row: 1,
        column: None,
        header: None,
        message: format!(
            "this is not an Azure security baseline: no sheet ({}) has the columns \"ASB Control ID\" and \"Responsibility\" in its first {HEADER_ROWS} rows (a baseline has a \"Feature Summary\" sheet with them)",
            if names.is_empty() {
                "there are none".to_owned()
            } else {
                names.join(", ")
            }
        ),
    }]))
}

/// The "Security Profile" sheet as attribute and value pairs (empty when there is none).
fn profile_of(book: &Workbook) -> Vec<(String, String)> {
    let Some(sheet) = book.sheet("Security Profile") else {
        return Vec::new();
    };
    let Some(header) = sheet.find_row(HEADER_ROWS, |r| {
        r.iter().any(|c| header_key(c) == "behavior attribute")
    }) else {
        return Vec::new();
    };
    let row = sheet.row(header);
    let col = |name: &str| row.iter().position(|c| header_key(c) == name);
    let (Some(attr), Some(value)) = (col("behavior attribute"), col("value")) else {
        return Vec::new();
    };
    (header + 1..sheet.height())
        .map(|r| {
            (
                one_line(&clean(sheet.cell(r, attr as u32))),
                one_line(&clean(sheet.cell(r, value as u32))),
            )
        })
        .filter(|(a, v)| !a.is_empty() && !v.is_empty())
        .collect()
}

/// `IM-1`, `NS-10`: letters, a hyphen, digits.
fn is_control_id(s: &str) -> bool {
    match s.split_once('-') {
        Some((d, n)) => {
            !d.is_empty()
                && d.chars().all(|c| c.is_ascii_alphabetic())
                && !n.is_empty()
                && n.chars().all(|c| c.is_ascii_digit())
        }
        None => false,
    }
}

/// One line, single spaces.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn file_name(source: &str) -> String {
    std::path::Path::new(source)
        .file_name()
        .map_or_else(|| source.to_owned(), |n| n.to_string_lossy().into_owned())
}

/// The service a baseline file is about, from its name: its slug and its title.
/// `azure-sql-azure-security-benchmark-v3-latest-security-baseline.xlsx` → `azure-sql`,
/// "Azure SQL".
pub fn service_of(source: &str) -> (String, String) {
    let name = file_name(source);
    let stem = name
        .rsplit_once('.')
        .map_or(name.as_str(), |(s, _)| s)
        .to_ascii_lowercase();
    let stem = stem
        .split("-azure-security-benchmark")
        .next()
        .unwrap_or(&stem)
        .trim_end_matches("-security-baseline")
        .to_owned();
    let id = slug(&stem);
    let title: Vec<String> = stem
        .split(['-', '_', ' '])
        .filter(|w| !w.is_empty())
        .enumerate()
        .map(|(i, w)| title_word(w, i == 0))
        .collect();
    (id, title.join(" "))
}

fn title_word(w: &str, first: bool) -> String {
    let (open, inner, close) = match w.strip_prefix('(').and_then(|w| w.strip_suffix(')')) {
        Some(inner) => ("(", inner, ")"),
        None => ("", w, ""),
    };
    let known = match inner {
        "sql" => "SQL",
        "dns" => "DNS",
        "hsm" => "HSM",
        "aks" => "AKS",
        "hci" => "HCI",
        "iot" => "IoT",
        "vpn" => "VPN",
        "wan" => "WAN",
        "nat" => "NAT",
        "ip" => "IP",
        "hpc" => "HPC",
        "sap" => "SAP",
        "db" => "DB",
        "api" => "API",
        "ddos" => "DDoS",
        "aro" => "ARO",
        "openai" => "OpenAI",
        "signalr" => "SignalR",
        "netapp" => "NetApp",
        "devtest" => "DevTest",
        "mysql" => "MySQL",
        "postgresql" => "PostgreSQL",
        "mariadb" => "MariaDB",
        "pubsub" => "PubSub",
        "vmware" => "VMware",
        "openshift" => "OpenShift",
        "for" | "on" | "of" | "and" | "in" | "to" if !first => inner,
        _ => "",
    };
    let word = if known.is_empty() {
        let mut c = inner.chars();
        c.next()
            .map(|f| f.to_uppercase().chain(c).collect())
            .unwrap_or_default()
    } else {
        known.to_owned()
    };
    format!("{open}{word}{close}")
}

/// The catalogue of the ASB controls the baselines cover (areas per control domain, in the
/// benchmark's order), with one preset per baseline.
pub fn catalogue(baselines: &[Baseline]) -> Result<Catalogue, ImportError> {
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for b in baselines {
        if let Some(other) = seen.insert(b.preset_id.as_str(), b.source.as_str()) {
            return Err(ImportError::Other(format!(
                "{} and {} are baselines of the same service ({}); give each service once",
                other, b.source, b.preset_id
            )));
        }
    }
    // Every control, with the first title and domain seen.
    let mut controls: BTreeMap<(usize, String, u32), (String, String, String)> = BTreeMap::new();
    for f in baselines.iter().flat_map(|b| &b.features) {
        let Some(id) = &f.control else { continue };
        let (domain, number) = id.split_once('-').unwrap_or((id.as_str(), "0"));
        let order = DOMAIN_ORDER
            .iter()
            .position(|d| *d == domain)
            .unwrap_or(DOMAIN_ORDER.len());
        let key = (order, domain.to_owned(), number.parse().unwrap_or(0));
        controls
            .entry(key)
            .or_insert_with(|| (id.clone(), f.control_title.clone(), f.domain.clone()));
    }
    let mut areas: Vec<Area> = Vec::new();
    for ((_, domain, _), (id, title, domain_title)) in &controls {
        let area_id = format!("asb-{}", domain.to_ascii_lowercase());
        if areas.last().is_none_or(|a| a.id != area_id) {
            areas.push(Area {
                id: area_id,
                title: if domain_title.is_empty() {
                    format!("ASB {domain}")
                } else {
                    domain_title.clone()
                },
                description: None,
                catalogue: CATALOGUE_ID.to_owned(),
                responsibilities: Vec::new(),
                loc: None,
            });
        }
        if let Some(area) = areas.last_mut() {
            area.responsibilities.push(Responsibility {
                id: responsibility_id(id),
                title: if title.is_empty() {
                    format!("ASB control {id}")
                } else {
                    title.clone()
                },
                description: None,
                layer: layer_of(domain),
                retained: false,
                mappings: BTreeMap::from([(MAPPING.to_owned(), vec![id.clone()])]),
                suggested_tasks: Vec::new(),
                statements: Vec::new(),
                loc: None,
            });
        }
    }
    let order: Vec<String> = controls.values().map(|(id, _, _)| id.clone()).collect();
    let presets = baselines.iter().map(|b| preset(b, &order)).collect();
    Ok(Catalogue {
        sources: vec![CatalogueInfo {
            id: CATALOGUE_ID.to_owned(),
            title: "Azure security baselines (Azure Security Benchmark v3)".to_owned(),
            version: Some("3".to_owned()),
            licence: Some("CC BY 4.0 (control titles and baselines by Microsoft)".to_owned()),
            source: Some(ATTRIBUTION.to_owned()),
            description: Some(
                "The Azure Security Benchmark controls that Microsoft's per-service security baselines cover, with one preset per Azure service: what Microsoft does, and which features you must set up. The presets are demarc's summary of each baseline's feature table.".to_owned(),
            ),
        }],
        areas,
        presets,
    })
}

/// The responsibility id of an ASB control: `IM-1` → `asb-im-1`.
pub fn responsibility_id(control: &str) -> String {
    format!("asb-{}", slug(control))
}

fn layer_of(domain: &str) -> Layer {
    match domain {
        "NS" => Layer::Network,
        "IM" | "PA" => Layer::IdentityAccess,
        "DP" | "BR" => Layer::Data,
        "PV" | "ES" => Layer::OperatingSystem,
        "DS" => Layer::Application,
        _ => Layer::Governance,
    }
}

/// One baseline as a preset: per control, its features' split summed up.
fn preset(b: &Baseline, order: &[String]) -> Preset {
    let mut entries = Vec::new();
    for control in order {
        let features: Vec<&Feature> = b
            .features
            .iter()
            .filter(|f| f.control.as_deref() == Some(control.as_str()))
            .collect();
        if features.is_empty() {
            continue;
        }
        entries.push(PresetEntry {
            allocation: entry(&b.title, control, &features),
            expected: false,
            why: None,
        });
    }
    let mut description = format!(
        "Microsoft's split for {}, summed up from its Azure security baseline ({}).",
        b.title,
        file_name(&b.source)
    );
    for (k, v) in &b.profile {
        description.push_str(&format!(" {k}: {v}."));
    }
    Preset {
        id: b.preset_id.clone(),
        title: format!("{} (Microsoft's security baseline)", b.title),
        description: Some(description),
        service_model: None,
        entries,
        loc: None,
    }
}

/// The preset entry for one control of one service.
fn entry(service: &str, control: &str, features: &[&Feature]) -> Allocation {
    let base = Allocation {
        responsibility: Ref::new(responsibility_id(control)),
        ..Allocation::default()
    };
    let labels = |split: Split| -> Vec<String> {
        features
            .iter()
            .filter(|f| f.split == split)
            .filter_map(|f| f.label())
            .collect()
    };
    let has = |split: Split| features.iter().any(|f| f.split == split);
    let (ms, cu, sh) = (
        has(Split::Microsoft),
        has(Split::Customer),
        has(Split::Shared),
    );
    let list = |items: &[String]| items.join("; ");
    match (ms, cu, sh) {
        (false, false, false) => {
            let names = labels(Split::NotApplicable);
            Allocation {
                status: Status::NotApplicable,
                reason: Some(if names.is_empty() {
                    format!("Microsoft's baseline for {service} marks this not applicable.")
                } else {
                    format!(
                        "Microsoft's baseline for {service} marks this not applicable: {}.",
                        list(&names)
                    )
                }),
                ..base
            }
        }
        (true, false, false) => {
            let names = labels(Split::Microsoft);
            Allocation {
                status: Status::Supplier,
                terms: Terms {
                    description: Some(if names.is_empty() {
                        "Microsoft does this for you.".to_owned()
                    } else {
                        format!("Microsoft does this for you: {}.", list(&names))
                    }),
                    ..Terms::default()
                },
                ..base
            }
        }
        (false, true, false) => {
            let names = labels(Split::Customer);
            Allocation {
                status: Status::Customer,
                terms: Terms {
                    description: Some(if names.is_empty() {
                        "You do this; Microsoft's baseline names no Azure feature for it."
                            .to_owned()
                    } else {
                        format!("You set up and keep configured: {}.", list(&names))
                    }),
                    ..Terms::default()
                },
                ..base
            }
        }
        _ => {
            let shared = labels(Split::Shared);
            let mut provider = labels(Split::Microsoft);
            provider.extend(shared.iter().map(|s| format!("{s} (its part)")));
            let mut customer = labels(Split::Customer);
            customer.extend(shared.iter().map(|s| format!("{s} (your part)")));
            let task = |owner: &str, text: String| Task {
                owners: vec![Ref::new(owner)],
                kind: TaskKind::Operate,
                terms: Terms {
                    description: Some(text),
                    ..Terms::default()
                },
                ..Task::default()
            };
            Allocation {
                status: Status::Shared,
                tasks: vec![
                    task(
                        "provider",
                        if provider.is_empty() {
                            "Microsoft's part (the baseline names no feature for it).".to_owned()
                        } else {
                            format!("Microsoft provides: {}.", list(&provider))
                        },
                    ),
                    task(
                        "customer",
                        if customer.is_empty() {
                            "Your part (the baseline names no feature for it).".to_owned()
                        } else {
                            format!("You set up and keep configured: {}.", list(&customer))
                        },
                    ),
                ],
                ..base
            }
        }
    }
}

/// A new model: the organisation, Microsoft, the catalogue, and one service per baseline that
/// uses its preset.
pub fn new_model(baselines: &[Baseline]) -> Result<Imported, ImportError> {
    let catalogue = catalogue(baselines)?;
    let services = baselines
        .iter()
        .map(|b| {
            let category = b
                .profile
                .iter()
                .find(|(k, _)| header_key(k) == "product category")
                .map(|(_, v)| format!(" Product category: {v}."))
                .unwrap_or_default();
            Service {
                id: b.preset_id.clone(),
                name: b.title.clone(),
                description: Some(format!(
                    "Starts from Microsoft's security baseline for {}.{category}",
                    b.title
                )),
                provider: Ref::new(MICROSOFT),
                model: Some(b.service_model()),
                presets: Some(vec![Ref::new(b.preset_id.clone())]),
                ..Service::default()
            }
        })
        .collect();
    let model = Model {
        name: "Azure services — shared responsibility".to_owned(),
        customer: Ref::new(ORGANISATION),
        catalogue,
        parties: vec![
            Party {
                id: ORGANISATION.to_owned(),
                name: "Your organisation".to_owned(),
                kind: Some("customer".to_owned()),
                ..Party::default()
            },
            Party {
                id: MICROSOFT.to_owned(),
                name: "Microsoft".to_owned(),
                kind: Some("cloud".to_owned()),
                description: Some("Microsoft Azure.".to_owned()),
                ..Party::default()
            },
        ],
        services,
        ..Model::default()
    };
    Ok(Imported {
        model,
        notes: notes_of(baselines),
    })
}

fn notes_of(baselines: &[Baseline]) -> Vec<CellError> {
    baselines
        .iter()
        .flat_map(|b| b.notes.iter().cloned())
        .collect()
}

/// `model` with the baselines' catalogue and presets added (no services). When the model
/// already has the catalogue, new controls are added to it and presets of the same id replaced.
pub fn into_model(model: &Model, baselines: &[Baseline]) -> Result<Imported, ImportError> {
    let catalogue = catalogue(baselines)?;
    let mut updated = model.clone();
    updated.files.clear();
    merge(&mut updated, catalogue, "the Azure baselines")?;
    Ok(Imported {
        model: updated,
        notes: notes_of(baselines),
    })
}

/// `model` with a catalogue file's content added: its areas, responsibilities and presets (a
/// managed service provider's standard model, say). `file` names it in messages. The
/// catalogue must have its own id (a `catalogue:` section, else the file's name gives one); its
/// presets may fill responsibilities of the model's other catalogues, and name as task owners
/// `provider`, `customer` or parties of the model.
pub fn add_catalogue(
    model: &Model,
    mut catalogue: Catalogue,
    file: &str,
) -> Result<Imported, ImportError> {
    let label = file_name(file);
    if catalogue.sources.is_empty() {
        let stem = label.rsplit_once('.').map_or(label.as_str(), |(s, _)| s);
        let id = slug(stem);
        catalogue.sources.push(CatalogueInfo {
            id: id.clone(),
            title: format!("Presets from {label}"),
            ..CatalogueInfo::default()
        });
        for a in &mut catalogue.areas {
            a.catalogue = id.clone();
        }
    }
    let id = catalogue
        .sources
        .first()
        .map(|s| s.id.clone())
        .unwrap_or_default();
    if builtin::get(&id).is_some() {
        return Err(ImportError::Other(format!(
            "{label}: the catalogue id \"{id}\" is a built-in catalogue's; give yours another id (catalogue: id: ...)"
        )));
    }
    if catalogue.presets.is_empty() && catalogue.areas.is_empty() {
        return Err(ImportError::Other(format!(
            "{label}: the catalogue has no areas and no presets, so there is nothing to add"
        )));
    }
    let mut updated = model.clone();
    updated.files.clear();
    merge(&mut updated, catalogue.clone(), &label)?;

    // Every preset entry must fill a responsibility the model now has, with owners it knows.
    let mut problems = Vec::new();
    let known: Vec<&str> = updated
        .catalogue
        .responsibilities()
        .map(|(_, r)| r.id.as_str())
        .collect();
    for p in &catalogue.presets {
        for e in &p.entries {
            let r = &e.allocation.responsibility.id;
            if !known.contains(&r.as_str()) {
                problems.push(format!(
                    "preset \"{}\" fills the responsibility \"{r}\", which neither {label} nor the model's catalogues ({}) define; add the catalogue it is written for to demarc.yaml first",
                    p.id,
                    if model.catalogues.is_empty() {
                        "none".to_owned()
                    } else {
                        model.catalogues.join(", ")
                    }
                ));
            }
            for t in &e.allocation.tasks {
                for o in &t.owners {
                    let ok = matches!(o.id.as_str(), "provider" | "customer")
                        || updated.parties.iter().any(|p| p.id == o.id);
                    if !ok {
                        problems.push(format!(
                            "preset \"{}\", responsibility \"{r}\": the task owner \"{}\" is neither provider, customer nor a party of the model; add the party to parties.yaml first",
                            p.id, o.id
                        ));
                    }
                }
            }
        }
    }
    if !problems.is_empty() {
        return Err(ImportError::Other(problems.join("\n")));
    }
    Ok(Imported {
        model: updated,
        notes: Vec::new(),
    })
}

/// Add a catalogue's areas, responsibilities and presets to a model's. A catalogue the model
/// already has (same id) is updated: new areas and responsibilities added, presets of the same
/// id replaced. Ids that another catalogue of the model defines are refused.
fn merge(model: &mut Model, incoming: Catalogue, what: &str) -> Result<(), ImportError> {
    let Some(info) = incoming.sources.first().cloned() else {
        return Err(ImportError::Other(format!(
            "{what}: the catalogue has no id"
        )));
    };
    let clash = |kind: &str, id: &str| {
        ImportError::Other(format!(
            "{what}: the {kind} id \"{id}\" is already used by another catalogue of the model; the two cannot be used together"
        ))
    };
    for a in &incoming.areas {
        if !valid_id(&a.id) {
            return Err(ImportError::Other(format!(
                "{what}: the area id \"{}\" is not a valid id",
                a.id
            )));
        }
        if let Some(old) = model.catalogue.areas.iter().find(|o| o.id == a.id)
            && old.catalogue != info.id
        {
            return Err(clash("area", &a.id));
        }
        for r in &a.responsibilities {
            if let Some((old_area, _)) = model
                .catalogue
                .responsibilities()
                .find(|(_, o)| o.id == r.id)
                && old_area.catalogue != info.id
            {
                return Err(clash("responsibility", &r.id));
            }
        }
    }
    let had = model.catalogue.sources.iter().any(|s| s.id == info.id);
    if !had {
        for p in &incoming.presets {
            if model.catalogue.presets.iter().any(|o| o.id == p.id) {
                return Err(clash("preset", &p.id));
            }
        }
        model.catalogue.merge(incoming);
        return Ok(());
    }
    for a in incoming.areas {
        match model.catalogue.areas.iter_mut().find(|o| o.id == a.id) {
            Some(old) => {
                for r in a.responsibilities {
                    if !old.responsibilities.iter().any(|o| o.id == r.id) {
                        old.responsibilities.push(r);
                    }
                }
            }
            None => model.catalogue.areas.push(a),
        }
    }
    for p in incoming.presets {
        match model.catalogue.presets.iter_mut().find(|o| o.id == p.id) {
            Some(old) => *old = p,
            None => model.catalogue.presets.push(p),
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn service_names_from_file_names() {
        assert_eq!(
            service_of("x/azure-sql-azure-security-benchmark-v3-latest-security-baseline.xlsx"),
            ("azure-sql".to_owned(), "Azure SQL".to_owned())
        );
        assert_eq!(
            service_of(
                "azure-red-hat-openshift-(aro)-azure-security-benchmark-v3-latest-security-baseline.xlsx"
            ),
            (
                "azure-red-hat-openshift-aro".to_owned(),
                "Azure Red Hat OpenShift (ARO)".to_owned()
            )
        );
        assert_eq!(
            service_of("azure-database-for-mysql--flexible-server-azure-security-benchmark-v3-latest-security-baseline.xlsx").1,
            "Azure Database for MySQL Flexible Server"
        );
        assert_eq!(service_of("storage.xlsx").0, "storage");
    }

    #[test]
    fn control_ids() {
        assert!(is_control_id("IM-1"));
        assert!(is_control_id("NS-10"));
        assert!(!is_control_id("None"));
        assert!(!is_control_id("IM-"));
        assert!(!is_control_id("-1"));
        assert_eq!(responsibility_id("IM-1"), "asb-im-1");
    }

    #[test]
    fn splits() {
        for s in Split::ALL {
            assert_eq!(Split::parse(s.as_str()), Some(s));
        }
        assert_eq!(
            Split::parse(" not  applicable "),
            Some(Split::NotApplicable)
        );
        assert_eq!(Split::parse("Both"), None);
    }
}

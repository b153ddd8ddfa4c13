//! Generate a large, realistic model directory for benchmarks and scale tests.
//!
//! ```text
//! cargo run --release -p demarc-formats --example synth -- \
//!     --suppliers 200 --services 2000 --responsibilities 1000 --chain-depth 4 OUT
//! ```
//!
//! The model is kept the way a large real one is: the catalogue (written into the model
//! directory as `catalogue.yaml`) has one preset per service model that fills every cell, and
//! the allocation files override a fraction of the cells (`--explicit`, default 0.25). Services
//! run on built-on chains up to `--chain-depth` long, each upstream service provided by another
//! supplier and used by the downstream provider.
//!
//! The model is clean except for a fixed set of planted findings, so that `demarc check` has
//! something to report whatever the size: three gaps and one contested row (errors), one
//! overdue row review and one expired piece of evidence (warnings). Check it with
//! `--today 2026-11-23` (or any date from 2026-07-01 to 2027-08-31) to get exactly those.
//!
//! Everything is derived from `--seed` by a small PRNG (splitmix64): the same flags write the
//! same bytes.
//!
//! `synth --phases DIR` times the phases of `demarc check` on a model directory instead: read,
//! parse, resolve, check, free.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use demarc_core::model::{
    Allocation, Contest, Evidence, Model, Party, Person, Ref, Review, Role, Service,
    ServiceAllocations, Task, Terms,
};
use demarc_core::{Date, Layer, ServiceModel, Status, TaskKind};
use demarc_formats::yaml;
use demarc_formats::yaml::write::{self, scalar};

const USAGE: &str =
    "usage: synth [--suppliers N] [--services N] [--responsibilities N] [--chain-depth N] \
[--explicit RATIO] [--seed N] OUT

  --suppliers N         supplier parties (default 200)
  --services N          services, upstream ones included (default 2000)
  --responsibilities N  responsibilities in the generated catalogue (default 1000)
  --chain-depth N       longest built-on chain, in services (default 4)
  --explicit RATIO      fraction of cells written in allocation files, 0.0-1.0 (default 0.25)
  --seed N              PRNG seed (default 1)
  OUT                   the model directory to write (replaced if it exists)

usage: synth --phases DIR [--runs N]

  Time each phase of `demarc check` on an existing model directory: reading the files,
  parsing them, resolving the view, running the checks, and freeing it all (median of N
  runs, default 5).";

const CATALOGUE_FILE: &str = "catalogue.yaml";
const CUSTOMER: &str = "org";

#[derive(Debug)]
struct Args {
    suppliers: usize,
    services: usize,
    responsibilities: usize,
    chain_depth: usize,
    explicit: f64,
    seed: u64,
    out: PathBuf,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        suppliers: 200,
        services: 2000,
        responsibilities: 1000,
        chain_depth: 4,
        explicit: 0.25,
        seed: 1,
        out: PathBuf::new(),
    };
    let mut out = None;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        let number = |name: &str, v: String| {
            v.parse::<usize>()
                .map_err(|_| format!("{name}: \"{v}\" is not a whole number"))
        };
        match a.as_str() {
            "-h" | "--help" => return Err(String::new()),
            "--suppliers" => args.suppliers = number(&a, value(&a)?)?,
            "--services" => args.services = number(&a, value(&a)?)?,
            "--responsibilities" => args.responsibilities = number(&a, value(&a)?)?,
            "--chain-depth" => args.chain_depth = number(&a, value(&a)?)?,
            "--seed" => args.seed = number(&a, value(&a)?)? as u64,
            "--explicit" => {
                let v = value(&a)?;
                args.explicit = v
                    .parse::<f64>()
                    .ok()
                    .filter(|r| (0.0..=1.0).contains(r))
                    .ok_or_else(|| format!("--explicit: \"{v}\" is not a ratio from 0.0 to 1.0"))?;
            }
            s if s.starts_with('-') => return Err(format!("unknown option {s}")),
            s => {
                if out.replace(PathBuf::from(s)).is_some() {
                    return Err("give one output directory".into());
                }
            }
        }
    }
    args.out = out.ok_or("missing the output directory OUT")?;
    if args.suppliers == 0 || args.services == 0 || args.responsibilities == 0 {
        return Err("--suppliers, --services and --responsibilities must be at least 1".into());
    }
    args.chain_depth = args.chain_depth.max(1);
    Ok(args)
}

/// splitmix64: tiny, fast and good enough to spread choices evenly.
#[derive(Debug)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A number below `n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64) < p * (1u64 << 53) as f64
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

fn date(y: i32, m: u8, d: u8) -> Option<Date> {
    Date::new(y, m, d)
}

// ---- the catalogue ----

const AREA_TOPICS: [&str; 20] = [
    "Asset inventory",
    "Software updates",
    "Backups",
    "Access control",
    "Logging and monitoring",
    "Network protection",
    "Incident response",
    "Supplier oversight",
    "Data protection",
    "Secure configuration",
    "Malware protection",
    "Physical security",
    "Business continuity",
    "Staff awareness",
    "Change management",
    "Encryption",
    "Vulnerability management",
    "Joiners and leavers",
    "Records and retention",
    "Risk management",
];

const VERBS: [&str; 10] = [
    "Keep a list of",
    "Review",
    "Monitor",
    "Update",
    "Test",
    "Protect",
    "Document",
    "Approve changes to",
    "Restrict access to",
    "Report on",
];

fn objects(layer: Layer) -> [&'static str; 5] {
    match layer {
        Layer::Physical => [
            "server rooms",
            "network cabinets",
            "power supplies",
            "building entry",
            "old equipment",
        ],
        Layer::Network => [
            "firewalls",
            "the Wi-Fi",
            "remote access",
            "network routing",
            "DNS records",
        ],
        Layer::Infrastructure => [
            "virtual machines",
            "storage",
            "hypervisors",
            "backup copies",
            "capacity",
        ],
        Layer::OperatingSystem => [
            "server operating systems",
            "laptop operating systems",
            "hardening baselines",
            "security patches",
            "anti-malware",
        ],
        Layer::Runtime => [
            "databases",
            "web servers",
            "middleware",
            "certificates",
            "scheduled jobs",
        ],
        Layer::Application => [
            "application releases",
            "application settings",
            "integrations",
            "application logs",
            "test copies",
        ],
        Layer::IdentityAccess => [
            "user accounts",
            "administrator accounts",
            "two-step sign-in",
            "leavers' access",
            "shared passwords",
        ],
        Layer::Data => [
            "personal data",
            "file permissions",
            "data exports",
            "retention schedules",
            "restores of data",
        ],
        Layer::Governance => [
            "the security policy",
            "the risk register",
            "the supplier list",
            "staff training",
            "the incident plan",
        ],
    }
}

#[derive(Debug)]
struct Resp {
    id: String,
    title: String,
    layer: Layer,
    retained: bool,
}

fn responsibilities(n: usize) -> Vec<Resp> {
    let width = n.to_string().len().max(4);
    (0..n)
        .map(|i| {
            let area = i / 20;
            let layer = Layer::ALL[area % Layer::ALL.len()];
            // The first two of each governance area can never be outsourced (about 1 in 90).
            let retained = layer == Layer::Governance && i % 20 < 2;
            let object = objects(layer)[(i / VERBS.len()) % 5];
            Resp {
                id: format!("r{:0width$}", i + 1),
                title: format!("{} {object}", VERBS[i % VERBS.len()]),
                layer,
                retained,
            }
        })
        .collect()
}

/// What the provider's published preset says for one cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Customer,
    Supplier,
    Shared,
    NotApplicable,
}

fn preset_kind(model: ServiceModel, r: &Resp, i: usize) -> Kind {
    use Kind::{Customer as C, Shared as H, Supplier as S};
    if r.retained {
        return C;
    }
    let layer = Layer::ALL.iter().position(|&l| l == r.layer).unwrap_or(0);
    // Physical, network, infrastructure, OS, runtime, application, identity, data, governance.
    let row: [Kind; 9] = match model {
        ServiceModel::Iaas => [S, S, S, C, C, C, H, C, C],
        ServiceModel::Paas => [S, S, S, S, S, C, H, C, C],
        ServiceModel::Saas => [S, S, S, S, S, S, H, C, H],
        ServiceModel::ManagedService => [H, H, S, S, S, H, H, C, H],
        ServiceModel::OnPremManaged => [C, H, S, S, S, H, H, C, H],
    };
    if i % 53 == 3 && r.layer != Layer::Governance {
        return Kind::NotApplicable;
    }
    match row[layer] {
        S if i % 11 == 5 => H,
        k => k,
    }
}

fn tasks_for(
    r: &Resp,
    provider: &str,
    customer: &str,
    owner_role: Option<&str>,
    rng: Option<&mut Rng>,
) -> Vec<Task> {
    let object = r.title.to_lowercase();
    let mut tasks = vec![
        Task {
            owners: vec![Ref::new(provider)],
            kind: TaskKind::Operate,
            terms: Terms {
                description: Some(format!(
                    "Do the technical work to {object} in the systems the provider runs"
                )),
                ..Terms::default()
            },
            ..Task::default()
        },
        Task {
            owners: vec![Ref::new(customer)],
            role: owner_role.map(Ref::new),
            kind: TaskKind::Operate,
            terms: Terms {
                description: Some(format!(
                    "Tell the provider what is needed to {object}, and do the part in its own hands"
                )),
                ..Terms::default()
            },
            ..Task::default()
        },
    ];
    if let Some(rng) = rng {
        tasks[0].terms.sla = Some(
            rng.pick(&[
                "within 1 working day",
                "within 5 working days",
                "monthly",
                "quarterly",
            ])
            .to_string(),
        );
        tasks[0].terms.evidence = vec![Evidence {
            description: rng
                .pick(&[
                    "Monthly service report",
                    "Quarterly security report",
                    "Change log",
                    "Annual audit letter",
                ])
                .to_string(),
            ..Evidence::default()
        }];
        tasks[0].terms.contract = Some(format!(
            "Schedule 2, clause {}.{}",
            1 + rng.below(9),
            1 + rng.below(9)
        ));
        if rng.chance(0.4) {
            tasks.push(Task {
                owners: vec![Ref::new(customer)],
                role: owner_role.map(Ref::new),
                kind: TaskKind::Oversee,
                terms: Terms {
                    description: Some(
                        "Check the provider's report and raise anything that looks wrong".into(),
                    ),
                    ..Terms::default()
                },
                ..Task::default()
            });
        }
    }
    tasks
}

fn preset_allocation(kind: Kind, r: &Resp) -> Allocation {
    let mut a = Allocation {
        responsibility: Ref::new(&r.id),
        ..Allocation::default()
    };
    match kind {
        Kind::Customer => a.status = Status::Customer,
        Kind::Supplier => a.status = Status::Supplier,
        Kind::NotApplicable => {
            a.status = Status::NotApplicable;
            a.reason = Some("This kind of service has nothing of this sort to look after.".into());
        }
        Kind::Shared => {
            a.status = Status::Shared;
            a.tasks = tasks_for(r, "provider", "customer", None, None);
        }
    }
    a
}

fn catalogue_file(resps: &[Resp]) -> String {
    let mut out = String::new();
    out.push_str("# A generated catalogue for scale tests (synth example): areas of 20\n");
    out.push_str("# responsibilities, and one preset per service model that fills every cell.\n");
    out.push_str(
        "catalogue:\n  id: synth\n  title: Generated catalogue for scale tests\n  version: \"1\"\n",
    );
    out.push_str("areas:\n");
    for (a, chunk) in resps.chunks(20).enumerate() {
        let topic = AREA_TOPICS[a % AREA_TOPICS.len()];
        let title = if a < AREA_TOPICS.len() {
            topic.to_owned()
        } else {
            format!("{topic} (part {})", a / AREA_TOPICS.len() + 1)
        };
        let _ = writeln!(
            out,
            "  - id: a{:03}\n    title: {}\n    responsibilities:",
            a + 1,
            scalar(&title)
        );
        for r in chunk {
            let _ = writeln!(out, "      - id: {}", r.id);
            let _ = writeln!(out, "        title: {}", scalar(&r.title));
            let _ = writeln!(
                out,
                "        description: {}",
                scalar(&format!(
                    "Make sure someone is clearly in charge of this ({}) for each service.",
                    r.layer.label().to_lowercase()
                ))
            );
            let _ = writeln!(out, "        layer: {}", r.layer.as_str());
            if r.retained {
                out.push_str("        retained: true\n");
            }
        }
    }
    out.push_str("presets:\n");
    for model in ServiceModel::ALL {
        let _ = writeln!(out, "  - id: synth-{}", model.as_str());
        let _ = writeln!(
            out,
            "    title: {}",
            scalar(&format!("{} (typical split)", model.label()))
        );
        let _ = writeln!(out, "    service_model: {}", model.as_str());
        out.push_str("    allocations:\n");
        for (i, r) in resps.iter().enumerate() {
            if r.retained {
                let _ = writeln!(
                    out,
                    "      {}:\n        status: customer\n        expected: true",
                    r.id
                );
                out.push_str("        why: Decisions about risk stay with the organisation that carries it.\n");
            } else {
                write::allocation(&mut out, 6, &preset_allocation(preset_kind(model, r, i), r));
            }
        }
    }
    out
}

// ---- parties and services ----

const NAME_HEADS: [&str; 16] = [
    "North", "Blue", "Oak", "River", "Harbour", "Cedar", "Summit", "Meadow", "Granite", "Beacon",
    "Willow", "Kestrel", "Lantern", "Copper", "Thistle", "Orchard",
];
const NAME_TAILS: [&str; 8] = [
    "soft", "cloud", "works", " IT", " Systems", "net", " Digital", "field",
];
const FIRST: [&str; 12] = [
    "Alex", "Sam", "Priya", "Tom", "Grace", "Omar", "Mei", "Jonah", "Aisha", "Ruth", "Kwame",
    "Lena",
];
const LAST: [&str; 12] = [
    "Hughes", "Patel", "Okafor", "Byrne", "Nowak", "Shah", "Evans", "Mensah", "Clarke", "Silva",
    "Reid", "Khan",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SupplierKind {
    Saas,
    Msp,
    Paas,
    Iaas,
}

impl SupplierKind {
    fn as_str(self) -> &'static str {
        match self {
            SupplierKind::Saas => "saas",
            SupplierKind::Msp => "msp",
            SupplierKind::Paas => "paas",
            SupplierKind::Iaas => "iaas",
        }
    }
    fn serves(self, m: ServiceModel) -> bool {
        matches!(
            (self, m),
            (SupplierKind::Saas, ServiceModel::Saas)
                | (
                    SupplierKind::Msp,
                    ServiceModel::ManagedService | ServiceModel::OnPremManaged
                )
                | (SupplierKind::Paas, ServiceModel::Paas)
                | (SupplierKind::Iaas, ServiceModel::Iaas)
        )
    }
}

fn person(rng: &mut Rng, domain: &str, role: &str, title: &str, signatory: bool) -> Person {
    let first = *rng.pick(&FIRST);
    let last = *rng.pick(&LAST);
    Person {
        name: format!("{first} {last}"),
        email: Some(format!(
            "{}.{}@{domain}",
            first.to_lowercase(),
            last.to_lowercase()
        )),
        role: Some(Ref::new(role)),
        title: Some(title.to_owned()),
        signatory,
    }
}

fn parties(rng: &mut Rng, n: usize) -> (Vec<Party>, Vec<SupplierKind>) {
    let mut customer = Party {
        id: CUSTOMER.into(),
        name: "Northfield Community Trust".into(),
        kind: Some("customer".into()),
        description: Some("A charity with several sites, many staff and volunteers, and a long list of IT suppliers.".into()),
        roles: [("digital-lead", "SLT digital lead"), ("dpo", "Data protection officer"), ("business-manager", "Business manager")]
            .into_iter()
            .map(|(id, name)| Role { id: id.into(), name: name.into(), loc: None })
            .collect(),
        ..Party::default()
    };
    customer.people = vec![
        person(
            rng,
            "northfield.example",
            "digital-lead",
            "Deputy CEO and SLT digital lead",
            true,
        ),
        person(
            rng,
            "northfield.example",
            "dpo",
            "Data protection officer",
            false,
        ),
        person(
            rng,
            "northfield.example",
            "business-manager",
            "Business manager",
            false,
        ),
    ];
    let mut out = vec![customer];
    let mut kinds = Vec::with_capacity(n);
    for i in 0..n {
        // Half SaaS vendors, a quarter managed IT providers, the rest platforms and clouds.
        let kind = match i % 20 {
            0..=9 => SupplierKind::Saas,
            10..=14 => SupplierKind::Msp,
            15..=17 => SupplierKind::Paas,
            _ => SupplierKind::Iaas,
        };
        kinds.push(kind);
        let id = format!("sup{:03}", i + 1);
        let name = format!(
            "{}{} {}",
            NAME_HEADS[i % 16],
            NAME_TAILS[(i / 16) % 8],
            kind_label(kind, i)
        );
        let domain = format!("{id}.example");
        out.push(Party {
            id: id.clone(),
            name,
            kind: Some(kind.as_str().into()),
            roles: vec![
                Role {
                    id: "account-manager".into(),
                    name: "Account manager".into(),
                    loc: None,
                },
                Role {
                    id: "security".into(),
                    name: "Security contact".into(),
                    loc: None,
                },
            ],
            people: vec![
                person(
                    rng,
                    &domain,
                    "account-manager",
                    "Client services director",
                    true,
                ),
                person(
                    rng,
                    &domain,
                    "security",
                    "Information security manager",
                    false,
                ),
            ],
            ..Party::default()
        });
    }
    (out, kinds)
}

fn kind_label(kind: SupplierKind, i: usize) -> String {
    let word = match kind {
        SupplierKind::Saas => "Software",
        SupplierKind::Msp => "Services",
        SupplierKind::Paas => "Platform",
        SupplierKind::Iaas => "Hosting",
    };
    if i < 128 {
        format!("{word} Ltd")
    } else {
        format!("{word} {} Ltd", i / 128 + 1)
    }
}

/// A supplier of the right kind for a service model, not `not` (the downstream provider).
fn choose_supplier(
    rng: &mut Rng,
    kinds: &[SupplierKind],
    m: ServiceModel,
    not: Option<usize>,
) -> Option<usize> {
    let fitting: Vec<usize> = (0..kinds.len())
        .filter(|&i| kinds[i].serves(m) && Some(i) != not)
        .collect();
    if !fitting.is_empty() {
        return Some(*rng.pick(&fitting));
    }
    let any: Vec<usize> = (0..kinds.len()).filter(|&i| Some(i) != not).collect();
    (!any.is_empty()).then(|| *rng.pick(&any))
}

const PRODUCTS: [&str; 12] = [
    "finance",
    "payroll",
    "HR",
    "donor database",
    "case records",
    "email",
    "file storage",
    "bookings",
    "learning platform",
    "website",
    "telephony",
    "rota planning",
];

/// One service as planned: its chain position and who provides and uses it.
#[derive(Debug)]
struct Plan {
    model: ServiceModel,
    provider: usize,
    /// The supplier index that uses it, or None for the model's customer.
    consumer: Option<usize>,
    upstream: Option<usize>,
}

/// Services in chains: each chain is a service the customer uses, then what it runs on.
fn plan_services(rng: &mut Rng, n: usize, depth: usize, kinds: &[SupplierKind]) -> Vec<Plan> {
    let mut plans: Vec<Plan> = Vec::with_capacity(n);
    while plans.len() < n {
        let want = (1 + rng.below(depth)).min(n - plans.len());
        let top = match rng.below(10) {
            0..=5 => ServiceModel::Saas,
            6..=8 => ServiceModel::ManagedService,
            _ => ServiceModel::OnPremManaged,
        };
        let Some(provider) = choose_supplier(rng, kinds, top, None) else {
            break;
        };
        plans.push(Plan {
            model: top,
            provider,
            consumer: None,
            upstream: None,
        });
        for level in 1..want {
            let model = if level == 1 {
                ServiceModel::Paas
            } else {
                ServiceModel::Iaas
            };
            let below = plans.len() - 1;
            let down = plans[below].provider;
            let Some(provider) = choose_supplier(rng, kinds, model, Some(down)) else {
                break;
            };
            plans[below].upstream = Some(plans.len());
            plans.push(Plan {
                model,
                provider,
                consumer: Some(down),
                upstream: None,
            });
        }
    }
    plans
}

fn service_values(rng: &mut Rng, plans: &[Plan], parties: &[Party]) -> Vec<Service> {
    let width = plans.len().to_string().len().max(4);
    let id = |i: usize| format!("svc{:0width$}", i + 1);
    plans
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let supplier = &parties[p.provider + 1];
            let what = match p.model {
                ServiceModel::Saas => format!(
                    "{} {}",
                    supplier.name.split(' ').next().unwrap_or(""),
                    rng.pick(&PRODUCTS)
                ),
                ServiceModel::ManagedService => format!(
                    "{} managed IT support",
                    supplier.name.split(' ').next().unwrap_or("")
                ),
                ServiceModel::OnPremManaged => format!(
                    "{} on-site servers",
                    supplier.name.split(' ').next().unwrap_or("")
                ),
                ServiceModel::Paas => format!(
                    "{} application platform",
                    supplier.name.split(' ').next().unwrap_or("")
                ),
                ServiceModel::Iaas => format!(
                    "{} cloud hosting",
                    supplier.name.split(' ').next().unwrap_or("")
                ),
            };
            let direct = p.consumer.is_none();
            let year = 2026 + (i % 2) as i32;
            Service {
                id: id(i),
                name: what,
                description: direct
                    .then(|| format!("Used across the Trust; provided by {}.", supplier.name)),
                provider: Ref::new(&supplier.id),
                customer: p.consumer.map(|c| Ref::new(&parties[c + 1].id)),
                model: Some(p.model),
                built_on: p
                    .upstream
                    .map(|u| vec![Ref::new(id(u))])
                    .unwrap_or_default(),
                presets: None,
                contract: Some(if direct {
                    format!(
                        "{} services agreement {year}, security schedule",
                        supplier.name
                    )
                } else {
                    format!(
                        "{} standard terms (agreed with {})",
                        supplier.name,
                        p.consumer.map_or("", |c| parties[c + 1].name.as_str())
                    )
                }),
                evidence: vec![Evidence {
                    description: format!(
                        "{} {}",
                        supplier.name,
                        rng.pick(&[
                            "ISO/IEC 27001 certificate",
                            "SOC 2 Type II report",
                            "Cyber Essentials Plus certificate"
                        ])
                    ),
                    collected: date(2026, 1 + (i % 9) as u8, 1),
                    expires: date(2029, 1 + (i % 9) as u8, 1),
                }],
                components: if p.model == ServiceModel::Saas && i % 4 == 0 {
                    vec![format!("pkg:generic/{}@{}.{}", id(i), 1 + i % 5, i % 10)]
                } else {
                    Vec::new()
                },
                loc: None,
            }
        })
        .collect()
}

// ---- explicit cells ----

/// What a cell resolves to, as far as a downstream service inheriting it cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Upstream {
    /// The upstream provider does it all, or its own inheritance reaches someone.
    Provides,
    /// Split with its customer: the downstream provider must take on a task.
    Shares,
    No,
}

#[derive(Debug)]
struct Planted {
    gaps: usize,
    contested: usize,
    overdue: usize,
    expired: usize,
}

fn explicit_cell(
    rng: &mut Rng,
    r: &Resp,
    direct: bool,
    provider_name: &str,
    upstream: Option<(&str, Upstream)>,
) -> (Allocation, Upstream) {
    let mut a = Allocation {
        responsibility: Ref::new(&r.id),
        ..Allocation::default()
    };
    let customer_owner = if direct { CUSTOMER } else { "customer" };
    let role = direct.then_some("digital-lead");
    let roll = if r.retained { 0 } else { rng.below(100) };
    let low_layer = matches!(
        r.layer,
        Layer::Physical
            | Layer::Network
            | Layer::Infrastructure
            | Layer::OperatingSystem
            | Layer::Runtime
    );
    let wants_inherit = upstream.is_some() && low_layer && roll >= 40;
    let kind = match roll {
        _ if wants_inherit => 'i',
        0..=24 => 'c',
        25..=59 => 's',
        60..=89 => 'h',
        90..=96 => 'i',
        _ => 'n',
    };
    let object = r.title.to_lowercase();
    match kind {
        'c' => {
            a.status = Status::Customer;
            if rng.chance(0.3) {
                a.terms.description = Some(format!("Our own staff {object} for this service"));
            }
        }
        'h' => {
            a.status = Status::Shared;
            a.tasks = tasks_for(r, "provider", customer_owner, role, Some(rng));
            return (a, Upstream::Shares);
        }
        'n' => {
            a.status = Status::NotApplicable;
            a.reason = Some(format!(
                "{provider_name} keeps nothing of this kind for us in this service."
            ));
            return (a, Upstream::No);
        }
        'i' => match upstream {
            Some((from, up)) if up != Upstream::No => {
                a.status = Status::Inherited;
                a.from = Some(Ref::new(from));
                if up == Upstream::Shares {
                    // The upstream provider shares it with its customer, our provider: say
                    // what our provider does for that part.
                    a.tasks = vec![Task {
                        owners: vec![Ref::new("provider")],
                        kind: TaskKind::Operate,
                        terms: Terms {
                            description: Some(format!(
                                "Do the upstream customer's part: {object} in what it builds on {from}"
                            )),
                            ..Terms::default()
                        },
                        ..Task::default()
                    }];
                } else if rng.chance(0.3) {
                    a.note = Some(format!("{provider_name} relies on {from} for this."));
                }
                return (a, Upstream::Provides);
            }
            _ => return supplier_cell(rng, a, &object),
        },
        _ => return supplier_cell(rng, a, &object),
    }
    (a, Upstream::No)
}

fn supplier_cell(rng: &mut Rng, mut a: Allocation, object: &str) -> (Allocation, Upstream) {
    a.status = Status::Supplier;
    if rng.chance(0.5) {
        a.terms = Terms {
            description: Some(format!(
                "The provider will {object} for everything in this service"
            )),
            sla: Some(
                rng.pick(&[
                    "within 1 working day",
                    "within 2 working days",
                    "monthly",
                    "every quarter",
                ])
                .to_string(),
            ),
            evidence: vec![Evidence {
                description: rng
                    .pick(&[
                        "Monthly service report",
                        "Patch compliance report",
                        "Annual penetration test summary",
                    ])
                    .to_string(),
                ..Evidence::default()
            }],
            contract: Some(format!(
                "Schedule 3, clause {}.{}",
                1 + rng.below(9),
                1 + rng.below(9)
            )),
            ..Terms::default()
        };
    }
    (a, Upstream::Provides)
}

fn preset_upstream(kind: Kind) -> Upstream {
    match kind {
        Kind::Supplier => Upstream::Provides,
        Kind::Shared => Upstream::Shares,
        Kind::Customer | Kind::NotApplicable => Upstream::No,
    }
}

// ---- main ----

fn run(args: &Args) -> Result<(), String> {
    let mut rng = Rng(args.seed);
    let resps = responsibilities(args.responsibilities);
    let (parties, kinds) = parties(&mut rng, args.suppliers);
    let plans = plan_services(&mut rng, args.services, args.chain_depth, &kinds);
    let services = service_values(&mut rng, &plans, &parties);
    let nresp = resps.len();

    // The planted findings: cells of services the customer uses directly, never retained.
    let direct: Vec<usize> = (0..plans.len())
        .filter(|&s| plans[s].consumer.is_none())
        .collect();
    let open: Vec<usize> = (0..nresp).filter(|&r| !resps[r].retained).collect();
    let mut planted: Vec<(usize, usize, char)> = Vec::new();
    if !open.is_empty() && !direct.is_empty() {
        for what in ['g', 'g', 'g', 'c', 'o', 'e'] {
            // Distinct cells; a model too small to hold six just gets fewer.
            for _ in 0..32 {
                let cell = (*rng.pick(&direct), *rng.pick(&open));
                if !planted.iter().any(|&(s, r, _)| (s, r) == cell) {
                    planted.push((cell.0, cell.1, what));
                    break;
                }
            }
        }
    }
    let count = |c: char| planted.iter().filter(|p| p.2 == c).count();
    let tally = Planted {
        gaps: count('g'),
        contested: count('c'),
        overdue: count('o'),
        expired: count('e'),
    };

    // Upstream services first, so a downstream cell knows what it can inherit.
    let mut order: Vec<usize> = (0..plans.len()).collect();
    order.sort_by_key(|&s| std::cmp::Reverse(s));
    let mut resolved: Vec<Vec<Upstream>> = vec![Vec::new(); plans.len()];
    let mut allocations: Vec<Option<ServiceAllocations>> = (0..plans.len()).map(|_| None).collect();
    let mut explicit_cells = 0usize;
    for s in order {
        let plan = &plans[s];
        let provider_name = parties[plan.provider + 1].name.as_str();
        let direct = plan.consumer.is_none();
        let mut row = Vec::with_capacity(nresp);
        let mut cells = Vec::new();
        for (i, r) in resps.iter().enumerate() {
            let preset = preset_kind(plan.model, r, i);
            let plant = planted.iter().find(|p| p.0 == s && p.1 == i).map(|p| p.2);
            let upstream = plan
                .upstream
                .map(|u| (services[u].id.as_str(), resolved[u][i]));
            let mut state = preset_upstream(preset);
            if let Some(what) = plant {
                let mut a = Allocation {
                    responsibility: Ref::new(&r.id),
                    ..Allocation::default()
                };
                match what {
                    'g' => {
                        a.status = Status::Undecided;
                        a.note = Some("To be agreed at the next supplier meeting.".into());
                    }
                    'c' => {
                        a.status = Status::Supplier;
                        a.contested = Some(Contest {
                            by: Ref::new(&parties[plan.provider + 1].id),
                            comment: "We only do this for systems we host, not for the Trust's own laptops.".into(),
                        });
                    }
                    'o' => {
                        a = explicit_cell(&mut rng, r, direct, provider_name, None).0;
                        a.review_by = date(2026, 3, 31);
                    }
                    _ => {
                        a.status = Status::Supplier;
                        a.terms.evidence = vec![Evidence {
                            description: "Penetration test summary".into(),
                            collected: date(2025, 6, 1),
                            expires: date(2026, 6, 30),
                        }];
                    }
                }
                state = Upstream::No;
                cells.push(a);
            } else if rng.chance(args.explicit) {
                let (a, st) = explicit_cell(&mut rng, r, direct, provider_name, upstream);
                state = st;
                cells.push(a);
            }
            row.push(state);
        }
        explicit_cells += cells.len();
        resolved[s] = row;
        if !cells.is_empty() {
            allocations[s] = Some(ServiceAllocations {
                service: Ref::new(&services[s].id),
                cells,
            });
        }
    }

    let model = Model {
        name: "Northfield Community Trust — IT services (generated)".into(),
        customer: Ref::new(CUSTOMER),
        version: Some(format!("synth-{}", args.seed)),
        review: Review {
            last: date(2026, 9, 1),
            next: date(2027, 9, 1),
            loc: None,
        },
        catalogues: vec![CATALOGUE_FILE.into()],
        parties,
        services,
        allocations: allocations.into_iter().flatten().collect(),
        ..Model::default()
    };
    let mut files = write::model_files(&model);
    files.push((CATALOGUE_FILE.into(), catalogue_file(&resps)));
    write::write_dir(&args.out, &files)
        .map_err(|e| format!("cannot write {}: {e}", args.out.display()))?;

    let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
    let alloc_bytes: usize = files
        .iter()
        .filter(|(n, _)| n.starts_with("allocations/"))
        .map(|(_, t)| t.len())
        .sum();
    println!(
        "{}: {} parties, {} services, {} responsibilities, {} cells, {} explicit cells, {} files, {} bytes ({} in allocations); planted: {} gaps, {} contested, {} overdue reviews, {} expired evidence",
        args.out.display(),
        model.parties.len(),
        model.services.len(),
        nresp,
        model.services.len() * nresp,
        explicit_cells,
        files.len(),
        bytes,
        alloc_bytes,
        tally.gaps,
        tally.contested,
        tally.overdue,
        tally.expired,
    );
    Ok(())
}

/// `--phases DIR [--runs N]`: where the time of `demarc check` goes.
fn phases(rest: &[String]) -> Result<(), String> {
    let mut dir = None;
    let mut runs = 5usize;
    let mut it = rest.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--runs" => {
                let v = it.next().ok_or("--runs needs a value")?;
                runs = v
                    .parse()
                    .map_err(|_| format!("--runs: \"{v}\" is not a whole number"))?;
            }
            s if s.starts_with('-') => return Err(format!("unknown option {s}")),
            s => dir = Some(PathBuf::from(s)),
        }
    }
    let dir = dir.ok_or("--phases needs a model directory")?;
    let today = date(2026, 11, 23).ok_or("bad date")?;
    let mut times: [Vec<Duration>; 5] = Default::default();
    let mut summary = String::new();
    for _ in 0..runs.max(1) {
        let t0 = Instant::now();
        let files = yaml::read_dir(&dir).map_err(|e| e.to_string())?;
        let t1 = Instant::now();
        let model = yaml::parse(&files).map_err(|e| {
            let first = e.first().map(ToString::to_string).unwrap_or_default();
            format!(
                "the model cannot be read ({} errors), first: {first}",
                e.len()
            )
        })?;
        let t2 = Instant::now();
        let view = demarc_core::View::new(&model);
        let t3 = Instant::now();
        let findings = demarc_core::check::check(&view, today);
        let t4 = Instant::now();
        let bytes: usize = files.files.iter().map(|(_, t)| t.len()).sum();
        summary = format!(
            "{} cells, {bytes} bytes, {} findings",
            model.services.len() * view.responsibilities().len(),
            findings.len()
        );
        drop((findings, view));
        drop((model, files));
        let t5 = Instant::now();
        for (v, d) in times
            .iter_mut()
            .zip([t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4])
        {
            v.push(d);
        }
    }
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2].as_secs_f64()
    };
    let [read, parse, resolve, check, free] = &mut times;
    let (read, parse, resolve, check, free) = (
        median(read),
        median(parse),
        median(resolve),
        median(check),
        median(free),
    );
    println!(
        "{}: {summary}; median of {} runs: read {read:.3} s, parse {parse:.3} s, resolve {resolve:.3} s, check {check:.3} s, free {free:.3} s, total {:.3} s",
        dir.display(),
        runs.max(1),
        read + parse + resolve + check + free
    );
    Ok(())
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if argv.first().is_some_and(|a| a == "--phases") {
        return match phases(&argv[1..]) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("synth: {e}");
                ExitCode::FAILURE
            }
        };
    }
    match parse_args() {
        Ok(args) => match run(&args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("synth: {e}");
                ExitCode::FAILURE
            }
        },
        Err(e) if e.is_empty() => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("synth: {e}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

//! A small model built in code, shared by the tests of this crate and (through the
//! `fixtures` feature) of the crates that build on it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::date::Date;
use crate::model::*;

fn date(y: i32, m: u8, d: u8) -> Date {
    Date::new(y, m, d).unwrap()
}

fn party(id: &str, name: &str, kind: &str, people: Vec<Person>) -> Party {
    Party {
        id: id.into(),
        name: name.into(),
        kind: Some(kind.into()),
        roles: vec![Role {
            id: "lead".into(),
            name: format!("{name} lead"),
            loc: None,
        }],
        people,
        ..Party::default()
    }
}

fn signatory(name: &str, title: &str) -> Person {
    Person {
        name: name.into(),
        title: Some(title.into()),
        role: Some(Ref::new("lead")),
        signatory: true,
        ..Person::default()
    }
}

fn resp(id: &str, title: &str, retained: bool) -> Responsibility {
    Responsibility {
        id: id.into(),
        title: title.into(),
        description: Some(format!("What {title} means.")),
        retained,
        ..Responsibility::default()
    }
}

fn alloc(r: &str, status: Status) -> Allocation {
    Allocation {
        responsibility: Ref::new(r),
        status,
        ..Allocation::default()
    }
}

fn task(owner: &str, kind: TaskKind, description: &str) -> Task {
    Task {
        owners: vec![Ref::new(owner)],
        kind,
        terms: Terms {
            description: Some(description.into()),
            ..Terms::default()
        },
        ..Task::default()
    }
}

/// Riverside (customer) uses Acme's managed IT support and CloudCo's school app, which is
/// built on BigCloud's hosting.
pub fn fixture() -> Model {
    let shared_backup = Allocation {
        tasks: vec![
            Task {
                terms: Terms {
                    description: Some("Run nightly backups".into()),
                    sla: Some("Restore within one working day".into()),
                    evidence: vec![Evidence {
                        description: "Backup log".into(),
                        ..Evidence::default()
                    }],
                    ..Terms::default()
                },
                ..task("acme", TaskKind::Operate, "")
            },
            task("riverside", TaskKind::Operate, "Test a restore each term"),
            task("riverside", TaskKind::Oversee, "Review the backup report"),
        ],
        ..alloc("backup", Status::Shared)
    };
    let accounts = Allocation {
        tasks: vec![
            task(
                "provider",
                TaskKind::Operate,
                "Create and remove accounts on request",
            ),
            task(
                "customer",
                TaskKind::Operate,
                "Tell the provider about joiners and leavers",
            ),
        ],
        ..alloc("accounts", Status::Shared)
    };
    let contested_backup = Allocation {
        contested: Some(Contest {
            by: Ref::new("riverside"),
            comment: "We must keep our own copy".into(),
        }),
        ..alloc("backup", Status::Supplier)
    };
    Model {
        name: "Riverside SRM".into(),
        customer: Ref::new("riverside"),
        version: Some("1.0".into()),
        review: Review {
            last: Some(date(2024, 1, 1)),
            next: Some(date(2025, 1, 1)),
            loc: None,
        },
        catalogue: Catalogue {
            areas: vec![
                Area {
                    id: "govern".into(),
                    title: "Governance and data".into(),
                    responsibilities: vec![
                        resp("policy", "Set the security policy", true),
                        resp("backup", "Back up data", false),
                        resp("patch", "Update software", false),
                    ],
                    ..Area::default()
                },
                Area {
                    id: "access".into(),
                    title: "Access and operations".into(),
                    responsibilities: vec![
                        resp("accounts", "Manage user accounts", false),
                        resp("physical", "Protect the buildings", false),
                        resp("monitor", "Monitor for attacks", false),
                    ],
                    ..Area::default()
                },
            ],
            ..Catalogue::default()
        },
        parties: vec![
            party(
                "riverside",
                "Riverside Trust",
                "customer",
                vec![signatory("Jane Head", "Headteacher")],
            ),
            party(
                "acme",
                "Acme IT",
                "msp",
                vec![signatory("Bob Account", "Account manager")],
            ),
            party("cloudco", "CloudCo", "saas", Vec::new()),
            party("bigcloud", "BigCloud", "iaas", Vec::new()),
        ],
        services: vec![
            Service {
                id: "it-support".into(),
                name: "Managed IT support".into(),
                provider: Ref::new("acme"),
                model: Some(ServiceModel::ManagedService),
                contract: Some("MSA 2024, schedule 2".into()),
                evidence: vec![Evidence {
                    description: "Monthly service report".into(),
                    ..Evidence::default()
                }],
                ..Service::default()
            },
            Service {
                id: "school-app".into(),
                name: "School app".into(),
                provider: Ref::new("cloudco"),
                model: Some(ServiceModel::Saas),
                built_on: vec![Ref::new("hosting")],
                contract: Some("CloudCo terms v3".into()),
                ..Service::default()
            },
            Service {
                id: "hosting".into(),
                name: "Cloud hosting".into(),
                provider: Ref::new("bigcloud"),
                customer: Some(Ref::new("cloudco")),
                model: Some(ServiceModel::Iaas),
                ..Service::default()
            },
        ],
        allocations: vec![
            ServiceAllocations {
                service: Ref::new("it-support"),
                cells: vec![
                    alloc("policy", Status::Customer),
                    shared_backup,
                    Allocation {
                        terms: Terms {
                            frequency: Some("Monthly".into()),
                            ..Terms::default()
                        },
                        ..alloc("patch", Status::Supplier)
                    },
                    accounts,
                    Allocation {
                        reason: Some("No equipment on site".into()),
                        ..alloc("physical", Status::NotApplicable)
                    },
                    // monitor: left undecided, a gap.
                ],
            },
            ServiceAllocations {
                service: Ref::new("school-app"),
                cells: vec![
                    alloc("policy", Status::Customer),
                    contested_backup,
                    alloc("patch", Status::Supplier),
                    alloc("accounts", Status::Customer),
                    alloc("physical", Status::Inherited),
                    alloc("monitor", Status::Supplier),
                ],
            },
            ServiceAllocations {
                service: Ref::new("hosting"),
                cells: vec![
                    alloc("policy", Status::Customer),
                    alloc("backup", Status::Customer),
                    alloc("patch", Status::Customer),
                    alloc("accounts", Status::Customer),
                    alloc("physical", Status::Supplier),
                    alloc("monitor", Status::Supplier),
                ],
            },
        ],
        ..Model::default()
    }
}

pub fn today() -> Date {
    date(2026, 1, 1)
}

//! Tests of the exports over a small model built in code.

use demarc_core::View;
use demarc_core::check::check;
use demarc_core::model::*;

use super::*;

use demarc_core::fixtures::{fixture, today};

fn opts(what: What, format: Format) -> ExportOptions<'static> {
    ExportOptions {
        what,
        format,
        party: None,
        service: None,
        today: today(),
    }
}

fn run(model: &Model, o: &ExportOptions<'_>) -> Result<String, ExportError> {
    let view = View::new(model);
    let findings = check(&view, o.today);
    export(&view, &findings, o)
}

#[test]
fn every_document_renders_in_every_format() {
    let model = fixture();
    for what in What::ALL {
        for format in Format::ALL {
            let o = ExportOptions {
                party: (what == What::Schedule).then_some("acme"),
                ..opts(what, format)
            };
            let out = run(&model, &o).unwrap_or_else(|e| panic!("{what} as {format}: {e}"));
            assert!(!out.is_empty(), "{what} as {format}");
            assert!(out.ends_with('\n'), "{what} as {format}");
            if format == Format::Json {
                let _: serde_json::Value = serde_json::from_str(&out).unwrap();
            }
            if format == Format::Html {
                assert!(out.starts_with("<!DOCTYPE html>"));
                assert!(!out.contains("<script"), "{what}");
                assert!(
                    !out.contains("http://")
                        || out.matches("http://").count()
                            == out.matches("xmlns=\"http://www.w3.org/2000/svg\"").count()
                );
                assert!(out.contains("@media print"));
                if what != What::PolicyAnnex {
                    assert!(out.contains("<th scope=\"col\">"), "{what}");
                }
            }
        }
    }
}

#[test]
fn exports_are_deterministic() {
    let model = fixture();
    for what in What::ALL {
        for format in [Format::Markdown, Format::Html, Format::Json] {
            let o = ExportOptions {
                party: (what == What::Schedule).then_some("cloudco"),
                ..opts(what, format)
            };
            assert_eq!(run(&model, &o).unwrap(), run(&model, &o).unwrap());
        }
    }
}

#[test]
fn schedule_has_the_suppliers_rows_only_and_both_sign_off_parties() {
    let model = fixture();
    let o = ExportOptions {
        party: Some("acme"),
        ..opts(What::Schedule, Format::Markdown)
    };
    let md = run(&model, &o).unwrap();
    assert!(md.contains("Run nightly backups"), "{md}");
    assert!(md.contains("Create and remove accounts on request"));
    assert!(md.contains("Tell the provider about joiners and leavers"));
    assert!(md.contains("Update software"));
    // Not Acme's: the policy row, the school app, the undecided row.
    assert!(!md.contains("Set the security policy"));
    assert!(!md.contains("School app"));
    assert!(!md.contains("Monitor for attacks"));
    assert!(md.contains("**For Riverside Trust (customer)**"));
    assert!(md.contains("**For Acme IT (supplier)**"));
    assert!(md.contains("Name: Jane Head"));
    assert!(md.contains("Title: Headteacher"));
    assert_eq!(md.matches("Signature: ____").count(), 2);

    let csv = run(
        &model,
        &ExportOptions {
            format: Format::Csv,
            ..o
        },
    )
    .unwrap();
    let mut reader = ::csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<::csv::StringRecord> = reader.records().collect::<Result<_, _>>().unwrap();
    // backup: 1 + 2, patch: 1, accounts: 1 + 1.
    assert_eq!(rows.len(), 6);
    assert!(rows.iter().all(|r| &r[0] == "it-support"));
    assert_eq!(rows.iter().filter(|r| &r[8] == "supplier").count(), 3);

    let html = run(
        &model,
        &ExportOptions {
            format: Format::Html,
            ..o
        },
    )
    .unwrap();
    assert!(html.contains("class=\"signoff\""));
    assert!(html.contains("For Riverside Trust (customer)"));
    assert!(html.contains("For Acme IT (supplier)"));
}

#[test]
fn schedule_of_a_supplier_without_signatories_has_blank_lines() {
    let model = fixture();
    let o = ExportOptions {
        party: Some("cloudco"),
        ..opts(What::Schedule, Format::Markdown)
    };
    let md = run(&model, &o).unwrap();
    assert!(md.contains("**For CloudCo (supplier)**"));
    assert!(md.contains("Name: ______"));
    assert!(md.contains("Provides this through Cloud hosting, run by BigCloud."));
    assert!(md.contains("Disputed by Riverside Trust"));
    let only = ExportOptions {
        service: Some("it-support"),
        ..o
    };
    let md = run(&model, &only).unwrap();
    assert!(md.contains("CloudCo has no tasks in this model"));
}

#[test]
fn schedule_errors_are_helpful() {
    let model = fixture();
    let o = opts(What::Schedule, Format::Markdown);
    let e = run(&model, &o).unwrap_err().to_string();
    assert_eq!(
        e,
        "the contract schedule is for one supplier: name it with --party; suppliers in this model: acme, cloudco, bigcloud"
    );
    let e = run(
        &model,
        &ExportOptions {
            party: Some("acmee"),
            ..o
        },
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        e,
        "there is no party \"acmee\" in this model; did you mean \"acme\"?"
    );
    let e = run(
        &model,
        &ExportOptions {
            party: Some("zzz"),
            ..o
        },
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("parties in this model: riverside, acme, cloudco, bigcloud"),
        "{e}"
    );
    let e = run(
        &model,
        &ExportOptions {
            party: Some("riverside"),
            ..o
        },
    )
    .unwrap_err();
    assert!(matches!(e, ExportError::CustomerAsSupplier { .. }));
    assert!(e.to_string().contains("not a supplier"), "{e}");
    let e = run(
        &model,
        &ExportOptions {
            party: Some("acme"),
            service: Some("it-suport"),
            ..o
        },
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        e,
        "there is no service \"it-suport\" in this model; did you mean \"it-support\"?"
    );
    let e = run(
        &model,
        &ExportOptions {
            party: Some("acme"),
            ..opts(What::Summary, Format::Html)
        },
    )
    .unwrap_err();
    assert!(matches!(e, ExportError::Unsupported(_)));
}

#[test]
fn policy_annex_marks_retained_responsibilities() {
    let model = fixture();
    let md = run(&model, &opts(What::PolicyAnnex, Format::Markdown)).unwrap();
    let policy = md
        .split("### ")
        .find(|s| s.starts_with("Set the security policy"))
        .unwrap();
    assert!(policy.contains("cannot be outsourced"), "{policy}");
    assert!(policy.contains("Riverside Trust does this for Managed IT support and School app."));
    let patch = md
        .split("### ")
        .find(|s| s.starts_with("Update software"))
        .unwrap();
    assert!(!patch.contains("cannot be outsourced"));
    assert!(
        patch.contains("Acme IT does this for Managed IT support; CloudCo does it for School app.")
    );
    let csv = run(&model, &opts(What::PolicyAnnex, Format::Csv)).unwrap();
    let mut reader = ::csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<::csv::StringRecord> = reader.records().collect::<Result<_, _>>().unwrap();
    assert_eq!(rows.len(), 6);
    assert_eq!(&rows[0][5], "yes");
    assert_eq!(&rows[1][5], "no");
}

#[test]
fn html_escapes_names() {
    let mut model = fixture();
    model.parties[1].name = "<script>alert('x')</script> & \"Co\"".into();
    model.services[0].name = "IT <b>support</b>".into();
    for what in What::ALL {
        let o = ExportOptions {
            party: (what == What::Schedule).then_some("acme"),
            ..opts(what, Format::Html)
        };
        let html = run(&model, &o).unwrap();
        assert!(!html.contains("<script"), "{what}");
        assert!(!html.contains("<b>"), "{what}");
        assert!(
            html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;Co&quot;"),
            "{what}"
        );
    }
}

#[test]
fn markdown_escapes_pipes_and_newlines_in_cells() {
    let mut model = fixture();
    model.parties[1].name = "Acme | IT".into();
    model.catalogue.areas[0].responsibilities[2].title = "Update\nsoftware | firmware".into();
    let md = run(&model, &opts(What::Matrix, Format::Markdown)).unwrap();
    assert!(md.contains("Acme \\| IT"), "{md}");
    assert!(md.contains("Update<br>software \\| firmware"), "{md}");
    assert!(!md.contains("Acme | IT"));
    // Every table line has the same number of unescaped pipes as its header.
    for table in md.split("\n\n").filter(|b| b.starts_with("| ")) {
        let counts: Vec<usize> = table
            .lines()
            .map(|l| l.replace("\\|", "").matches('|').count())
            .collect();
        assert!(counts.windows(2).all(|w| w[0] == w[1]), "{table}");
    }
}

#[test]
fn prose_is_reflowed_into_paragraphs() {
    assert_eq!(
        build::prose("one\ntwo \n\n\n  three\n"),
        ["one two", "three"]
    );
    assert!(build::prose(" \n ").is_empty());
}

#[test]
fn summary_counts_and_chart() {
    let model = fixture();
    let json = run(&model, &opts(What::Summary, Format::Json)).unwrap();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["cells"], 18);
    assert_eq!(v["gaps"], 1);
    assert_eq!(v["contested"].as_array().unwrap().len(), 1);
    assert_eq!(v["overdue_reviews"].as_array().unwrap().len(), 1);
    assert_eq!(v["split"][0]["party"]["id"], "cloudco");

    let html = run(&model, &opts(What::Summary, Format::Html)).unwrap();
    assert!(html.contains("<svg"), "{html}");
    assert!(html.contains("role=\"img\""));
    assert!(html.contains("<title id=\"chart-1-title\">Cells each party does the work of</title>"));
    assert!(html.contains(">CloudCo</text>"));
    assert!(
        !html.contains("class=\"new-page\""),
        "a one-page summary has no page breaks"
    );

    let md = run(&model, &opts(What::Summary, Format::Markdown)).unwrap();
    assert!(md.contains("## Gaps (1)"), "{md}");
    assert!(md.contains("| **CloudCo** | 7 | 0 | 7 |"), "{md}");
    assert!(md.contains("Not ready to sign."));

    let csv = run(&model, &opts(What::Summary, Format::Csv)).unwrap();
    assert!(csv.starts_with("measure,id,name,value\n"));
    assert!(csv.contains("operates,acme,Acme IT,3\n"));
    assert!(csv.contains("gaps,,,1\n"));
}

#[test]
fn matrix_filters_and_marks_cells() {
    let model = fixture();
    let md = run(&model, &opts(What::Matrix, Format::Markdown)).unwrap();
    assert!(md.contains("BigCloud (via Cloud hosting)"), "{md}");
    assert!(md.contains("Nobody does this yet"));
    assert!(md.contains("Disputed by Riverside Trust: We must keep our own copy"));
    assert!(md.contains("CAIQ: 3rd-party outsourced"));
    let html = run(&model, &opts(What::Matrix, Format::Html)).unwrap();
    assert!(html.contains("class=\"tone-problem\""));
    assert!(html.contains("<th scope=\"row\">"));
    assert!(html.contains("<thead>"));
    assert!(html.contains("A4 landscape"));

    let one = ExportOptions {
        service: Some("school-app"),
        ..opts(What::Matrix, Format::Markdown)
    };
    let md = run(&model, &one).unwrap();
    assert!(md.contains("# Responsibility matrix: School app"));
    assert!(md.contains("| Responsibility | Status | Who does it |"));
    assert!(!md.contains("Managed IT support"));

    let acme = ExportOptions {
        party: Some("acme"),
        ..opts(What::Matrix, Format::Json)
    };
    let v: serde_json::Value = serde_json::from_str(&run(&model, &acme).unwrap()).unwrap();
    assert_eq!(v["services"].as_array().unwrap().len(), 1);

    let csv = run(&model, &opts(What::Matrix, Format::Csv)).unwrap();
    assert!(csv.starts_with("service,responsibility,status"), "{csv}");
    let acme_csv = run(
        &model,
        &ExportOptions {
            party: Some("acme"),
            ..opts(What::Matrix, Format::Csv)
        },
    )
    .unwrap();
    assert!(!acme_csv.contains("school-app"), "{acme_csv}");
}

#[test]
fn an_empty_model_exports_without_error() {
    let model = Model::default();
    for what in What::ALL {
        for format in Format::ALL {
            let o = opts(what, format);
            let out = run(&model, &o);
            if what == What::Schedule {
                assert!(matches!(out, Err(ExportError::PartyRequired { .. })));
                let e = out.unwrap_err().to_string();
                assert!(e.ends_with("this model has no suppliers yet"), "{e}");
            } else {
                out.unwrap();
            }
        }
    }
}

//! Loading documents and validating them against the embedded OSCAL 1.2.3 JSON Schema.

// Helpers outside `#[test]` functions (a static, a temporary directory) unwrap too.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::LazyLock;

use demarc_oscal::document::{self, Kind};
use demarc_oscal::schema;
use demarc_oscal::stream;
use demarc_oscal::validate;
use demarc_oscal::{OscalError, Problem};
use serde_json::{Value, json};

use crate::common::shared_data;

/// The OSCAL JSON files in `../shared/data` whose PROVENANCE says (or whose origin implies:
/// the FedRAMP baselines, resolved catalogs and SSP template) they are valid OSCAL.
const VALID_FILES: &[&str] = &[
    "awslabs-oscal-content/catalogs/aws_security-hub.oscal.json",
    "awslabs-oscal-content/component-definitions/aws_regions-and-services.oscal.json",
    "awslabs-oscal-content/component-definitions/cloudtrail.oscal.json",
    "awslabs-oscal-content/component-definitions/ec2.oscal.json",
    "awslabs-oscal-content/component-definitions/eks.oscal.json",
    "awslabs-oscal-content/component-definitions/iam.oscal.json",
    "awslabs-oscal-content/component-definitions/kms.oscal.json",
    "awslabs-oscal-content/component-definitions/lambda.oscal.json",
    "awslabs-oscal-content/component-definitions/rds.oscal.json",
    "awslabs-oscal-content/component-definitions/s3.oscal.json",
    "compliance-trestle/comp_def_a.json",
    "compliance-trestle/comp_def_b.json",
    "compliance-trestle/leveraged_ssp.json",
    "compliance-trestle/leveraging_ssp.json",
    "compliance-trestle/ssp_example.json",
    "gsa-fedramp-automation/baselines/FedRAMP_rev5_HIGH-baseline_profile.json",
    "gsa-fedramp-automation/baselines/FedRAMP_rev5_LI-SaaS-baseline_profile.json",
    "gsa-fedramp-automation/baselines/FedRAMP_rev5_LOW-baseline_profile.json",
    "gsa-fedramp-automation/baselines/FedRAMP_rev5_MODERATE-baseline_profile.json",
    "gsa-fedramp-automation/resolved-catalogs/FedRAMP_rev5_LI-SaaS-baseline-resolved-profile_catalog.json",
    "gsa-fedramp-automation/resolved-catalogs/FedRAMP_rev5_LOW-baseline-resolved-profile_catalog.json",
    "gsa-fedramp-automation/templates/FedRAMP-SSP-OSCAL-Template.json",
    "nist-oscal-content/baselines/NIST_SP-800-53_rev5_HIGH-baseline_profile.json",
    "nist-oscal-content/baselines/NIST_SP-800-53_rev5_LOW-baseline_profile.json",
    "nist-oscal-content/baselines/NIST_SP-800-53_rev5_MODERATE-baseline_profile.json",
    "nist-oscal-content/baselines/NIST_SP-800-53_rev5_PRIVACY-baseline_profile.json",
    "nist-oscal-content/catalog/NIST_SP-800-53_rev5.0.1_catalog.json",
    "nist-oscal-content/examples/component-definition/example-component-definition.json",
    "nist-oscal-content/examples/component-definition/example-component.json",
    "nist-oscal-content/examples/ssp/ifa_ssp-example.json",
    "nist-oscal-content/examples/ssp/oscal_leveraged-example_ssp.json",
    "nist-oscal-content/examples/ssp/oscal_leveraging-example_ssp.json",
    "nist-oscal-content/examples/ssp/ssp-example.json",
    "nist-oscal-content/resolved-catalogs/NIST_SP-800-53_rev5_HIGH-baseline-resolved-profile_catalog-min.json",
    "nist-oscal-content/resolved-catalogs/NIST_SP-800-53_rev5_LOW-baseline-resolved-profile_catalog.json",
    "nist-oscal-content/resolved-catalogs/NIST_SP-800-53_rev5_MODERATE-baseline-resolved-profile_catalog.json",
    "nist-oscal-content/resolved-catalogs/NIST_SP-800-53_rev5_PRIVACY-baseline-resolved-profile_catalog.json",
];

/// The complete schema, compiled as it is (root `oneOf` and all), to check that validating
/// against one root branch (what `schema::validate` does) agrees with it.
static COMPLETE: LazyLock<jsonschema::Validator> = LazyLock::new(|| {
    let schema: Value = serde_json::from_str(schema::SCHEMA_JSON).unwrap();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .build(&schema)
        .unwrap()
});

#[test]
fn embedded_schema_is_the_nist_release() {
    assert_eq!(
        sha256_hex(schema::SCHEMA_JSON.as_bytes()),
        schema::SCHEMA_SHA256
    );
    assert_eq!(
        schema::SCHEMA_SHA256,
        "384324105c7a817af0f65b120a963146caa0e0d55d969cf0daf60e063b87a206"
    );
    // The SHA-256 implementation below, on the FIPS 180-2 test vectors.
    assert_eq!(
        sha256_hex(b""),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(
        sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(
        sha256_hex(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
    );
    // `schema` compiles it without checking it against the draft-07 meta-schema (to start
    // faster); it is checked here, and the complete schema compiles.
    let value: Value = serde_json::from_str(schema::SCHEMA_JSON).unwrap();
    assert!(jsonschema::draft7::meta::is_valid(&value));
    assert!(!COMPLETE.is_valid(&json!({})));
    if let Some(shared) = shared_data("nist-oscal-schema-1.2.3/oscal_complete_schema.json") {
        assert_eq!(
            std::fs::read(shared).unwrap(),
            schema::SCHEMA_JSON.as_bytes()
        );
    }
}

#[test]
fn every_valid_real_file_validates() {
    let mut checked = 0;
    let mut kinds: BTreeMap<Kind, usize> = BTreeMap::new();
    for rel in VALID_FILES {
        let Some(path) = shared_data(rel) else { return };
        let (doc, problems) = schema::load_and_validate(&path).unwrap();
        assert_eq!(problems, Vec::<Problem>::new(), "{rel}");
        // The check while parsing finds it valid too, and builds the value serde_json builds.
        let bytes = std::fs::read(&path).unwrap();
        let fast = stream::parse_valid(&bytes, &|_| true)
            .unwrap_or_else(|| panic!("{rel}: the check while parsing does not find it valid"));
        assert_eq!(fast.kind, doc.kind, "{rel}");
        assert!(
            fast.value.as_ref() == Some(&doc.value),
            "{rel}: another value"
        );
        assert_eq!(
            fast.value,
            Some(serde_json::from_slice::<Value>(&bytes).unwrap())
        );
        let bare = stream::parse_valid(&bytes, &|_| false).unwrap();
        assert_eq!((bare.kind, bare.value), (doc.kind, None), "{rel}");
        assert!(
            COMPLETE.is_valid(&doc.value),
            "{rel}: the complete schema disagrees"
        );
        *kinds.entry(doc.kind).or_default() += 1;
        checked += 1;
    }
    assert_eq!(checked, 37);
    assert_eq!(
        kinds,
        BTreeMap::from([
            (Kind::Catalog, 8),
            (Kind::Profile, 8),
            (Kind::ComponentDefinition, 13),
            (Kind::SystemSecurityPlan, 8),
        ])
    );
}

/// The shape of a problem: its pointer with array indexes as `N` and its message with quoted
/// values as `"…"`.
fn shape(p: &Problem) -> String {
    let pointer: String = p
        .pointer
        .split('/')
        .map(|s| {
            if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
                "N"
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/");
    let mut message = String::new();
    let mut in_quote = false;
    for c in p.message.chars() {
        if c == '"' {
            in_quote = !in_quote;
            if !in_quote {
                message.push_str("\"…\"");
            }
        } else if !in_quote {
            message.push(c);
        }
    }
    format!("{pointer} | {message}")
}

fn shapes(problems: &[Problem]) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for p in problems {
        *out.entry(shape(p)).or_default() += 1;
    }
    out
}

const IR: &str = "/system-security-plan/control-implementation/implemented-requirements/N";
const NOT_UUID: &str = "\"…\" is not a UUID (RFC 4122, version 4 or 5)";

/// Problems every prototype SSP has (prefixed ids like `CSP8e9a1b-…` everywhere; provided and
/// responsibilities directly under by-component).
fn prototype_common() -> BTreeMap<String, usize> {
    BTreeMap::from([
        (format!("/system-security-plan/uuid | {NOT_UUID}"), 1),
        (
            format!("/system-security-plan/system-implementation/users/N/uuid | {NOT_UUID}"),
            1,
        ),
        (
            format!("/system-security-plan/system-implementation/components/N/uuid | {NOT_UUID}"),
            1,
        ),
        (
            format!(
                "/system-security-plan/system-characteristics/system-information/information-types/N/uuid | {NOT_UUID}"
            ),
            1,
        ),
        (
            format!("/system-security-plan/metadata/parties/N/uuid | {NOT_UUID}"),
            1,
        ),
        (format!("{IR}/uuid | {NOT_UUID}"), 44),
        (format!("{IR}/statements/N/uuid | {NOT_UUID}"), 82),
        (
            format!("{IR}/statements/N/by-components/N/uuid | {NOT_UUID}"),
            82,
        ),
        (
            format!("{IR}/statements/N/by-components/N/component-uuid | {NOT_UUID}"),
            82,
        ),
        (
            format!(
                "{IR}/statements/N/by-components/N | unknown keys `provided`, `responsibilities`; allowed here: \
                 component-uuid, description, export, implementation-status, inherited, links, props, remarks, \
                 responsible-roles, satisfied, set-parameters, uuid"
            ),
            82,
        ),
    ])
}

#[test]
fn nist_srm_prototype_ssps_are_not_schema_valid() {
    let bc = format!("{IR}/statements/N/by-components/N");
    // The CSP satisfies 82 responsibilities of its own (the generator's self-references).
    let mut csp = prototype_common();
    csp.insert(format!("{bc}/satisfied/N/uuid | {NOT_UUID}"), 82);
    csp.insert(
        format!("{bc}/satisfied/N/responsibility-uuid | {NOT_UUID}"),
        82,
    );
    // The MSP and the app inherit 164 and satisfy 164 each.
    let mut downstream = prototype_common();
    for key in [
        "inherited/N/uuid",
        "inherited/N/provided-uuid",
        "satisfied/N/uuid",
        "satisfied/N/responsibility-uuid",
    ] {
        downstream.insert(format!("{bc}/{key} | {NOT_UUID}"), 164);
    }
    for (file, expected, total) in [
        ("example.ssp.csp.json", &csp, 541),
        ("example.ssp.msp.json", &downstream, 1033),
        ("example.ssp.app.json", &downstream, 1033),
    ] {
        let Some(path) = shared_data(&format!("nist-oscal-srm-prototype/examples/{file}")) else {
            return;
        };
        let (doc, problems) = schema::load_and_validate(&path).unwrap();
        assert_eq!(doc.kind, Kind::SystemSecurityPlan);
        assert_eq!(&shapes(&problems), expected, "{file}");
        assert_eq!(problems.len(), total, "{file}");
        assert!(!COMPLETE.is_valid(&doc.value));
        // Every problem names the file as given, and values are quoted, not dumped.
        assert!(
            problems
                .iter()
                .all(|p| p.file == path.display().to_string())
        );
        assert!(problems.iter().all(|p| p.message.len() < 400), "{file}");
    }
    // The exported shared-responsibility documents are a prototype model: readable, kind
    // known, and one problem saying the released schema does not have that model.
    for file in ["example.ssp.csp.sr.json", "example.ssp.msp.sr.json"] {
        let Some(path) = shared_data(&format!("nist-oscal-srm-prototype/examples/{file}")) else {
            return;
        };
        let (doc, problems) = schema::load_and_validate(&path).unwrap();
        assert_eq!(doc.kind, Kind::SharedResponsibility);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].pointer, "");
        assert!(
            problems[0].message.starts_with(
                "`shared-responsibility` is not a model of the released OSCAL 1.2.3 schema"
            ),
            "{}",
            problems[0].message
        );
        assert!(!COMPLETE.is_valid(&doc.value));
    }
}

fn minimal_catalog() -> Value {
    json!({
        "catalog": {
            "uuid": "74c8ba1e-5cd4-4ad1-bbfd-d888e2f6c724",
            "metadata": {
                "title": "A catalog",
                "last-modified": "2024-02-29T12:00:00Z",
                "version": "1",
                "oscal-version": "1.2.3"
            },
            "groups": [{
                "id": "ac",
                "title": "Access Control",
                "controls": [{"id": "ac-1", "title": "Policy and Procedures"}]
            }]
        }
    })
}

/// Validate `doc`, check the complete schema agrees, and give the problems as
/// `pointer | message` lines.
fn problems_of(doc: &Value) -> Vec<String> {
    let problems = schema::validate_value("t.json", doc);
    assert_eq!(
        problems.is_empty(),
        COMPLETE.is_valid(doc),
        "the complete schema disagrees: {problems:?}"
    );
    assert_eq!(
        stream::is_valid(&serde_json::to_vec(doc).unwrap()),
        problems.is_empty(),
        "the check while parsing disagrees: {problems:?}"
    );
    assert!(problems.iter().all(|p| p.file == "t.json"));
    problems
        .iter()
        .map(|p| format!("{} | {}", p.pointer, p.message))
        .collect()
}

#[test]
fn hand_broken_documents_give_the_pointer_and_what_was_expected() {
    assert_eq!(problems_of(&minimal_catalog()), Vec::<String>::new());

    let mut doc = minimal_catalog();
    doc["catalog"]["groups"][0]["controls"] = json!([]);
    assert_eq!(
        problems_of(&doc),
        [
            "/catalog/groups/0/controls | empty array: OSCAL arrays have at least one item (leave the key out instead)"
        ]
    );

    let mut doc = minimal_catalog();
    doc["catalog"]["groups"][0]["controls"][0]["statement"] = json!({"prose": "x"});
    assert_eq!(
        problems_of(&doc),
        [
            "/catalog/groups/0/controls/0 | unknown key `statement`; allowed here: class, controls, id, links, params, \
          parts, props, title"
        ]
    );

    let mut doc = minimal_catalog();
    doc["catalog"]["uuid"] = json!("CSP8e9a1b-0000-4000-8000-000000000000");
    assert_eq!(
        problems_of(&doc),
        [
            "/catalog/uuid | \"CSP8e9a1b-0000-4000-8000-000000000000\" is not a UUID (RFC 4122, version 4 or 5)"
        ]
    );

    let mut doc = minimal_catalog();
    doc["catalog"]["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("oscal-version");
    doc["catalog"]["groups"][0]["controls"][0]
        .as_object_mut()
        .unwrap()
        .remove("title");
    assert_eq!(
        problems_of(&doc),
        [
            "/catalog/groups/0/controls/0 | missing required key `title`",
            "/catalog/metadata | missing required key `oscal-version`",
        ]
    );

    // anyOf: a group holds either groups or controls (the schema allows no group with both);
    // a link's rel is any token (the listed values are suggestions). When no alternative
    // fits, what goes wrong inside them is not reported (yet): one problem at a time.
    let mut doc = minimal_catalog();
    doc["catalog"]["groups"][0]["groups"] = json!([{"id": "ac-x", "title": "Sub"}]);
    doc["catalog"]["groups"][0]["controls"][0]["links"] =
        json!([{"href": "#x", "rel": "see also"}]);
    assert_eq!(
        problems_of(&doc),
        [
            "/catalog/groups/0 | matches none of the allowed forms: unknown key `controls`; allowed here: class, \
          groups, id, links, params, parts, props, title; or: unknown key `groups`; allowed here: class, \
          controls, id, links, params, parts, props, title"
        ]
    );
    doc["catalog"]["groups"][0]
        .as_object_mut()
        .unwrap()
        .remove("groups");
    assert_eq!(
        problems_of(&doc),
        [
            "/catalog/groups/0/controls/0/links/0/rel | \"see also\" is not a token (a letter or `_`, then letters, \
          digits, `.`, `-` or `_`)"
        ]
    );

    // Types, formats, dates, tokens, white space; long values are cut short.
    let mut doc = minimal_catalog();
    doc["catalog"]["metadata"]["version"] = json!(1);
    doc["catalog"]["metadata"]["last-modified"] = json!("2023-02-29T12:00:00Z");
    doc["catalog"]["groups"][0]["id"] = json!("1 ac");
    doc["catalog"]["groups"][0]["controls"][0]["props"] =
        json!([{"name": "status", "value": "withdrawn ", "ns": "x".repeat(300)}]);
    doc["catalog"]["groups"][0]["controls"][0]["links"] =
        json!([{"href": "a b", "rel": "reference"}]);
    let got = problems_of(&doc);
    let long = format!("\"{}…\"", "x".repeat(80));
    assert_eq!(
        got,
        [
            "/catalog/groups/0/controls/0/links/0/href | \"a b\" is not a valid `uri-reference`".to_owned(),
            format!("/catalog/groups/0/controls/0/props/0/ns | {long} is not a valid `uri`"),
            format!("/catalog/groups/0/controls/0/props/0/ns | {long} is not an absolute URI"),
            "/catalog/groups/0/controls/0/props/0/value | \"withdrawn \" is not a non-empty string without leading \
             or trailing white space"
                .to_owned(),
            "/catalog/groups/0/id | \"1 ac\" is not a token (a letter or `_`, then letters, digits, `.`, `-` or `_`)"
                .to_owned(),
            // 2023 is not a leap year: both the pattern and the format say so.
            "/catalog/metadata/last-modified | \"2023-02-29T12:00:00Z\" is not a date and time with a time zone (e.g. \
             2024-01-31T12:00:00Z)"
                .to_owned(),
            "/catalog/metadata/last-modified | \"2023-02-29T12:00:00Z\" is not a valid `date-time`".to_owned(),
            "/catalog/metadata/version | expected a string, found a number 1".to_owned(),
        ]
    );
}

#[test]
fn root_problems_are_said_plainly() {
    assert_eq!(
        problems_of(&json!({"catalog": {}, "profile": {}})),
        [" | expected exactly one root key, found `catalog`, `profile`"]
    );
    assert_eq!(
        problems_of(&json!([1])),
        [
            " | expected an object with one of the root keys `catalog`, `mapping-collection`, `profile`, \
          `component-definition`, `system-security-plan`, `assessment-plan`, `assessment-results`, \
          `plan-of-action-and-milestones`, found an array"
        ]
    );
    let mut doc = minimal_catalog();
    doc["$schema"] = json!("https://example.org/oscal.json");
    assert_eq!(problems_of(&doc), Vec::<String>::new());
    doc["extra"] = json!(1);
    assert_eq!(
        problems_of(&doc),
        [" | unknown key `extra`; allowed here: $schema, catalog"]
    );
}

#[test]
fn the_check_while_parsing_takes_the_root_as_the_schema_does() {
    let catalog = minimal_catalog()["catalog"].clone();
    let cases = [
        (json!({"catalog": catalog}), true),
        (
            json!({"$schema": "https://example.com/oscal.json", "catalog": catalog}),
            true,
        ),
        (
            json!({"catalog": catalog, "$schema": "oscal_catalog_schema.json"}),
            true,
        ),
        (
            json!({"$schema": "not a uri reference", "catalog": catalog}),
            false,
        ),
        (json!({"$schema": 7, "catalog": catalog}), false),
        (json!({"catalog": catalog, "extra": 1}), false),
        (json!({"catalog": catalog, "profile": {}}), false),
        (json!({"$schema": "x.json"}), false),
        (json!({}), false),
        (json!({"shared-responsibility": {}}), false),
        (json!([{"catalog": catalog}]), false),
        (json!("catalog"), false),
    ];
    for (doc, valid) in cases {
        assert_eq!(COMPLETE.is_valid(&doc), valid, "{doc}");
        let bytes = serde_json::to_vec(&doc).unwrap();
        assert_eq!(stream::is_valid(&bytes), valid, "{doc}");
        if valid {
            let read = stream::parse_valid(&bytes, &|_| true).unwrap();
            assert_eq!(read.value, Some(doc.clone()));
        }
    }
    // A duplicate model key: serde_json keeps the last value; this path refuses it (and the
    // slow path then judges the value serde_json kept).
    let twice = format!(r#"{{"catalog": {{}}, "catalog": {catalog}}}"#);
    assert!(!stream::is_valid(twice.as_bytes()));
    assert!(COMPLETE.is_valid(&serde_json::from_str::<Value>(&twice).unwrap()));
    // Not JSON, or trailing bytes: not valid here (the slow path says why).
    assert!(!stream::is_valid(b"{\"catalog\": "));
    let mut trailing = serde_json::to_vec(&minimal_catalog()).unwrap();
    trailing.extend_from_slice(b" {}");
    assert!(!stream::is_valid(&trailing));
}

#[test]
fn yaml_documents_validate_like_json() {
    let yaml = b"catalog:\n  uuid: 74c8ba1e-5cd4-4ad1-bbfd-d888e2f6c724\n  metadata:\n    title: A catalog\n    \
                 last-modified: 2024-02-29T12:00:00Z\n    version: '1'\n    oscal-version: 1.2.3\n  groups:\n  \
                 - id: ac\n    title: Access Control\n    controls:\n    - id: ac-1\n      title: Policy and \
                 Procedures\n";
    let doc = document::from_bytes("c.yaml", yaml).unwrap();
    assert_eq!(doc.kind, Kind::Catalog);
    assert_eq!(doc.value, minimal_catalog());
    assert_eq!(schema::validate(&doc), Vec::<Problem>::new());
    // Unquoted, the version is a number in YAML: the schema says so.
    let bad = String::from_utf8_lossy(yaml).replace("version: '1'", "version: 1");
    let doc = document::from_bytes("c.yaml", bad.as_bytes()).unwrap();
    let problems = schema::validate(&doc);
    assert_eq!(problems.len(), 1);
    assert_eq!(
        problems[0].to_string(),
        "c.yaml: at /catalog/metadata/version: expected a string, found a number 1"
    );
}

#[test]
fn real_json_read_as_yaml_gives_the_same_document() {
    // JSON is YAML: the YAML reader, given the bytes of a real file under a .yaml name, must
    // build the same value as the JSON reader (escapes, numbers, nesting).
    let dir = TempDir::new("as-yaml");
    let mut checked = 0;
    for name in [
        "ifa_ssp-example.json",
        "oscal_leveraged-example_ssp.json",
        "oscal_leveraging-example_ssp.json",
        "ssp-example.json",
    ] {
        let Some(path) = shared_data(&format!("nist-oscal-content/examples/ssp/{name}")) else {
            return;
        };
        let json = document::load(&path).unwrap();
        let copy = dir.0.join(name.replace(".json", ".yaml"));
        std::fs::copy(&path, &copy).unwrap();
        let yaml = document::load(&copy).unwrap();
        assert_eq!(yaml.kind, json.kind);
        assert!(yaml.value == json.value, "{name}");
        checked += 1;
    }
    assert_eq!(checked, 4);
}

/// A fresh directory under the system's temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir =
            std::env::temp_dir().join(format!("demarc-oscal-schema-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn syntax_errors_give_file_line_and_column() {
    let dir = TempDir::new("syntax");
    let json_path = dir.0.join("broken.json");
    std::fs::write(
        &json_path,
        "{\n  \"catalog\": {\n    \"uuid\": \"x\",\n  }\n}\n",
    )
    .unwrap();
    let err = document::load(&json_path).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{}:4:3: invalid JSON: trailing comma", json_path.display())
    );
    assert!(matches!(
        err,
        OscalError::Syntax {
            line: 4,
            column: 3,
            ..
        }
    ));

    let yaml_path = dir.0.join("broken.yaml");
    std::fs::write(&yaml_path, "catalog:\n  uuid: x\n   metadata: {}\n").unwrap();
    let err = document::load(&yaml_path).unwrap_err();
    let OscalError::Syntax {
        file,
        line,
        column,
        message,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(file, &yaml_path.display().to_string());
    assert_eq!((*line, *column), (3, 12), "{err}");
    assert!(message.starts_with("invalid YAML: "), "{message}");

    // validate_files: an unreadable or malformed file fails the whole call.
    let err = validate::validate_files(&[json_path], None).unwrap_err();
    assert!(matches!(err, OscalError::Syntax { .. }));
    let err = validate::validate_files(&[dir.0.join("absent.json")], None).unwrap_err();
    assert!(matches!(err, OscalError::Read { .. }), "{err}");
}

#[test]
fn validate_files_expands_directories_in_name_order() {
    let dir = TempDir::new("dir");
    std::fs::write(dir.0.join("b.json"), minimal_catalog().to_string()).unwrap();
    let mut broken = minimal_catalog();
    broken["catalog"]["groups"] = json!([]);
    std::fs::write(
        dir.0.join("a.yml"),
        serde_json::to_string_pretty(&broken).unwrap(),
    )
    .unwrap();
    std::fs::write(dir.0.join("c.json"), r#"{"fedramp-values": {}}"#).unwrap();
    std::fs::write(dir.0.join("notes.txt"), "not OSCAL").unwrap();
    std::fs::write(dir.0.join(".hidden.json"), "{").unwrap();
    std::fs::create_dir(dir.0.join("sub.json")).unwrap();
    let report = validate::validate_files(std::slice::from_ref(&dir.0), None).unwrap();
    let name = |f: &str| dir.0.join(f).display().to_string();
    assert_eq!(
        report.files,
        [name("a.yml"), name("b.json"), name("c.json")]
    );
    let got: Vec<String> = report.problems.iter().map(Problem::to_string).collect();
    assert_eq!(
        got,
        [
            format!(
                "{}: at /catalog/groups: empty array: OSCAL arrays have at least one item (leave the key out instead)",
                name("a.yml")
            ),
            format!(
                "{}: not an OSCAL document: expected one of the root keys `catalog`, `profile`, \
                 `component-definition`, `system-security-plan`, `assessment-plan`, `assessment-results`, \
                 `plan-of-action-and-milestones`, `mapping-collection`, `shared-responsibility`; found \
                 `fedramp-values`",
                name("c.json")
            ),
        ]
    );
    assert!(!report.is_clean());
    let all = report.all_findings();
    assert_eq!(all.len(), 2 + report.findings.len());
    assert_eq!(all[0].code, demarc_core::finding::Code::OscalSchema);
    assert_eq!(all[0].document.as_deref(), Some(name("a.yml").as_str()));
    assert_eq!(all[0].pointer.as_deref(), Some("/catalog/groups"));

    let empty = TempDir::new("empty");
    let err = validate::validate_files(std::slice::from_ref(&empty.0), None).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("the directory has no .json, .yaml or .yml file"),
        "{err}"
    );
}

#[test]
fn validate_files_on_the_prototype_chain() {
    let Some(dir) = shared_data("nist-oscal-srm-prototype/examples") else {
        return;
    };
    let report = validate::validate_files(&[dir], None).unwrap();
    assert_eq!(report.files.len(), 5);
    assert_eq!(report.problems.len(), 541 + 1033 + 1033 + 1 + 1);
    assert!(report.problems.windows(2).all(|w| w[0] <= w[1]), "sorted");
}

#[test]
fn oversized_input_is_refused_before_parsing() {
    // No 512 MiB file is written: the limit is checked on the length.
    assert_eq!(document::MAX_BYTES, 512 * 1024 * 1024);
    let dir = TempDir::new("big");
    let path = dir.0.join("big.json");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(document::MAX_BYTES + 1).unwrap(); // sparse: takes no disk space
    let err = document::load(&path).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: cannot read: the file is 513 MiB; files over 512 MiB are refused (no OSCAL document is that large)",
            path.display()
        )
    );
}

// A small SHA-256 (FIPS 180-4), enough to check the embedded schema's bytes.
fn sha256_hex(data: &[u8]) -> String {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut message = data.to_vec();
    message.push(0x80);
    while message.len() % 64 != 56 {
        message.push(0);
    }
    message.extend_from_slice(&((data.len() as u64) * 8).to_be_bytes());
    for block in message.chunks_exact(64) {
        let mut w = [0u32; 64];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *x = x.wrapping_add(y);
        }
    }
    h.iter().map(|x| format!("{x:08x}")).collect()
}

/// Real documents broken at random places in random ways: the check while parsing and the
/// complete schema must agree on every one (it may never call valid what the schema rejects;
/// and where it calls valid what the schema rejects, the slow path would cost time for
/// nothing: both are failures here).
mod breakages {
    use super::*;
    use crate::common::{broken, shorten};
    use proptest::prelude::*;

    const FILES: &[&str] = &[
        "nist-oscal-content/examples/ssp/ssp-example.json",
        "nist-oscal-content/examples/ssp/oscal_leveraged-example_ssp.json",
        "compliance-trestle/leveraging_ssp.json",
        "nist-oscal-content/examples/component-definition/example-component-definition.json",
        "gsa-fedramp-automation/baselines/FedRAMP_rev5_LI-SaaS-baseline_profile.json",
        "nist-oscal-content/resolved-catalogs/NIST_SP-800-53_rev5_LOW-baseline-resolved-profile_catalog.json",
    ];

    static DOCS: LazyLock<Vec<Value>> = LazyLock::new(|| {
        FILES
            .iter()
            .filter_map(|rel| shared_data(rel))
            .map(|p| {
                let mut v = serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
                shorten(&mut v);
                assert!(COMPLETE.is_valid(&v));
                v
            })
            .collect()
    });

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]
        #[test]
        fn the_check_while_parsing_agrees_with_the_schema(
            doc in 0usize..16, place in any::<usize>(), how in 0usize..16, salt in any::<usize>(),
            twice in any::<bool>(),
        ) {
            let Some(v) = broken(&DOCS, doc, place, how, salt, twice) else {
                return Ok(());
            };
            let bytes = serde_json::to_vec(&v).unwrap();
            prop_assert_eq!(stream::is_valid(&bytes), COMPLETE.is_valid(&v));
        }
    }
}

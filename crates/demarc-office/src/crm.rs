//! FedRAMP CIS/CRM workbooks (SSP Appendix J), in and out.
//!
//! A cloud service provider fills in two worksheets per baseline: the **CIS worksheet**
//! (Control Implementation Summary: for each control, or each part of one, how far it is in
//! place and where it comes from — the provider, the customer, both, or a pre-existing
//! authorization it inherits from) and the **CRM worksheet** (Customer Responsibility Matrix:
//! whether the customer can inherit the control, and what the customer must do).
//!
//! - [`read`] finds the worksheets and their columns **by header text** (headers differ from
//!   file to file and between the rev4-era and rev5 templates) and returns the rows as written;
//! - [`import`] turns them into a model: the provider's service, one responsibility per control
//!   (`ac-2`, `ac-2.1`, as OSCAL writes ids), parts of a control (`AC-2(a)`) as statements
//!   (`ac-2_smt.a`) that tasks name where the parts differ;
//! - [`export`] writes a service of a model back in the template's layout.
//!
//! The exact rules are in `docs/crm.md` (a table per direction). In short:
//!
//! - origination is a **set**: provider origins only → `supplier`; customer origins only →
//!   `customer`; "Shared", or provider and customer origins → `shared` (a `provider` and a
//!   `customer` task); "Inherited" (with anything else) → `inherited` from the upstream
//!   service, with a `provider` task where the provider also has a part and a `customer` task
//!   where the customer has;
//! - the CRM answer and text: `Partial` / `No` give the customer a task (described by the
//!   text; `No` marks it [`NOT_INHERITABLE`]); `Yes` puts the text on the provider's side;
//! - a part marked only N/A → `not-applicable` (the text is the reason) when the whole control
//!   is N/A;
//! - a row with nothing filled in gives no allocation (undecided), with a note saying how many.
//!
//! Everything not understood becomes a note with its sheet, row and column; layout problems
//! (no worksheet found, several baselines filled in) are errors naming the sheets present.

mod read;
mod write;

pub use read::{CisRow, CisSheet, CrmImport, CrmRow, CrmSheet, Read, Titles, import, read};
pub use write::{CrmExport, ExportError, export};

use demarc_core::model::Implementation;

/// The scope written on a customer task when the CRM says the customer cannot inherit the
/// control at all ("No"), so that exporting the model writes "No" again rather than "Partial".
pub const NOT_INHERITABLE: &str =
    "all of it, for its own use: it cannot be inherited from the provider";

/// The mapping name under which a responsibility keeps the workbook's control id.
pub const MAPPING: &str = "nist-800-53";

/// A FedRAMP baseline: which worksheets of a workbook are read or written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Baseline {
    High,
    Moderate,
    Low,
    LiSaas,
}

impl Baseline {
    pub const ALL: [Baseline; 4] = [
        Baseline::High,
        Baseline::Moderate,
        Baseline::Low,
        Baseline::LiSaas,
    ];

    /// As written on the command line and in catalogue ids.
    pub fn as_str(self) -> &'static str {
        match self {
            Baseline::High => "high",
            Baseline::Moderate => "moderate",
            Baseline::Low => "low",
            Baseline::LiSaas => "li-saas",
        }
    }

    /// As the template writes it in sheet names ("LI-SaaS CIS Worksheet").
    pub fn label(self) -> &'static str {
        match self {
            Baseline::High => "High",
            Baseline::Moderate => "Moderate",
            Baseline::Low => "Low",
            Baseline::LiSaas => "LI-SaaS",
        }
    }

    /// A baseline as a person may type it: `moderate`, `Moderate`, `li-saas`, `LI SaaS`,
    /// `lisaas`, `tailored`.
    pub fn parse(s: &str) -> Option<Baseline> {
        let k: String = s
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        match k.as_str() {
            "high" | "h" => Some(Baseline::High),
            "moderate" | "mod" | "m" => Some(Baseline::Moderate),
            "low" | "l" => Some(Baseline::Low),
            "lisaas" | "tailored" | "lowimpactsaas" => Some(Baseline::LiSaas),
            _ => None,
        }
    }

    /// The baseline a sheet name starts with ("Moderate CIS Worksheet").
    fn of_sheet(name: &str) -> Option<Baseline> {
        let n = norm(name);
        let first = n.split(' ').next().unwrap_or("");
        match first {
            "high" => Some(Baseline::High),
            "moderate" => Some(Baseline::Moderate),
            "low" => Some(Baseline::Low),
            "li-saas" | "lisaas" => Some(Baseline::LiSaas),
            _ => None,
        }
    }

    /// The catalogue a workbook of this baseline fills.
    pub fn catalogue_id(baseline: Option<Baseline>) -> String {
        match baseline {
            Some(b) => format!("fedramp-{}", b.as_str()),
            None => "fedramp-controls".to_owned(),
        }
    }
}

/// One "Implementation Status" column of the CIS worksheet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StatusMark {
    Implemented,
    Partial,
    Planned,
    Alternative,
    NotApplicable,
}

impl StatusMark {
    pub const ALL: [StatusMark; 5] = [
        StatusMark::Implemented,
        StatusMark::Partial,
        StatusMark::Planned,
        StatusMark::Alternative,
        StatusMark::NotApplicable,
    ];

    /// The template's header text.
    pub fn header(self) -> &'static str {
        match self {
            StatusMark::Implemented => "Implemented",
            StatusMark::Partial => "Partially Implemented",
            StatusMark::Planned => "Planned",
            StatusMark::Alternative => "Alternative Implementation",
            StatusMark::NotApplicable => "N/A",
        }
    }

    fn matches(self, n: &str) -> bool {
        match self {
            StatusMark::Implemented => n == "implemented",
            StatusMark::Partial => n.starts_with("partially implemented"),
            StatusMark::Planned => n == "planned",
            StatusMark::Alternative => n.starts_with("alternative implementation"),
            StatusMark::NotApplicable => n == "n/a" || n == "na" || n == "not applicable",
        }
    }

    pub fn implementation(self) -> Option<Implementation> {
        match self {
            StatusMark::Implemented => Some(Implementation::Implemented),
            StatusMark::Partial => Some(Implementation::Partial),
            StatusMark::Planned => Some(Implementation::Planned),
            StatusMark::Alternative => Some(Implementation::Alternative),
            StatusMark::NotApplicable => None,
        }
    }

    pub fn of(i: Implementation) -> StatusMark {
        match i {
            Implementation::Implemented => StatusMark::Implemented,
            Implementation::Partial => StatusMark::Partial,
            Implementation::Planned => StatusMark::Planned,
            Implementation::Alternative => StatusMark::Alternative,
        }
    }
}

/// One "Control Origination" column of the CIS worksheet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Origin {
    ProviderCorporate,
    ProviderSystem,
    ProviderHybrid,
    CustomerConfigured,
    CustomerProvided,
    Shared,
    Inherited,
}

impl Origin {
    pub const ALL: [Origin; 7] = [
        Origin::ProviderCorporate,
        Origin::ProviderSystem,
        Origin::ProviderHybrid,
        Origin::CustomerConfigured,
        Origin::CustomerProvided,
        Origin::Shared,
        Origin::Inherited,
    ];

    /// The template's header text (the template itself has two spaces before
    /// "Authorization"; one is written, and any run of spaces is read).
    pub fn header(self) -> &'static str {
        match self {
            Origin::ProviderCorporate => "Service Provider Corporate",
            Origin::ProviderSystem => "Service Provider System Specific",
            Origin::ProviderHybrid => "Service Provider Hybrid (Corporate and System Specific)",
            Origin::CustomerConfigured => "Configured by Customer (Customer System Specific)",
            Origin::CustomerProvided => "Provided by Customer (Customer System Specific)",
            Origin::Shared => "Shared (Service Provider and Customer Responsibility)",
            Origin::Inherited => "Inherited from Pre-Existing Authorization",
        }
    }

    fn matches(self, n: &str) -> bool {
        match self {
            Origin::ProviderCorporate => n.starts_with("service provider corporate"),
            Origin::ProviderSystem => n.starts_with("service provider system specific"),
            Origin::ProviderHybrid => n.starts_with("service provider hybrid"),
            Origin::CustomerConfigured => n.starts_with("configured by customer"),
            Origin::CustomerProvided => n.starts_with("provided by customer"),
            Origin::Shared => n.starts_with("shared"),
            Origin::Inherited => n.starts_with("inherited from pre-existing"),
        }
    }

    pub fn is_provider(self) -> bool {
        matches!(
            self,
            Origin::ProviderCorporate | Origin::ProviderSystem | Origin::ProviderHybrid
        )
    }

    pub fn is_customer(self) -> bool {
        matches!(self, Origin::CustomerConfigured | Origin::CustomerProvided)
    }
}

/// The CRM's "Can Be Inherited from CSP".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Answer {
    Yes,
    Partial,
    No,
}

impl Answer {
    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Yes => "Yes",
            Answer::Partial => "Partial",
            Answer::No => "No",
        }
    }

    fn parse(s: &str) -> Option<Answer> {
        match norm(s).trim_end_matches('.') {
            "yes" | "y" => Some(Answer::Yes),
            "partial" | "partially" | "p" => Some(Answer::Partial),
            "no" | "n" => Some(Answer::No),
            _ => None,
        }
    }
}

/// A control id of a workbook, as OSCAL writes it: `AC-02 (01) (a)` → control `ac-2.1`,
/// statement `ac-2.1_smt.a`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ControlId {
    pub control: String,
    pub statement: Option<String>,
}

/// Read a NIST SP 800-53 control id as workbooks write it: `AC-2`, `AC-02`, `AC-2(1)`,
/// `AC-02 (01)`, `AC-2(a)`, `AC-2(3)(a)`, `AC-2 (a)(1)`, or OSCAL's `ac-2.1`.
pub fn parse_control_id(text: &str) -> Option<ControlId> {
    // Spaces next to the punctuation go ("AC-02 (01)"); spaces inside a part do not.
    let chars: Vec<char> = text.trim().chars().collect();
    let punct = |c: Option<&char>| c.is_some_and(|c| matches!(c, '(' | ')' | '-' | '.'));
    let t: String = chars
        .iter()
        .enumerate()
        .filter(|&(i, c)| {
            if !c.is_whitespace() {
                return true;
            }
            let before = chars[..i].iter().rev().find(|c| !c.is_whitespace());
            let after = chars[i + 1..].iter().find(|c| !c.is_whitespace());
            !(punct(before) || punct(after))
        })
        .map(|(_, c)| *c)
        .collect();
    let dash = t.find('-')?;
    let family = &t[..dash];
    if !(2..=3).contains(&family.len()) || !family.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let rest = &t[dash + 1..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let number: u32 = digits.parse().ok()?;
    let mut rest = &rest[digits.len()..];
    let mut enhancement: Option<u32> = None;
    if let Some(after) = rest.strip_prefix('.') {
        let d: String = after.chars().take_while(char::is_ascii_digit).collect();
        enhancement = Some(d.parse().ok()?);
        rest = &after[d.len()..];
    }
    let mut groups = Vec::new();
    while let Some(after) = rest.strip_prefix('(') {
        let close = after.find(')')?;
        let g = &after[..close];
        if g.is_empty() || !g.chars().all(|c| c.is_ascii_alphanumeric()) {
            return None;
        }
        groups.push(g.to_owned());
        rest = &after[close + 1..];
    }
    let rest = rest.trim_end_matches('.');
    if !rest.is_empty() {
        return None;
    }
    let mut parts = groups.into_iter().peekable();
    if enhancement.is_none()
        && let Some(g) = parts.peek()
        && g.chars().all(|c| c.is_ascii_digit())
    {
        enhancement = Some(g.parse().ok()?);
        parts.next();
    }
    let mut control = format!("{}-{number}", family.to_ascii_lowercase());
    if let Some(e) = enhancement {
        control.push_str(&format!(".{e}"));
    }
    let mut segs = Vec::new();
    for p in parts {
        if p.chars().all(|c| c.is_ascii_digit()) {
            segs.push(p.parse::<u32>().ok()?.to_string());
        } else if p.chars().all(|c| c.is_ascii_alphabetic()) {
            segs.push(p.to_ascii_lowercase());
        } else {
            return None;
        }
    }
    let statement = (!segs.is_empty()).then(|| format!("{control}_smt.{}", segs.join(".")));
    Some(ControlId { control, statement })
}

/// The workbook's way of writing an OSCAL control id: `ac-2.1` → `AC-2(1)`; `None` when the
/// id is not one.
pub fn control_label(control: &str) -> Option<String> {
    let (family, rest) = control.split_once('-')?;
    if !(2..=3).contains(&family.len()) || !family.chars().all(|c| c.is_ascii_lowercase()) {
        return None;
    }
    let (number, enh) = match rest.split_once('.') {
        Some((n, e)) => (n, Some(e)),
        None => (rest, None),
    };
    let n: u32 = number.parse().ok()?;
    if n.to_string() != number {
        return None;
    }
    let mut out = format!("{}-{n}", family.to_ascii_uppercase());
    if let Some(e) = enh {
        let e: u32 = e.parse().ok()?;
        out.push_str(&format!("({e})"));
    }
    Some(out)
}

/// The workbook's way of writing a statement of a control: `ac-2.3_smt.a` → `AC-2(3)(a)`.
pub fn statement_label(control: &str, statement: &str) -> Option<String> {
    let head = control_label(control)?;
    let rest = statement.strip_prefix(control)?.strip_prefix("_smt.")?;
    let mut out = head;
    for seg in rest.split('.') {
        if seg.is_empty() || !seg.chars().all(|c| c.is_ascii_alphanumeric()) {
            return None;
        }
        out.push_str(&format!("({seg})"));
    }
    Some(out)
}

/// The name of a NIST SP 800-53 control family, for area titles.
fn family_name(family: &str) -> Option<&'static str> {
    Some(match family {
        "ac" => "Access Control",
        "at" => "Awareness and Training",
        "au" => "Audit and Accountability",
        "ca" => "Assessment, Authorization, and Monitoring",
        "cm" => "Configuration Management",
        "cp" => "Contingency Planning",
        "ia" => "Identification and Authentication",
        "ir" => "Incident Response",
        "ma" => "Maintenance",
        "mp" => "Media Protection",
        "pe" => "Physical and Environmental Protection",
        "pl" => "Planning",
        "pm" => "Program Management",
        "ps" => "Personnel Security",
        "pt" => "PII Processing and Transparency",
        "ra" => "Risk Assessment",
        "sa" => "System and Services Acquisition",
        "sc" => "System and Communications Protection",
        "si" => "System and Information Integrity",
        "sr" => "Supply Chain Risk Management",
        _ => return None,
    })
}

/// Text compared case- and space-insensitively: lower case, every run of white space (line
/// breaks and no-break spaces too) one space, trimmed.
fn norm(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for w in s
        .split(|c: char| c.is_whitespace())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&w.to_lowercase());
    }
    out
}

/// Sort key that puts `ac-2` before `ac-10` and `ac-2.1` after `ac-2`.
fn natural_key(s: &str) -> Vec<(u8, u64, String)> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(&c) = chars.peek() {
        let digit = c.is_ascii_digit();
        let mut text = String::new();
        while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit() == digit) {
            text.push(d);
            chars.next();
        }
        if digit {
            let n = text.bytes().fold(0u64, |n, b| {
                n.saturating_mul(10).saturating_add(u64::from(b - b'0'))
            });
            out.push((1, n, text));
        } else {
            out.push((0, 0, text));
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn id(c: &str, s: Option<&str>) -> Option<ControlId> {
        Some(ControlId {
            control: c.to_owned(),
            statement: s.map(str::to_owned),
        })
    }

    #[test]
    fn control_ids_as_workbooks_write_them() {
        assert_eq!(parse_control_id("AC-2"), id("ac-2", None));
        assert_eq!(parse_control_id("AC-02"), id("ac-2", None));
        assert_eq!(parse_control_id(" AC-02 (01)"), id("ac-2.1", None));
        assert_eq!(parse_control_id("AC-2(a)"), id("ac-2", Some("ac-2_smt.a")));
        assert_eq!(
            parse_control_id("AC-01 (a)"),
            id("ac-1", Some("ac-1_smt.a"))
        );
        assert_eq!(
            parse_control_id("AC-2(3)(a)"),
            id("ac-2.3", Some("ac-2.3_smt.a"))
        );
        assert_eq!(
            parse_control_id("PS-03 (03) (b)"),
            id("ps-3.3", Some("ps-3.3_smt.b"))
        );
        assert_eq!(
            parse_control_id("SI-4 (a)(1)"),
            id("si-4", Some("si-4_smt.a.1"))
        );
        assert_eq!(parse_control_id("ac-2.1"), id("ac-2.1", None));
        for bad in [
            "",
            "Control ID",
            "AC2",
            "A-2",
            "AC-x",
            "AC-2(",
            "AC-2(a b)",
            "AC-2 x",
        ] {
            assert_eq!(parse_control_id(bad), None, "{bad}");
        }
    }

    #[test]
    fn labels_read_back_as_the_same_ids() {
        for text in ["AC-2", "AC-2(1)", "AC-2(a)", "AC-2(3)(a)", "SI-4(a)(1)"] {
            let c = parse_control_id(text).unwrap();
            let label = match &c.statement {
                Some(s) => statement_label(&c.control, s).unwrap(),
                None => control_label(&c.control).unwrap(),
            };
            assert_eq!(label, text);
        }
        assert_eq!(control_label("update-software"), None);
        assert_eq!(statement_label("ac-2", "ac-3_smt.a"), None);
    }

    #[test]
    fn baselines_as_typed() {
        assert_eq!(Baseline::parse("Moderate"), Some(Baseline::Moderate));
        assert_eq!(Baseline::parse("LI-SaaS"), Some(Baseline::LiSaas));
        assert_eq!(Baseline::parse("li saas"), Some(Baseline::LiSaas));
        assert_eq!(Baseline::parse("medium"), None);
        assert_eq!(
            Baseline::of_sheet("LI-SaaS CIS Worksheet"),
            Some(Baseline::LiSaas)
        );
        assert_eq!(Baseline::of_sheet("PaaS CRM"), None);
    }

    #[test]
    fn natural_order() {
        let mut v = vec!["ac-10", "ac-2.1", "ac-2", "ac-2.10", "ac-2.2"];
        v.sort_by_key(|s| natural_key(s));
        assert_eq!(v, ["ac-2", "ac-2.1", "ac-2.2", "ac-2.10", "ac-10"]);
    }
}

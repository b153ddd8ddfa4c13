//! Findings: what `demarc check` reports, each with a stable code.

use std::fmt;

use crate::model::Loc;

/// How bad a finding is. Errors make `demarc check` fail; warnings do not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

macro_rules! codes {
    ($($variant:ident => $code:literal, $severity:ident, $title:literal;)*) => {
        /// The stable code of a kind of finding. Documented one by one in `docs/checks.md`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $($variant,)* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as users see and filter it.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity,)* }
            }

            /// A short title for the kind of finding.
            pub fn title(self) -> &'static str {
                match self { $(Code::$variant => $title,)* }
            }

            pub fn parse(s: &str) -> Option<Code> {
                match s { $($code => Some(Code::$variant),)* _ => None }
            }
        }
    };
}

codes! {
    Gap => "gap", Error, "Nobody does this work";
    RetainedOutsourced => "retained-outsourced", Error, "A responsibility that cannot be outsourced is held by a supplier";
    SharedUnsplit => "shared-unsplit", Error, "Shared, but not split into tasks";
    SharedSingleParty => "shared-single-party", Warning, "Shared, but one party owns every task";
    DuplicateOwner => "duplicate-owner", Error, "A task has more than one owner";
    NaWithoutReason => "na-without-reason", Error, "Not applicable, with no reason given";
    DanglingInheritance => "dangling-inheritance", Error, "Inherited from a service that does not provide it";
    UnmetUpstreamTask => "unmet-upstream-task", Error, "The upstream service shares this work, but no part of it is taken on here";
    ChainCycle => "chain-cycle", Error, "Services are built on each other in a loop";
    UnknownReference => "unknown-reference", Error, "A name that is not defined anywhere in the model";
    DuplicateId => "duplicate-id", Error, "The same id is defined twice";
    EvidenceMissing => "evidence-missing", Warning, "A supplier's task has no evidence defined";
    EvidenceExpired => "evidence-expired", Warning, "The evidence for a task has expired";
    ContractRefMissing => "contract-ref-missing", Warning, "A supplier's task is not tied to a contract";
    ReviewOverdue => "review-overdue", Warning, "A review date has passed";
    PresetConflict => "preset-conflict", Warning, "An allocation contradicts what is expected for this kind of service";
    Contested => "contested", Error, "A party disputes this row";
    OscalSchema => "oscal-schema", Error, "An OSCAL document does not follow the OSCAL JSON Schema";
    OscalUnresolvedUuid => "oscal-unresolved-uuid", Error, "An OSCAL reference points at nothing where it must resolve";
    OscalResponsibilityUnmet => "oscal-responsibility-unmet", Error, "An upstream customer responsibility is neither satisfied nor passed on";
    OscalControlMissing => "oscal-control-missing", Error, "A control of the baseline has no implemented requirement";
    OscalStatusWithoutRemarks => "oscal-status-without-remarks", Warning, "A control not fully implemented does not say why";
}

impl Code {
    /// Codes about OSCAL documents (`demarc oscal validate`), not about a model: `check` on
    /// a model never gives them.
    pub fn is_about_documents(self) -> bool {
        matches!(
            self,
            Code::OscalSchema
                | Code::OscalUnresolvedUuid
                | Code::OscalResponsibilityUnmet
                | Code::OscalControlMissing
                | Code::OscalStatusWithoutRemarks
        )
    }

    /// The codes `check` gives on a model.
    pub fn model_codes() -> impl Iterator<Item = Code> {
        Code::ALL
            .iter()
            .copied()
            .filter(|c| !c.is_about_documents())
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One problem in a model: what, where, and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    /// What is wrong, in plain language.
    pub message: String,
    /// What to do about it.
    pub fix: String,
    pub service: Option<String>,
    pub responsibility: Option<String>,
    pub party: Option<String>,
    /// Where in the model files it was written, when it was.
    pub loc: Option<Loc>,
    /// For findings about a document rather than the model (an OSCAL file): its name.
    pub document: Option<String>,
    /// And the JSON pointer (RFC 6901) of the place in it.
    pub pointer: Option<String>,
}

impl Finding {
    pub fn new(code: Code, message: impl Into<String>, fix: impl Into<String>) -> Finding {
        Finding {
            code,
            severity: code.severity(),
            message: message.into(),
            fix: fix.into(),
            service: None,
            responsibility: None,
            party: None,
            loc: None,
            document: None,
            pointer: None,
        }
    }

    /// The finding is about this place in a document (not a model file).
    pub fn in_document(mut self, file: &str, pointer: &str) -> Finding {
        self.document = Some(file.to_owned());
        self.pointer = Some(pointer.to_owned());
        self
    }

    pub fn service(mut self, id: &str) -> Finding {
        self.service = Some(id.to_owned());
        self
    }
    pub fn responsibility(mut self, id: &str) -> Finding {
        self.responsibility = Some(id.to_owned());
        self
    }
    pub fn party(mut self, id: &str) -> Finding {
        self.party = Some(id.to_owned());
        self
    }
    pub fn at(mut self, loc: Option<Loc>) -> Finding {
        if loc.is_some() {
            self.loc = loc;
        }
        self
    }
}

/// `; did you mean "x"?` for the id nearest to `wanted`, or nothing when none is near.
pub fn did_you_mean<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    nearest(wanted, candidates)
        .map(|n| format!("; did you mean \"{n}\"?"))
        .unwrap_or_default()
}

/// The id among `candidates` nearest to `wanted`, if any is near enough to be a likely typo.
pub fn nearest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        let score = strsim::jaro_winkler(&wanted.to_ascii_lowercase(), &c.to_ascii_lowercase());
        if best.is_none_or(|(s, _)| score > s) {
            best = Some((score, c));
        }
    }
    best.filter(|(s, _)| *s >= 0.8).map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_kebab_case() {
        for &c in Code::ALL {
            assert_eq!(Code::parse(c.as_str()), Some(c));
            assert!(
                c.as_str()
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch == '-')
            );
        }
    }

    #[test]
    fn nearest_suggests_typos_only() {
        let ids = ["acme-it", "riverside", "microsoft"];
        assert_eq!(nearest("acme-tt", ids), Some("acme-it"));
        assert_eq!(nearest("rivreside", ids), Some("riverside"));
        assert_eq!(nearest("zzz", ids), None);
    }
}

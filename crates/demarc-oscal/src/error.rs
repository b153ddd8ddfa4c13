//! Errors and notes about OSCAL documents, located by file and JSON pointer.

use std::fmt;

/// Something about one place in one document: an error, or a note about content that was
/// not understood (reported, never dropped silently).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Problem {
    /// The file, as the user named it (or as found in a directory).
    pub file: String,
    /// A JSON pointer (RFC 6901) into the document, `""` for the whole document.
    pub pointer: String,
    /// What is wrong or was not understood, and what was expected.
    pub message: String,
}

impl Problem {
    pub fn new(
        file: impl Into<String>,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Problem {
        Problem {
            file: file.into(),
            pointer: pointer.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pointer.is_empty() {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}: at {}: {}", self.file, self.pointer, self.message)
        }
    }
}

/// Why a document (or a set of them) could not be used at all.
#[derive(Debug, thiserror::Error)]
pub enum OscalError {
    /// The file could not be read.
    #[error("{file}: cannot read: {message}")]
    Read { file: String, message: String },
    /// The file is not well-formed JSON or YAML.
    #[error("{file}:{line}:{column}: {message}")]
    Syntax {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    /// The file is read but cannot be used; each problem says where and why.
    #[error("{}", display_problems(.0))]
    Invalid(Vec<Problem>),
}

fn display_problems(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(Problem::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

impl OscalError {
    pub fn invalid(
        file: impl Into<String>,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> OscalError {
        OscalError::Invalid(vec![Problem::new(file, pointer, message)])
    }
}

/// Append one reference token to a JSON pointer, escaped as RFC 6901 says.
pub fn pointer_push(pointer: &str, token: &str) -> String {
    let mut out = String::with_capacity(pointer.len() + token.len() + 1);
    out.push_str(pointer);
    out.push('/');
    for c in token.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
    out
}

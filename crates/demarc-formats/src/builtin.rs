//! The catalogues that ship inside the binary, in our own words (see each file's licence line).

/// Built-in catalogues: name and YAML text.
pub const CATALOGUES: &[(&str, &str)] = &[
    ("twt", include_str!("../catalogues/twt.yaml")),
    (
        "cyber-essentials",
        include_str!("../catalogues/cyber-essentials.yaml"),
    ),
    (
        "cloud-layers",
        include_str!("../catalogues/cloud-layers.yaml"),
    ),
    ("aws-style", include_str!("../catalogues/aws-style.yaml")),
];

/// The YAML text of a built-in catalogue.
pub fn get(name: &str) -> Option<&'static str> {
    CATALOGUES.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// The names of the built-in catalogues.
pub fn names() -> Vec<&'static str> {
    CATALOGUES.iter().map(|(n, _)| *n).collect()
}

/// A built-in catalogue, parsed.
pub fn catalogue(name: &str) -> Option<demarc_core::Catalogue> {
    let text = get(name)?;
    crate::yaml::parse_catalogue(&format!("builtin:{name}"), text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_parses_and_is_consistent() {
        let mut all = demarc_core::Catalogue::default();
        for (name, text) in CATALOGUES {
            let c = crate::yaml::parse_catalogue(name, text)
                .unwrap_or_else(|e| panic!("{name}: {}", e[0]));
            assert_eq!(c.sources.len(), 1, "{name} has a catalogue header");
            assert_eq!(c.sources[0].id, *name);
            assert!(
                c.responsibilities().count() > 0,
                "{name} has responsibilities"
            );
            all.merge(c);
        }
        // Ids are unique across all built-ins so a model can use several together.
        let model = demarc_core::Model {
            catalogue: all,
            ..Default::default()
        };
        let view = demarc_core::View::new(&model);
        let dups: Vec<_> = view
            .findings
            .iter()
            .filter(|f| f.code != demarc_core::Code::UnknownReference)
            .collect();
        assert!(dups.is_empty(), "{dups:?}");
        // Every preset entry names a responsibility of the catalogues and a known owner.
        let unknown: Vec<_> = view
            .findings
            .iter()
            .filter(|f| f.message.contains("in preset"))
            .collect();
        assert!(unknown.is_empty(), "{unknown:?}");
    }

    #[test]
    fn twt_has_the_two_retained_responsibilities() {
        let c = catalogue("twt").unwrap();
        let retained: Vec<&str> = c
            .responsibilities()
            .filter(|(_, r)| r.retained)
            .map(|(_, r)| r.id.as_str())
            .collect();
        assert_eq!(
            retained,
            ["set-information-security-policy", "manage-files-and-data"]
        );
        assert_eq!(c.responsibilities().count(), 17);
    }
}

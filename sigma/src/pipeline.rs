//! Pipelines: which Sigma log sources cadet reads, and how their field names map onto cadet's
//! normalised fields. They are data (`pipelines/*.toml`, embedded in the crate).

use std::collections::BTreeMap;

use serde::Deserialize;

/// The pipeline files shipped with the crate, as `(file name, text)`.
pub const PIPELINE_FILES: &[(&str, &str)] = &[
    (
        "kubernetes-audit.toml",
        include_str!("../pipelines/kubernetes-audit.toml"),
    ),
    (
        "gke-audit.toml",
        include_str!("../pipelines/gke-audit.toml"),
    ),
    (
        "azure-activity.toml",
        include_str!("../pipelines/azure-activity.toml"),
    ),
    (
        "linux-process-creation.toml",
        include_str!("../pipelines/linux-process-creation.toml"),
    ),
    (
        "windows-process-creation.toml",
        include_str!("../pipelines/windows-process-creation.toml"),
    ),
];

/// The type of a cadet field, as far as the conversion needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Text.
    Str,
    /// A list of texts (any element may match).
    List,
    /// A whole number.
    Int,
    /// true / false.
    Bool,
}

/// How the cadet field's value relates to the record's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Fidelity {
    /// The record's value as written.
    Verbatim,
    /// The record's value lower-cased: exact for case-insensitive tests only.
    Lower,
    /// Computed from the record (Sigma pseudo-fields such as `hostPath`).
    Derived,
}

/// Where one Sigma field goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldMap {
    /// The cadet field (`cadet fields` lists them).
    pub cadet: String,
    /// Its type.
    pub kind: Kind,
    /// How its value relates to the record's.
    pub fidelity: Fidelity,
}

/// A Sigma `logsource` a pipeline covers: every key given must equal the rule's.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LogSourceMatch {
    /// Sigma `category`.
    pub category: Option<String>,
    /// Sigma `product`.
    pub product: Option<String>,
    /// Sigma `service`.
    pub service: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPipeline {
    name: String,
    description: String,
    guard: String,
    #[serde(default)]
    require_one_of: Vec<String>,
    #[serde(default)]
    require_prefix: Vec<String>,
    logsource: Vec<LogSourceMatch>,
    fields: BTreeMap<String, (String, Kind, Fidelity)>,
    #[serde(default)]
    notes: BTreeMap<String, String>,
}

/// A field mapping for one family of log sources.
#[derive(Clone, Debug)]
pub struct Pipeline {
    /// Name used with `--pipeline`.
    pub name: String,
    /// What it covers.
    pub description: String,
    /// cadet condition every converted rule is ANDed with: the records of this log source.
    pub guard: String,
    /// A rule must test at least one of these Sigma fields (empty: no requirement).
    pub require_one_of: Vec<String>,
    /// With `require_one_of`: one of the values tested must start with one of these prefixes
    /// (ASCII case-insensitive): the part of the log source cadet reads.
    pub require_prefix: Vec<String>,
    /// The Sigma log sources covered.
    pub logsources: Vec<LogSourceMatch>,
    /// Sigma field name to cadet field.
    pub fields: BTreeMap<String, FieldMap>,
    /// Why some Sigma fields are not mapped (shown in the refusal).
    pub notes: BTreeMap<String, String>,
}

impl Pipeline {
    /// Parses a pipeline file.
    pub fn parse(text: &str) -> Result<Pipeline, String> {
        let raw: RawPipeline = toml::from_str(text).map_err(|e| e.to_string())?;
        Ok(Pipeline {
            name: raw.name,
            description: raw.description,
            guard: raw.guard,
            require_one_of: raw.require_one_of,
            require_prefix: raw.require_prefix,
            logsources: raw.logsource,
            notes: raw.notes,
            fields: raw
                .fields
                .into_iter()
                .map(|(k, (cadet, kind, fidelity))| {
                    (
                        k,
                        FieldMap {
                            cadet,
                            kind,
                            fidelity,
                        },
                    )
                })
                .collect(),
        })
    }

    /// True when the rule's log source is one this pipeline covers.
    pub fn covers(
        &self,
        category: Option<&str>,
        product: Option<&str>,
        service: Option<&str>,
    ) -> bool {
        let eq = |want: &Option<String>, have: Option<&str>| match want {
            None => true,
            Some(w) => have.is_some_and(|h| h.eq_ignore_ascii_case(w)),
        };
        self.logsources.iter().any(|l| {
            eq(&l.category, category) && eq(&l.product, product) && eq(&l.service, service)
        })
    }
}

/// The pipelines shipped with the crate, in file order (an error names a broken file).
pub fn builtin() -> Result<Vec<Pipeline>, String> {
    PIPELINE_FILES
        .iter()
        .map(|(file, text)| Pipeline::parse(text).map_err(|e| format!("pipelines/{file}: {e}")))
        .collect()
}

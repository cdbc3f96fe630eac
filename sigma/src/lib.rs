//! `cadet-sigma`: converts Sigma rules into a cadet rule pack (TOML) — exactly, or not at all.
//!
//! Sigma YAML is parsed by [`rsigma_parser`]; each detection becomes one cadet `[[rule]]` whose
//! `when` is the rule's condition over cadet's normalised fields, ANDed with the guard of the
//! pipeline that covers the rule's `logsource`. Whatever cadet's condition language cannot
//! express exactly is refused with a [`Refusal`] naming the rule and the [`Feature`].
//!
//! ```
//! let rule = r#"
//! title: Exec into pod
//! id: 0c1e7b0b-2a4e-4b47-8d0a-3f3c8b5e9a11
//! logsource: {product: kubernetes, service: audit}
//! detection:
//!   selection: {verb: create, objectRef.resource: pods, objectRef.subresource: exec}
//!   condition: selection
//! level: medium
//! tags: [attack.t1609]
//! "#;
//! let input = cadet_sigma::Input { name: "exec.yml".into(), text: rule.into() };
//! let out = cadet_sigma::convert(&[input], &cadet_sigma::Options::default()).unwrap();
//! assert_eq!(out.rules.len(), 1);
//! assert!(out.pack.contains(r#"k8s.verb ieq "create""#));
//! ```

#![warn(missing_docs)]

pub mod convert;
pub mod correlation;
pub mod pipeline;

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use rsigma_parser::{
    ConditionExpr, Detection, FilterRule, FilterRuleTarget, Level, SigmaRule, SigmaValue,
};

pub use convert::Feature;
use convert::{Cond, Ctx};
pub use correlation::ConvertedCorrelation;
pub use pipeline::Pipeline;

/// One Sigma file's text and the name used in messages.
#[derive(Clone, Debug)]
pub struct Input {
    /// File name (or any label) for messages.
    pub name: String,
    /// The YAML text (one or more documents).
    pub text: String,
}

/// Conversion settings.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Use only this pipeline (by name); `None`: the pipeline that covers each rule's logsource.
    pub pipeline: Option<String>,
}

/// A Sigma rule converted to a cadet rule.
#[derive(Clone, Debug)]
pub struct Converted {
    /// The Sigma file.
    pub file: String,
    /// The Sigma title.
    pub title: String,
    /// The Sigma id (or name).
    pub sigma_id: Option<String>,
    /// The Sigma name (a correlation may name its base rules by it).
    pub sigma_name: Option<String>,
    /// The cadet rule id (`sigma.<id>`).
    pub id: String,
    /// The pipeline used.
    pub pipeline: String,
    /// The cadet condition.
    pub when: String,
    /// The cadet score (from `level`).
    pub score: u32,
    /// ATT&CK technique ids (from `tags`).
    pub techniques: Vec<String>,
}

/// A Sigma rule (or filter, or correlation) that was not converted, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The Sigma file.
    pub file: String,
    /// The rule's title (and id when it has one).
    pub rule: String,
    /// What cadet cannot express.
    pub feature: Feature,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: rule `{}` refused: {} [{}]",
            self.file,
            self.rule,
            self.feature,
            self.feature.name()
        )
    }
}

/// The result of a conversion.
#[derive(Clone, Debug)]
pub struct Conversion {
    /// The cadet rule pack (TOML): a `cadet` profile, the converted rules, the suppressions.
    pub pack: String,
    /// The converted rules, in input order.
    pub rules: Vec<Converted>,
    /// The converted correlations (`[[correlation]]`), in input order.
    pub correlations: Vec<ConvertedCorrelation>,
    /// The refused documents, in input order.
    pub refused: Vec<Refusal>,
    /// Number of `[[suppress]]` entries written (from Sigma filters).
    pub suppressions: usize,
}

/// A problem with the conversion as a whole (not with one rule).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// `--pipeline` names no shipped pipeline.
    UnknownPipeline(String, Vec<String>),
    /// A shipped pipeline file is broken.
    Pipeline(String),
    /// A file or directory could not be read.
    Io(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::UnknownPipeline(n, known) => {
                write!(
                    f,
                    "unknown pipeline `{n}` (pipelines: {})",
                    known.join(", ")
                )
            }
            Error::Pipeline(m) | Error::Io(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for Error {}

/// The names of the shipped pipelines.
pub fn pipeline_names() -> Vec<String> {
    pipeline::builtin()
        .map(|ps| ps.into_iter().map(|p| p.name).collect())
        .unwrap_or_default()
}

/// Reads Sigma files: each path is a file or a directory searched recursively for `.yml` and
/// `.yaml` files (in sorted order).
pub fn read_paths(paths: &[PathBuf]) -> Result<Vec<Input>, Error> {
    let mut files = Vec::new();
    for p in paths {
        collect(p, &mut files)?;
    }
    files
        .into_iter()
        .map(|f| {
            std::fs::read_to_string(&f)
                .map(|text| Input {
                    name: f.display().to_string(),
                    text,
                })
                .map_err(|e| Error::Io(format!("{}: {e}", f.display())))
        })
        .collect()
}

fn collect(p: &Path, out: &mut Vec<PathBuf>) -> Result<(), Error> {
    let meta = std::fs::metadata(p).map_err(|e| Error::Io(format!("{}: {e}", p.display())))?;
    if !meta.is_dir() {
        out.push(p.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(p)
        .map_err(|e| Error::Io(format!("{}: {e}", p.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for e in entries {
        if e.is_dir() {
            collect(&e, out)?;
        } else if e.extension().is_some_and(|x| x == "yml" || x == "yaml") {
            out.push(e);
        }
    }
    Ok(())
}

/// The cadet score of a Sigma level (the pack's bands give the same severity back).
pub fn level_score(level: Option<Level>) -> u32 {
    match level {
        Some(Level::Informational) => 10,
        Some(Level::Low) => 30,
        // A rule without a level is scored as medium.
        Some(Level::Medium) | None => 50,
        Some(Level::High) => 70,
        Some(Level::Critical) => 90,
    }
}

/// ATT&CK technique ids of `attack.tNNNN[.NNN]` tags.
pub fn techniques(tags: &[String]) -> Vec<String> {
    let mut out: Vec<String> = tags
        .iter()
        .filter_map(|t| {
            let rest = t.strip_prefix("attack.")?;
            let id = rest.strip_prefix('t').or_else(|| rest.strip_prefix('T'))?;
            let (main, sub) = match id.split_once('.') {
                Some((m, s)) => (m, Some(s)),
                None => (id, None),
            };
            let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
            if !digits(main, 4) || sub.is_some_and(|s| !digits(s, 3)) {
                return None;
            }
            Some(match sub {
                Some(s) => format!("T{main}.{s}"),
                None => format!("T{main}"),
            })
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

fn rule_label(title: &str, id: Option<&str>) -> String {
    match id {
        Some(id) => format!("{title} ({id})"),
        None => title.to_string(),
    }
}

/// A cadet rule id from a Sigma id/name, or the title.
pub(crate) fn cadet_id(sigma_id: Option<&str>, title: &str) -> String {
    let base = sigma_id.unwrap_or(title);
    let slug: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("sigma.{slug}")
}

fn choose<'p>(
    pipelines: &'p [Pipeline],
    forced: Option<&str>,
    rule: &SigmaRule,
) -> Result<&'p Pipeline, Feature> {
    let ls = &rule.logsource;
    let describe = || {
        let mut parts = Vec::new();
        for (k, v) in [
            ("category", &ls.category),
            ("product", &ls.product),
            ("service", &ls.service),
        ] {
            if let Some(v) = v {
                parts.push(format!("{k}: {v}"));
            }
        }
        format!("{{{}}}", parts.join(", "))
    };
    let covers = |p: &Pipeline| {
        p.covers(
            ls.category.as_deref(),
            ls.product.as_deref(),
            ls.service.as_deref(),
        )
    };
    match forced {
        Some(name) => {
            let p = pipelines.iter().find(|p| p.name == name);
            match p {
                Some(p) if covers(p) => Ok(p),
                _ => Err(Feature::UncoveredLogSource(format!(
                    "{} (pipeline `{name}` does not cover it)",
                    describe()
                ))),
            }
        }
        None => pipelines.iter().find(|p| covers(p)).ok_or_else(|| {
            Feature::UncoveredLogSource(format!(
                "{} (pipelines: {})",
                describe(),
                pipelines
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        }),
    }
}

/// The pipeline's coverage requirement (`require_one_of` / `require_prefix`).
fn coverage(p: &Pipeline, tested: &[(String, Vec<String>)]) -> Result<(), Feature> {
    if p.require_one_of.is_empty() {
        return Ok(());
    }
    let values: Vec<&String> = tested
        .iter()
        .filter(|(f, _)| p.require_one_of.contains(f))
        .flat_map(|(_, v)| v)
        .collect();
    let fields_ok = tested.iter().any(|(f, _)| p.require_one_of.contains(f));
    let prefix_ok = p.require_prefix.is_empty()
        || values.iter().any(|v| {
            p.require_prefix.iter().any(|pre| {
                v.len() >= pre.len()
                    && v.as_bytes()[..pre.len()].eq_ignore_ascii_case(pre.as_bytes())
            })
        });
    if fields_ok && prefix_ok {
        return Ok(());
    }
    let what = if p.require_prefix.is_empty() {
        format!("test {}", p.require_one_of.join(" or "))
    } else {
        format!(
            "test {} for a value starting with {}",
            p.require_one_of.join(" or "),
            p.require_prefix.join(" or ")
        )
    };
    Err(Feature::OutsideCoverage(format!(
        "pipeline `{}` reads only {}; the rule must {what}",
        p.name, p.description
    )))
}

/// Longest condition cadet-core accepts (`condition::MAX_CONDITION_LEN`).
const MAX_CONDITION_LEN: usize = 8192;
/// Most values in one cadet list (`condition::MAX_LIST_LEN`).
const MAX_LIST_LEN: usize = 1024;
/// Value lists longer than this go to the pack's `[lists]` (readable conditions, and under
/// the condition length limit).
const INLINE_VALUES: usize = 12;

fn convert_rule(
    pipelines: &[Pipeline],
    opts: &Options,
    file: &str,
    rule: &SigmaRule,
    lists: &mut Vec<(String, Vec<String>)>,
) -> Result<Converted, Feature> {
    let p = choose(pipelines, opts.pipeline.as_deref(), rule)?;
    let mut ctx = Ctx {
        pipeline: p,
        tested: Vec::new(),
    };
    let cond = convert::detections(&mut ctx, &rule.detection)?;
    coverage(p, &ctx.tested)?;
    let mut mine: Vec<(String, Vec<String>)> = Vec::new();
    let mut too_long = None;
    let base = lists.len();
    let when = Cond::And(vec![Cond::Group(p.guard.clone()), cond]).render_with(&mut |values| {
        if values.len() > MAX_LIST_LEN {
            too_long = Some(values.len());
        }
        if values.len() <= INLINE_VALUES {
            return None;
        }
        let name = format!("sigma_{}", base + mine.len() + 1);
        mine.push((name.clone(), values.to_vec()));
        Some(name)
    });
    if let Some(n) = too_long {
        return Err(Feature::TooLarge(format!(
            "a list of {n} values (cadet's limit is {MAX_LIST_LEN})"
        )));
    }
    if when.len() > MAX_CONDITION_LEN {
        return Err(Feature::TooLarge(format!(
            "the condition is {} characters (cadet's limit is {MAX_CONDITION_LEN})",
            when.len()
        )));
    }
    lists.extend(mine);
    let sigma_id = rule.id.clone().or_else(|| rule.name.clone());
    Ok(Converted {
        file: file.to_string(),
        title: rule.title.clone(),
        id: cadet_id(sigma_id.as_deref(), &rule.title),
        sigma_id,
        sigma_name: rule.name.clone(),
        pipeline: p.name.clone(),
        when,
        score: level_score(rule.level),
        techniques: techniques(&rule.tags),
    })
}

/// A `[[suppress]]` entry built from a Sigma filter.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Suppress {
    name: String,
    reason: String,
    keys: Vec<(&'static str, Vec<String>)>,
    rules: Vec<String>,
}

/// Sigma fields a `[[suppress]]` key reads (the key and its cadet field).
fn suppress_key(cadet_field: &str) -> Option<&'static str> {
    Some(match cadet_field {
        "user.name" => "user",
        "user.groups" => "group",
        "k8s.namespace" => "namespace",
        "user_agent" => "user_agent",
        "source.ip" => "source_ip",
        _ => return None,
    })
}

/// One selection of a filter as one suppression entry's keys.
fn filter_selection(
    p: &Pipeline,
    d: &Detection,
) -> Result<Vec<(&'static str, Vec<String>)>, Feature> {
    use rsigma_parser::Modifier;
    let Detection::AllOf(items) = d else {
        return Err(Feature::Filter(
            "a filter selection must be one map of fields (suppressions AND their keys)".into(),
        ));
    };
    let mut keys: Vec<(&'static str, Vec<String>)> = Vec::new();
    for it in items {
        let Some(name) = &it.field.name else {
            return Err(Feature::Keywords);
        };
        let f = p
            .fields
            .get(name)
            .ok_or_else(|| convert::unmapped(p, name))?;
        let key = suppress_key(&f.cadet).ok_or_else(|| {
            Feature::Filter(format!(
                "`{name}` (`{}`) is not a suppression key (user, group, namespace, user_agent, source_ip)",
                f.cadet
            ))
        })?;
        let cidr = it.field.modifiers == [Modifier::Cidr];
        let (pre, post) = match it.field.modifiers.as_slice() {
            [] => ("", ""),
            [Modifier::Cidr] if key == "source_ip" => ("", ""),
            [Modifier::Contains] => ("*", "*"),
            [Modifier::StartsWith] => ("", "*"),
            [Modifier::EndsWith] => ("*", ""),
            _ => {
                return Err(Feature::Filter(format!(
                    "`{name}`: suppressions take plain values, wildcards, contains/startswith/endswith (and cidr on addresses)"
                )))
            }
        };
        let mut vals = Vec::new();
        for v in &it.values {
            let SigmaValue::String(s) = v else {
                return Err(Feature::Filter(format!("`{name}`: only string values")));
            };
            if key == "source_ip" {
                let plain = s.as_plain().ok_or_else(|| {
                    Feature::Filter(format!("`{name}`: addresses cannot have wildcards"))
                })?;
                if !cidr && plain.contains('/') {
                    return Err(Feature::Filter(format!(
                        "`{name}`: `{plain}` is not an address"
                    )));
                }
                vals.push(plain);
                continue;
            }
            let text: String = s
                .parts
                .iter()
                .map(|part| match part {
                    rsigma_parser::value::StringPart::Plain(t) => {
                        if t.contains(['*', '?']) {
                            None
                        } else {
                            Some(t.clone())
                        }
                    }
                    rsigma_parser::value::StringPart::Special(
                        rsigma_parser::value::SpecialChar::WildcardMulti,
                    ) => Some("*".into()),
                    rsigma_parser::value::StringPart::Special(
                        rsigma_parser::value::SpecialChar::WildcardSingle,
                    ) => Some("?".into()),
                })
                .collect::<Option<String>>()
                .ok_or_else(|| {
                    Feature::Filter(format!(
                        "`{name}`: a literal `*` or `?` cannot be written in a suppression glob"
                    ))
                })?;
            if text.is_empty() {
                return Err(Feature::EmptyValue(format!("`{name}`: an empty value")));
            }
            vals.push(format!("{pre}{text}{post}"));
        }
        if let Some(k) = keys.iter_mut().find(|(k, _)| *k == key) {
            // Two items on one key AND each other: not a suppression.
            return Err(Feature::Filter(format!(
                "two tests of `{}` in one selection",
                k.0
            )));
        }
        keys.push((key, vals));
    }
    Ok(keys)
}

/// The selections a filter's `not ...` condition excludes (each one becomes an entry).
fn filter_excluded<'c>(e: &'c ConditionExpr, out: &mut Vec<&'c ConditionExpr>) -> bool {
    match e {
        ConditionExpr::Not(inner) => {
            let mut stack = vec![inner.as_ref()];
            while let Some(x) = stack.pop() {
                match x {
                    ConditionExpr::Or(xs) => stack.extend(xs.iter()),
                    ConditionExpr::Identifier(_)
                    | ConditionExpr::Selector {
                        quantifier: rsigma_parser::Quantifier::Any,
                        ..
                    } => out.push(x),
                    _ => return false,
                }
            }
            true
        }
        // `not a and not b` == `not (a or b)`
        ConditionExpr::And(xs) => xs.iter().all(|x| filter_excluded(x, out)),
        _ => false,
    }
}

fn convert_filter(
    pipelines: &[Pipeline],
    opts: &Options,
    filter: &FilterRule,
    rules: &[Converted],
) -> Result<Vec<Suppress>, Feature> {
    let targets: Vec<String> = match &filter.rules {
        FilterRuleTarget::Any => Vec::new(),
        FilterRuleTarget::Specific(list) => {
            let mut ids = Vec::new();
            for r in list {
                let hit = rules
                    .iter()
                    .find(|c| c.sigma_id.as_deref() == Some(r.as_str()) || c.title == *r);
                match hit {
                    Some(c) => ids.push(c.id.clone()),
                    None => {
                        return Err(Feature::Filter(format!(
                            "it applies to `{r}`, which is not among the converted rules"
                        )))
                    }
                }
            }
            ids
        }
    };
    let pipeline = match &filter.logsource {
        Some(ls) => {
            let probe = SigmaRule {
                title: filter.title.clone(),
                logsource: ls.clone(),
                detection: filter.detection.clone(),
                sigma_version: None,
                id: None,
                name: None,
                related: Vec::new(),
                taxonomy: None,
                status: None,
                description: None,
                license: None,
                author: None,
                references: Vec::new(),
                date: None,
                modified: None,
                fields: Vec::new(),
                falsepositives: Vec::new(),
                level: None,
                tags: Vec::new(),
                scope: Vec::new(),
                custom_attributes: Default::default(),
            };
            choose(pipelines, opts.pipeline.as_deref(), &probe)?
        }
        None => {
            let names: BTreeSet<&str> = rules
                .iter()
                .filter(|c| targets.is_empty() || targets.contains(&c.id))
                .map(|c| c.pipeline.as_str())
                .collect();
            let [one] = names.into_iter().collect::<Vec<_>>()[..] else {
                return Err(Feature::Filter(
                    "a filter without logsource must target rules of one pipeline".into(),
                ));
            };
            pipelines
                .iter()
                .find(|p| p.name == one)
                .ok_or_else(|| Feature::Filter("pipeline not found".into()))?
        }
    };
    let [cond] = filter.detection.conditions.as_slice() else {
        return Err(Feature::Filter(
            "a filter needs exactly one condition".into(),
        ));
    };
    let mut excluded = Vec::new();
    if !filter_excluded(cond, &mut excluded) {
        return Err(Feature::Filter(format!(
            "condition `{cond}`: suppressions express `not selection` (or `not (a or b)`, `not 1 of x*`) only"
        )));
    }
    let mut names: Vec<String> = Vec::new();
    for e in excluded {
        match e {
            ConditionExpr::Identifier(n) => names.push(n.clone()),
            ConditionExpr::Selector { pattern, .. } => {
                let mut hit: Vec<String> = filter
                    .detection
                    .named
                    .keys()
                    .filter(|n| match pattern {
                        rsigma_parser::SelectorPattern::Them => !n.starts_with('_'),
                        rsigma_parser::SelectorPattern::Pattern(p) => p
                            .strip_suffix('*')
                            .map_or(n.as_str() == p, |pre| n.starts_with(pre)),
                    })
                    .cloned()
                    .collect();
                hit.sort();
                names.extend(hit);
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (i, n) in names.iter().enumerate() {
        let d = filter.detection.named.get(n).ok_or_else(|| {
            Feature::BadCondition(format!("the condition names `{n}`, which is not defined"))
        })?;
        let keys = filter_selection(pipeline, d)?;
        let base = cadet_id(
            filter.id.as_deref().or(filter.name.as_deref()),
            &filter.title,
        );
        out.push(Suppress {
            name: if names.len() == 1 {
                base
            } else {
                format!("{base}.{}", i + 1)
            },
            reason: format!("Sigma filter: {}", filter.title),
            keys,
            rules: targets.clone(),
        });
    }
    Ok(out)
}

/// A TOML basic string.
fn toml_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A TOML string for a condition: a literal `'''` string when possible (readable regexes).
fn toml_when(s: &str) -> String {
    let safe = !s.contains("'''")
        && !s.ends_with('\'')
        && !s
            .chars()
            .any(|c| (c as u32) < 0x20 && c != '\t' || c as u32 == 0x7f);
    if safe {
        format!("'''{s}'''")
    } else {
        toml_str(s)
    }
}

fn toml_list(items: &[String]) -> String {
    format!(
        "[{}]",
        items
            .iter()
            .map(|s| toml_str(s))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

fn comment(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

/// Converts Sigma documents into one cadet rule pack.
pub fn convert(inputs: &[Input], opts: &Options) -> Result<Conversion, Error> {
    let pipelines = pipeline::builtin().map_err(Error::Pipeline)?;
    if let Some(name) = &opts.pipeline {
        if !pipelines.iter().any(|p| &p.name == name) {
            return Err(Error::UnknownPipeline(
                name.clone(),
                pipelines.iter().map(|p| p.name.clone()).collect(),
            ));
        }
    }
    let mut rules = Vec::new();
    let mut meta: Vec<(String, String)> = Vec::new();
    let mut refused = Vec::new();
    let mut filters: Vec<(String, FilterRule)> = Vec::new();
    let mut lists: Vec<(String, Vec<String>)> = Vec::new();
    let mut pending: Vec<(String, rsigma_parser::CorrelationRule)> = Vec::new();
    for input in inputs {
        let collection = match rsigma_parser::parse_sigma_yaml(&input.text) {
            Ok(c) => c,
            Err(e) => {
                refused.push(Refusal {
                    file: input.name.clone(),
                    rule: "<file>".into(),
                    feature: Feature::Parse(format!("not a Sigma document: {e}")),
                });
                continue;
            }
        };
        for e in &collection.errors {
            refused.push(Refusal {
                file: input.name.clone(),
                rule: "<document>".into(),
                feature: Feature::Parse(e.clone()),
            });
        }
        for r in &collection.rules {
            let label = rule_label(&r.title, r.id.as_deref());
            match convert_rule(&pipelines, opts, &input.name, r, &mut lists) {
                Ok(mut c) => {
                    if rules.iter().any(|x: &Converted| x.id == c.id) {
                        let n = rules.iter().filter(|x| x.id.starts_with(&c.id)).count();
                        c.id = format!("{}.{}", c.id, n + 1);
                    }
                    meta.push((description(r), attribution(r)));
                    rules.push(c);
                }
                Err(feature) => refused.push(Refusal {
                    file: input.name.clone(),
                    rule: label,
                    feature,
                }),
            }
        }
        for c in &collection.correlations {
            pending.push((input.name.clone(), c.clone()));
        }
        for f in &collection.filters {
            filters.push((input.name.clone(), f.clone()));
        }
    }
    // Correlations after every rule is converted: a correlation may name rules of any file.
    let mut correlations: Vec<ConvertedCorrelation> = Vec::new();
    for (file, c) in &pending {
        match correlation::convert(file, c, &rules, &pipelines) {
            Ok(mut cc) => {
                if rules.iter().any(|r| r.id == cc.id) || correlations.iter().any(|x| x.id == cc.id)
                {
                    cc.id = format!("{}.correlation", cc.id);
                }
                correlations.push(cc);
            }
            Err(feature) => refused.push(Refusal {
                file: file.clone(),
                rule: rule_label(&c.title, c.id.as_deref()),
                feature,
            }),
        }
    }
    // Sigma `generate: false` (the default): the base rules feed their correlations and do
    // not alert alone, so a rule that only correlations with `generate: false` name is
    // scored 0 (it never matches alone; it is listed, score 0, beside the correlation).
    for r in rules.iter_mut() {
        let users: Vec<&ConvertedCorrelation> = correlations
            .iter()
            .filter(|c| c.rules.contains(&r.id))
            .collect();
        if !users.is_empty() && users.iter().all(|c| !c.generate) {
            r.score = 0;
        }
    }
    let mut suppressions = Vec::new();
    for (file, f) in &filters {
        match convert_filter(&pipelines, opts, f, &rules) {
            Ok(s) => suppressions.extend(s),
            Err(feature) => refused.push(Refusal {
                file: file.clone(),
                rule: rule_label(&f.title, f.id.as_deref()),
                feature,
            }),
        }
    }
    let mut pack = render(&rules, &meta, &suppressions, &lists);
    render_correlations(&mut pack, &correlations);
    Ok(Conversion {
        pack,
        suppressions: suppressions.len(),
        rules,
        correlations,
        refused,
    })
}

fn render_correlations(out: &mut String, cs: &[ConvertedCorrelation]) {
    for c in cs {
        out.push_str(&format!(
            "\n# {} — {} (Sigma correlation {}, timespan {}{})\n[[correlation]]\n",
            comment(&c.title),
            comment(&c.file),
            c.kind,
            comment(&c.timespan_text),
            if c.generate {
                ""
            } else {
                "; generate: false, its base rules score 0"
            }
        ));
        out.push_str(&format!("id = {}\n", toml_str(&c.id)));
        out.push_str(&format!("title = {}\n", toml_str(&c.title)));
        out.push_str(&format!("description = {}\n", toml_str(&c.description)));
        out.push_str(&format!("kind = {}\n", toml_str(c.kind)));
        out.push_str(&format!("rules = {}\n", toml_list(&c.rules)));
        if !c.group_by.is_empty() {
            out.push_str(&format!("group_by = {}\n", toml_list(&c.group_by)));
        }
        out.push_str(&format!("timespan = {}\n", c.timespan));
        if let Some(f) = &c.value_field {
            out.push_str(&format!("value_field = {}\n", toml_str(f)));
        }
        let cond: Vec<String> = c
            .condition
            .iter()
            .map(|(o, n)| format!("{o} = {n}"))
            .collect();
        out.push_str(&format!("condition = {{ {} }}\n", cond.join(", ")));
        if !c.techniques.is_empty() {
            out.push_str(&format!("techniques = {}\n", toml_list(&c.techniques)));
        }
        out.push_str(&format!("score = {}\n", c.score));
    }
}

fn description(r: &SigmaRule) -> String {
    r.description
        .clone()
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn attribution(r: &SigmaRule) -> String {
    let mut parts = Vec::new();
    if let Some(a) = &r.author {
        parts.push(format!("author: {a}"));
    }
    parts.push(format!(
        "licence: {}",
        r.license.as_deref().unwrap_or("DRL-1.1 (SigmaHQ default)")
    ));
    if !r.references.is_empty() {
        parts.push(format!("references: {}", r.references.join(" ")));
    }
    parts.join("; ")
}

fn render(
    rules: &[Converted],
    meta: &[(String, String)],
    supp: &[Suppress],
    lists: &[(String, Vec<String>)],
) -> String {
    let mut out = String::new();
    out.push_str(
        "# cadet rule pack converted from Sigma rules by `cadet import sigma`.\n\
         # Each rule keeps its Sigma id, author and references (Detection Rule License 1.1 asks\n\
         # for attribution when rules are redistributed).\n\n",
    );
    if !lists.is_empty() {
        out.push_str("# Long value lists of the rules below (`@name` in a condition).\n[lists]\n");
        for (name, values) in lists {
            out.push_str(&format!("{name} = {}\n", toml_list(values)));
        }
        out.push('\n');
    }
    out.push_str(
        "[[profile]]\nname = \"cadet\"\n\
         description = \"Sigma rules converted by cadet import sigma; score from the Sigma level\"\n\
         combine = \"max\"\nthreshold = 1\n\
         severity = { critical = 90, high = 70, medium = 50, low = 30 }\n",
    );
    for (r, (desc, attr)) in rules.iter().zip(meta) {
        out.push('\n');
        out.push_str(&format!(
            "# {} — {} (pipeline {})\n# {}\n",
            comment(&r.title),
            comment(&r.file),
            r.pipeline,
            comment(attr)
        ));
        out.push_str("[[rule]]\n");
        out.push_str(&format!("id = {}\n", toml_str(&r.id)));
        out.push_str(&format!("title = {}\n", toml_str(&r.title)));
        let d = match &r.sigma_id {
            Some(id) => format!("{desc} (Sigma {id})"),
            None => desc.clone(),
        };
        out.push_str(&format!("description = {}\n", toml_str(d.trim())));
        if !r.techniques.is_empty() {
            out.push_str(&format!("techniques = {}\n", toml_list(&r.techniques)));
        }
        out.push_str(&format!("score = {}\n", r.score));
        out.push_str(&format!("when = {}\n", toml_when(&r.when)));
    }
    for s in supp {
        out.push_str("\n[[suppress]]\n");
        out.push_str(&format!("name = {}\n", toml_str(&s.name)));
        out.push_str(&format!("reason = {}\n", toml_str(&s.reason)));
        for (k, v) in &s.keys {
            out.push_str(&format!("{k} = {}\n", toml_list(v)));
        }
        if !s.rules.is_empty() {
            out.push_str(&format!("rules = {}\n", toml_list(&s.rules)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn techniques_from_tags() {
        let tags: Vec<String> = [
            "attack.t1609",
            "attack.execution",
            "attack.t1552.007",
            "cve.2021",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(techniques(&tags), ["T1552.007", "T1609"]);
    }

    #[test]
    fn shipped_pipelines_parse() {
        let ps = pipeline::builtin().unwrap();
        assert_eq!(ps.len(), pipeline::PIPELINE_FILES.len());
        assert!(ps.iter().all(|p| !p.fields.is_empty()));
    }
}

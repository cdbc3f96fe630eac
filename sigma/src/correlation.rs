//! Sigma correlations to cadet `[[correlation]]` entries: `event_count` and `value_count` with
//! `group-by`, `timespan` (sliding window) and a threshold condition, over base rules this
//! conversion converted. Everything else is refused with the feature named.

use rsigma_parser::{
    ConditionOperator, CorrelationCondition, CorrelationRule, CorrelationType, WindowMode,
};

use crate::convert::Feature;
use crate::pipeline::{Kind, Pipeline};
use crate::{cadet_id, level_score, techniques, Converted};

/// Largest number a condition may compare with (cadet-core's `MAX_THRESHOLD`).
pub const MAX_THRESHOLD: u64 = 1000;
/// Longest timespan (cadet-core's `MAX_TIMESPAN_SECS`): 366 days.
pub const MAX_TIMESPAN_SECS: u64 = 366 * 24 * 3600;

/// A Sigma correlation converted to a cadet `[[correlation]]`.
#[derive(Clone, Debug)]
pub struct ConvertedCorrelation {
    /// The Sigma file.
    pub file: String,
    /// The Sigma title.
    pub title: String,
    /// The Sigma id (or name).
    pub sigma_id: Option<String>,
    /// The cadet id (`sigma.<id>`).
    pub id: String,
    /// `event_count` or `value_count`.
    pub kind: &'static str,
    /// The cadet ids of the base rules.
    pub rules: Vec<String>,
    /// cadet fields of `group-by`.
    pub group_by: Vec<String>,
    /// The window in seconds.
    pub timespan: u64,
    /// The window as written in Sigma (`5m`).
    pub timespan_text: String,
    /// `value_count`: the cadet field whose distinct values are counted.
    pub value_field: Option<String>,
    /// The condition: (cadet operator name, number), all of which must hold.
    pub condition: Vec<(&'static str, u64)>,
    /// The cadet score (from `level`).
    pub score: u32,
    /// ATT&CK technique ids (from `tags`).
    pub techniques: Vec<String>,
    /// Sigma `generate`: whether the base rules also alert on their own. When false, the
    /// conversion scores the base rules 0 (they feed the correlation and never match alone).
    pub generate: bool,
    /// One-line description with the Sigma id.
    pub description: String,
}

fn refuse<T>(m: String) -> Result<T, Feature> {
    Err(Feature::Correlation(m))
}

/// Converts one correlation over the rules converted so far (`rules`).
pub fn convert(
    file: &str,
    c: &CorrelationRule,
    rules: &[Converted],
    pipelines: &[Pipeline],
) -> Result<ConvertedCorrelation, Feature> {
    let kind = match c.correlation_type {
        CorrelationType::EventCount => "event_count",
        CorrelationType::ValueCount => "value_count",
        other => {
            return refuse(format!(
                "correlation type `{}`: cadet implements event_count and value_count (it counts records or distinct values per group; it does not track which rules fired, in what order, or sums)",
                other.as_str()
            ))
        }
    };
    if c.window != WindowMode::Sliding {
        return refuse(format!(
            "`window: {}`: cadet's correlation windows are sliding (Sigma's default)",
            c.window.as_str()
        ));
    }
    if !c.aliases.is_empty() {
        return refuse("correlation field `aliases`: not supported".into());
    }
    if let Some(k) = c
        .custom_attributes
        .keys()
        .find(|k| k.starts_with("rsigma."))
    {
        return refuse(format!("engine attribute `{k}`: not supported"));
    }
    let CorrelationCondition::Threshold {
        predicates, field, ..
    } = &c.condition
    else {
        return refuse(format!(
            "a boolean condition on a `{kind}` correlation: cadet needs a threshold (gte, gt, lte, lt, eq, neq)"
        ));
    };
    let mut condition = Vec::new();
    for &(op, n) in predicates {
        if n > MAX_THRESHOLD {
            return refuse(format!(
                "condition value {n}: cadet keeps at most {MAX_THRESHOLD} + 1 records or values per group"
            ));
        }
        let op = match op {
            ConditionOperator::Gt => "gt",
            ConditionOperator::Gte => "gte",
            ConditionOperator::Lt => "lt",
            ConditionOperator::Lte => "lte",
            ConditionOperator::Eq => "eq",
            ConditionOperator::Neq => "neq",
        };
        if condition.iter().any(|&(o, _)| o == op) {
            return refuse(format!("condition operator `{op}` given twice"));
        }
        condition.push((op, n));
    }
    if condition.is_empty() {
        return refuse("an empty condition".into());
    }
    // One written order whatever order the parser gives: lower bounds, upper bounds, equality.
    const ORDER: [&str; 6] = ["gt", "gte", "lt", "lte", "eq", "neq"];
    condition.sort_by_key(|&(op, _)| ORDER.iter().position(|o| *o == op));
    if c.timespan.seconds == 0 || c.timespan.seconds > MAX_TIMESPAN_SECS {
        return refuse(format!(
            "timespan `{}`: cadet accepts 1 second to 366 days",
            c.timespan.original
        ));
    }
    // The base rules, by Sigma id or name, converted by this run.
    let mut base: Vec<&Converted> = Vec::new();
    for r in &c.rules {
        let found = rules
            .iter()
            .find(|b| b.sigma_id.as_deref() == Some(r) || b.sigma_name.as_deref() == Some(r));
        match found {
            Some(b) => {
                if !base.iter().any(|x| x.id == b.id) {
                    base.push(b);
                }
            }
            None => {
                return refuse(format!(
                    "base rule `{r}` is not among the converted rules (refused, missing, or a correlation: chained correlations are not supported)"
                ))
            }
        }
    }
    if base.is_empty() {
        return refuse("no base rules".into());
    }
    let pipeline_name = &base[0].pipeline;
    if let Some(other) = base.iter().find(|b| &b.pipeline != pipeline_name) {
        return refuse(format!(
            "base rules of different pipelines (`{pipeline_name}`, `{}`): their field names differ",
            other.pipeline
        ));
    }
    let Some(pipeline) = pipelines.iter().find(|p| &p.name == pipeline_name) else {
        return refuse(format!("unknown pipeline `{pipeline_name}`"));
    };
    let map = |what: &str, f: &str| -> Result<String, Feature> {
        match pipeline.fields.get(f) {
            Some(m) if m.kind != Kind::List => Ok(m.cadet.clone()),
            Some(m) => Err(Feature::Correlation(format!(
                "{what} field `{f}` is cadet's list field `{}`; a group or counted value must be one value",
                m.cadet
            ))),
            None => Err(Feature::UnmappedField(format!(
                "`{f}` ({what} of the correlation) has no cadet field in pipeline `{}`",
                pipeline.name
            ))),
        }
    };
    let group_by = c
        .group_by
        .iter()
        .map(|f| map("group-by", f))
        .collect::<Result<Vec<_>, _>>()?;
    let value_field = match (kind, field.as_deref()) {
        ("value_count", Some([f])) => Some(map("value_count", f)?),
        ("value_count", Some(fs)) if fs.len() > 1 => {
            return refuse("value_count over several fields (a composite value)".into())
        }
        ("value_count", _) => return refuse("value_count without `field`".into()),
        (_, Some(_)) => return refuse("`field` on an event_count condition".into()),
        (_, None) => None,
    };
    let sigma_id = c.id.clone().or_else(|| c.name.clone());
    let description = {
        let d = c
            .description
            .clone()
            .unwrap_or_default()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        match &sigma_id {
            Some(id) => format!("{d} (Sigma correlation {id})").trim().to_string(),
            None => d,
        }
    };
    Ok(ConvertedCorrelation {
        file: file.to_string(),
        title: c.title.clone(),
        id: cadet_id(sigma_id.as_deref(), &c.title),
        sigma_id,
        kind,
        rules: base.iter().map(|b| b.id.clone()).collect(),
        group_by,
        timespan: c.timespan.seconds,
        timespan_text: c.timespan.original.clone(),
        value_field,
        condition,
        score: level_score(c.level),
        techniques: techniques(&c.tags),
        generate: c.generate,
        description,
    })
}

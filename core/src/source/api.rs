//! Control-plane and daemon sources (Kubernetes audit, docker daemon, kubelet):
//! the facts rules read under `k8s.*`, `docker.*` and `kubelet.*`.

use alloc::borrow::Cow;
use alloc::vec::Vec;

use crate::event::{Event, Value};
use crate::json::Json;

/// What a control-plane or daemon record says.
#[derive(Clone, Debug, Default)]
pub struct ApiEvent<'a> {
    /// The authenticated user.
    pub user: Option<Cow<'a, str>>,
    /// Client IP addresses.
    pub source_ips: Vec<Cow<'a, str>>,
    /// The client's user agent.
    pub user_agent: Option<Cow<'a, str>>,
    /// (field, token) pairs: the values that established each fact, for indicators.
    pub evidence: Vec<(&'static str, alloc::string::String)>,
}

/// Fields of this domain: (name, kind, description).
pub const FIELDS: &[(&str, crate::fields::FieldKind, &str)] = &[];

impl<'a> ApiEvent<'a> {
    /// The value of field `name` of this domain.
    pub fn field(&self, name: &str) -> Value<'_> {
        let _ = name;
        Value::Missing
    }
}

/// Reads a control-plane or daemon JSON record.
pub fn read<'a>(doc: &'a Json<'a>) -> Option<Event<'a>> {
    let _ = doc;
    None
}

/// Reads a control-plane or daemon text line.
pub fn read_text(line: &str) -> Option<Event<'_>> {
    let _ = line;
    None
}

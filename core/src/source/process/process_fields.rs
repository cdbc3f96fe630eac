//! The cross-vendor process field table (seed 003's normalisation): the same
//! fact under each vendor's name. Sigma `Image` = Elastic `process.executable` =
//! Splunk `process_path` ...; every process normaliser reads through this table.

use alloc::borrow::Cow;
use alloc::vec::Vec;

use crate::event::ProcessStart;
use crate::text::json::Json;

/// Where one vendor keeps each process-start fact (first present name wins; dotted
/// names follow nested objects or flattened keys).
#[derive(Debug)]
pub struct ProcessFieldNames {
    /// Vendor / schema name, also the verdict's `source`.
    pub vendor: &'static str,
    /// Full executable path.
    pub executable: &'static [&'static str],
    /// Executable file name.
    pub name: &'static [&'static str],
    /// Argument array.
    pub args: &'static [&'static str],
    /// Command line string.
    pub command_line: &'static [&'static str],
    /// User name.
    pub user: &'static [&'static str],
    /// Parent executable name.
    pub parent_name: &'static [&'static str],
    /// Parent executable path.
    pub parent_executable: &'static [&'static str],
    /// Parent command line.
    pub parent_command_line: &'static [&'static str],
    /// Host name.
    pub host: &'static [&'static str],
    /// Process id.
    pub pid: &'static [&'static str],
    /// Container id.
    pub container_id: &'static [&'static str],
}

/// Elastic Common Schema (Elastic Endpoint, Auditbeat, Elastic Agent).
pub const ECS: ProcessFieldNames = ProcessFieldNames {
    vendor: "ecs",
    executable: &["process.executable"],
    name: &["process.name"],
    args: &["process.args"],
    command_line: &["process.command_line"],
    user: &["user.name", "user.effective.name", "process.user.name"],
    parent_name: &["process.parent.name"],
    parent_executable: &["process.parent.executable"],
    parent_command_line: &["process.parent.command_line"],
    host: &["host.name", "host.hostname"],
    pid: &["process.pid"],
    container_id: &["container.id"],
};

/// Sysmon EventID 1 (Windows and Sysmon for Linux), also Sigma's process_creation names.
pub const SYSMON: ProcessFieldNames = ProcessFieldNames {
    vendor: "sysmon",
    executable: &["Image"],
    name: &["OriginalFileName"],
    args: &[],
    command_line: &["CommandLine"],
    user: &["User"],
    parent_name: &[],
    parent_executable: &["ParentImage"],
    parent_command_line: &["ParentCommandLine"],
    host: &["Computer", "Hostname"],
    pid: &["ProcessId"],
    container_id: &[],
};

/// Windows Security 4688 and QRadar-style flat exports (seed 000/002 column names).
pub const WINDOWS_4688: ProcessFieldNames = ProcessFieldNames {
    vendor: "win4688",
    executable: &["NewProcessName", "Process Path", "Image"],
    name: &["Process Name", "ProcessName"],
    args: &[],
    command_line: &[
        "CommandLine",
        "ProcessCommandLine",
        "Command",
        "Process CommandLine",
        "payload",
        "UTF8(payload)",
    ],
    user: &[
        "SubjectUserName",
        "TargetUserName",
        "username",
        "Username",
        "userName",
        "User",
    ],
    parent_name: &["ParentProcessName", "Parent Process Name"],
    parent_executable: &["ParentProcessPath", "Parent Process Path"],
    parent_command_line: &["ParentCommandLine", "Parent Command"],
    host: &["Computer", "hostname", "Hostname", "sourceip"],
    pid: &["NewProcessId", "ProcessId"],
    container_id: &[],
};

/// Splunk Common Information Model (Endpoint.Processes).
pub const SPLUNK_CIM: ProcessFieldNames = ProcessFieldNames {
    vendor: "splunk",
    executable: &["process_path"],
    name: &["process_name"],
    args: &[],
    command_line: &["process"],
    user: &["user"],
    parent_name: &["parent_process_name"],
    parent_executable: &["parent_process_path"],
    parent_command_line: &["parent_process"],
    host: &["dest", "host"],
    pid: &["process_id"],
    container_id: &[],
};

fn first_text<'a>(doc: &'a Json<'a>, names: &[&str]) -> Option<Cow<'a, str>> {
    names.iter().find_map(|n| {
        let v = doc.get_dotted(n);
        let text = v.as_text()?;
        let trimmed = text.trim();
        // Sysmon writes "-" for unknown values.
        if trimmed.is_empty() || trimmed == "-" {
            return None;
        }
        Some(match (v, text) {
            (Json::Str(Cow::Borrowed(s)), _) => Cow::Borrowed(*s),
            (_, t) => Cow::Owned(t.into_owned()),
        })
    })
}

/// Reads a process start from `doc` (an object) with `names`.
pub fn read<'a>(doc: &'a Json<'a>, names: &ProcessFieldNames) -> ProcessStart<'a> {
    let mut argv: Vec<Cow<'a, str>> = Vec::new();
    for n in names.args {
        let items = doc.get_dotted(n).as_array();
        if !items.is_empty() {
            argv = items
                .iter()
                .filter_map(|v| v.as_text().map(|t| Cow::Owned(t.into_owned())))
                .collect();
            // Borrow where the element is a borrowed string.
            for (slot, v) in argv.iter_mut().zip(items) {
                if let Json::Str(Cow::Borrowed(s)) = v {
                    *slot = Cow::Borrowed(s);
                }
            }
            break;
        }
    }
    ProcessStart {
        executable: first_text(doc, names.executable),
        name: first_text(doc, names.name),
        argv,
        command_line: first_text(doc, names.command_line),
        user: first_text(doc, names.user),
        parent_name: first_text(doc, names.parent_name),
        parent_executable: first_text(doc, names.parent_executable),
        parent_command_line: first_text(doc, names.parent_command_line),
        host: first_text(doc, names.host),
        pid: names.pid.iter().find_map(|n| doc.get_dotted(n).as_i64()),
        container_id: first_text(doc, names.container_id),
    }
}

/// True when `doc` has a value under any of `names`.
pub fn has_any(doc: &Json<'_>, names: &[&str]) -> bool {
    names.iter().any(|n| !doc.get_dotted(n).is_null())
}

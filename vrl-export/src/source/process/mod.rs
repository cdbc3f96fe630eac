//! The process sources (core `source::process`).

pub(crate) mod auditd;
pub(crate) mod ecs;
pub(crate) mod esf;
pub(crate) mod process_fields;
pub(crate) mod shell_line;
pub(crate) mod splunk;
pub(crate) mod sysmon;
pub(crate) mod windows_4688;

//! The normalised event every source is read into, and the field values rules see.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use crate::analysis::{CommandAnalysis, Payload};
use crate::text::{basename, join};

mod control_plane;
mod pod;

pub use control_plane::ControlPlane;
pub use pod::PodFacts;

/// A field value as a rule condition sees it.
#[derive(Clone, Debug, PartialEq)]
pub enum Value<'v> {
    /// The field is absent for this record.
    Missing,
    /// A yes/no fact.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// One string.
    Str(&'v str),
    /// Several strings; a condition holds when it holds for any of them.
    List(&'v [Cow<'v, str>]),
}

/// A process start (exec) from any process-event source.
#[derive(Clone, Debug, Default)]
pub struct ProcessStart<'a> {
    /// Full path of the executable, if the source has it.
    pub executable: Option<Cow<'a, str>>,
    /// Executable file name (`docker`, `kubectl.exe`).
    pub name: Option<Cow<'a, str>>,
    /// Arguments including argv\[0\].
    pub argv: Vec<Cow<'a, str>>,
    /// The command line as the source wrote it (or argv joined with spaces).
    pub command_line: Option<Cow<'a, str>>,
    /// The user that started the process.
    pub user: Option<Cow<'a, str>>,
    /// Parent executable name.
    pub parent_name: Option<Cow<'a, str>>,
    /// Parent executable path.
    pub parent_executable: Option<Cow<'a, str>>,
    /// Parent command line.
    pub parent_command_line: Option<Cow<'a, str>>,
    /// Host name.
    pub host: Option<Cow<'a, str>>,
    /// Process id.
    pub pid: Option<i64>,
    /// The container the process runs in, when the source knows (ECS `container.id`).
    pub container_id: Option<Cow<'a, str>>,
}

impl<'a> ProcessStart<'a> {
    /// Fills the gaps one field leaves for another: name from the executable or argv\[0\],
    /// argv from the command line, command line from argv.
    pub fn complete(mut self) -> Self {
        if self.argv.is_empty() {
            if let Some(cl) = &self.command_line {
                let windows = crate::text::shell_words::is_windows_command(cl)
                    || self
                        .executable
                        .as_deref()
                        .map(crate::text::shell_words::is_windows_command)
                        .unwrap_or(false);
                let words = if windows {
                    crate::text::shell_words::split_windows(cl)
                } else {
                    crate::text::shell_words::split(cl)
                };
                self.argv = words.into_iter().map(Cow::Owned).collect();
            }
        }
        if self.command_line.is_none() && !self.argv.is_empty() {
            self.command_line = Some(Cow::Owned(join(&self.argv)));
        }
        if self.name.is_none() {
            let from = self
                .executable
                .as_deref()
                .or(self.argv.first().map(|s| &**s));
            if let Some(path) = from {
                self.name = Some(Cow::Owned(String::from(basename(path))));
            }
        }
        if self.parent_name.is_none() {
            if let Some(path) = self.parent_executable.as_deref() {
                self.parent_name = Some(Cow::Owned(String::from(basename(path))));
            }
        }
        self
    }
}

/// What kind of activity a record describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// A process started (exec).
    Process,
    /// A Kubernetes API server audit event.
    K8sAudit,
    /// A docker daemon event or API call.
    Docker,
    /// A kubelet API request.
    Kubelet,
}

impl EventKind {
    /// Every kind, in the order the rule index keeps them.
    pub const ALL: [EventKind; 4] = [
        EventKind::Process,
        EventKind::K8sAudit,
        EventKind::Docker,
        EventKind::Kubelet,
    ];

    /// The name rules use in `event.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Process => "process",
            EventKind::K8sAudit => "k8s_audit",
            EventKind::Docker => "docker",
            EventKind::Kubelet => "kubelet",
        }
    }
}

/// One container-tool command of a record with what it runs inside the container.
#[derive(Clone, Debug, Default)]
pub struct Segment<'a> {
    /// Argument analysis of the command.
    pub command: CommandAnalysis<'a>,
    /// What runs inside the container.
    pub payload: Payload<'a>,
}

/// One record, normalised.
#[derive(Clone, Debug)]
pub struct Event<'a> {
    /// What the record describes.
    pub kind: EventKind,
    /// The normaliser that read it (`ecs`, `sysmon`, `auditd`, ...).
    pub source: &'static str,
    /// The process start, for process events.
    pub process: Option<ProcessStart<'a>>,
    /// The container-tool commands in the record: one for a plain command, one per
    /// tool invocation for a shell script. Rules are evaluated once per segment.
    pub segments: Vec<Segment<'a>>,
    /// Control-plane and daemon facts for non-process sources.
    pub control_plane: ControlPlane<'a>,
}

impl<'a> Event<'a> {
    /// An event of `kind` from `source` with nothing known yet.
    pub fn new(kind: EventKind, source: &'static str) -> Self {
        Event {
            kind,
            source,
            process: None,
            segments: alloc::vec![Segment::default()],
            control_plane: Default::default(),
        }
    }

    /// Command segment `i` of the record (the last one when `i` is past the end; every event
    /// has at least one segment).
    pub fn segment(&self, i: usize) -> &Segment<'a> {
        &self.segments[i.min(self.segments.len() - 1)]
    }

    /// Sets the payload (for sources that carry the command run in a container, e.g. a pod exec).
    pub fn set_payload(&mut self, payload: Payload<'a>) {
        if let Some(s) = self.segments.first_mut() {
            s.payload = payload;
        }
    }

    /// A process event: runs the argument analysis on argv. A source that logs only the
    /// command line (Sysmon, Splunk, ECS without `process.args`) may log a whole shell line:
    /// then every command of the line is analysed ([`Event::from_shell_line`]).
    pub fn from_process(source: &'static str, process: ProcessStart<'a>) -> Self {
        let windows = |s: Option<&str>| s.is_some_and(crate::text::shell_words::is_windows_command);
        let line = process.argv.is_empty()
            && process.command_line.is_some()
            && !windows(process.command_line.as_deref())
            && !windows(process.executable.as_deref());
        Self::from_process_as(source, process, line)
    }

    /// A process event whose command line is a shell line (shell history, sudo's
    /// `COMMAND=`): every command of it is analysed, as in an `sh -c` script.
    pub fn from_shell_line(source: &'static str, process: ProcessStart<'a>) -> Self {
        Self::from_process_as(source, process, true)
    }

    fn from_process_as(source: &'static str, process: ProcessStart<'a>, line: bool) -> Self {
        let process = process.complete();
        let in_container = process.container_id.is_some();
        let commands = match (&process.command_line, line) {
            (Some(cl), true) => crate::analysis::analyse_line(cl),
            _ => crate::analysis::analyse_all(&process.argv),
        };
        let segments = commands
            .into_iter()
            .map(|command| {
                // A command with no container tool, run inside a container: its own
                // arguments are what runs in the container.
                let payload = if command.tool.is_none() && in_container {
                    Payload::analyse(&process.argv)
                } else {
                    Payload::analyse(&command.inner_args)
                };
                Segment { command, payload }
            })
            .collect();
        Event {
            kind: EventKind::Process,
            source,
            process: Some(process),
            segments,
            control_plane: Default::default(),
        }
    }

    /// The user the record attributes the activity to.
    pub fn user(&self) -> Option<&str> {
        match &self.process {
            Some(p) => p.user.as_deref(),
            None => self.control_plane.user.as_deref(),
        }
    }
}

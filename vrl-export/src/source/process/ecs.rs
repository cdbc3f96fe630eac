//! Elastic Common Schema process events (core `source::process::ecs`).

use alloc::format;

use cadet_core::parts::source::ECS;

use crate::program::Out;
use crate::source::process::process_fields::read_process;
use crate::text::json::dot;

/// A process event of `rec` (core `source::process::ecs::read`).
///
/// Mirrors core `source::process::ecs::read`.
pub(crate) fn read(o: &mut Out) {
    o.push("\n# ecs (core source::process::ecs::read): Elastic Common Schema process events; event.type other than start is not read.");
    o.push("if src == \"\" {");
    let (a, n, e, c) = (
        dot(o, "rec", "process.args"),
        dot(o, "rec", "process.name"),
        dot(o, "rec", "process.executable"),
        dot(o, "rec", "process.command_line"),
    );
    o.push(&format!("if is_string({n}) || is_string({e}) || is_string({c}) || (is_array({a}) && length!({a}) > 0) {{"));
    let et = dot(o, "rec", "event.type");
    o.push(&format!(
        "    ecs_type = {et}\n    ecs_types = []\n    if is_string(ecs_type) {{ ecs_types = [ecs_type] }} else if is_array(ecs_type) {{ ecs_types = filter(array!(ecs_type)) -> |_i, x| {{ is_string(x) }} }}\n    if length(ecs_types) == 0 || includes(ecs_types, \"start\") {{"
    ));
    read_process(o, "rec", &ECS);
    o.push("    }\n}\n}");
}

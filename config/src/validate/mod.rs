//! Cross-checks that typing alone cannot express: references between sections, listener
//! clashes, security rules. Every check runs and every failure is reported, each located
//! at the key it is about (or its nearest written ancestor).

mod admission;
mod destinations;
mod egress;
mod listeners;
mod profiles;
mod runtime;

use crate::error::Problem;
use crate::model::Config;
use crate::path::KeyPath;
use crate::suggest::closest;
use crate::yaml::Node;

/// Collects problems, locating each through the source tree.
pub(crate) struct Checker<'a> {
    origin: &'a str,
    tree: &'a Node,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    /// Records a problem about `path`.
    pub(crate) fn error(&mut self, path: KeyPath, message: impl Into<String>) -> &mut Problem {
        let mut p = Problem::new(self.origin, path, message);
        p.pos = self.tree.locate(&p.path);
        self.problems.push(p);
        let last = self.problems.len() - 1;
        &mut self.problems[last]
    }

    /// Records a problem about the name or presence of the key at the end of `path`,
    /// located at the key rather than at its value.
    pub(crate) fn key_error(&mut self, path: KeyPath, message: impl Into<String>) -> &mut Problem {
        let pos = self.tree.locate_key(&path);
        let p = self.error(path, message);
        p.pos = pos;
        p
    }

    /// True if `path` is written in the file (not a default).
    pub(crate) fn is_written(&self, path: &KeyPath) -> bool {
        self.tree.contains(path)
    }

    /// Records "`name` is not a known <what>", with a suggestion and the allowed names.
    pub(crate) fn unknown_name(&mut self, path: KeyPath, what: &str, name: &str, known: &[&str]) {
        let p = self.error(path, format!("no {what} named `{name}`"));
        Self::suggest(p, name, known);
    }

    /// Like [`Checker::unknown_name`] for a name used as a mapping key.
    pub(crate) fn unknown_key_name(
        &mut self,
        path: KeyPath,
        what: &str,
        name: &str,
        known: &[&str],
    ) {
        let p = self.key_error(path, format!("no {what} named `{name}`"));
        Self::suggest(p, name, known);
    }

    fn suggest(p: &mut Problem, name: &str, known: &[&str]) {
        p.suggestion = closest(name, known.iter().copied());
        p.allowed = known.iter().map(|s| (*s).to_owned()).collect();
    }
}

/// Runs every check.
pub(crate) fn validate(config: &Config, tree: &Node, origin: &str) -> Vec<Problem> {
    let mut c = Checker {
        origin,
        tree,
        problems: Vec::new(),
    };
    runtime::check(config, &mut c);
    listeners::check(config, &mut c);
    profiles::check(config, &mut c);
    destinations::check(config, &mut c);
    destinations::check_flows(config, &mut c);
    admission::check(config, &mut c);
    egress::check(config, &mut c);
    c.problems
}

//! Profile rules: known detector names, usable custom detectors, and a key for hashing.

use super::Checker;
use crate::model::profile::{ProfileConfig, ProfileMode, BUILTIN_DETECTORS};
use crate::model::Config;
use crate::path::KeyPath;

/// Shortest accepted HMAC key: shorter keys make `hmac:` outputs guessable.
const MIN_HASH_KEY_BYTES: usize = 16;

pub(super) fn check(config: &Config, c: &mut Checker<'_>) {
    for (name, profile) in &config.profiles {
        let base = KeyPath::keys(&["profiles", name]);
        if profile.mode == ProfileMode::Passthrough {
            check_passthrough(profile, &base, c);
            continue;
        }
        check_patterns(profile, &base, c);
        check_detectors(profile, &base, c);
        check_hashing(profile, &base, c);
    }
}

/// A passthrough profile removes nothing; rules in it would silently do nothing, which
/// would give a false sense of protection.
fn check_passthrough(p: &ProfileConfig, base: &KeyPath, c: &mut Checker<'_>) {
    let ignored: [(&str, bool); 8] = [
        ("allow_keys", !p.allow_keys.is_empty()),
        ("deny_keys", !p.deny_keys.is_empty()),
        ("hash_keys", !p.hash_keys.is_empty()),
        ("detectors", p.detectors.is_some()),
        ("features", !p.features.is_empty()),
        ("custom", !p.custom.is_empty()),
        ("actions", !p.actions.is_empty()),
        ("hash_key", p.hash_key.is_some()),
    ];
    for (key, set) in ignored {
        if set {
            c.key_error(
                base.key(key),
                "a passthrough profile removes nothing, so this would be ignored; use mode strict or detect, or delete the key",
            );
        }
    }
}

fn check_patterns(p: &ProfileConfig, base: &KeyPath, c: &mut Checker<'_>) {
    for (key, list) in [
        ("allow_keys", &p.allow_keys),
        ("deny_keys", &p.deny_keys),
        ("hash_keys", &p.hash_keys),
        ("features", &p.features),
    ] {
        for (i, pattern) in list.iter().enumerate() {
            if pattern.trim().is_empty() {
                c.error(
                    base.key(key).index(i),
                    "an empty key pattern matches nothing",
                );
            }
        }
    }
}

fn check_detectors(p: &ProfileConfig, base: &KeyPath, c: &mut Checker<'_>) {
    if let Some(list) = &p.detectors {
        for (i, d) in list.iter().enumerate() {
            if !BUILTIN_DETECTORS.contains(&d.as_str()) {
                c.unknown_name(
                    base.key("detectors").index(i),
                    "built-in detector",
                    d,
                    BUILTIN_DETECTORS,
                );
            }
        }
    }
    for (i, custom) in p.custom.iter().enumerate() {
        let path = base.key("custom").index(i);
        let valid_name = !custom.name.is_empty()
            && custom
                .name
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_');
        if !valid_name {
            c.error(
                path.key("name"),
                format!(
                    "`{}` is not a detector name: use lower-case letters, digits and `_`",
                    custom.name
                ),
            );
        } else if BUILTIN_DETECTORS.contains(&custom.name.as_str()) {
            c.error(
                path.key("name"),
                format!(
                    "`{}` is a built-in detector; give the custom detector another name",
                    custom.name
                ),
            );
        } else if p.custom[..i].iter().any(|o| o.name == custom.name) {
            c.error(
                path.key("name"),
                format!("custom detector `{}` is defined twice", custom.name),
            );
        }
        if custom.regex.trim().is_empty() {
            c.error(
                path.key("regex"),
                "the regular expression is empty; it would match everywhere",
            );
        }
    }
    let mut known: Vec<&str> = BUILTIN_DETECTORS.to_vec();
    known.extend(p.custom.iter().map(|d| d.name.as_str()));
    for detector in p.actions.keys() {
        if !known.contains(&detector.as_str()) {
            c.unknown_key_name(
                base.key("actions").key(detector.clone()),
                "detector",
                detector,
                &known,
            );
        }
    }
}

fn check_hashing(p: &ProfileConfig, base: &KeyPath, c: &mut Checker<'_>) {
    match &p.hash_key {
        None if p.uses_hash() => {
            c.error(
                base.key("hash_key"),
                "this profile hashes values (hash_keys or a `hash` action) but has no hash_key; add `hash_key: ${file:/etc/planeguard/hmac.key}`",
            );
        }
        Some(key) if key.is_resolved() && key.expose().len() < MIN_HASH_KEY_BYTES => {
            c.error(
                base.key("hash_key"),
                format!("the hash key is shorter than {MIN_HASH_KEY_BYTES} bytes; hashes of short values could be guessed"),
            );
        }
        _ => {}
    }
}

//! Checks on the claim set (RFC 7519 §4.1) once the signature has been verified.

use serde_json::{Map, Value};

use super::JwtError;

/// Milliseconds since the Unix epoch. Wide enough for any integer claim; fractional
/// claims saturate, so comparisons use saturating arithmetic.
pub(crate) type Millis = i128;

/// Enforces `exp` (required), `nbf` and `iat` (optional) against `now`, with `leeway`.
pub(crate) fn check_times(
    claims: &Map<String, Value>,
    now: Millis,
    leeway: Millis,
) -> Result<(), JwtError> {
    let exp = numeric_date(claims, "exp")?.ok_or(JwtError::MissingClaim("exp"))?;
    // RFC 7519 §4.1.4: the current time must be *before* exp.
    if now >= exp.saturating_add(leeway) {
        return Err(JwtError::Expired);
    }
    if let Some(nbf) = numeric_date(claims, "nbf")? {
        if now.saturating_add(leeway) < nbf {
            return Err(JwtError::NotYetValid);
        }
    }
    if let Some(iat) = numeric_date(claims, "iat")? {
        if now.saturating_add(leeway) < iat {
            return Err(JwtError::IssuedInFuture);
        }
    }
    Ok(())
}

/// A NumericDate claim as milliseconds. JSON numbers only (integer or fraction); a
/// string, boolean or null is refused rather than coerced.
fn numeric_date(
    claims: &Map<String, Value>,
    name: &'static str,
) -> Result<Option<Millis>, JwtError> {
    let Some(value) = claims.get(name) else {
        return Ok(None);
    };
    let Value::Number(n) = value else {
        return Err(JwtError::InvalidClaim(name));
    };
    if let Some(i) = n.as_i64() {
        return Ok(Some(Millis::from(i) * 1000));
    }
    if let Some(u) = n.as_u64() {
        return Ok(Some(Millis::from(u) * 1000));
    }
    match n.as_f64() {
        // Float-to-int `as` saturates, so absurd values become far past/future, not UB.
        Some(f) if f.is_finite() => Ok(Some((f * 1000.0).floor() as Millis)),
        _ => Err(JwtError::InvalidClaim(name)),
    }
}

/// `iss` must be present and equal the configured issuer exactly.
pub(crate) fn check_issuer(claims: &Map<String, Value>, issuer: &str) -> Result<(), JwtError> {
    match claims.get("iss") {
        None => Err(JwtError::MissingClaim("iss")),
        Some(Value::String(iss)) if iss == issuer => Ok(()),
        Some(Value::String(_)) => Err(JwtError::WrongIssuer),
        Some(_) => Err(JwtError::InvalidClaim("iss")),
    }
}

/// `aud` (a string or an array of strings, RFC 7519 §4.1.3) must name one of
/// `audiences`.
pub(crate) fn check_audience(
    claims: &Map<String, Value>,
    audiences: &[String],
) -> Result<(), JwtError> {
    let accepted = |aud: &str| audiences.iter().any(|a| a == aud);
    match claims.get("aud") {
        None => Err(JwtError::MissingClaim("aud")),
        Some(Value::String(aud)) => accepted(aud).then_some(()).ok_or(JwtError::WrongAudience),
        Some(Value::Array(items)) => {
            let mut found = false;
            for item in items {
                let Value::String(aud) = item else {
                    return Err(JwtError::InvalidClaim("aud"));
                };
                found |= accepted(aud);
            }
            found.then_some(()).ok_or(JwtError::WrongAudience)
        }
        Some(_) => Err(JwtError::InvalidClaim("aud")),
    }
}

/// The configured subject claim: a string, or absent.
pub(crate) fn subject(claims: &Map<String, Value>, name: &str) -> Result<Option<String>, JwtError> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(JwtError::InvalidClaim("subject")),
    }
}

/// The caller's roles from the configured claim; absent means no roles.
pub(crate) fn roles(claims: &Map<String, Value>, path: &str) -> Result<Vec<String>, JwtError> {
    match lookup(claims, path) {
        None => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(s.split_ascii_whitespace().map(str::to_owned).collect()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::String(role) => Ok(role.clone()),
                _ => Err(JwtError::InvalidClaim("roles")),
            })
            .collect(),
        Some(_) => Err(JwtError::InvalidClaim("roles")),
    }
}

/// Exact top-level name first, then the dotted path through nested objects.
fn lookup<'a>(claims: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    if let Some(value) = claims.get(path) {
        return Some(value);
    }
    let mut segments = path.split('.');
    let mut current = claims.get(segments.next()?)?;
    for segment in segments {
        current = current.as_object()?.get(segment)?;
    }
    Some(current)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    const NOW: Millis = 1_700_000_000_000;

    #[test]
    fn exp_boundary_and_leeway() {
        let c = obj(json!({"exp": 1_700_000_000}));
        assert_eq!(check_times(&c, NOW, 0), Err(JwtError::Expired));
        assert_eq!(check_times(&c, NOW - 1, 0), Ok(()));
        assert_eq!(check_times(&c, NOW, 1), Ok(()));
        let frac = obj(json!({"exp": 1_700_000_000.5}));
        assert_eq!(check_times(&frac, NOW + 499, 0), Ok(()));
        assert_eq!(check_times(&frac, NOW + 500, 0), Err(JwtError::Expired));
    }

    #[test]
    fn numeric_claims_must_be_numbers() {
        let exp = 1_700_000_100;
        for bad in [json!("1700000100"), json!(true), json!(null), json!([exp])] {
            let c = obj(json!({ "exp": bad }));
            assert_eq!(check_times(&c, NOW, 0), Err(JwtError::InvalidClaim("exp")));
            let c = obj(json!({ "exp": exp, "nbf": bad }));
            assert_eq!(check_times(&c, NOW, 0), Err(JwtError::InvalidClaim("nbf")));
            let c = obj(json!({ "exp": exp, "iat": bad }));
            assert_eq!(check_times(&c, NOW, 0), Err(JwtError::InvalidClaim("iat")));
        }
        let c = obj(json!({ "exp": u64::MAX }));
        assert_eq!(check_times(&c, NOW, 0), Ok(()));
        let c = obj(json!({ "exp": 1e300, "nbf": -1e300, "iat": -1e300 }));
        assert_eq!(check_times(&c, NOW, 300_000), Ok(()));
        let c = obj(json!({ "exp": -5 }));
        assert_eq!(check_times(&c, NOW, 0), Err(JwtError::Expired));
    }

    #[test]
    fn iat_in_future_is_refused_beyond_leeway() {
        let c = obj(json!({"exp": 1_700_000_600, "iat": 1_700_000_010}));
        assert_eq!(check_times(&c, NOW, 0), Err(JwtError::IssuedInFuture));
        assert_eq!(check_times(&c, NOW, 10_000), Ok(()));
    }

    #[test]
    fn issuer_checks() {
        assert_eq!(check_issuer(&obj(json!({"iss": "a"})), "a"), Ok(()));
        assert_eq!(
            check_issuer(&obj(json!({"iss": "A"})), "a"),
            Err(JwtError::WrongIssuer)
        );
        assert_eq!(
            check_issuer(&obj(json!({})), "a"),
            Err(JwtError::MissingClaim("iss"))
        );
        assert_eq!(
            check_issuer(&obj(json!({"iss": ["a"]})), "a"),
            Err(JwtError::InvalidClaim("iss"))
        );
    }

    #[test]
    fn audience_checks() {
        let auds = ["x".to_owned(), "y".to_owned()];
        assert_eq!(check_audience(&obj(json!({"aud": "y"})), &auds), Ok(()));
        assert_eq!(
            check_audience(&obj(json!({"aud": ["q", "x"]})), &auds),
            Ok(())
        );
        assert_eq!(
            check_audience(&obj(json!({"aud": "z"})), &auds),
            Err(JwtError::WrongAudience)
        );
        assert_eq!(
            check_audience(&obj(json!({"aud": []})), &auds),
            Err(JwtError::WrongAudience)
        );
        assert_eq!(
            check_audience(&obj(json!({"aud": ["x", 1]})), &auds),
            Err(JwtError::InvalidClaim("aud"))
        );
        assert_eq!(
            check_audience(&obj(json!({})), &auds),
            Err(JwtError::MissingClaim("aud"))
        );
    }

    #[test]
    fn roles_from_arrays_strings_and_paths() {
        let c = obj(json!({
            "roles": ["reader", "writer"],
            "scope": "read  write\tadmin",
            "realm_access": {"roles": ["ops"]},
            "https://example.com/roles": ["namespaced"],
            "bad": [1],
            "num": 3
        }));
        assert_eq!(
            roles(&c, "roles"),
            Ok(vec!["reader".to_owned(), "writer".to_owned()])
        );
        assert_eq!(
            roles(&c, "scope"),
            Ok(vec![
                "read".to_owned(),
                "write".to_owned(),
                "admin".to_owned()
            ])
        );
        assert_eq!(roles(&c, "realm_access.roles"), Ok(vec!["ops".to_owned()]));
        assert_eq!(
            roles(&c, "https://example.com/roles"),
            Ok(vec!["namespaced".to_owned()])
        );
        assert_eq!(roles(&c, "realm_access.missing"), Ok(vec![]));
        assert_eq!(roles(&c, "roles.deeper"), Ok(vec![]));
        assert_eq!(roles(&c, "bad"), Err(JwtError::InvalidClaim("roles")));
        assert_eq!(roles(&c, "num"), Err(JwtError::InvalidClaim("roles")));
    }

    #[test]
    fn subject_must_be_a_string() {
        assert_eq!(
            subject(&obj(json!({"sub": "u1"})), "sub"),
            Ok(Some("u1".to_owned()))
        );
        assert_eq!(subject(&obj(json!({})), "sub"), Ok(None));
        assert_eq!(
            subject(&obj(json!({"sub": 7})), "sub"),
            Err(JwtError::InvalidClaim("subject"))
        );
    }
}

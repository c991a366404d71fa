use proptest::prelude::*;

use super::*;

#[test]
fn normalization_table() {
    let cases: &[(&str, &str)] = &[
        ("/", "/"),
        ("/v1/query/online", "/v1/query/online"),
        ("/a/./b", "/a/b"),
        ("/a/b/../c", "/a/c"),
        ("/a/b/..", "/a/"),
        ("/a/b/.", "/a/b/"),
        ("/a/..", "/"),
        ("/./", "/"),
        ("//x", "/x"),
        ("/a//b///c", "/a/b/c"),
        ("/a/", "/a/"),
        ("/a//", "/a/"),
        ("///", "/"),
        ("/%41", "/A"),
        ("/%7e%2D%5f%30", "/~-_0"),
        ("/a%2eb", "/a.b"),
        ("/a%2E", "/a."),
        ("/...", "/..."),
        ("/%2e%2e%2e", "/..."),
        ("/a%3ab", "/a%3Ab"),
        ("/a%3Ab", "/a%3Ab"),
        ("/caf%c3%a9", "/caf%C3%A9"),
        ("/a%20b", "/a%20b"),
        ("/a%0ab", "/a%0Ab"),
        ("/a;v=1/b", "/a;v=1/b"),
        ("/user@host:8080/!$&'()*+,=", "/user@host:8080/!$&'()*+,="),
        ("/a/b/../../c/./d/..", "/c/"),
    ];
    for (raw, want) in cases {
        assert_eq!(normalize(raw).as_deref(), Ok(*want), "normalize({raw:?})");
    }
}

#[test]
fn rejection_table() {
    let cases: &[(&str, &str)] = &[
        ("", "not_absolute"),
        ("a/b", "not_absolute"),
        ("*", "not_absolute"),
        ("http://h/a", "not_absolute"),
        ("/a/../../etc", "escapes_root"),
        ("/..", "escapes_root"),
        ("/../a", "escapes_root"),
        ("/a/../..", "escapes_root"),
        ("/%2e%2e/", "encoded_dot_segment"),
        ("/%2E%2E/etc", "encoded_dot_segment"),
        ("/a/.%2e/b", "encoded_dot_segment"),
        ("/a/%2e/b", "encoded_dot_segment"),
        ("/a/%2e", "encoded_dot_segment"),
        ("/a%2fb", "encoded_slash"),
        ("/a%2Fb", "encoded_slash"),
        ("/a%5cb", "encoded_backslash"),
        ("/a%5Cb", "encoded_backslash"),
        ("/a%00b", "nul"),
        ("/a\0b", "nul"),
        ("/a%252e%252e", "double_encoding"),
        ("/%252F", "double_encoding"),
        // Found by fuzzing: decoding %41%41 after %25 would otherwise yield "%25AA".
        ("//%25%41%41", "double_encoding"),
        ("/%25a%41", "double_encoding"),
        ("/%25%41a", "double_encoding"),
        ("/a/..;/b", "dot_segment_parameter"),
        ("/a/.;x/b", "dot_segment_parameter"),
        ("/a/%2e%2e;/b", "dot_segment_parameter"),
        ("/a%", "bad_percent_encoding"),
        ("/a%4", "bad_percent_encoding"),
        ("/a%zz", "bad_percent_encoding"),
        ("/a%-1", "bad_percent_encoding"),
        ("/a\\b", "backslash"),
        ("/a\\..\\b", "backslash"),
        ("/a\tb", "control_char"),
        ("/a\r\nb", "control_char"),
        ("/a\x7fb", "control_char"),
        ("/caf\u{e9}", "non_ascii"),
        ("/a b", "invalid_char"),
        ("/a?b", "invalid_char"),
        ("/a#b", "invalid_char"),
        ("/a\"b", "invalid_char"),
        ("/a<b>", "invalid_char"),
        ("/a{b}", "invalid_char"),
        ("/a|b", "invalid_char"),
        ("/a^b", "invalid_char"),
        ("/a`b", "invalid_char"),
    ];
    for (raw, reason) in cases {
        match normalize(raw) {
            Ok(p) => panic!("normalize({raw:?}) accepted as {p:?}, want {reason}"),
            Err(e) => assert_eq!(e.reason(), *reason, "normalize({raw:?}): {e}"),
        }
    }
}

#[test]
fn a_literal_percent_25_alone_is_kept() {
    // %25 not followed by hex is an ordinary escaped '%', not double encoding.
    assert_eq!(normalize("/100%25").as_deref(), Ok("/100%25"));
    assert_eq!(normalize("/100%25x").as_deref(), Ok("/100%25x"));
    assert_eq!(normalize("/100%25a").as_deref(), Ok("/100%25a"));
    assert_eq!(normalize("/100%25%41x").as_deref(), Ok("/100%25Ax"));
}

#[test]
fn errors_point_at_the_offending_byte() {
    assert_eq!(normalize("/ab%2fc"), Err(PathError::EncodedSlash { at: 3 }));
    assert_eq!(
        normalize("/x y"),
        Err(PathError::InvalidChar { ch: ' ', at: 2 })
    );
    assert_eq!(
        normalize("/a%2fb").unwrap_err().to_string(),
        "encoded '/' (%2F) at byte 2"
    );
}

#[test]
fn split_query_cuts_at_the_first_question_mark() {
    assert_eq!(split_query("/a/b"), ("/a/b", None));
    assert_eq!(split_query("/a?x=1?y"), ("/a", Some("x=1?y")));
    assert_eq!(split_query("/a?"), ("/a", Some("")));
}

fn pattern(methods: &[&str], path: &str) -> RoutePattern {
    RoutePattern::new(methods.iter().copied(), path).unwrap()
}

#[test]
fn exact_pattern() {
    let p = pattern(&["POST"], "/v1/query/online");
    assert!(p.matches("POST", "/v1/query/online"));
    assert!(!p.matches("GET", "/v1/query/online"));
    assert!(!p.matches("post", "/v1/query/online"));
    assert!(!p.matches("POST", "/v1/query/online/"));
    assert!(!p.matches("POST", "/v1/query/online/x"));
    assert!(!p.matches("POST", "/v1/query"));
    assert!(!p.matches("POST", "/v1/query/onlinex"));
    assert!(!p.matches("POST", "v1/query/online"));
    let root = pattern(&["GET"], "/");
    assert!(root.matches("GET", "/"));
    assert!(!root.matches("GET", "/a"));
    let slash = pattern(&["GET"], "/a/");
    assert!(slash.matches("GET", "/a/"));
    assert!(!slash.matches("GET", "/a"));
}

#[test]
fn single_segment_wildcard() {
    let p = pattern(&["GET", "HEAD"], "/v1/tables/*/rows");
    assert!(p.matches("GET", "/v1/tables/t1/rows"));
    assert!(p.matches("HEAD", "/v1/tables/t1/rows"));
    assert!(!p.matches("GET", "/v1/tables//rows"));
    assert!(!p.matches("GET", "/v1/tables/a/b/rows"));
    assert!(!p.matches("GET", "/v1/tables/t1/rows/x"));
    assert!(!p.matches("GET", "/v1/tables/rows"));
}

#[test]
fn prefix_wildcard() {
    let p = pattern(&["GET"], "/v1/query/*");
    assert!(p.matches("GET", "/v1/query/a"));
    assert!(p.matches("GET", "/v1/query/a/b/"));
    assert!(!p.matches("GET", "/v1/query"));
    assert!(!p.matches("GET", "/v1/query/"));
    assert!(!p.matches("GET", "/v1/queryx/a"));
    let all = pattern(&["GET"], "/*");
    assert!(all.matches("GET", "/a"));
    assert!(all.matches("GET", "/a/b"));
    assert!(!all.matches("GET", "/"));
    let mixed = pattern(&["GET"], "/t/*/c/*");
    assert!(mixed.matches("GET", "/t/x/c/y/z"));
    assert!(!mixed.matches("GET", "/t/x/d/y"));
}

#[test]
fn traversal_cannot_reach_a_route_after_normalization() {
    let p = pattern(&["POST"], "/v1/query/online");
    for raw in ["/v1/admin/../query/online", "//v1//query/./online"] {
        assert!(p.matches("POST", &normalize(raw).unwrap()), "{raw}");
    }
    // The spelling an upstream might read as another path is refused, not matched.
    assert!(normalize("/v1/query%2fonline").is_err());
    let admin = pattern(&["POST"], "/v1/query/*");
    assert!(normalize("/v1/query/../admin").is_ok_and(|n| !admin.matches("POST", &n)));
}

#[test]
fn bad_patterns() {
    let err = |m: &[&str], p: &str| RoutePattern::new(m.iter().copied(), p).unwrap_err();
    assert_eq!(err(&[], "/a"), PatternError::NoMethods);
    assert_eq!(err(&["post"], "/a"), PatternError::BadMethod("post".into()));
    assert_eq!(err(&[""], "/a"), PatternError::BadMethod(String::new()));
    assert_eq!(err(&["GET"], "a"), PatternError::NotAbsolute("a".into()));
    assert_eq!(
        err(&["GET"], "/a*"),
        PatternError::BadWildcard("/a*".into())
    );
    assert_eq!(
        err(&["GET"], "/a/**"),
        PatternError::BadWildcard("/a/**".into())
    );
    for p in [
        "/a//b", "/a/./b", "/a/..", "/%41", "/a%2fb", "/a b", "/a//*",
    ] {
        assert_eq!(
            err(&["GET"], p),
            PatternError::NotNormalized(p.into()),
            "{p}"
        );
    }
    assert!(RoutePattern::new(["GET"], "/a/").is_ok());
    assert!(RoutePattern::new(["GET"], "/a%3Ab").is_ok());
    assert!(RoutePattern::new(["GET"], "/a%3ab").is_err());
}

#[test]
fn route_table_finds_first_match_in_order() {
    let table = RouteTable::new(vec![
        Route {
            pattern: pattern(&["POST"], "/v1/query/online"),
            roles: vec!["query".into()],
        },
        Route {
            pattern: pattern(&["POST", "GET"], "/v1/query/*"),
            roles: vec!["admin".into()],
        },
    ]);
    assert_eq!(
        table.find("POST", "/v1/query/online").map(|r| &r.roles[..]),
        Some(&["query".to_owned()][..])
    );
    assert_eq!(
        table.find("GET", "/v1/query/online").map(|r| &r.roles[..]),
        Some(&["admin".to_owned()][..])
    );
    assert!(table.find("DELETE", "/v1/query/online").is_none());
    assert!(table.find("POST", "/v1/other").is_none());
    assert!(RouteTable::default().find("GET", "/").is_none());
    assert_eq!(
        table.routes()[1].pattern.to_string(),
        "POST|GET /v1/query/*"
    );
}

proptest! {
    #[test]
    fn normalize_never_panics_and_is_idempotent(raw in "[/a-fA-F0-9xz.%;?\\\\ ]{0,24}") {
        if let Ok(n) = normalize(&raw) {
            prop_assert!(n.starts_with('/'));
            prop_assert!(!n.contains("//"));
            prop_assert!(!n.split('/').any(|s| s == "." || s == ".."));
            prop_assert_eq!(normalize(&n), Ok(n.clone()));
        }
    }

    #[test]
    fn normalize_never_panics_on_any_string(raw in any::<String>()) {
        let _ = normalize(&raw);
    }
}

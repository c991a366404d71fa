//! url_credentials and url_secret.

use super::{assert_none, assert_not, assert_one, scan};

#[test]
fn url_credentials() {
    for (text, want) in [
        ("https://alice:s3cr3t@example.com/x", "alice:s3cr3t"),
        (
            "dsn=postgres://app:p%40ss@db.internal:5432/app",
            "app:p%40ss",
        ),
        ("\"url\":\"redis://:hunter22@cache:6379\"", ":hunter22"),
        ("git+ssh://bob:pw@git.example.org/repo.git", "bob:pw"),
        ("amqp://guest:gu@st@rabbit/", "guest:gu@st"),
    ] {
        assert_one("url_credentials", text, want);
    }
}

#[test]
fn urls_without_credentials_survive() {
    for text in [
        "https://example.com/a/b?c=d",
        "http://[2001:db8::1]:8080/",
        "https://example.com:8443/path@v2",
        "https://alice@example.com/",
        "https://alice:@example.com/",
        "mailto:alice@example.com",
    ] {
        assert_not("url_credentials", text);
    }
    assert_none("https://example.com:8443/path@v2");
}

#[test]
fn url_secrets_in_query_strings() {
    for (text, want) in [
        ("GET /cb?code=1&token=abc123&state=x", "abc123"),
        (
            "https://api.example.com/v1?api_key=AbC-123_x#frag",
            "AbC-123_x",
        ),
        ("?apikey=k1", "k1"),
        ("?API-KEY=k2&x=1", "k2"),
        ("login password=hunter2 user=bob", "hunter2"),
        ("pwd=p4ss,", "p4ss"),
        (
            "https://s3.amazonaws.com/b/k?X-Amz-Signature=0a1b2c&X-Amz-Date=20240115",
            "0a1b2c",
        ),
        (
            "?X-Amz-Credential=AKID%2F20240115%2Fus-east-1",
            "AKID%2F20240115%2Fus-east-1",
        ),
        (
            "https://storage.googleapis.com/b/o?X-Goog-Signature=deadbeef",
            "deadbeef",
        ),
        ("?x-goog-credential=svc%40proj", "svc%40proj"),
        ("client_secret=cs_1&grant_type=x", "cs_1"),
        ("refresh_token=r1 ", "r1"),
        ("access_token=a1", "a1"),
        ("id_token=i1", "i1"),
        ("sig=s1", "s1"),
        ("signature=s2", "s2"),
        ("secret=s3", "s3"),
        ("passwd=s4", "s4"),
        ("auth=s5", "s5"),
    ] {
        assert_one("url_secret", text, want);
    }
}

#[test]
fn non_secret_params_survive() {
    for text in [
        "?key=value&page=2",
        "?token_type=bearer",
        "?tokens=5",
        "x.token=abc",
        "my-token=abc",
        "password==hunter2",
        "token=",
        "auth_method=oauth",
    ] {
        assert_not("url_secret", text);
    }
}

#[test]
fn credentials_and_secrets_in_one_url() {
    let text = "https://u:p@h.example/x?token=t1&sig=s1";
    let got = scan(text);
    let names: Vec<&str> = got.iter().map(|(d, _)| d.as_str()).collect();
    assert_eq!(names, ["url_credentials", "url_secret", "url_secret"]);
    assert_eq!(got[0].1, "u:p");
    assert_eq!(got[1].1, "t1");
    assert_eq!(got[2].1, "s1");
}

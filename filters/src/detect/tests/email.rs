//! email.

use super::{assert_not, assert_one};

#[test]
fn emails_in_contexts() {
    for (text, want) in [
        ("alice@example.com", "alice@example.com"),
        (
            "mail to bob.smith+tag@mail.example.co.uk, thanks",
            "bob.smith+tag@mail.example.co.uk",
        ),
        (
            "<carol_99@sub-domain.example.org>",
            "carol_99@sub-domain.example.org",
        ),
        ("{\"email\":\"dave@example.io\"}", "dave@example.io"),
        ("mailto:erin@example.net.", "erin@example.net"),
        ("from=frank%x@example.com;", "frank%x@example.com"),
        ("(grace@EXAMPLE.COM)", "grace@EXAMPLE.COM"),
        ("git@github.com:org/repo.git", "git@github.com"),
        ("x .heidi@example.com", "heidi@example.com"),
    ] {
        assert_one("email", text, want);
    }
}

#[test]
fn email_look_alikes_survive() {
    for text in [
        "user@localhost",
        "pkg@1.2.3",
        "@scope/package",
        "foo@bar",
        "a@b.c",
        "foo.@example.com",
        "foo@-example.com",
        "foo@example.com_x",
        "@@",
        "name@",
        "node@18.19.0 npm@10.2.3",
        "retry @ 12:00",
    ] {
        assert_not("email", text);
    }
}

#[test]
fn non_ascii_local_parts_and_domains_are_taken_whole() {
    for (text, want) in [
        ("contact: jörg.müller@example.de", "jörg.müller@example.de"),
        ("Ünal@example.com wrote", "Ünal@example.com"),
        ("mail josé@bücher.de now", "josé@bücher.de"),
        ("用户 张伟@例子.公司 登录", "张伟@例子.公司"),
        ("(léa@exemple.fr)", "léa@exemple.fr"),
        // Non-ASCII that is no letter or digit ends the local part.
        ("«anna@example.com»", "anna@example.com"),
        ("to\u{a0}ben@example.com", "ben@example.com"),
    ] {
        assert_one("email", text, want);
    }
    for text in [
        "pkg@1.2.3é",
        "foo@exämple",
        "x@y.çz_1",
        // Invalid UTF-8 around the sign is no letter.
        "\u{fffd}@example",
    ] {
        assert_not("email", text);
    }
}

/// A percent-encoded `@` in a URL path or query is an email's too.
#[test]
fn percent_encoded_emails_in_urls() {
    for (text, want) in [
        (
            "https://example.com/reset?email=jane%40example.com",
            "jane%40example.com",
        ),
        ("/users/john.doe%40acme.io/profile", "john.doe%40acme.io"),
        (
            "GET /api?to=bob.smith%40mail.example.co.uk&x=1",
            "bob.smith%40mail.example.co.uk",
        ),
    ] {
        assert_one("email", text, want);
    }
    // At every offset of a vector (the `%` and the digits after it may fall
    // in different ones); local parts are at most 64 bytes.
    for pad in 0..63 {
        let text = format!("{}u%40example.com", "x".repeat(pad));
        assert_one("email", &text, &text);
    }
    for text in [
        "discount 40%40 off",
        "50%40ms",
        "x%41example.com",
        "%40example",
    ] {
        assert_not("email", text);
    }
}

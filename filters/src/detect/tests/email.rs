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

//! person_name: free-text name pairs and name-like keys.

use super::super::names::{is_given, is_surname};
use super::{assert_none, assert_not, assert_one, scan_key};

#[test]
fn name_lists_are_embedded_and_case_insensitive() {
    assert!(is_given("Maria") && is_given("JOHN") && is_given("zoë") && is_given("Zoë"));
    assert!(is_surname("Garcia") && is_surname("Müller") && is_surname("SMITH"));
    assert!(!is_given("Query") && !is_surname("Failed") && !is_given("Service"));
}

#[test]
fn names_in_free_text() {
    for (text, want) in [
        ("Maria Garcia", "Maria Garcia"),
        ("signed by John Smith.", "John Smith"),
        ("user Zoë Müller logged in", "Zoë Müller"),
        ("{\"owner\":\"Hans Schmidt\"}", "Hans Schmidt"),
        ("(Giulia Rossi)", "Giulia Rossi"),
        ("to: Anna Kowalska,", "Anna Kowalska"),
        ("Emma Johansson", "Emma Johansson"),
        ("Mehmet Yılmaz", "Mehmet Yılmaz"),
        ("Maria José Garcia", "Maria José Garcia"),
        ("Maria Garcia Lopez", "Maria Garcia Lopez"),
        ("Anna Müller-Schmidt", "Anna Müller-Schmidt"),
    ] {
        assert_one("person_name", text, want);
    }
}

#[test]
fn capitalized_phrases_survive() {
    for text in [
        "Query Failed",
        "Service Name",
        "Bad Request",
        "Internal Server Error",
        "Connection Reset By Peer",
        "Not Found",
        "Will Retry",
        "Max Retries Exceeded",
        "maria garcia",
        "Maria",
        "Maria  Garcia",
        "Maria_Garcia",
        "Maria2 Garcia",
        "MariaGarcia",
        "Garcia Maria Fooo",
    ] {
        assert_not("person_name", text);
    }
}

#[test]
fn name_keys_redact_whole_value() {
    let hit = |v: &str| vec![("person_name".to_string(), v.to_string())];
    for key in [
        "customer.full_name",
        "first_name",
        "user.lastName",
        "given_name",
        "family-name",
        "surname",
        "profile.display_name",
        "maiden_name",
        "account.owner.name",
        "user.name",
        "customer.name",
        "person.name",
        "contact.name",
        "patient.name",
        "employee.name",
    ] {
        assert_eq!(scan_key(key, "jdoe 42"), hit("jdoe 42"), "key {key}");
    }
    for key in [
        "service.name",
        "host.name",
        "k8s.pod.name",
        "k8s.namespace.name",
        "resolver.name",
        "metric.name",
        "span.name",
        "otel.scope.name",
        "code.function.name",
        "telemetry.sdk.name",
        "process.executable.name",
        "name",
    ] {
        assert_eq!(scan_key(key, "jdoe 42"), vec![], "key {key}");
    }
}

#[test]
fn names_are_whole_words() {
    assert_none("JohnSmith");
    assert_not("person_name", "xJohn Smith");
}

/// A glued double surname is taken whole even when the lists lack its second
/// half; the half left over used to stay in clear text.
#[test]
fn hyphenated_double_surnames_are_taken_whole() {
    for (text, want) in [
        (
            "Maria José García-López signed in",
            "Maria José García-López",
        ),
        ("Zoë Müller-Xyzabc here", "Zoë Müller-Xyzabc"),
        ("by John Smith-Qwerty.", "John Smith-Qwerty"),
    ] {
        assert_one("person_name", text, want);
    }
    // After a space the second surname still has to be a known one.
    assert_one("person_name", "John Smith Qwerty", "John Smith");
}

/// A person-name key in free text names its value, known to the lists or
/// not, quoted or not; other `name` keys (`service.name=checkout`) do not.
#[test]
fn name_keys_in_free_text_name_their_value() {
    let found = |text: &str| -> Vec<String> {
        super::scan(text)
            .into_iter()
            .filter(|(d, _)| d == "person_name")
            .map(|(_, v)| v)
            .collect()
    };
    assert_eq!(
        found(r#"{"firstName":"Sarah","lastName":"Qwerty"}"#),
        ["Sarah", "Qwerty"]
    );
    assert_eq!(found("first_name=Zyx last_name=Wvu ok"), ["Zyx", "Wvu"]);
    assert_eq!(found("full_name=Jane Ann Roe, id=7"), ["Jane Ann Roe"]);
    assert_eq!(
        found("customer.name: Xavi Qwerty logged in"),
        ["Xavi Qwerty"]
    );
    assert_eq!(found("lastName=O'Brien ok"), ["O'Brien"]);
    assert_eq!(found(r#"{\"displayName\":\"Juan Pérez\"}"#), ["Juan Pérez"]);
    for text in [
        "name=checkout-service",
        "service.name=checkout",
        "k8s.pod.name: api-7f9c",
        "hostname=web-1",
        "filename=report.pdf",
    ] {
        assert!(found(text).is_empty(), "{text}: {:?}", found(text));
    }
}

//! date_of_birth: a date after a birth label (or under a birth key), in
//! numeric and written shapes; dates and timestamps without one survive.

use super::{assert_not, scan, scan_key};

fn found(text: &str) -> Vec<String> {
    scan(text)
        .into_iter()
        .filter(|(d, _)| d == "date_of_birth")
        .map(|(_, v)| v)
        .collect()
}

#[track_caller]
fn assert_dob(text: &str, want: &str) {
    assert_eq!(found(text), vec![want.to_string()], "{text:?}");
}

#[test]
fn numeric_dates_after_a_label() {
    for (text, want) in [
        ("dob: 1985-03-12", "1985-03-12"),
        ("DOB=03/12/1985", "03/12/1985"),
        ("date of birth: 12.03.1985", "12.03.1985"),
        ("Date of Birth 12-03-1985", "12-03-1985"),
        ("born 1985-03-12", "1985-03-12"),
        ("birth date: 1985/03/12", "1985/03/12"),
        ("birthdate=1985.3.2", "1985.3.2"),
        ("birthday 3/12/85", "3/12/85"),
        ("dob 19850312", "19850312"),
        ("D.O.B.: 12.03.1985", "12.03.1985"),
        ("dob is 1985-03-12", "1985-03-12"),
        ("dateOfBirth=1985-03-12", "1985-03-12"),
        ("customer_dob=1985-03-12&x=1", "1985-03-12"),
        ("{\"dob\":\"1985-03-12\"}", "1985-03-12"),
        ("{\\\"birthDate\\\": \\\"1985-03-12\\\"}", "1985-03-12"),
        ("dob: 1985-03-12T00:00:00Z", "1985-03-12"),
        ("dob: 12-Mar-1985", "12-Mar-1985"),
        ("kyc check dob=31/12/1999 pending", "31/12/1999"),
    ] {
        assert_dob(text, want);
    }
}

#[test]
fn written_dates_after_a_label() {
    for (text, want) in [
        ("birthday: March 12, 1985", "March 12, 1985"),
        ("born on 12 March 1985", "12 March 1985"),
        ("dob: Mar 12 1985", "Mar 12 1985"),
        ("date of birth: 12th March 1985", "12th March 1985"),
        ("DOB Sept. 3, 1985", "Sept. 3, 1985"),
        ("born May 1st, 2001 in Lyon", "May 1st, 2001"),
    ] {
        assert_dob(text, want);
    }
}

#[test]
fn dates_under_a_birth_key() {
    for key in ["patient.birth_date", "dob", "customerDOB", "dateOfBirth"] {
        assert_eq!(
            scan_key(key, "1985-03-12"),
            vec![("date_of_birth".to_string(), "1985-03-12".to_string())],
            "{key}"
        );
    }
    assert!(scan_key("adobe.release", "1985-03-12").is_empty());
    assert!(scan_key("event.date", "1985-03-12").is_empty());
}

#[test]
fn dates_without_a_birth_label_survive() {
    for text in [
        "2024-01-15T10:20:30.123Z INFO started",
        "deployed on 2024-01-15",
        "created 03/12/1985 by admin",
        "Mon, 15 Jan 2024 10:20:30 GMT",
        "updated at March 12, 1985",
        "since 1985",
        "born in 1985",
        "dob: 1985",
        "dob: 1985-13-12",
        "dob: 1985-03-32",
        "dob: 13/13/1985",
        "dob: 1885-03-12",
        "dob: 12.03.1985.4",
        "dob: v1.2.3",
        "dob_check took 12.5ms",
        "birthday: 12 of 20 done",
        "date: 1985-03-12",
        "rebirthing 1985-03-12",
        "dob: Marching 12, 1985",
        "dob 415 555 2671",
    ] {
        assert_not("date_of_birth", text);
    }
}

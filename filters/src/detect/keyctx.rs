//! Key context: what the attribute key says about its value.
//!
//! A few detectors change behaviour under telling keys: the whole value of
//! `customer.full_name` is a person's name, of `http.request.header.authorization`
//! a credential, of `aws.secret_access_key` a secret; a bare 9-digit run is an
//! SSN only under an `ssn` key, and a bare digit run a phone number only under a
//! `phone` key. Keys are checked with cheap suffix/byte tests first, because this
//! runs for every attribute value.

use super::classes::{contains_ci, ends_with_ci, is, ALNUM, SECRET_PUNCT, SPACE};
use super::{BuiltinDetector as B, DetectorSet, Match};

/// Longest key segment that is normalized for comparison; longer segments are
/// never name-like.
const MAX_SEGMENT: usize = 32;

/// Pushes a whole-value match when the key alone says the value is sensitive.
/// Returns true when it did (nothing else needs scanning then).
pub(super) fn whole_value(
    set: &DetectorSet,
    key: &[u8],
    text: &[u8],
    out: &mut Vec<Match>,
) -> bool {
    // The key tests come first (most keys say nothing), in the order of
    // precedence: a name key, then an authorization key, then a secret key
    // (which also needs a 40-byte value).
    let name = set.is_enabled(B::PersonName) && is_name_key(key);
    let auth = !name && set.is_enabled(B::BearerToken) && is_authorization_key(key);
    let aws = !name && !auth && set.is_enabled(B::AwsSecretAccessKey);
    if !(name || auth || aws) {
        return false;
    }
    let (s, e) = trim(text);
    if s >= e {
        return false;
    }
    let id = if name {
        B::PersonName
    } else if auth {
        B::BearerToken
    } else if e - s == 40
        && text[s..e].iter().all(|&b| is(b, ALNUM | SECRET_PUNCT))
        && is_aws_secret_key(key)
    {
        B::AwsSecretAccessKey
    } else {
        return false;
    };
    out.push(Match {
        start: s,
        end: e,
        detector: id.id(),
    });
    true
}

/// The value without surrounding ASCII whitespace.
fn trim(t: &[u8]) -> (usize, usize) {
    let mut s = 0;
    let mut e = t.len();
    while s < e && is(t[s], SPACE) {
        s += 1;
    }
    while e > s && is(t[e - 1], SPACE) {
        e -= 1;
    }
    (s, e)
}

/// Lowercases `seg` into `buf` without `_` and `-` (so `first_name`,
/// `firstName` and `first-name` compare equal). None if too long.
fn normalize<'b>(seg: &[u8], buf: &'b mut [u8; MAX_SEGMENT]) -> Option<&'b [u8]> {
    let mut n = 0;
    for &b in seg {
        if b == b'_' || b == b'-' {
            continue;
        }
        *buf.get_mut(n)? = b.to_ascii_lowercase();
        n += 1;
    }
    Some(&buf[..n])
}

/// Keys whose value is a person's name: a last segment such as `full_name` or
/// `surname`, or `<person-like>.name` (`customer.name`, `owner.name`). OTel
/// semantic-convention names (`service.name`, `k8s.pod.name`, `code.function`...)
/// are not person-like and stay untouched.
pub(super) fn is_name_key(key: &[u8]) -> bool {
    if key.last().is_none_or(|&b| b | 0x20 != b'e') || !ends_with_ci(key, b"name") {
        return false;
    }
    let (prev, last) = last_two_segments(key);
    let mut buf = [0u8; MAX_SEGMENT];
    let Some(last) = normalize(last, &mut buf) else {
        return false;
    };
    match last {
        b"fullname" | b"firstname" | b"lastname" | b"givenname" | b"familyname" | b"surname"
        | b"displayname" | b"maidenname" | b"middlename" | b"personname" | b"customername"
        | b"patientname" | b"employeename" | b"contactname" | b"ownername" | b"holdername"
        | b"cardholdername" | b"accountholdername" | b"legalname" | b"realname"
        | b"recipientname" | b"sendername" | b"beneficiaryname" | b"mothersmaidenname" => true,
        b"name" => {
            let mut pbuf = [0u8; MAX_SEGMENT];
            let Some(prev) = prev.and_then(|p| normalize(p, &mut pbuf)) else {
                return false;
            };
            matches!(
                prev,
                b"owner"
                    | b"user"
                    | b"customer"
                    | b"person"
                    | b"contact"
                    | b"patient"
                    | b"employee"
                    | b"client"
                    | b"member"
                    | b"holder"
                    | b"cardholder"
                    | b"accountholder"
                    | b"recipient"
                    | b"sender"
                    | b"beneficiary"
                    | b"applicant"
                    | b"guest"
                    | b"student"
                    | b"author"
                    | b"buyer"
                    | b"seller"
                    | b"payer"
                    | b"payee"
                    | b"signer"
                    | b"passenger"
                    | b"traveler"
                    | b"subscriber"
                    | b"shopper"
                    | b"consumer"
                    | b"enduser"
                    | b"driver"
            )
        }
        _ => false,
    }
}

/// `(second-to-last, last)` dot-separated segments of a key.
fn last_two_segments(key: &[u8]) -> (Option<&[u8]>, &[u8]) {
    // Keys are short: a plain loop beats a call into memchr here.
    match key.iter().rposition(|&b| b == b'.') {
        None => (None, key),
        Some(d) => {
            let last = &key[d + 1..];
            let head = &key[..d];
            let prev = match head.iter().rposition(|&b| b == b'.') {
                Some(p) => &head[p + 1..],
                None => head,
            };
            (Some(prev), last)
        }
    }
}

/// Keys mentioning `authorization` (`Authorization`, `http.request.header.authorization`).
pub(super) fn is_authorization_key(key: &[u8]) -> bool {
    // `z` is rare in keys: find it first (it is byte 7 of the 13), then check
    // the word around it. Keys are short: a plain loop beats memchr here.
    key.len() >= 13
        && key[7..key.len() - 5].iter().enumerate().any(|(k, &b)| {
            b | 0x20 == b'z' && super::classes::starts_with_ci(key, k, b"authorization")
        })
}

/// Keys that name an AWS secret access key.
pub(super) fn is_aws_secret_key(key: &[u8]) -> bool {
    contains_ci(key, b"secret_access_key")
        || contains_ci(key, b"secretaccesskey")
        || contains_ci(key, b"secret-access-key")
        || (contains_ci(key, b"aws") && contains_ci(key, b"secret"))
}

/// Keys under which a bare 9-digit run is a US SSN.
pub(super) fn is_ssn_key(key: &[u8]) -> bool {
    contains_ci(key, b"ssn")
        || contains_ci(key, b"social_security")
        || contains_ci(key, b"socialsecurity")
        || contains_ci(key, b"social-security")
}

/// Keys under which a bare digit run is a phone number (`*phone*`, `*mobile*`,
/// `*tel*` as a word: `tel`, `user.tel_home`, but not `telemetry.*` or `hotel`).
pub(super) fn is_phone_key(key: &[u8]) -> bool {
    if contains_ci(key, b"phone") || contains_ci(key, b"mobile") || contains_ci(key, b"msisdn") {
        return true;
    }
    key.windows(3).enumerate().any(|(i, w)| {
        w.eq_ignore_ascii_case(b"tel")
            && (i == 0 || !key[i - 1].is_ascii_alphabetic())
            && !super::classes::starts_with_ci(key, i + 3, b"em")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_keys() {
        for key in [
            "authorization",
            "Authorization",
            "http.request.header.authorization",
            "x_AUTHORIZATION_header",
        ] {
            assert!(is_authorization_key(key.as_bytes()), "{key}");
        }
        for key in [
            "authorizatio",
            "uthorization",
            "authorisation",
            "zzzzzzzzzzzzzz",
            "",
        ] {
            assert!(!is_authorization_key(key.as_bytes()), "{key}");
        }
    }
}

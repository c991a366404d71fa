//! Key context: what the attribute key says about its value.
//!
//! A few detectors change behaviour under telling keys: the whole value of
//! `customer.full_name` is a person's name, of `http.request.header.authorization`
//! a credential, of `aws.secret_access_key` a secret; a bare 9-digit run is an
//! SSN only under an `ssn` key, and a bare digit run a phone number only under a
//! `phone` key. Keys are checked with cheap suffix/byte tests first, because this
//! runs for every attribute value.

use super::classes::{contains_ci, ends_with_ci, is, starts_with_ci, ALNUM, SECRET_PUNCT, SPACE};
use super::{BuiltinDetector as B, DetectorSet, Match};

/// Longest key segment that is normalized for comparison; longer segments are
/// never name-like.
const MAX_SEGMENT: usize = 32;

/// What an attribute key says about its value: worked out once per key (the
/// scrubber caches it with the key's rule), then read by every scan of a value
/// under that key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct KeyFacts(u8);

impl KeyFacts {
    /// Free text (no key), or a key that says nothing.
    pub const NONE: KeyFacts = KeyFacts(0);
    const NAME: u8 = 1;
    const AUTHORIZATION: u8 = 2;
    const AWS_SECRET: u8 = 4;
    const SSN: u8 = 8;
    const PHONE: u8 = 16;
    const DOB: u8 = 32;

    /// The facts of `key` (empty for free text). One pass over the key finds
    /// the words that the precise tests need (`secret`, `ssn`, `phone`, ...);
    /// a test runs only when its word is there, so an ordinary key costs
    /// about one step per byte.
    pub fn of(key: &[u8]) -> Self {
        if key.is_empty() {
            return Self::NONE;
        }
        let mut f = 0;
        if is_name_key(key) {
            f |= Self::NAME;
        }
        let mut seen = 0u8;
        for i in 0..key.len() {
            let word = |lit: &[u8]| starts_with_ci(key, i, lit);
            seen |= match key[i] | 0x20 {
                b'a' if word(b"authorization") => Self::AUTHORIZATION,
                b's' if word(b"secret") => Self::AWS_SECRET,
                b's' if word(b"ssn") || word(b"social") => Self::SSN,
                b'p' if word(b"phone") => Self::PHONE,
                b'm' if word(b"mobile") || word(b"msisdn") => Self::PHONE,
                b't' if word(b"tel") => Self::PHONE,
                b'b' if word(b"birth") => Self::DOB,
                b'd' if word(b"dob") => Self::DOB,
                _ => 0,
            };
        }
        for (bit, test) in [
            (
                Self::AUTHORIZATION,
                is_authorization_key as fn(&[u8]) -> bool,
            ),
            (Self::AWS_SECRET, is_aws_secret_key),
            (Self::SSN, is_ssn_key),
            (Self::PHONE, is_phone_key),
            (Self::DOB, is_dob_key),
        ] {
            if seen & bit != 0 && test(key) {
                f |= bit;
            }
        }
        KeyFacts(f)
    }

    /// The whole value is a person's name (`customer.full_name`, `owner.name`).
    pub(super) fn name(self) -> bool {
        self.0 & Self::NAME != 0
    }

    /// The whole value is a credential (`http.request.header.authorization`).
    pub(super) fn authorization(self) -> bool {
        self.0 & Self::AUTHORIZATION != 0
    }

    /// A 40-byte value is an AWS secret access key.
    pub(super) fn aws_secret(self) -> bool {
        self.0 & Self::AWS_SECRET != 0
    }

    /// The key can make the whole value a match (a name, credential or
    /// secret key): what [`whole_value`] needs before it looks further.
    fn whole_value_key(self) -> bool {
        self.0 & (Self::NAME | Self::AUTHORIZATION | Self::AWS_SECRET) != 0
    }

    /// A bare 9-digit run is a US SSN.
    pub(super) fn ssn(self) -> bool {
        self.0 & Self::SSN != 0
    }

    /// A bare digit run is a phone number.
    pub(super) fn phone(self) -> bool {
        self.0 & Self::PHONE != 0
    }

    /// A date is a date of birth.
    pub(super) fn dob(self) -> bool {
        self.0 & Self::DOB != 0
    }
}

/// Pushes a whole-value match when the key alone says the value is sensitive.
/// Returns true when it did (nothing else needs scanning then). Inline: most
/// values (every free text, most keys) are decided by one test, without the
/// call that the compiler sometimes chose to make.
#[inline]
pub(super) fn whole_value(
    set: &DetectorSet,
    facts: KeyFacts,
    text: &[u8],
    out: &mut Vec<Match>,
) -> bool {
    facts.whole_value_key() && whole_value_by_key(set, facts, text, out)
}

/// [`whole_value`] for a key that can make the value a match.
fn whole_value_by_key(
    set: &DetectorSet,
    facts: KeyFacts,
    text: &[u8],
    out: &mut Vec<Match>,
) -> bool {
    // In the order of precedence: a name key, then an authorization key, then
    // a secret key (which also needs a 40-byte value).
    let name = facts.name() && set.is_enabled(B::PersonName);
    let auth = !name && facts.authorization() && set.is_enabled(B::BearerToken);
    let aws = !name && !auth && facts.aws_secret() && set.is_enabled(B::AwsSecretAccessKey);
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
    } else if e - s == 40 && text[s..e].iter().all(|&b| is(b, ALNUM | SECRET_PUNCT)) {
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

/// Keys under which a date is a date of birth (`*birth*`: `birth_date`,
/// `dateOfBirth`, `birthday`; `dob` as a word: `dob`, `patient.dob`,
/// `customerDOB`, but not `adobe`).
pub(super) fn is_dob_key(key: &[u8]) -> bool {
    if contains_ci(key, b"birth") {
        return true;
    }
    key.windows(3).enumerate().any(|(i, w)| {
        let upper = w == b"DOB" || w == b"Dob";
        let before_ok = i == 0 || !key[i - 1].is_ascii_lowercase() || upper;
        let after_ok = key.get(i + 3).is_none_or(|b| !b.is_ascii_lowercase());
        w.eq_ignore_ascii_case(b"dob") && before_ok && after_ok
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_agree_with_the_precise_tests() {
        for key in [
            "",
            "customer.full_name",
            "owner.name",
            "service.name",
            "http.request.header.authorization",
            "aws.secret_access_key",
            "AWS_SECRET",
            "db.secret",
            "customer.ssn",
            "Social_Security_Number",
            "user.phone",
            "MOBILE",
            "msisdn",
            "tel",
            "user.tel_home",
            "telemetry.sdk.name",
            "hotel",
            "x.aws.secretaccesskey.tel.phone.ssn.authorization.full_name",
            "patient.dob",
            "customerDOB",
            "adobe.version",
            "user.birth_date",
            "dateOfBirth",
        ] {
            let k = key.as_bytes();
            let f = KeyFacts::of(k);
            let nonempty = !k.is_empty();
            assert_eq!(f.name(), nonempty && is_name_key(k), "{key}");
            assert_eq!(
                f.authorization(),
                nonempty && is_authorization_key(k),
                "{key}"
            );
            assert_eq!(f.aws_secret(), nonempty && is_aws_secret_key(k), "{key}");
            assert_eq!(f.ssn(), nonempty && is_ssn_key(k), "{key}");
            assert_eq!(f.phone(), nonempty && is_phone_key(k), "{key}");
            assert_eq!(f.dob(), nonempty && is_dob_key(k), "{key}");
        }
    }

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

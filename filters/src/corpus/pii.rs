//! Canary values: realistic, checksum-valid sensitive values of every kind the
//! detectors look for, each with the text context a real log line gives it.

use super::rng::Rng;
use crate::detect::BuiltinDetector;

/// The kind of a planted sensitive value; one per built-in detector.
/// The benchmark corpus plants the first fifteen ([`CanaryKind::BASE`]);
/// the adversarial batches plant them all.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CanaryKind {
    Email,
    CreditCard,
    UsSsn,
    Phone,
    Iban,
    Ipv4,
    Ipv6,
    Jwt,
    AwsAccessKeyId,
    AwsSecretAccessKey,
    BearerToken,
    UrlCredentials,
    UrlSecret,
    PersonName,
    FeatureValue,
    ApiKey,
    PrivateKey,
    DateOfBirth,
}

impl CanaryKind {
    pub const ALL: [CanaryKind; 18] = [
        Self::Email,
        Self::CreditCard,
        Self::UsSsn,
        Self::Phone,
        Self::Iban,
        Self::Ipv4,
        Self::Ipv6,
        Self::Jwt,
        Self::AwsAccessKeyId,
        Self::AwsSecretAccessKey,
        Self::BearerToken,
        Self::UrlCredentials,
        Self::UrlSecret,
        Self::PersonName,
        Self::FeatureValue,
        Self::ApiKey,
        Self::PrivateKey,
        Self::DateOfBirth,
    ];

    /// The kinds of the benchmark corpus: the first fifteen of [`Self::ALL`]
    /// (the corpus as it was before the last three were added, so that its
    /// payloads and costs stay comparable).
    pub const BASE: [CanaryKind; 15] = {
        let mut base = [Self::Email; 15];
        let mut i = 0;
        while i < base.len() {
            base[i] = Self::ALL[i];
            i += 1;
        }
        base
    };

    /// The built-in detector expected to find this kind in free text.
    pub const fn detector(self) -> BuiltinDetector {
        match self {
            Self::Email => BuiltinDetector::Email,
            Self::CreditCard => BuiltinDetector::CreditCard,
            Self::UsSsn => BuiltinDetector::UsSsn,
            Self::Phone => BuiltinDetector::Phone,
            Self::Iban => BuiltinDetector::Iban,
            Self::Ipv4 => BuiltinDetector::Ipv4,
            Self::Ipv6 => BuiltinDetector::Ipv6,
            Self::Jwt => BuiltinDetector::Jwt,
            Self::AwsAccessKeyId => BuiltinDetector::AwsAccessKeyId,
            Self::AwsSecretAccessKey => BuiltinDetector::AwsSecretAccessKey,
            Self::BearerToken => BuiltinDetector::BearerToken,
            Self::UrlCredentials => BuiltinDetector::UrlCredentials,
            Self::UrlSecret => BuiltinDetector::UrlSecret,
            Self::PersonName => BuiltinDetector::PersonName,
            Self::FeatureValue => BuiltinDetector::FeatureValue,
            Self::ApiKey => BuiltinDetector::ApiKey,
            Self::PrivateKey => BuiltinDetector::PrivateKey,
            Self::DateOfBirth => BuiltinDetector::DateOfBirth,
        }
    }

    pub const fn name(self) -> &'static str {
        self.detector().name()
    }
}

/// One generated sensitive value in its three useful shapes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pii {
    pub kind: CanaryKind,
    /// The sensitive text itself: what must never reach a sink.
    pub value: String,
    /// A standalone form that still carries the context a detector needs
    /// (`Bearer <token>`, `aws_secret_access_key=<secret>`, a whole URL).
    pub bare: String,
    /// A phrase for free text (a log line fragment) containing `value`.
    pub phrase: String,
    /// For [`CanaryKind::FeatureValue`]: the feature key (`user.risk_score`).
    pub feature_key: Option<String>,
}

pub const GIVEN_NAMES: &[&str] = &[
    "Maria", "James", "Wei", "Fatima", "John", "Priya", "Michael", "Olga", "David", "Aisha",
    "Robert", "Sofia", "Daniel", "Elena", "Ahmed", "Laura", "Carlos", "Anna", "Kenji", "Emily",
    "Thomas", "Chloe", "Luis", "Hannah", "Omar", "Grace", "Ivan", "Julia", "Samuel", "Mei",
    "Patrick", "Sarah", "Diego", "Nora", "Lucas", "Amara", "Peter", "Yuki", "Mohammed", "Emma",
];

pub const SURNAMES: &[&str] = &[
    "Garcia",
    "Smith",
    "Chen",
    "Khan",
    "Johnson",
    "Patel",
    "Williams",
    "Ivanova",
    "Brown",
    "Okafor",
    "Jones",
    "Rossi",
    "Miller",
    "Novak",
    "Hassan",
    "Davis",
    "Martinez",
    "Schmidt",
    "Tanaka",
    "Wilson",
    "Anderson",
    "Dubois",
    "Lopez",
    "Becker",
    "Ali",
    "Taylor",
    "Petrov",
    "Moore",
    "Clark",
    "Wang",
    "Murphy",
    "Silva",
    "Fernandez",
    "Nguyen",
    "Kowalski",
    "Jackson",
    "Lee",
    "Sato",
    "Rahman",
    "Thompson",
];

const EMAIL_DOMAINS: &[&str] = &[
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "proton.me",
    "icloud.com",
    "hey.com",
    "acme-corp.com",
    "fastmail.fm",
];

/// Feature keys under the `user.*` / `transaction.*` namespaces and how their
/// values look.
const FEATURE_KEYS: &[&str] = &[
    "user.email",
    "user.risk_score",
    "user.ltv_usd",
    "user.date_of_birth",
    "user.device_id",
    "user.segment",
    "transaction.amount",
    "transaction.merchant_id",
];

/// Generates a fresh value of `kind`.
pub fn generate(rng: &mut Rng, kind: CanaryKind) -> Pii {
    let (value, bare, phrase, feature_key) = match kind {
        CanaryKind::Email => {
            let v = email(rng);
            let p = pick_fmt(
                rng,
                &[
                    "password reset link sent to {}",
                    "user={}",
                    "notify {} about export completion",
                    "invite accepted by {}",
                ],
                &v,
            );
            (v.clone(), v, p, None)
        }
        CanaryKind::CreditCard => {
            let v = credit_card(rng);
            let p = pick_fmt(
                rng,
                &[
                    "charge declined for card {}",
                    "card_number={}",
                    "pan {} failed tokenization",
                ],
                &v,
            );
            (v.clone(), v, p, None)
        }
        CanaryKind::UsSsn => {
            let v = us_ssn(rng);
            let p = pick_fmt(
                rng,
                &[
                    "ssn={}",
                    "identity check failed for SSN {}",
                    "kyc ssn {} mismatch",
                ],
                &v,
            );
            (v.clone(), v, p, None)
        }
        CanaryKind::Phone => {
            let v = phone(rng);
            let p = pick_fmt(
                rng,
                &[
                    "sms otp sent to {}",
                    "phone={}",
                    "callback number {} unreachable",
                ],
                &v,
            );
            (v.clone(), v, p, None)
        }
        CanaryKind::Iban => {
            let v = iban(rng);
            let p = pick_fmt(rng, &["payout to IBAN {} scheduled", "iban={}"], &v);
            (v.clone(), v, p, None)
        }
        CanaryKind::Ipv4 => {
            let v = ipv4(rng);
            let p = pick_fmt(
                rng,
                &[
                    "client_ip={}",
                    "connection from {} closed",
                    "x-forwarded-for: {}",
                ],
                &v,
            );
            (v.clone(), v, p, None)
        }
        CanaryKind::Ipv6 => {
            let v = ipv6(rng);
            let p = pick_fmt(rng, &["peer [{}]:443 reset", "client_ip={}"], &v);
            (v.clone(), v, p, None)
        }
        CanaryKind::Jwt => {
            let v = jwt(rng);
            let p = pick_fmt(rng, &["session jwt {} expired", "id_token={}"], &v);
            (v.clone(), v, p, None)
        }
        CanaryKind::AwsAccessKeyId => {
            let prefix = if rng.chance(0.8) { "AKIA" } else { "ASIA" };
            let v = format!(
                "{prefix}{}",
                rng.string_from(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
            );
            let p = pick_fmt(
                rng,
                &[
                    "using credentials AWS_ACCESS_KEY_ID={}",
                    "access key {} not authorized for s3:GetObject",
                ],
                &v,
            );
            (v.clone(), v, p, None)
        }
        CanaryKind::AwsSecretAccessKey => {
            let v = rng.string_from(
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+",
                40,
            );
            let bare = pick_fmt(
                rng,
                &[
                    "aws_secret_access_key={}",
                    "AWS_SECRET_ACCESS_KEY={}",
                    "aws_secret_access_key: {}",
                ],
                &v,
            );
            let p = format!("loaded profile default {bare}");
            (v, bare, p, None)
        }
        CanaryKind::BearerToken => {
            let v = bearer_token(rng);
            let bare = format!("Bearer {v}");
            let p = pick_fmt(
                rng,
                &[
                    "upstream rejected Authorization: {}",
                    "forwarding header authorization={}",
                ],
                &bare,
            );
            (v, bare, p, None)
        }
        CanaryKind::UrlCredentials => {
            let user = rng.pick(&["svc_ingest", "admin", "deploy", "readonly", "etl_user"]);
            let password = format!("{}{}", rng.alnum(14), rng.digits(2));
            let url = match rng.below(4) {
                0 => format!(
                    "postgres://{user}:{password}@db-{}.internal:5432/features",
                    rng.below(9)
                ),
                1 => format!(
                    "redis://{user}:{password}@cache-{}.internal:6379/0",
                    rng.below(9)
                ),
                2 => format!("https://{user}:{password}@artifacts.internal/pypi/simple/"),
                _ => format!("amqp://{user}:{password}@mq.internal:5672/vhost"),
            };
            let p = pick_fmt(rng, &["connecting to {}", "dsn={} unreachable"], &url);
            (password, url, p, None)
        }
        CanaryKind::UrlSecret => {
            let param = rng.pick(&[
                "api_key",
                "access_token",
                "client_secret",
                "signature",
                "X-Amz-Signature",
                "password",
            ]);
            let v = if *param == "X-Amz-Signature" || *param == "signature" {
                rng.hex(64)
            } else {
                rng.alnum(32)
            };
            let url = match rng.below(3) {
                0 => format!("https://api.vendor-data.com/v2/export?format=csv&{param}={v}"),
                1 => format!("https://hooks.partner.io/notify?{param}={v}&retry=1"),
                _ => format!("https://feature-store.s3.amazonaws.com/snap.parquet?{param}={v}"),
            };
            let p = pick_fmt(rng, &["GET {} failed", "fetching {}"], &url);
            (v, url, p, None)
        }
        CanaryKind::PersonName => {
            let v = format!("{} {}", rng.pick(GIVEN_NAMES), rng.pick(SURNAMES));
            let p = pick_fmt(
                rng,
                &[
                    "shipping label created for {}",
                    "account owner {} updated billing address",
                    "manual review assigned to {}",
                ],
                &v,
            );
            (v.clone(), v, p, None)
        }
        CanaryKind::FeatureValue => {
            let key = *rng.pick(FEATURE_KEYS);
            let v = feature_value(rng, key);
            let bare = format!("{key}={v}");
            let p = format!("features loaded {bare}");
            (v, bare, p, Some(key.to_string()))
        }
        CanaryKind::ApiKey => {
            let v = api_key(rng);
            // A neutral word or name before the key: it is found by its
            // prefix, not by what names it.
            let bare = pick_fmt(
                rng,
                &[
                    "using key {}",
                    "vendor.client={}",
                    "\"credential\": \"{}\"",
                    "configured with {}",
                ],
                &v,
            );
            let p = format!("payment client init {bare} ok");
            (v, bare, p, None)
        }
        CanaryKind::PrivateKey => {
            let (v, bare) = private_key(rng);
            let p = format!("loaded signing key {bare} for tenant");
            (v, bare, p, None)
        }
        CanaryKind::DateOfBirth => {
            let v = birth_date(rng);
            let bare = pick_fmt(
                rng,
                &[
                    "dob: {}",
                    "DOB={}",
                    "date of birth: {}",
                    "born {}",
                    "birthday: {}",
                    "Date of Birth {}",
                    "birth_date={}",
                    "\"dateOfBirth\":\"{}\"",
                ],
                &v,
            );
            let p = format!("kyc check {bare} pending");
            (v, bare, p, None)
        }
    };
    Pii {
        kind,
        value,
        bare,
        phrase,
        feature_key,
    }
}

/// [`generate`] with the formats only the adversarial batches plant (so that
/// every carrier, location and encoding exercises them, while the benchmark
/// corpus stays as it was): numbers that only a label in the same text names
/// (`ssn=123456789`, `call 4155552671`, `phone: 07911 123456`), NANP numbers
/// in single-space groups, and the punctuated NANP shapes of generated test
/// data (`(012)345-6789x123`, `001-...`) whose digits need not follow the plan.
pub fn generate_adversarial(rng: &mut Rng, kind: CanaryKind) -> Pii {
    let (value, bare) = match kind {
        CanaryKind::UsSsn if rng.chance(0.4) => {
            let v = us_ssn(rng).replace(['-', ' '], "");
            let bare = pick_fmt(
                rng,
                &[
                    "ssn={}",
                    "SSN {}",
                    "SSN: {}",
                    "social security number {}",
                    "ssn#{}",
                ],
                &v,
            );
            (v, bare)
        }
        CanaryKind::Phone if rng.chance(0.5) => {
            let v = match rng.below(5) {
                0 => format!("{}{}", rng.range(2, 9), rng.digits(9)),
                1 => format!("0{} {}", rng.range(7000, 7999), rng.digits(6)),
                2 => format!("0{} {}", rng.range(20, 99), rng.digits(7)),
                3 => format!("{} {} {}", nxx(rng), nxx(rng), rng.digits(4)),
                _ => format!(
                    "({}){}-{}x{}",
                    rng.digits(3),
                    rng.digits(3),
                    rng.digits(4),
                    rng.digits(3)
                ),
            };
            let bare = pick_fmt(
                rng,
                &[
                    "call {}",
                    "phone: {}",
                    "tel {}",
                    "mobile no. {}",
                    "phoneNumber={}",
                ],
                &v,
            );
            (v, bare)
        }
        CanaryKind::UrlSecret if rng.chance(0.4) => {
            // `name: value` and `name=value` under password-like names.
            let v = rng.alnum(16);
            let bare = pick_fmt(
                rng,
                &[
                    "password: {}",
                    "passwd : {}",
                    "db_password={}",
                    "\"clientSecret\": \"{}\"",
                    "x-api-key: {}",
                    "refreshToken: {}",
                ],
                &v,
            );
            (v, bare)
        }
        _ => return generate(rng, kind),
    };
    let phrase = format!("kyc check {bare} pending");
    Pii {
        kind,
        value,
        bare,
        phrase,
        feature_key: None,
    }
}

/// A NANP area code or exchange: 2-9, then two digits, no N11 code and no 9
/// in the middle (reserved for area codes).
fn nxx(rng: &mut Rng) -> u64 {
    loop {
        let x = rng.range(200, 999);
        if x % 100 != 11 && (x / 10) % 10 != 9 {
            return x;
        }
    }
}

fn pick_fmt(rng: &mut Rng, templates: &[&str], value: &str) -> String {
    rng.pick(templates).replacen("{}", value, 1)
}

fn email(rng: &mut Rng) -> String {
    let g = rng.pick(GIVEN_NAMES).to_ascii_lowercase();
    let s = rng.pick(SURNAMES).to_ascii_lowercase();
    let n = rng.range(10, 99_999);
    let local = match rng.below(3) {
        0 => format!("{g}.{s}{n}"),
        1 => format!("{}{s}{n}", &g[..1]),
        _ => format!("{g}_{s}.{n}"),
    };
    format!("{local}@{}", rng.pick(EMAIL_DOMAINS))
}

/// A Luhn-valid card number with a real brand prefix, plain, spaced or dashed.
pub fn credit_card(rng: &mut Rng) -> String {
    let (prefix, len): (String, usize) = match rng.below(4) {
        0 => ("4".into(), 16),
        1 => (rng.range(51, 55).to_string(), 16),
        2 => (rng.pick(&["34", "37"]).to_string(), 15),
        _ => (rng.pick(&["6011", "65"]).to_string(), 16),
    };
    let mut digits: Vec<u8> = prefix.bytes().map(|b| b - b'0').collect();
    while digits.len() < len - 1 {
        digits.push(rng.below(10) as u8);
    }
    digits.push(luhn_check_digit(&digits));
    let plain: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
    let groups: &[usize] = if len == 15 { &[4, 6, 5] } else { &[4, 4, 4, 4] };
    match rng.below(3) {
        0 => plain,
        n => {
            let sep = if n == 1 { " " } else { "-" };
            let mut out = Vec::new();
            let mut pos = 0;
            for g in groups {
                out.push(&plain[pos..pos + g]);
                pos += g;
            }
            out.join(sep)
        }
    }
}

/// The digit that makes `payload` + digit pass the Luhn check.
fn luhn_check_digit(payload: &[u8]) -> u8 {
    let sum: u32 = payload
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// Whether a digit string (separators ignored) passes the Luhn check.
pub fn luhn_valid(s: &str) -> bool {
    let digits: Vec<u32> = s.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() < 12 {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    sum % 10 == 0
}

/// An SSN in the valid ranges: area 001-899 except 666, group 01-99, serial 0001-9999.
fn us_ssn(rng: &mut Rng) -> String {
    let mut area = rng.range(1, 899);
    if area == 666 {
        area = 667;
    }
    let group = rng.range(1, 99);
    let serial = rng.range(1, 9999);
    let sep = if rng.chance(0.85) { "-" } else { " " };
    format!("{area:03}{sep}{group:02}{sep}{serial:04}")
}

fn phone(rng: &mut Rng) -> String {
    // NANP: NXX-NXX-XXXX with N in 2..=9 and no N11 codes.
    let nxx = |rng: &mut Rng| loop {
        let x = rng.range(200, 999);
        if x % 100 != 11 {
            return x;
        }
    };
    match rng.below(7) {
        0 => format!("+1{}{}{:04}", nxx(rng), nxx(rng), rng.below(10_000)),
        1 => format!("+1 {} {} {:04}", nxx(rng), nxx(rng), rng.below(10_000)),
        2 => format!("({}) {}-{:04}", nxx(rng), nxx(rng), rng.below(10_000)),
        3 => format!("{}-{}-{:04}", nxx(rng), nxx(rng), rng.below(10_000)),
        4 => format!("+447{}{}", rng.range(1, 9), rng.digits(8)),
        5 => format!("+4915{}{}", rng.range(1, 9), rng.digits(8)),
        _ => format!(
            "+33 6 {} {} {} {}",
            rng.digits(2),
            rng.digits(2),
            rng.digits(2),
            rng.digits(2)
        ),
    }
}

/// An IBAN with valid ISO 13616 mod-97 check digits, plain or grouped by four.
pub fn iban(rng: &mut Rng) -> String {
    let (country, bban) = match rng.below(6) {
        0 => ("DE", rng.digits(18)),
        1 => (
            "GB",
            format!(
                "{}{}",
                rng.pick(&["NWBK", "BARC", "MIDL", "LOYD"]),
                rng.digits(14)
            ),
        ),
        2 => ("FR", rng.digits(23)),
        3 => ("ES", rng.digits(20)),
        4 => (
            "NL",
            format!("{}{}", rng.pick(&["ABNA", "INGB", "RABO"]), rng.digits(10)),
        ),
        _ => (
            "IT",
            format!("{}{}", rng.pick(&["X", "A", "K"]), rng.digits(22)),
        ),
    };
    let check = 98 - iban_mod97(&format!("{bban}{country}00"));
    let plain = format!("{country}{check:02}{bban}");
    if rng.chance(0.5) {
        plain
    } else {
        plain
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Remainder mod 97 of an IBAN-rearranged string (letters A=10..Z=35).
fn iban_mod97(s: &str) -> u32 {
    let mut rem: u32 = 0;
    for c in s.chars() {
        let v = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'A'..='Z' => c as u32 - 'A' as u32 + 10,
            _ => continue,
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem
}

/// Whether an IBAN (spaces allowed) has valid check digits.
pub fn iban_valid(s: &str) -> bool {
    let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.len() < 15 || !compact.is_ascii() {
        return false;
    }
    let rearranged = format!("{}{}", &compact[4..], &compact[..4]);
    iban_mod97(&rearranged) == 1
}

fn ipv4(rng: &mut Rng) -> String {
    const FIRST: &[u8] = &[
        23, 31, 37, 45, 52, 54, 62, 66, 72, 81, 86, 91, 98, 104, 109, 142, 151, 185, 188, 193, 212,
        213, 217,
    ];
    format!(
        "{}.{}.{}.{}",
        rng.pick(FIRST),
        rng.below(256),
        rng.below(256),
        rng.range(1, 254)
    )
}

fn ipv6(rng: &mut Rng) -> String {
    let prefix = *rng.pick(&[
        "2001:4860",
        "2a03:2880",
        "2600:1f18",
        "2a02:6b8",
        "2406:da00",
    ]);
    let mut groups: Vec<String> = (0..6)
        .map(|_| format!("{:x}", rng.below(0x10000)))
        .collect();
    if rng.chance(0.4) {
        // Compressed form: prefix, two groups, `::`, last group.
        groups.truncate(2);
        format!("{prefix}:{}::{:x}", groups.join(":"), rng.range(1, 0xffff))
    } else {
        format!("{prefix}:{}", groups.join(":"))
    }
}

fn jwt(rng: &mut Rng) -> String {
    let (alg, sig_len) = if rng.chance(0.6) {
        ("HS256", 32)
    } else {
        ("ES256", 64)
    };
    let header = format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#);
    let iat = 1_700_000_000 + rng.below(30_000_000);
    let payload = format!(
        r#"{{"sub":"{}","iat":{iat},"exp":{},"scope":"read:features"}}"#,
        rng.uuid(),
        iat + 3600
    );
    let sig = rng.bytes(sig_len);
    format!(
        "{}.{}.{}",
        base64(header.as_bytes(), URL_ALPHABET, false),
        base64(payload.as_bytes(), URL_ALPHABET, false),
        base64(&sig, URL_ALPHABET, false)
    )
}

fn bearer_token(rng: &mut Rng) -> String {
    match rng.below(3) {
        0 => format!(
            "ya29.{}",
            rng.string_from(
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
                64
            )
        ),
        1 => format!("gho_{}", rng.alnum(36)),
        _ => rng.string_from(
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.",
            44,
        ),
    }
}

/// A vendor API key in its real format (random body).
fn api_key(rng: &mut Rng) -> String {
    const URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    match rng.below(12) {
        0 => {
            let n = 24 + rng.below(76) as usize;
            format!(
                "{}{}",
                rng.pick(&["sk_live_", "sk_test_", "rk_live_"]),
                rng.alnum(n)
            )
        }
        1 => format!(
            "{}{}",
            rng.pick(&["ghp_", "gho_", "ghs_", "ghu_"]),
            rng.alnum(36)
        ),
        2 => format!("github_pat_{}_{}", rng.alnum(22), rng.alnum(59)),
        3 => format!(
            "{}{}-{}-{}",
            rng.pick(&["xoxb-", "xoxp-"]),
            rng.digits(12),
            rng.digits(13),
            rng.alnum(24)
        ),
        4 => format!("AIza{}", rng.string_from(URL, 35)),
        5 => format!("sk-proj-{}", rng.string_from(URL, 100)),
        6 => format!("sk-{}", rng.alnum(48)),
        7 => format!("glpat-{}", rng.string_from(URL, 20)),
        8 => format!("npm_{}", rng.alnum(36)),
        9 => format!(
            "SG.{}.{}",
            rng.string_from(URL, 22),
            rng.string_from(URL, 43)
        ),
        10 => format!("SK{}", rng.hex(32)),
        _ => format!(
            "xapp-1-A{}-{}-{}",
            rng.digits(10),
            rng.digits(13),
            rng.hex(64)
        ),
    }
}

/// A PEM private key block with a random body (not a valid key): its body
/// text (the canary value) and the block, with real newlines, with `\n`
/// escapes (a JSON document logged as text), or cut short after the body.
fn private_key(rng: &mut Rng) -> (String, String) {
    let label = *rng.pick(&[
        "PRIVATE KEY",
        "RSA PRIVATE KEY",
        "EC PRIVATE KEY",
        "OPENSSH PRIVATE KEY",
        "ENCRYPTED PRIVATE KEY",
    ]);
    let mut der = vec![0x30, 0x81, 0x87, 0x02, 0x01, 0x00];
    let n = 90 + rng.below(60) as usize;
    der.extend(rng.bytes(n));
    let b64 = base64(&der, STD_ALPHABET, true);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect();
    let (sep, cut) = match rng.below(3) {
        0 => ("\n", false),
        1 => ("\\n", false),
        _ => (*rng.pick(&["\n", "\\n"]), true),
    };
    let body = lines.join(sep);
    let end = if cut {
        String::new()
    } else {
        format!("{sep}-----END {label}-----")
    };
    let block = format!("-----BEGIN {label}-----{sep}{body}{end}");
    (body, block)
}

/// A date of birth (1940-2005) in one of the common numeric and written
/// shapes.
fn birth_date(rng: &mut Rng) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let (y, m, d) = (rng.range(1940, 2005), rng.range(1, 12), rng.range(1, 28));
    let name = MONTHS[(m - 1) as usize];
    match rng.below(7) {
        0 => format!("{y}-{m:02}-{d:02}"),
        1 => format!("{m:02}/{d:02}/{y}"),
        2 => format!("{d:02}.{m:02}.{y}"),
        3 => format!("{d:02}-{m:02}-{y}"),
        4 => format!("{name} {d}, {y}"),
        5 => format!("{d} {name} {y}"),
        _ => format!("{d:02}-{}-{y}", &name[..3]),
    }
}

fn feature_value(rng: &mut Rng, key: &str) -> String {
    match key {
        "user.email" => email(rng),
        "user.risk_score" => format!("0.{}", rng.digits(7)),
        "user.ltv_usd" => format!("{}.{:02}", rng.range(10_000, 99_999), rng.below(100)),
        "user.date_of_birth" => format!(
            "{}-{:02}-{:02}",
            rng.range(1940, 2005),
            rng.range(1, 12),
            rng.range(1, 28)
        ),
        "user.device_id" => format!("dev_{}", rng.hex(16)),
        "user.segment" => format!("cohort-{}", rng.lower_alnum(10)),
        "transaction.amount" => format!("{}.{:02}", rng.range(1_000, 9_999), rng.below(100)),
        _ => format!("mrc_{}", rng.alnum(12)),
    }
}

pub const STD_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
pub const URL_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64 (RFC 4648) with the given alphabet, optionally padded.
pub fn base64(input: &[u8], alphabet: &[u8; 64], pad: bool) -> String {
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..4 {
            if i < chars {
                out.push(char::from(alphabet[((n >> (18 - 6 * i)) & 63) as usize]));
            } else if pad {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cards_are_luhn_valid_with_brand_prefixes() {
        let mut rng = Rng::new(3);
        for _ in 0..500 {
            let c = credit_card(&mut rng);
            assert!(luhn_valid(&c), "{c}");
            let digits: String = c.chars().filter(char::is_ascii_digit).collect();
            assert!(matches!(digits.len(), 15 | 16), "{c}");
            assert!(
                ["4", "51", "52", "53", "54", "55", "34", "37", "6011", "65"]
                    .iter()
                    .any(|p| digits.starts_with(p)),
                "{c}"
            );
        }
        assert!(luhn_valid("4111 1111 1111 1111"));
        assert!(!luhn_valid("4111 1111 1111 1112"));
    }

    #[test]
    fn ibans_pass_mod97() {
        let mut rng = Rng::new(4);
        for _ in 0..500 {
            let i = iban(&mut rng);
            assert!(iban_valid(&i), "{i}");
        }
        assert!(iban_valid("GB82 WEST 1234 5698 7654 32"));
        assert!(!iban_valid("GB83 WEST 1234 5698 7654 32"));
    }

    #[test]
    fn ssns_are_in_valid_ranges() {
        let mut rng = Rng::new(5);
        for _ in 0..2000 {
            let s = us_ssn(&mut rng);
            let parts: Vec<u32> = s.split(['-', ' ']).map(|p| p.parse().unwrap()).collect();
            assert!(parts[0] >= 1 && parts[0] <= 899 && parts[0] != 666, "{s}");
            assert!(parts[1] >= 1 && parts[2] >= 1, "{s}");
        }
    }

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(i.as_bytes(), STD_ALPHABET, true), o);
        }
        assert_eq!(base64(&[0xfb, 0xff], URL_ALPHABET, false), "-_8");
    }

    #[test]
    fn every_kind_puts_its_value_in_phrase_and_bare_form() {
        let mut rng = Rng::new(6);
        for _ in 0..20 {
            for (kind, generate) in CanaryKind::ALL.into_iter().flat_map(|k| {
                [
                    (k, generate as fn(&mut Rng, CanaryKind) -> Pii),
                    (k, generate_adversarial),
                ]
            }) {
                let p = generate(&mut rng, kind);
                assert!(p.phrase.contains(&p.value), "{p:?}");
                assert!(p.bare.contains(&p.value), "{p:?}");
                assert_eq!(p.feature_key.is_some(), kind == CanaryKind::FeatureValue);
                assert!(p.value.len() >= 7, "{p:?}");
            }
        }
    }
}
